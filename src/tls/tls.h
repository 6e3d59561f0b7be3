/* HTTPS (docs/security.md): TLS 1.2 through Mbed TLS 2.28, on the event
 * loop, non-blocking. One eved_tls_t per server holds the credentials (a
 * certificate and key from PEM files, or from the Windows certificate
 * store with the key used where it lives), the random generator and the
 * handshake counters; one eved_tls_conn_t per connection holds its
 * session and talks to the socket itself.
 *
 * Every call is the loop thread's. Errors are eve error codes: EVE_EAGAIN
 * means "wait for readiness" (which one: *want), EVE_EOF_ the peer closed
 * (with close_notify or without), anything else that the connection
 * failed and should be aborted; the reason is already counted. */
#ifndef EVED_TLS_H_
#define EVED_TLS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eve/eve_poller.h>

#include "config.h"
#include "eve_net.h"
#include "stats.h"

typedef struct eved_tls eved_tls_t;
typedef struct eved_tls_conn eved_tls_conn_t;
typedef struct eved_tls_creds eved_tls_creds_t;

/* Loads the config's TLS credentials (config->tls_enabled must be true):
 * the certificate chain, the key (or the store's key and its signer
 * thread, which wakes `poller` when a signature is ready), the client CA.
 * Counts go to counters (tls_*), which must outlive the result.
 * EVE_EINVAL with a message naming the file or store and what is wrong
 * (unreadable, not PEM, key does not match the certificate, ...),
 * EVE_ENOMEM. */
int eved_tls_create(const eved_config_t *config, eve_poller_t *poller, eved_counters_t *counters,
                    eved_tls_t **out, char *error, size_t size);
/* Loads the config's credentials again (reload, SIGHUP, SCM PARAMCHANGE)
 * without using them yet, so a reload that fails later changes nothing:
 * eved_tls_use then gives them to new connections (open ones keep theirs
 * until they close), eved_tls_drop forgets them. Errors as
 * eved_tls_create's. */
int eved_tls_load(eved_tls_t *tls, const eved_config_t *config, eved_tls_creds_t **out,
                  char *error, size_t size);
void eved_tls_use(eved_tls_t *tls, eved_tls_creds_t *creds);
void eved_tls_drop(eved_tls_t *tls, eved_tls_creds_t *creds);
/* Frees everything; every connection must be freed first. */
void eved_tls_destroy(eved_tls_t *tls);
/* The served certificate's notAfter, in seconds since the Unix epoch. */
int64_t eved_tls_expiry_unix(const eved_tls_t *tls);

/* A session for a freshly accepted socket, in the server role. owner is
 * the poller user data of the connection (what eved_tls_take_ready gives
 * back). NULL when out of memory. */
eved_tls_conn_t *eved_tls_conn_create(eved_tls_t *tls, eve_handle_t sock, uint64_t owner);
/* Frees the session. When `notify`, a close_notify alert is tried first
 * (best effort, never blocking: RFC 5246 7.2.1). */
void eved_tls_conn_free(eved_tls_conn_t *conn, bool notify);

/* Sends close_notify (RFC 5246 7.2.1) before the write side is shut:
 * best effort, never blocking. */
void eved_tls_notify_close(eved_tls_conn_t *conn);

/* Steps the handshake as far as the socket allows. EVE_OK: done, records
 * may flow. EVE_EAGAIN: *want is what to wait for (EVE_INTEREST_READ or
 * _WRITE), or EVE_INTEREST_NONE while the key's signature is made off the
 * loop (eved_tls_take_ready names the connection when it is). Anything
 * else: the handshake failed (counted by reason) and the connection is to
 * be aborted. */
int eved_tls_handshake(eved_tls_conn_t *conn, eve_interest_t *want);
/* Counts a handshake that failed outside Mbed TLS: it ran out of time
 * (the header timeout), or the socket reported a reset. */
void eved_tls_count_failure(eved_tls_t *tls, eved_tls_error_t reason);

/* Reads decrypted bytes, at most len; *got on EVE_OK. EVE_EAGAIN: no
 * whole record yet (*want says which readiness to wait for), EVE_EOF_:
 * close_notify or the peer's FIN. */
int eved_tls_recv(eved_tls_conn_t *conn, void *buf, size_t len, size_t *got, eve_interest_t *want);
/* Whether decrypted input is already buffered: the socket's readiness
 * will not announce it, so the caller reads again without waiting. */
bool eved_tls_has_input(const eved_tls_conn_t *conn);
/* Sends the pieces as TLS records; *sent is how many plaintext bytes are
 * done with. A record that could not go out whole is kept by the session
 * (EVE_EAGAIN, *sent 0): call again with the same bytes at the front, as
 * Mbed TLS requires (mbedtls_ssl_write); they are taken as sent when it
 * has gone. */
int eved_tls_send(eved_tls_conn_t *conn, const eve_net_buf_t *bufs, size_t count, size_t *sent);

/* Connections whose off-loop signature finished since the last call, as
 * their owner values (at most max): the loop steps their handshakes. */
size_t eved_tls_take_ready(eved_tls_t *tls, uint64_t *owners, size_t max);

#endif /* EVED_TLS_H_ */
