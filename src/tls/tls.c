/* The server's TLS state: the random generator every session draws from,
 * the credentials new sessions get, and the older sets that open sessions
 * still hold after a reload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>

#include "tls_int.h"

int eved_tls_create(const eved_config_t *config, eve_poller_t *poller, eved_counters_t *counters,
                    eved_tls_t **out, char *error, size_t size) {
  eved_tls_t *tls = calloc(1, sizeof *tls);
  if (tls == NULL) return EVE_ENOMEM;
  tls->poller = poller;
  tls->counters = counters;
  mbedtls_entropy_init(&tls->entropy);
  mbedtls_ctr_drbg_init(&tls->drbg);
  /* The OS's generator (getrandom; CryptGenRandom in Mbed TLS 2.28 on
   * Windows) seeds a CTR_DRBG (NIST SP 800-90A), which reseeds itself
   * from it. */
  static const char personal[] = "eved tls";
  int rc = mbedtls_ctr_drbg_seed(&tls->drbg, mbedtls_entropy_func, &tls->entropy,
                                 (const unsigned char *)personal, sizeof personal - 1);
  if (rc != 0) {
    char why[128];
    mbedtls_strerror(rc, why, sizeof why);
    snprintf(error, size, "tls: the random generator could not be seeded: %s", why);
    eved_tls_destroy(tls);
    return EVE_EINVAL;
  }
  rc = eved__tls_creds_load(tls, config, &tls->current, error, size);
  if (rc != EVE_OK) {
    eved_tls_destroy(tls);
    return rc;
  }
  *out = tls;
  return EVE_OK;
}

int eved_tls_load(eved_tls_t *tls, const eved_config_t *config, eved_tls_creds_t **out,
                  char *error, size_t size) {
  return eved__tls_creds_load(tls, config, out, error, size);
}

void eved_tls_drop(eved_tls_t *tls, eved_tls_creds_t *creds) { eved__tls_creds_release(tls, creds); }

void eved_tls_use(eved_tls_t *tls, eved_tls_creds_t *fresh) {
  eved_tls_creds_t *old = tls->current;
  fresh->next = old;
  tls->current = fresh;
  /* The server's own reference moves to the new set; sessions keep the old
   * one alive until they end. */
  eved__tls_creds_release(tls, old);
}

void eved_tls_destroy(eved_tls_t *tls) {
  if (tls == NULL) return;
  if (tls->current != NULL) eved__tls_creds_release(tls, tls->current);
  mbedtls_ctr_drbg_free(&tls->drbg);
  mbedtls_entropy_free(&tls->entropy);
  free(tls);
}

int64_t eved_tls_expiry_unix(const eved_tls_t *tls) { return tls->current->expiry_unix; }

size_t eved_tls_take_ready(eved_tls_t *tls, uint64_t *owners, size_t max) {
  size_t n = 0;
  for (eved_tls_creds_t *cr = tls->current; cr != NULL && n < max; cr = cr->next)
    if (cr->store != NULL) n += eved_tls_store_take_ready(cr->store, owners + n, max - n);
  return n;
}
