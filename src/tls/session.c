/* One connection's TLS session, talking to its non-blocking socket through
 * Mbed TLS's BIO callbacks: "would block" becomes WANT_READ/WANT_WRITE, so
 * the handshake and the records move only as far as the socket allows and
 * the loop waits for the readiness Mbed TLS asked for. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
/* mbedtls_ssl_flush_output: Mbed TLS 2.28 exports it but declares it only
 * here; an alert it sent on its own (see flush_stray) needs it. */
#include <mbedtls/ssl_internal.h>

#include "log.h"
#include "tls_int.h"

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  eved_tls_conn_t *c = ctx;
  eve_net_buf_t piece = {buf, len};
  size_t sent = 0;
  int rc = eve_net_send(c->sock, &piece, 1, &sent);
  if (rc == EVE_EAGAIN) return MBEDTLS_ERR_SSL_WANT_WRITE;
  if (rc != EVE_OK) return MBEDTLS_ERR_NET_CONN_RESET;
  /* 0 would tell Mbed TLS the bytes went. */
  return sent > 0 ? (int)sent : MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Mbed TLS asks for exactly the bytes it needs next (a record header,
 * then its body), so nothing is read ahead of what it parses. 0 is its
 * EOF. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  eved_tls_conn_t *c = ctx;
  size_t got = 0;
  int rc = eve_net_recv(c->sock, buf, len, &got);
  if (rc == EVE_EAGAIN) return MBEDTLS_ERR_SSL_WANT_READ;
  if (rc == EVE_EOF_) return 0;
  if (rc != EVE_OK) return MBEDTLS_ERR_NET_CONN_RESET;
  return (int)got;
}

uint64_t eved__tls_owner(const mbedtls_ssl_context *ssl) {
  return ((const eved_tls_conn_t *)ssl->p_bio)->owner;
}

eved_tls_conn_t *eved_tls_conn_create(eved_tls_t *tls, eve_handle_t sock, uint64_t owner) {
  eved_tls_conn_t *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->tls = tls;
  c->creds = tls->current;
  c->sock = sock;
  c->owner = owner;
  mbedtls_ssl_init(&c->ssl);
  if (mbedtls_ssl_setup(&c->ssl, &c->creds->conf) != 0) {
    mbedtls_ssl_free(&c->ssl);
    free(c);
    return NULL;
  }
  c->creds->refs++;
  mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
  return c;
}

void eved_tls_notify_close(eved_tls_conn_t *c) {
  /* With a record still in the output buffer, Mbed TLS would only flush
   * it and send no alert: flush first, then the alert. */
  if (c->handshake_done && !c->notified &&
      (c->ssl.out_left == 0 || mbedtls_ssl_flush_output(&c->ssl) == 0))
    (void)mbedtls_ssl_close_notify(&c->ssl);
  c->notified = true;
}

void eved_tls_conn_free(eved_tls_conn_t *c, bool notify) {
  if (notify) eved_tls_notify_close(c);
  /* Frees an asynchronous signature still pending (its cancel callback). */
  mbedtls_ssl_free(&c->ssl);
  eved__tls_creds_release(c->tls, c->creds);
  free(c);
}

static void count_failure(eved_tls_conn_t *c, int rc) {
  eved_tls_error_t reason = eved__tls_reason(rc);
  c->tls->counters->tls_handshake_errors[reason]++;
  char why[128];
  mbedtls_strerror(rc, why, sizeof why);
  eved_log(EVED_LOG_DEBUG, "tls: handshake failed (%s): %s", eved_tls_error_name(reason), why);
}

int eved_tls_handshake(eved_tls_conn_t *c, eve_interest_t *want) {
  int rc = mbedtls_ssl_handshake(&c->ssl);
  switch (rc) {
    case 0:
      c->handshake_done = true;
      c->tls->counters->tls_handshakes++;
      return EVE_OK;
    case MBEDTLS_ERR_SSL_WANT_READ:
      *want = EVE_INTEREST_READ;
      return EVE_EAGAIN;
    case MBEDTLS_ERR_SSL_WANT_WRITE:
      *want = EVE_INTEREST_WRITE;
      return EVE_EAGAIN;
    case MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS:
      *want = EVE_INTEREST_NONE;
      return EVE_EAGAIN;
    default:
      /* Mbed TLS 2.28 ends a required client certificate that did not
       * come without an alert; RFC 5246 7.4.6 says handshake_failure. */
      if (rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE)
        (void)mbedtls_ssl_send_alert_message(&c->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
      count_failure(c, rc);
      return EVE_EIO;
  }
}

void eved_tls_count_failure(eved_tls_t *tls, eved_tls_error_t reason) {
  tls->counters->tls_handshake_errors[reason]++;
}

/* Mbed TLS writes on its own while reading: with renegotiation off, a
 * client's ClientHello after the handshake gets a no_renegotiation alert
 * (RFC 5246 7.2.2). Sending it first flushes a record of ours that was
 * waiting, and an alert that could not go out whole is left in the output
 * buffer, which mbedtls_ssl_write would flush in place of the next
 * response while reporting that response sent. So before each write (and
 * read): a waiting record that has gone counts as sent, and a stray one
 * goes first. EVE_OK, EVE_EAGAIN (*want WRITE), or EVE_ECONNRESET. */
static int flush_stray(eved_tls_conn_t *c, size_t *done) {
  if (c->write_pending > 0 && c->ssl.out_left == 0) {
    *done = c->write_pending;
    c->write_pending = 0;
    return EVE_OK;
  }
  if (c->write_pending > 0 || c->ssl.out_left == 0) return EVE_OK;
  int rc = mbedtls_ssl_flush_output(&c->ssl);
  if (rc == 0) return EVE_OK;
  return rc == MBEDTLS_ERR_SSL_WANT_WRITE ? EVE_EAGAIN : EVE_ECONNRESET;
}

int eved_tls_recv(eved_tls_conn_t *c, void *buf, size_t len, size_t *got, eve_interest_t *want) {
  if (c->write_pending == 0 && c->ssl.out_left != 0) {
    size_t none = 0;
    int stray = flush_stray(c, &none);
    if (stray == EVE_EAGAIN) {
      *want = EVE_INTEREST_WRITE;
      return EVE_EAGAIN;
    }
    if (stray != EVE_OK) return stray;
  }
  int rc = mbedtls_ssl_read(&c->ssl, buf, len);
  if (rc > 0) {
    *got = (size_t)rc;
    return EVE_OK;
  }
  switch (rc) {
    case MBEDTLS_ERR_SSL_WANT_READ:
      *want = EVE_INTEREST_READ;
      return EVE_EAGAIN;
    case MBEDTLS_ERR_SSL_WANT_WRITE:
      *want = EVE_INTEREST_WRITE;
      return EVE_EAGAIN;
    /* A FIN without close_notify is a truncation attack only where the
     * length of the data is not otherwise known (RFC 5246 7.2.1); HTTP
     * requests carry their own ends, so it is an ordinary end here. 0 is
     * the FIN, or a client sending empty records, which has nothing to
     * ask either. */
    case 0:
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    case MBEDTLS_ERR_SSL_CONN_EOF:
      return EVE_EOF_;
    default: {
      char why[128];
      mbedtls_strerror(rc, why, sizeof why);
      eved_log(EVED_LOG_DEBUG, "tls: read failed: %s", why);
      return EVE_EIO;
    }
  }
}

bool eved_tls_has_input(const eved_tls_conn_t *c) {
  return mbedtls_ssl_get_bytes_avail(&c->ssl) > 0 || mbedtls_ssl_check_pending(&c->ssl);
}

/* The next `want` bytes of the pieces from (*i, *at) on: a pointer into a
 * piece when they lie in one, else a copy in stage. */
static const unsigned char *gather(const eve_net_buf_t *bufs, size_t count, size_t i, size_t at,
                                   size_t want, unsigned char *stage) {
  if (bufs[i].len - at >= want) return (const unsigned char *)bufs[i].data + at;
  size_t have = 0;
  for (; i < count && have < want; i++, at = 0) {
    size_t n = bufs[i].len - at < want - have ? bufs[i].len - at : want - have;
    memcpy(stage + have, (const char *)bufs[i].data + at, n);
    have += n;
  }
  return stage;
}

/* Moves the position (*i, *at) n bytes on through the pieces. */
static void skip(const eve_net_buf_t *bufs, size_t *i, size_t *at, size_t n) {
  while (n > 0) {
    size_t room = bufs[*i].len - *at;
    if (n < room) {
      *at += n;
      return;
    }
    n -= room;
    ++*i;
    *at = 0;
  }
}

int eved_tls_send(eved_tls_conn_t *c, const eve_net_buf_t *bufs, size_t count, size_t *sent) {
  *sent = 0;
  size_t left = 0;
  for (size_t k = 0; k < count; k++) left += bufs[k].len;
  size_t record = (size_t)mbedtls_ssl_get_max_out_record_payload(&c->ssl);
  if (record > sizeof c->tls->stage) record = sizeof c->tls->stage;
  /* The contract: the waiting record's bytes are offered again. */
  if (c->write_pending > left) return EVE_EINVAL;
  size_t i = 0, at = 0;
  size_t done = 0;
  int stray = flush_stray(c, &done);
  if (stray != EVE_OK) return stray;
  /* The waiting record went while reading: its bytes are sent. */
  if (done > 0) {
    *sent = done;
    left -= done;
    skip(bufs, &i, &at, done);
  }
  while (left > 0) {
    while (at == bufs[i].len) {
      i++;
      at = 0;
    }
    /* Mbed TLS wants a record that could not go out offered again, the
     * same bytes at the same length (mbedtls_ssl_write's contract). */
    size_t want = c->write_pending > 0 ? c->write_pending : (left < record ? left : record);
    const unsigned char *p = gather(bufs, count, i, at, want, c->tls->stage);
    int rc = mbedtls_ssl_write(&c->ssl, p, want);
    /* Only WANT_WRITE leaves the record in Mbed TLS's buffer; WANT_READ
     * (a handshake under way, which renegotiation being off rules out)
     * fails rather than count unsent bytes as waiting. */
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      c->write_pending = want;
      return *sent > 0 ? EVE_OK : EVE_EAGAIN;
    }
    if (rc < 0) {
      char why[128];
      mbedtls_strerror(rc, why, sizeof why);
      eved_log(EVED_LOG_DEBUG, "tls: write failed: %s", why);
      return EVE_ECONNRESET;
    }
    c->write_pending = 0;
    *sent += (size_t)rc;
    left -= (size_t)rc;
    skip(bufs, &i, &at, (size_t)rc);
  }
  return EVE_OK;
}
