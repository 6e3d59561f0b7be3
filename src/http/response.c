/* Responses: the status line and the headers every response carries
 * (Date, Server, Content-Length, Cache-Control: no-store, Connection),
 * then the body. A response goes out with one gathered send straight from
 * the head on the stack and the body where it lies; only what the socket
 * does not take is copied into a queued chunk. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "platform.h"
#include "server_int.h"
#include "textbuf.h"
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
  eved_textbuf_t b;
  eved_textbuf_init(&b, buf, size);
  eved_textbuf_puts(&b, "HTTP/1.1 ");
  eved_textbuf_u64(&b, (uint64_t)eved_status_code(r->status));
  eved_textbuf_put(&b, " ", 1);
  eved_textbuf_puts(&b, eved_status_reason(r->status));
  eved_textbuf_puts(&b, "\r\nServer: eved/" EVED_VERSION "\r\nDate: ");
  eved_textbuf_puts(&b, http_date(server));
  eved_textbuf_puts(&b, "\r\nContent-Type: ");
  eved_textbuf_puts(&b, r->content_type);
  eved_textbuf_puts(&b, "\r\nContent-Length: ");
  eved_textbuf_u64(&b, r->body_len);
  eved_textbuf_puts(&b, "\r\nCache-Control: no-store\r\n");
  if (r->allow) eved_textbuf_puts(&b, "Allow: GET, HEAD\r\n");
  /* RFC 9110 12.5.5: caches must know the body depends on Accept. */
  if (r->vary_accept) eved_textbuf_puts(&b, "Vary: Accept\r\n");
  /* RFC 9110 11.6.1: a 401 carries the challenge it failed. */
  if (r->www_authenticate) {
    eved_textbuf_puts(&b, "WWW-Authenticate: ");
    eved_textbuf_puts(&b, eved__auth_challenge);
    eved_textbuf_puts(&b, "\r\n");
  }
  /* RFC 9110 10.2.3: when to try again, in seconds (429: RFC 6585 4). */
  if (r->retry_after_s > 0) {
    eved_textbuf_puts(&b, "Retry-After: ");
    eved_textbuf_u64(&b, r->retry_after_s);
    eved_textbuf_puts(&b, "\r\n");
  }
  eved_textbuf_puts(&b, r->keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
  return eved_textbuf_finish(&b);
}

size_t eved__response_format(eved_server_t *server, const eved_response_t *r, char *buf,
                             size_t size) {
  size_t head = format_head(server, r, buf, size);
  size_t body = r->head_only ? 0 : r->body_len;
  if (head == 0 || head + body > size) return 0;
  memcpy(buf + head, r->body, body);
  return head + body;
}

/* Tries the socket first when nothing is queued ahead. Returns how much it
 * took; a failure marks the connection broken (the caller's next step
 * closes it) and counts as all sent, so nothing is queued behind it. */
static size_t send_now(eved_conn_t *conn, const eve_net_buf_t *parts, size_t count, size_t total) {
  if (conn->out_head != NULL || conn->broken) return conn->broken ? total : 0;
  size_t sent = 0;
  int rc = eved__conn_send(conn, parts, count, &sent);
  if (rc == EVE_EAGAIN) return 0;
  if (rc != EVE_OK) {
    eved_log(EVED_LOG_DEBUG, "connection %u: send failed: %s", conn->slot, eve_strerror(rc));
    conn->broken = true;
    conn->closing = true;
    return total;
  }
  conn->server->counters.bytes_sent += sent;
  conn->write_progress_ms = conn->server->now_ms;
  return sent;
}

/* Copies the parts from byte `skip` on into one chunk at the queue's tail. */
static bool queue_rest(eved_conn_t *conn, const eve_net_buf_t *parts, size_t count, size_t total,
                       size_t skip) {
  eved_chunk_t *chunk = malloc(sizeof *chunk + total - skip);
  if (chunk == NULL) return false;
  chunk->next = NULL;
  chunk->len = total - skip;
  chunk->off = 0;
  size_t at = 0;
  for (size_t i = 0; i < count; i++) {
    size_t len = parts[i].len, from = skip < len ? skip : len;
    skip -= from;
    memcpy(chunk->data + at, (const char *)parts[i].data + from, len - from);
    at += len - from;
  }
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

bool eved__response_queue(eved_conn_t *conn, const eved_response_t *r) {
  char head[HEAD_MAX];
  size_t head_len = format_head(conn->server, r, head, sizeof head);
  if (head_len == 0) return false;
  size_t body_len = r->head_only ? 0 : r->body_len;
  eve_net_buf_t parts[2] = {{head, head_len}, {r->body, body_len}};
  size_t count = body_len > 0 ? 2 : 1, total = head_len + body_len;
  size_t sent = send_now(conn, parts, count, total);
  return sent == total || queue_rest(conn, parts, count, total, sent);
}
