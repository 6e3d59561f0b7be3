/* A set of credentials and the Mbed TLS server configuration made of it:
 * TLS 1.2 only, ECDHE with AEAD ciphers only (forward secrecy; the suites
 * exporter-toolkit and Go's crypto/tls offer by default), the certificate
 * chain and key from PEM files or the certificate store, and the client
 * CA when client certificates are asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>

#include "log.h"
#include "timefmt.h"
#include "tls_int.h"

/* Strongest first; the client's order does not win (RFC 5246 7.4.1.2
 * leaves the choice to the server). Static: the configuration keeps the
 * pointer. */
static const int ciphersuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    0};

/* The groups for ECDHE, fastest first: the default list of Mbed TLS 2.28
 * also has secp192r1 and secp224r1, below what a client should get. */
static const mbedtls_ecp_group_id curves[] = {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
                                              MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE};

static int fail(char *error, size_t size, int mbedtls_error, const char *format, const char *what) {
  char why[128];
  mbedtls_strerror(mbedtls_error, why, sizeof why);
  char head[EVED_PATH_MAX + 64];
  snprintf(head, sizeof head, format, what);
  snprintf(error, size, "%s: %s", head, why);
  return EVE_EINVAL;
}

static int64_t unix_time(const mbedtls_x509_time *t) {
  return eved_unix_from_civil(t->year, (unsigned)t->mon, (unsigned)t->day, (unsigned)t->hour,
                              (unsigned)t->min, (unsigned)t->sec);
}

static int load_files(eved_tls_creds_t *cr, const eved_config_t *config, char *error, size_t size) {
  int rc = mbedtls_x509_crt_parse_file(&cr->chain, config->tls_cert_file);
  if (rc != 0)
    return fail(error, size, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT,
                "tls.cert_file %.400s: not a PEM certificate chain", config->tls_cert_file);
  rc = mbedtls_pk_parse_keyfile(&cr->key, config->tls_key_file, NULL);
  if (rc != 0)
    return fail(error, size, rc, "tls.key_file %.400s: not an unencrypted PEM private key",
                config->tls_key_file);
  rc = mbedtls_pk_check_pair(&cr->chain.pk, &cr->key);
  if (rc != 0)
    return fail(error, size, rc, "tls.key_file %.400s: not the key of tls.cert_file's certificate",
                config->tls_key_file);
  rc = mbedtls_ssl_conf_own_cert(&cr->conf, &cr->chain, &cr->key);
  return rc == 0 ? EVE_OK : fail(error, size, rc, "tls.cert_file %.400s", config->tls_cert_file);
}

static void wake(void *arg) { eve_poller_post_wakeup(arg); }

static int load(eved_tls_t *tls, eved_tls_creds_t *cr, const eved_config_t *config, char *error,
                size_t size) {
  int rc = mbedtls_ssl_config_defaults(&cr->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                       MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return fail(error, size, rc, "tls: %s", "configuration");
  mbedtls_ssl_conf_rng(&cr->conf, mbedtls_ctr_drbg_random, &tls->drbg);
  mbedtls_ssl_conf_min_version(&cr->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&cr->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&cr->conf, ciphersuites);
  mbedtls_ssl_conf_curves(&cr->conf, curves);
  if (config->tls_cert_thumbprint[0] != '\0') {
    rc = eved_tls_store_open(config->tls_cert_store, config->tls_cert_thumbprint, &cr->conf,
                             &cr->chain, wake, tls->poller, &cr->store, error, size);
  } else {
    rc = load_files(cr, config, error, size);
  }
  if (rc != EVE_OK) return rc;
  if (config->tls_client_ca_file[0] != '\0') {
    rc = mbedtls_x509_crt_parse_file(&cr->client_ca, config->tls_client_ca_file);
    if (rc != 0)
      return fail(error, size, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT,
                  "tls.client_ca_file %.400s: not PEM certificates", config->tls_client_ca_file);
    mbedtls_ssl_conf_ca_chain(&cr->conf, &cr->client_ca, NULL);
  }
  mbedtls_ssl_conf_authmode(&cr->conf, config->tls_require_client_cert ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                       : MBEDTLS_SSL_VERIFY_NONE);
  cr->expiry_unix = unix_time(&cr->chain.valid_to);
  if (mbedtls_x509_time_is_past(&cr->chain.valid_to))
    eved_log(EVED_LOG_WARN, "tls: the certificate expired (notAfter %04d-%02d-%02d); clients will refuse it",
             cr->chain.valid_to.year, cr->chain.valid_to.mon, cr->chain.valid_to.day);
  return EVE_OK;
}

int eved__tls_creds_load(eved_tls_t *tls, const eved_config_t *config, eved_tls_creds_t **out,
                         char *error, size_t size) {
  eved_tls_creds_t *cr = calloc(1, sizeof *cr);
  if (cr == NULL) return EVE_ENOMEM;
  mbedtls_ssl_config_init(&cr->conf);
  mbedtls_x509_crt_init(&cr->chain);
  mbedtls_x509_crt_init(&cr->client_ca);
  mbedtls_pk_init(&cr->key);
  cr->refs = 1;
  int rc = load(tls, cr, config, error, size);
  if (rc != EVE_OK) {
    eved__tls_creds_release(tls, cr);
    return rc;
  }
  *out = cr;
  return EVE_OK;
}

void eved__tls_creds_release(eved_tls_t *tls, eved_tls_creds_t *cr) {
  if (--cr->refs > 0) return;
  for (eved_tls_creds_t **p = &tls->current; *p != NULL; p = &(*p)->next) {
    if (*p == cr) {
      *p = cr->next;
      break;
    }
  }
  if (cr->store != NULL) eved_tls_store_close(cr->store);
  mbedtls_ssl_config_free(&cr->conf);
  mbedtls_x509_crt_free(&cr->chain);
  mbedtls_x509_crt_free(&cr->client_ca);
  mbedtls_pk_free(&cr->key);
  free(cr);
}
