/* POSIX has no certificate store: tls.cert_thumbprint is refused there
 * with a message that says what to use instead. */
#include <stdio.h>

#include <eve/eve_error.h>

#include "store.h"

int eved_tls_store_open(const char *store_name, const char *thumbprint, mbedtls_ssl_config *conf,
                        mbedtls_x509_crt *chain, eved_tls_wake_fn wake, void *arg,
                        eved_tls_store_t **out, char *error, size_t size) {
  (void)store_name, (void)conf, (void)chain, (void)wake, (void)arg;
  *out = NULL;
  snprintf(error, size,
           "tls.cert_thumbprint %.40s: the certificate store is Windows only; use tls.cert_file "
           "and tls.key_file",
           thumbprint);
  return EVE_ENOTSUP;
}

size_t eved_tls_store_take_ready(eved_tls_store_t *store, uint64_t *owners, size_t max) {
  (void)store, (void)owners, (void)max;
  return 0;
}

void eved_tls_store_close(eved_tls_store_t *store) { (void)store; }
