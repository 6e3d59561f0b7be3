/* HTTP/1.1 requests through llhttp: the callbacks gather what the router
 * needs (target, method, the Accept field's choice) and enforce the request rules llhttp leaves to
 * the server; a completed message is answered at once, in order. The
 * bytes reach llhttp through the head meter (head_meter.c), which counts
 * each head as received and refuses the line forms llhttp would take.
 * Parsing pauses (HPE_PAUSED) when a connection must stop taking requests:
 * it is closing, or its queued output reached the cap; unparsed input is
 * then kept, bounded by one read, until the output drains. The rules and
 * the tests that prove them: docs/http.md. */
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "server_int.h"

static eved_conn_t *conn_of(llhttp_t *p) { return (eved_conn_t *)p->data; }

static int reject(eved_conn_t *c, eved_status_t status) {
  c->reject = (int)status;
  return -1;
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
  eved_target_begin(&c->target);
  c->field_len = 0;
  c->field_bytes = 0;
  c->field_is_host = false;
  c->field_is_accept = false;
  c->field_is_scrape_timeout = false;
  c->scrape_timeout_len = 0;
  c->field_is_authorization = false;
  /* A request's credentials never outlive it, whether or not the gate
   * read them (an open /healthz does not). */
  if (c->auth_count > 0) eved_secret_wipe(c->auth_value, sizeof c->auth_value);
  c->auth_count = 0;
  c->auth_value_len = 0;
  c->host_count = 0;
  eved_accept_begin(&c->accept);
  c->head_request = false;
  c->reject = -1;
  c->in_message = true;
  c->request_start_ms = c->server->now_ms;
  return 0;
}

/* RFC 9110 9.3.2: known as soon as the method is, so that every answer to
 * a HEAD, errors included, ends with its head. */
static int on_method_complete(llhttp_t *p) {
  conn_of(p)->head_request = p->method == HTTP_HEAD;
  return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len) {
  eved_target_feed(&conn_of(p)->target, at, len);
  return 0;
}

/* llhttp takes HTTP/0.9 and HTTP/2.0 on a request line. RFC 9110 15.6.6:
 * 505 for a major version eved does not serve (1 is the only one). */
static int on_version_complete(llhttp_t *p) {
  return p->http_major == 1 ? 0 : reject(conn_of(p), EVED_STATUS_505);
}

static int on_header_field(llhttp_t *p, const char *at, size_t len) {
  eved_conn_t *c = conn_of(p);
  size_t room = sizeof c->field - c->field_len;
  size_t take = len < room ? len : room;
  memcpy(c->field + c->field_len, at, take);
  c->field_len += take;
  c->field_bytes += len;
  return 0;
}

static int on_header_field_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  /* RFC 9112 5.1: field-name is a token, at least one character. */
  if (c->field_bytes == 0) return reject(c, EVED_STATUS_400);
  bool whole = c->field_bytes == c->field_len;
  c->field_is_host = whole && ascii_iequal(c->field, c->field_len, "host");
  c->field_is_accept = whole && ascii_iequal(c->field, c->field_len, "accept");
  c->field_is_scrape_timeout =
      whole && ascii_iequal(c->field, c->field_len, "x-prometheus-scrape-timeout-seconds");
  if (c->field_is_scrape_timeout) c->scrape_timeout_len = 0;
  c->field_is_authorization = whole && ascii_iequal(c->field, c->field_len, "authorization");
  if (c->field_is_authorization) {
    if (c->auth_count++ > 0) eved_secret_wipe(c->auth_value, sizeof c->auth_value);
    c->auth_value_len = 0;
  }
  c->field_len = 0;
  c->field_bytes = 0;
  /* RFC 9110 5.3: every Accept line adds to one list (/metrics' format). */
  if (c->field_is_accept) eved_accept_field_begin(&c->accept);
  if (!c->field_is_host) return 0;
  /* RFC 9112 3.2: more than one Host field line is a 400, even identical. */
  if (++c->host_count > 1) return reject(c, EVED_STATUS_400);
  eved_host_check_begin(&c->host);
  return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len) {
  eved_conn_t *c = conn_of(p);
  if (c->field_is_host) eved_host_check_feed(&c->host, at, len);
  if (c->field_is_accept) eved_accept_feed(&c->accept, at, len);
  if (c->field_is_scrape_timeout) {
    size_t room = sizeof c->scrape_timeout - c->scrape_timeout_len;
    if (len < room) memcpy(c->scrape_timeout + c->scrape_timeout_len, at, len);
    c->scrape_timeout_len += len; /* too long: ignored at use */
  }
  if (c->field_is_authorization) {
    if (c->auth_value_len <= sizeof c->auth_value &&
        len <= sizeof c->auth_value - c->auth_value_len)
      memcpy(c->auth_value + c->auth_value_len, at, len);
    /* Too long: counted on (the head's bound caps it), malformed at use. */
    c->auth_value_len += len;
  }
  return 0;
}

static int on_header_value_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  /* RFC 9112 3.2: a Host field with an invalid value is a 400. */
  if (c->field_is_host && !eved_host_check_valid(&c->host)) return reject(c, EVED_STATUS_400);
  /* A malformed Accept is no error: /metrics answers in the text format. */
  if (c->field_is_accept) eved_accept_field_end(&c->accept);
  c->field_is_host = false;
  c->field_is_accept = false;
  c->field_is_scrape_timeout = false;
  c->field_is_authorization = false;
  return 0;
}

static int on_headers_complete(llhttp_t *p) {
  eved_conn_t *c = conn_of(p);
  /* RFC 9112 3.2: a 1.1 request without Host is a 400. */
  if (p->http_minor >= 1 && c->host_count == 0) return reject(c, EVED_STATUS_400);
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
  /* RFC 9110 7.8: a server may ignore Upgrade and answer in HTTP/1.1; eved
   * does, and the connection goes on. CONNECT (RFC 9110 9.3.6) is a method
   * eved does not serve: answered 405, and the connection goes on. Without
   * this llhttp would stop at the end of the message (HPE_PAUSED_UPGRADE). */
  p->upgrade = 0;
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
  bool queued = eved__route(c, (llhttp_method_t)p->method, keep_alive);
  c->head_request = false;
  if (queued && (c->parked || c->auth_waiting)) {
    /* Its answer comes when the collectors are done (park.c) or its
     * credentials checked (auth.c); what the client sent after it waits,
     * unparsed, so answers keep their order. */
    c->input_paused = true;
    return HPE_PAUSED;
  }
  if (!queued || !keep_alive) {
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
  s->on_method_complete = on_method_complete;
  s->on_url = on_url;
  s->on_version_complete = on_version_complete;
  s->on_header_field = on_header_field;
  s->on_header_field_complete = on_header_field_complete;
  s->on_header_value = on_header_value;
  s->on_header_value_complete = on_header_value_complete;
  s->on_headers_complete = on_headers_complete;
  s->on_message_complete = on_message_complete;
}

void eved__http_init(eved_conn_t *c) {
  llhttp_init(&c->parser, HTTP_REQUEST, &c->server->settings);
  c->parser.data = c;
  /* llhttp is compiled strict (cmake/Dependencies.cmake); every leniency
   * is off as well, whatever llhttp's defaults become. */
  llhttp_set_lenient_headers(&c->parser, 0);
  llhttp_set_lenient_chunked_length(&c->parser, 0);
  llhttp_set_lenient_keep_alive(&c->parser, 0);
  llhttp_set_lenient_transfer_encoding(&c->parser, 0);
}

/* Answers a request eved will not read to its end, and stops reading. */
static void refuse(eved_conn_t *c, eved_status_t status) {
  c->closing = true;
  eved__respond_error(c, status);
}

/* Keeps the input after a pause for when the output drains. */
static void keep_pending(eved_conn_t *c, const char *from, const char *end) {
  size_t rest = (size_t)(end - from);
  if (rest == 0) return;
  c->pending = malloc(rest);
  if (c->pending == NULL) {
    c->closing = true;
    return;
  }
  memcpy(c->pending, from, rest);
  c->pending_len = rest;
}

void eved__http_feed(eved_conn_t *c, const char *data, size_t len) {
  const char *end = data + len;
  while (data < end && !c->closing) {
    eved_head_verdict_t verdict = EVED_HEAD_MORE;
    size_t n = eved_head_scan(&c->meter, data, (size_t)(end - data),
                              c->server->config.max_header_bytes, &verdict);
    /* llhttp sees the bytes the meter let through, so an error it finds
     * in them comes first. */
    llhttp_errno_t err = n > 0 ? llhttp_execute(&c->parser, data, n) : HPE_OK;
    if (c->closing) return;
    if (err == HPE_PAUSED) {
      /* Paused at a message's end for the output cap: a head ends there,
       * so the meter starts afresh on what is kept. */
      const char *pos = llhttp_get_error_pos(&c->parser);
      if (pos == NULL || pos < data || pos > data + n) pos = data + n;
      c->meter = (eved_head_meter_t){0};
      keep_pending(c, pos, end);
      return;
    }
    if (err != HPE_OK) {
      refuse(c, c->reject >= 0 ? (eved_status_t)c->reject : EVED_STATUS_400);
      return;
    }
    if (verdict == EVED_HEAD_INVALID) {
      refuse(c, EVED_STATUS_400);
      return;
    }
    if (verdict == EVED_HEAD_TOO_BIG || verdict == EVED_HEAD_LINE_TOO_BIG) {
      bool line = verdict == EVED_HEAD_LINE_TOO_BIG;
      eved__limit_hit(c->server, EVED_LIMIT_MAX_HEADER_BYTES,
                      "connection %u: %s, request %s over %u bytes", c->slot,
                      line ? "414" : "431", line ? "line" : "head",
                      c->server->config.max_header_bytes);
      refuse(c, line ? EVED_STATUS_414 : EVED_STATUS_431);
      return;
    }
    data += n;
  }
}
