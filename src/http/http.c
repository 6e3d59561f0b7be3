/* HTTP/1.1 requests through llhttp: the callbacks gather what the router
 * needs (target, Host) and enforce the request-level bounds; a completed
 * message is answered at once, in order. Parsing pauses (HPE_PAUSED) when
 * a connection must stop taking requests: it is closing, or its queued
 * output reached the cap; unparsed input is then kept, bounded by one
 * read, until the output drains. */
#include <stdlib.h>
#include <string.h>

#include "server_int.h"

static eved_conn_t *conn_of(llhttp_t *p) { return (eved_conn_t *)p->data; }

static int reject(eved_conn_t *c, eved_status_t status) {
  c->reject = (int)status;
  return -1;
}

/* The head is measured as it streams by: request line and header lines,
 * with their separators, so a client cannot make eved hold or parse more. */
static int add_head(eved_conn_t *c, size_t n) {
  c->head_bytes += n;
  if (c->head_bytes > c->server->config.max_header_bytes) {
    eved__limit_hit(c->server, EVED_LIMIT_MAX_HEADER_BYTES,
                    "connection %u: 431, request head over %u bytes",
                    c->slot, c->server->config.max_header_bytes);
    return reject(c, EVED_STATUS_431);
  }
  return 0;
}

static bool ascii_iequal(const char *a, size_t a_len, const char *b) {
  if (a_len != strlen(b)) return false;
  for (size_t i = 0; i < a_len; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

static int on_message_begin(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  c->target_len = 0;
  c->target_overflow = false;
  c->target_query = false;
  c->field_len = 0;
  c->field_is_host = false;
  c->has_host = false;
  c->head_bytes = 0;
  c->reject = -1;
  c->in_message = true;
  c->request_start_ms = c->server->now_ms;
  return 0;
}

static int on_method(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  return add_head(conn_of(p), len + 1); /* and the space */
}

static int on_url(llhttp_t *p, const char *at, size_t len) {
  eved_conn_t *c = conn_of(p);
  if (!c->target_query) {
    const char *query = memchr(at, '?', len);
    size_t path_len = query != NULL ? (size_t)(query - at) : len;
    c->target_query = query != NULL;
    if (c->target_len + path_len > sizeof c->target) {
      c->target_overflow = true;
    } else if (!c->target_overflow) {
      memcpy(c->target + c->target_len, at, path_len);
      c->target_len += path_len;
    }
  }
  return add_head(c, len + 1);
}

static int on_version(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  return add_head(conn_of(p), len + 7); /* "HTTP/" and CRLF */
}

static int on_header_field(llhttp_t *p, const char *at, size_t len) {
  eved_conn_t *c = conn_of(p);
  size_t room = sizeof c->field - c->field_len;
  size_t take = len < room ? len : room;
  memcpy(c->field + c->field_len, at, take);
  c->field_len += take;
  return add_head(c, len);
}

static int on_header_field_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  c->field_is_host = ascii_iequal(c->field, c->field_len, "host");
  c->field_len = 0;
  return add_head(c, 2); /* ": " */
}

static int on_header_value(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  return add_head(conn_of(p), len);
}

static int on_header_value_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  if (c->field_is_host) c->has_host = true;
  return add_head(c, 2); /* CRLF */
}

static int on_headers_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  if (add_head(c, 2) != 0) return -1;
  /* RFC 9112 3.2: a 1.1 request without Host is a 400. */
  if (p->http_major == 1 && p->http_minor >= 1 && !c->has_host) return reject(c, EVED_STATUS_400);
  /* Both framings at once is how requests are smuggled past proxies
   * (RFC 9112 6.3): refuse, and close. */
  bool has_length = (p->flags & F_CONTENT_LENGTH) != 0;
  bool has_coding = (p->flags & (F_TRANSFER_ENCODING | F_CHUNKED)) != 0;
  if (has_length && has_coding) return reject(c, EVED_STATUS_400);
  /* eved takes no request bodies: rather than drain one of any size, it
   * refuses it and closes, so a body can never be read as a request. */
  if (has_coding || (has_length && p->content_length > 0)) {
    eved__limit_hit(c->server, EVED_LIMIT_REQUEST_BODY,
                    "connection %u: a request with a body, refused",
                    c->slot);
    llhttp_method_t m = (llhttp_method_t)p->method;
    return reject(c, (m == HTTP_GET || m == HTTP_HEAD) ? EVED_STATUS_413 : EVED_STATUS_405);
  }
  return 0;
}

static int on_message_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  eved_server_t *server = c->server;
  c->in_message = false;
  c->requests++;
  bool keep_alive = llhttp_should_keep_alive(p) && !server->draining;
  if (keep_alive && c->requests >= server->config.max_requests_per_connection) {
    eved__limit_hit(server, EVED_LIMIT_MAX_REQUESTS,
                    "connection %u: closing after %u requests", c->slot,
                    c->requests);
    keep_alive = false;
  }
  if (!eved__route(c, (llhttp_method_t)p->method, keep_alive)) {
    c->closing = true;
    return HPE_PAUSED;
  }
  if (!keep_alive) {
    c->closing = true;
    return HPE_PAUSED;
  }
  if (c->out_bytes >= server->config.max_output_bytes) {
    eved__limit_hit(server, EVED_LIMIT_OUTPUT_CAP,
                    "connection %u: reading paused, %llu bytes of responses unread", c->slot,
                    (unsigned long long)c->out_bytes);
    c->input_paused = true;
    return HPE_PAUSED;
  }
  return 0;
}

void eved__http_settings(llhttp_settings_t *s) {
  llhttp_settings_init(s);
  s->on_message_begin = on_message_begin;
  s->on_method = on_method;
  s->on_url = on_url;
  s->on_version = on_version;
  s->on_header_field = on_header_field;
  s->on_header_field_complete = on_header_field_complete;
  s->on_header_value = on_header_value;
  s->on_header_value_complete = on_header_value_complete;
  s->on_headers_complete = on_headers_complete;
  s->on_message_complete = on_message_complete;
}

void eved__http_feed(eved_conn_t *c, const char *data, size_t len) {
  llhttp_errno_t err = llhttp_execute(&c->parser, data, len);
  if (err == HPE_OK || c->closing) return;
  if (err == HPE_PAUSED) {
    /* Paused for the output cap: keep the rest for when it drains. */
    const char *pos = llhttp_get_error_pos(&c->parser);
    size_t rest = pos ? (size_t)(data + len - pos) : 0;
    if (rest > 0 && rest <= len) {
      c->pending = malloc(rest);
      if (c->pending == NULL) {
        c->closing = true;
        return;
      }
      memcpy(c->pending, pos, rest);
      c->pending_len = rest;
    }
    return;
  }
  /* Upgrade, CONNECT, or a parse error: answer (unless upgrading) and close. */
  c->closing = true;
  if (err == HPE_PAUSED_UPGRADE) return;
  eved_status_t status = c->reject >= 0 ? (eved_status_t)c->reject : EVED_STATUS_400;
  eved__respond_error(c, status);
}
