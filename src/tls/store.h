/* The Windows certificate store as a source of credentials (store_win.c;
 * store_posix.c refuses): a certificate found by its SHA-1 thumbprint,
 * and its private key used where it lives. The key is never read: the
 * server's signature is made by CryptoAPI or CNG on a thread of its own
 * (a smart card or a TPM may take long, or ask), through Mbed TLS's
 * asynchronous private key callbacks (MBEDTLS_SSL_ASYNC_PRIVATE, on in
 * the Windows build: cmake/mbedtls/eve_mbedtls_config.h).
 *
 * Every call is the loop thread's unless it says otherwise. */
#ifndef EVED_TLS_STORE_H_
#define EVED_TLS_STORE_H_

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

typedef struct eved_tls_store eved_tls_store_t;

/* Called from the signer thread when a signature is ready. */
typedef void (*eved_tls_wake_fn)(void *arg);

/* Opens store_name ("LocalMachine\\My", "CurrentUser\\My": a system store
 * location and name), finds the certificate whose SHA-1 thumbprint is
 * `thumbprint` (40 hex digits, any case), appends it and the chain Windows
 * builds for it (without the root) to chain, opens its private key
 * without exporting it, and sets conf up to sign with it asynchronously
 * (mbedtls_ssl_conf_own_cert with the certificate's public key, and
 * mbedtls_ssl_conf_async_private_cb). The signer thread calls wake(arg)
 * when a signature is ready. The owner of a handshake is read with
 * eved__tls_owner (tls_int.h).
 * EVE_ENOTSUP where there is no certificate store (POSIX), EVE_ENOENT
 * when no certificate matches, EVE_EINVAL for a certificate without a
 * usable private key (error says which: none, not RSA, ...), EVE_ENOMEM. */
int eved_tls_store_open(const char *store_name, const char *thumbprint, mbedtls_ssl_config *conf,
                        mbedtls_x509_crt *chain, eved_tls_wake_fn wake, void *arg,
                        eved_tls_store_t **out, char *error, size_t size);
/* Owners whose signatures finished since the last call (at most max). */
size_t eved_tls_store_take_ready(eved_tls_store_t *store, uint64_t *owners, size_t max);
/* Ends the signer thread (a job still running is left to finish alone and
 * wakes nobody) and frees the store; the conf it set up must not be used
 * for new handshakes after this. */
void eved_tls_store_close(eved_tls_store_t *store);

#endif /* EVED_TLS_STORE_H_ */
