/* What the TLS files share (tls.c, credentials.c, session.c, reasons.c,
 * store_*.c): the credentials and the session structures. */
#ifndef EVED_TLS_INT_H_
#define EVED_TLS_INT_H_

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "store.h"
#include "tls.h"

/* One loaded set of credentials and the Mbed TLS configuration made of
 * them. Sessions hold a reference: a reload makes a new set, and the old
 * one goes when its last session does. */
typedef struct eved_tls_creds {
  struct eved_tls_creds *next; /* older sets still in use */
  unsigned refs;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt chain;
  mbedtls_x509_crt client_ca;
  mbedtls_pk_context key;   /* PEM files only */
  eved_tls_store_t *store;  /* the certificate store's key, or NULL */
  int64_t expiry_unix;
} eved_tls_creds_t;

struct eved_tls {
  eve_poller_t *poller;
  eved_counters_t *counters;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  eved_tls_creds_t *current; /* what new sessions get; older sets follow in ->next */
  /* A record's plaintext gathered from the pieces of a response (one loop
   * thread: one buffer serves every session). */
  unsigned char stage[MBEDTLS_SSL_OUT_CONTENT_LEN];
};

struct eved_tls_conn {
  eved_tls_t *tls;
  eved_tls_creds_t *creds;
  eve_handle_t sock;
  uint64_t owner;
  bool handshake_done;
  bool notified; /* close_notify sent (or tried) */
  /* A record mbedtls_ssl_write took but could not send whole: its length,
   * which the next call must offer again (0: none). */
  size_t write_pending;
  mbedtls_ssl_context ssl;
};

/* The connection's owner value (eved_tls_conn_create), for the
 * certificate store's asynchronous signing callbacks. */
uint64_t eved__tls_owner(const mbedtls_ssl_context *ssl);

/* credentials.c */
/* Loads a set from the config (tls_* keys). */
int eved__tls_creds_load(eved_tls_t *tls, const eved_config_t *config, eved_tls_creds_t **out,
                         char *error, size_t size);
void eved__tls_creds_release(eved_tls_t *tls, eved_tls_creds_t *creds);

/* reasons.c: an Mbed TLS error's handshake failure reason. */
eved_tls_error_t eved__tls_reason(int mbedtls_error);

#endif /* EVED_TLS_INT_H_ */
