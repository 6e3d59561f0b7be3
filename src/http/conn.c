/* A client connection's course: read and parse, queue responses, write
 * them with back-pressure (write interest only while output is queued),
 * and close in one of three ways: at once on errors and dropped clients
 * (abort), after the last response for a finished connection (a lingering
 * close: write side shut, input read and discarded until EOF, so a reset
 * never destroys the response the client has not read yet), or quietly
 * when idle. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secret.h"
#include "server_int.h"

/* How many reads one readiness event may do before others get a turn. A
 * read that leaves the buffer short has emptied the socket: the poller is
 * level-triggered, so the next wait reports anything newer, and a second
 * recv that would only say EAGAIN is saved. */
#define READS_PER_EVENT 4
/* A lingering close discards at most this much input; a client still
 * sending beyond it is reset (its response is long in its receive buffer). */
#define LINGER_MAX_BYTES (256 * 1024)

uint64_t eved__conn_user_data(const eved_conn_t *conn) {
  return (uint64_t)conn->server->generations[conn->slot] << 32 | conn->slot;
}

eved_conn_t *eved__conn_create(eved_server_t *server, eve_handle_t sock, uint32_t slot) {
  eved_conn_t *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->server = server;
  c->sock = sock;
  c->slot = slot;
  c->reject = -1;
  eved__http_init(c);
  c->request_start_ms = server->now_ms;
  c->accepted_ms = server->now_ms;
  c->idle_since_ms = server->now_ms;
  if (server->tls != NULL) {
    c->tls = eved_tls_conn_create(server->tls, sock, eved__conn_user_data(c));
    if (c->tls == NULL) {
      free(c);
      return NULL;
    }
    c->handshaking = true;
  }
  return c;
}

int eved__conn_send(eved_conn_t *c, const eve_net_buf_t *bufs, size_t count, size_t *sent) {
  if (c->tls != NULL) return eved_tls_send(c->tls, bufs, count, sent);
  return eve_net_send(c->sock, bufs, count, sent);
}

static int conn_recv(eved_conn_t *c, void *buf, size_t len, size_t *got) {
  if (c->tls == NULL) return eve_net_recv(c->sock, buf, len, got);
  eve_interest_t want = EVE_INTEREST_READ;
  int rc = eved_tls_recv(c->tls, buf, len, got, &want);
  c->tls_want_write = rc == EVE_EAGAIN && want == EVE_INTEREST_WRITE;
  return rc;
}

bool eved__conn_is_idle(const eved_conn_t *c) {
  return !c->in_message && c->out_bytes == 0 && !c->lingering && c->pending == NULL && !c->parked &&
         !c->auth_waiting && !c->handshaking;
}

static void free_output(eved_conn_t *c) {
  for (eved_chunk_t *k = c->out_head, *next; k != NULL; k = next) {
    next = k->next;
    free(k);
  }
  c->out_head = c->out_tail = NULL;
  c->out_bytes = 0;
}

void eved__conn_close(eved_conn_t *c, bool abort) {
  eved_server_t *server = c->server;
  eve_poller_unregister(server->poller, c->sock);
  /* close_notify before the socket goes, on a close that is not an abort
   * (RFC 5246 7.2.1). */
  if (c->tls != NULL) eved_tls_conn_free(c->tls, !abort);
  if (abort) {
    eve_net_abort(c->sock);
  } else {
    eve_net_close(c->sock);
  }
  free_output(c);
  free(c->pending);
  if (c->auth_count > 0) eved_secret_wipe(c->auth_value, sizeof c->auth_value);
  if (c->parked) server->parked_count--;
  if (c->auth_waiting) server->auth_waiting--;
  server->slots[c->slot] = NULL;
  server->generations[c->slot] = (server->generations[c->slot] + 1) & EVED_GENERATION_MASK;
  server->free_slots[server->free_count++] = c->slot;
  server->counters.connections_active--;
  server->counters.connections_closed++;
  free(c);
}

/* Sends as much queued output as the socket takes. False if the
 * connection failed and was closed. */
static bool flush(eved_conn_t *c) {
  while (c->out_head != NULL) {
    eve_net_buf_t bufs[EVE_NET_MAX_BUFS];
    size_t n = 0;
    for (eved_chunk_t *k = c->out_head; k != NULL && n < EVE_NET_MAX_BUFS; k = k->next) {
      bufs[n].data = k->data + k->off;
      bufs[n].len = k->len - k->off;
      n++;
    }
    size_t sent = 0;
    int rc = eved__conn_send(c, bufs, n, &sent);
    if (rc == EVE_EAGAIN) return true;
    if (rc != EVE_OK) {
      eved_log(EVED_LOG_DEBUG, "connection %u: send failed: %s", c->slot, eve_strerror(rc));
      eved__conn_close(c, true);
      return false;
    }
    if (sent == 0) return true;
    c->server->counters.bytes_sent += sent;
    c->out_bytes -= sent;
    c->write_progress_ms = c->server->now_ms;
    while (sent > 0) {
      eved_chunk_t *k = c->out_head;
      size_t left = k->len - k->off;
      if (sent < left) {
        k->off += sent;
        break;
      }
      sent -= left;
      c->out_head = k->next;
      free(k);
    }
    if (c->out_head == NULL) c->out_tail = NULL;
  }
  return true;
}

/* Reads and discards until EOF: the last phase of a lingering close. */
static void linger_read(eved_conn_t *c) {
  eved_server_t *server = c->server;
  for (int i = 0; i < READS_PER_EVENT; i++) {
    size_t got = 0;
    int rc = eve_net_recv(c->sock, server->read_buf, sizeof server->read_buf, &got);
    if (rc == EVE_EAGAIN) return;
    if (rc != EVE_OK) {
      eved__conn_close(c, rc != EVE_EOF_);
      return;
    }
    server->counters.bytes_received += got;
    c->linger_bytes += got;
    if (c->linger_bytes > LINGER_MAX_BYTES) {
      eved__limit_hit(server, EVED_LIMIT_LINGER,
                      "connection %u: reset, still sending %llu bytes after its last response",
                      c->slot, (unsigned long long)c->linger_bytes);
      eved__conn_close(c, true);
      return;
    }
  }
}

/* Reads and parses. False if the connection was closed. */
static bool read_requests(eved_conn_t *c) {
  eved_server_t *server = c->server;
  for (int i = 0; i < READS_PER_EVENT && !c->closing && !c->input_paused; i++) {
    size_t got = 0;
    int rc = conn_recv(c, server->read_buf, sizeof server->read_buf, &got);
    if (rc == EVE_EAGAIN) return true;
    if (rc == EVE_EOF_) {
      /* The client is done sending; answer what it asked, then close. */
      c->peer_eof = true;
      c->closing = true;
      return true;
    }
    if (rc != EVE_OK) {
      eved_log(EVED_LOG_DEBUG, "connection %u: recv failed: %s", c->slot, eve_strerror(rc));
      eved__conn_close(c, true);
      return false;
    }
    server->counters.bytes_received += got;
    eved__http_feed(c, server->read_buf, got);
    /* A TLS read returns one record, short or not: only a plain socket's
     * short read says it is empty. */
    if (got < sizeof server->read_buf && c->tls == NULL) return true;
  }
  return true;
}

static bool set_interest(eved_conn_t *c, eve_interest_t want) {
  if (want == c->interest) return true;
  int rc = eve_poller_modify(c->server->poller, c->sock, want, eved__conn_user_data(c));
  if (rc != EVE_OK) {
    eved_log(EVED_LOG_WARN, "connection %u: poller modify failed: %s", c->slot, eve_strerror(rc));
    eved__conn_close(c, true);
    return false;
  }
  c->interest = want;
  return true;
}

/* After any I/O: move the connection on (resume parsing, start the
 * lingering close) and ask the poller for exactly what it waits for. */
static void advance(eved_conn_t *c) {
  for (;;) {
    if (c->broken) {
      eved__conn_close(c, true);
      return;
    }
    if (!flush(c)) return;
    if (c->out_bytes > 0) break;
    if (c->input_paused && !c->closing && !c->parked && !c->auth_waiting) {
      /* The output drained: take up the input kept while paused. */
      c->input_paused = false;
      llhttp_resume(&c->parser);
      char *pending = c->pending;
      size_t len = c->pending_len;
      c->pending = NULL;
      c->pending_len = 0;
      if (pending != NULL) {
        eved__http_feed(c, pending, len);
        free(pending);
      }
      /* Input Mbed TLS already decrypted: no readiness will tell of it. */
      if (c->tls != NULL && eved_tls_has_input(c->tls) && !read_requests(c)) return;
      continue;
    }
    break;
  }
  if (c->out_bytes == 0 && c->closing && !c->lingering) {
    if (c->tls != NULL && !c->peer_eof) eved_tls_notify_close(c->tls);
    if (c->peer_eof || eve_net_shutdown_write(c->sock) != EVE_OK) {
      eved__conn_close(c, false);
      return;
    }
    c->lingering = true;
    c->linger_start_ms = c->server->now_ms;
  }
  if (c->out_bytes == 0 && !c->in_message && !c->closing) c->idle_since_ms = c->server->now_ms;
  /* A TLS read that must write first waits for writability, while reading
   * is what the connection does: not once it closes or pauses, or a
   * writable socket would wake the loop for nothing until the end. */
  if (c->closing || c->input_paused) c->tls_want_write = false;
  eve_interest_t want = EVE_INTEREST_NONE;
  if (c->lingering || (!c->closing && !c->input_paused)) want |= EVE_INTEREST_READ;
  if (c->out_bytes > 0 || c->tls_want_write) want |= EVE_INTEREST_WRITE;
  set_interest(c, want);
}

/* Moves the TLS handshake on; once it is done, the connection reads its
 * requests. False if the connection was closed. */
static bool step_handshake(eved_conn_t *c) {
  eve_interest_t want = EVE_INTEREST_READ;
  int rc = eved_tls_handshake(c->tls, &want);
  c->tls_signing = rc == EVE_EAGAIN && want == EVE_INTEREST_NONE;
  if (rc == EVE_EAGAIN) {
    set_interest(c, want);
    return false;
  }
  if (rc != EVE_OK) {
    /* The client is to read the alert: a close with its unread input
     * would send a reset, which can overtake it. So the lingering close,
     * as after a last response: write side shut, input read and dropped
     * until its EOF, bounded by header_timeout_ms. */
    c->handshaking = false;
    c->closing = true;
    advance(c);
    return false;
  }
  c->handshaking = false;
  /* The request head gets its own header_timeout_ms after the handshake's. */
  c->request_start_ms = c->server->now_ms;
  return true;
}

void eved__conn_tls_ready(eved_conn_t *c) {
  if (!c->handshaking || !step_handshake(c)) return;
  if (read_requests(c)) advance(c);
}

void eved__conn_on_event(eved_conn_t *c, eve_ready_t ready) {
  if (ready & EVE_READY_ERROR) {
    if (c->handshaking) eved_tls_count_failure(c->server->tls, EVED_TLS_ERROR_PEER_CLOSED);
    eved__conn_close(c, true);
    return;
  }
  if (c->tls_signing) {
    /* Waiting for the signer with no interest, yet WSAPoll reports a
     * hang-up regardless: a client gone mid-handshake is closed, not
     * stepped again on every wait until the signature comes. */
    if (ready & EVE_READY_HANGUP) {
      eved_tls_count_failure(c->server->tls, EVED_TLS_ERROR_PEER_CLOSED);
      eved__conn_close(c, true);
    }
    return;
  }
  if (c->lingering) {
    linger_read(c);
    return;
  }
  if (c->handshaking) {
    if (!step_handshake(c)) return;
    /* The client's first request may have come with its Finished. */
    ready |= EVE_READY_READABLE;
  }
  /* Hang-up is read like readable: recv reports EOF or the error. A TLS
   * read that waited for writability goes on when it comes. */
  if (c->tls_want_write && (ready & EVE_READY_WRITABLE)) ready |= EVE_READY_READABLE;
  if ((ready & (EVE_READY_READABLE | EVE_READY_HANGUP)) && !read_requests(c)) return;
  advance(c);
}

void eved__conn_resume(eved_conn_t *c) { advance(c); }

int64_t eved__conn_check_timers(eved_conn_t *c) {
  eved_server_t *server = c->server;
  const eved_config_t *cfg = &server->config;
  int64_t now = server->now_ms;
  /* Parked, or waiting for the verifier: its budget, which the loop
   * watches, ends the wait. */
  if (c->parked || c->auth_waiting) return INT64_MAX;
  if (c->handshaking) {
    /* The handshake, its signature off the loop included, gets
     * header_timeout_ms from the accept: a client that starts one and
     * stops costs a slot no longer than one that sends half a head. */
    int64_t due = c->request_start_ms + cfg->header_timeout_ms;
    if (server->draining) {
      eved__conn_close(c, true);
      return INT64_MAX;
    }
    if (now < due) return due;
    eved_tls_count_failure(server->tls, EVED_TLS_ERROR_TIMEOUT);
    eved_log(EVED_LOG_DEBUG, "connection %u: TLS handshake not done in %u ms", c->slot,
             cfg->header_timeout_ms);
    eved__conn_close(c, true);
    return INT64_MAX;
  }
  if (c->lingering) {
    /* A client that never closes its side: the linger is bounded by the
     * header timeout. */
    int64_t due = c->linger_start_ms + cfg->header_timeout_ms;
    if (now < due) return due;
    eved__limit_hit(server, EVED_LIMIT_LINGER,
                    "connection %u: reset, no EOF %u ms after its last response",
                    c->slot, cfg->header_timeout_ms);
    eved__conn_close(c, true);
    return INT64_MAX;
  }
  if (c->out_bytes > 0) {
    int64_t due = c->write_progress_ms + cfg->write_timeout_ms;
    if (now < due) return due;
    eved__limit_hit(server, EVED_LIMIT_WRITE_TIMEOUT,
                    "connection %u: dropped, %llu bytes unread for %u ms",
                    c->slot, (unsigned long long)c->out_bytes, cfg->write_timeout_ms);
    eved__conn_close(c, true);
    return INT64_MAX;
  }
  if (c->closing) return INT64_MAX;
  if (server->draining && !c->in_message) {
    eved__conn_close(c, false);
    return INT64_MAX;
  }
  if (c->in_message || c->requests == 0) {
    int64_t due = c->request_start_ms + cfg->header_timeout_ms;
    if (now < due) return due;
    eved__limit_hit(server, EVED_LIMIT_HEADER_TIMEOUT,
                    "connection %u: 408, no whole request head in %u ms",
                    c->slot, cfg->header_timeout_ms);
    c->closing = true;
    if (!eved__respond_error(c, EVED_STATUS_408)) {
      eved__conn_close(c, true);
      return INT64_MAX;
    }
    /* Its next timer (write or linger) starts now: at least the shortest
     * timeout away, which the caller's sweep horizon already covers. */
    advance(c);
    return INT64_MAX;
  }
  int64_t due = c->idle_since_ms + cfg->idle_timeout_ms;
  if (now < due) return due;
  eved__limit_hit(server, EVED_LIMIT_IDLE_TIMEOUT,
                  "connection %u: closed, idle for %u ms", c->slot,
                  cfg->idle_timeout_ms);
  eved__conn_close(c, false);
  return INT64_MAX;
}
