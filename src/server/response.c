/* Responses: the status line and the headers every response carries
 * (Date, Server, Content-Length, Cache-Control: no-store, Connection),
 * then the body, as one queued chunk so a gathered send writes it whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "server_int.h"
#include "version.h"

/* The headers eved writes always fit in this. */
#define HEAD_MAX 512

static const char *http_date(eved_server_t *server) {
  int64_t second = eved_wall_ms() / 1000;
  if (second != server->date_second) {
    eved_format_http_date(second, server->date);
    server->date_second = second;
  }
  return server->date;
}

static size_t format_head(eved_server_t *server, const eved_response_t *r, char *buf, size_t size) {
  int n = snprintf(buf, size,
                   "HTTP/1.1 %d %s\r\n"
                   "Server: eved/" EVED_VERSION "\r\n"
                   "Date: %s\r\n"
                   "Content-Type: %s\r\n"
                   "Content-Length: %llu\r\n"
                   "Cache-Control: no-store\r\n"
                   "%s"
                   "Connection: %s\r\n"
                   "\r\n",
                   eved_status_code(r->status), eved_status_reason(r->status), http_date(server),
                   r->content_type, (unsigned long long)r->body_len, r->allow ? "Allow: GET, HEAD\r\n" : "",
                   r->keep_alive ? "keep-alive" : "close");
  return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

size_t eved__response_format(eved_server_t *server, const eved_response_t *r, char *buf,
                             size_t size) {
  size_t head = format_head(server, r, buf, size);
  size_t body = r->head_only ? 0 : r->body_len;
  if (head == 0 || head + body > size) return 0;
  memcpy(buf + head, r->body, body);
  return head + body;
}

bool eved__response_queue(eved_conn_t *conn, const eved_response_t *r) {
  char head[HEAD_MAX];
  size_t head_len = format_head(conn->server, r, head, sizeof head);
  size_t body_len = r->head_only ? 0 : r->body_len;
  if (head_len == 0) return false;
  eved_chunk_t *chunk = malloc(sizeof *chunk + head_len + body_len);
  if (chunk == NULL) return false;
  chunk->next = NULL;
  chunk->len = head_len + body_len;
  chunk->off = 0;
  memcpy(chunk->data, head, head_len);
  if (body_len) memcpy(chunk->data + head_len, r->body, body_len);
  if (conn->out_tail) {
    conn->out_tail->next = chunk;
  } else {
    conn->out_head = chunk;
    conn->write_progress_ms = conn->server->now_ms;
  }
  conn->out_tail = chunk;
  conn->out_bytes += chunk->len;
  return true;
}
