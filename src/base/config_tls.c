/* The config's "tls" object. Only what a TLS 1.2 server through Mbed TLS
 * 2.28 can honour is accepted: a key eved would ignore, or a version it
 * would not enforce, is an error rather than a false sense of safety. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config_auth.h"
#include "config_tls.h"

static int read_path(const cJSON *it, char *out, size_t out_size, char *error, size_t size) {
  if (!cJSON_IsString(it) || it->valuestring[0] == '\0' || strlen(it->valuestring) >= out_size)
    return eved__config_fail(error, size, "tls.%s: must be a path of 1 to %u bytes", it->string,
                             (unsigned)out_size - 1);
  snprintf(out, out_size, "%s", it->valuestring);
  return EVE_OK;
}

/* exporter-toolkit's names (Go's tls.ClientAuthType). The three between
 * them ask for a certificate without verifying it or without needing it:
 * with basic auth for identity, only "none" and "verified" mean anything. */
static int read_client_auth(const cJSON *it, eved_config_t *c, char *error, size_t size) {
  const char *v = cJSON_IsString(it) ? it->valuestring : "";
  if (strcmp(v, "NoClientCert") == 0) {
    c->tls_require_client_cert = false;
  } else if (strcmp(v, "RequireAndVerifyClientCert") == 0) {
    c->tls_require_client_cert = true;
  } else {
    return eved__config_fail(error, size,
                             "tls.client_auth_type: must be \"NoClientCert\" or "
                             "\"RequireAndVerifyClientCert\"");
  }
  return EVE_OK;
}

/* TLS 1.0 and 1.1 are deprecated (RFC 8996); Mbed TLS 2.28 serves no TLS
 * 1.3 (its TLS 1.3 code is a client-side prototype), so "TLS12" is the
 * one minimum that means what it says. */
static int read_min_version(const cJSON *it, char *error, size_t size) {
  const char *v = cJSON_IsString(it) ? it->valuestring : "";
  if (strcmp(v, "TLS12") == 0) return EVE_OK;
  if (strcmp(v, "TLS10") == 0 || strcmp(v, "TLS11") == 0)
    return eved__config_fail(error, size, "tls.min_version: %s is never served (RFC 8996); use \"TLS12\"", v);
  if (strcmp(v, "TLS13") == 0)
    return eved__config_fail(error, size,
                             "tls.min_version: TLS13 is not available (Mbed TLS 2.28 serves TLS 1.2); "
                             "use \"TLS12\"");
  return eved__config_fail(error, size, "tls.min_version: must be \"TLS12\"");
}

static int read_thumbprint(const cJSON *it, eved_config_t *c, char *error, size_t size) {
  char hex[EVED_TLS_THUMBPRINT_LEN + 1];
  size_t n = 0;
  /* certlm.msc shows thumbprints with spaces between the bytes: a pasted
   * one is accepted as shown. */
  for (const char *p = cJSON_IsString(it) ? it->valuestring : ""; *p != '\0'; p++) {
    if (*p == ' ') continue;
    if (!isxdigit((unsigned char)*p) || n == EVED_TLS_THUMBPRINT_LEN) {
      n = 0;
      break;
    }
    hex[n++] = (char)tolower((unsigned char)*p);
  }
  if (n != EVED_TLS_THUMBPRINT_LEN)
    return eved__config_fail(error, size, "tls.cert_thumbprint: must be a SHA-1 thumbprint, %d hex digits",
                             EVED_TLS_THUMBPRINT_LEN);
  hex[n] = '\0';
  memcpy(c->tls_cert_thumbprint, hex, n + 1);
  return EVE_OK;
}

static int read_key(const cJSON *it, eved_config_t *c, char *error, size_t size) {
  const char *k = it->string;
  if (strcmp(k, "cert_file") == 0)
    return read_path(it, c->tls_cert_file, sizeof c->tls_cert_file, error, size);
  if (strcmp(k, "key_file") == 0)
    return read_path(it, c->tls_key_file, sizeof c->tls_key_file, error, size);
  if (strcmp(k, "client_ca_file") == 0)
    return read_path(it, c->tls_client_ca_file, sizeof c->tls_client_ca_file, error, size);
  if (strcmp(k, "cert_store") == 0)
    return read_path(it, c->tls_cert_store, sizeof c->tls_cert_store, error, size);
  if (strcmp(k, "client_auth_type") == 0) return read_client_auth(it, c, error, size);
  if (strcmp(k, "min_version") == 0) return read_min_version(it, error, size);
  if (strcmp(k, "cert_thumbprint") == 0) return read_thumbprint(it, c, error, size);
  return eved__config_fail(error, size, "tls.%.64s: unknown key", k);
}

int eved__config_parse_tls(const cJSON *obj, eved_config_t *c, char *error, size_t size) {
  if (!cJSON_IsObject(obj)) return eved__config_fail(error, size, "tls: must be an object");
  c->tls_cert_file[0] = c->tls_key_file[0] = c->tls_client_ca_file[0] = '\0';
  c->tls_cert_thumbprint[0] = '\0';
  c->tls_require_client_cert = false;
  snprintf(c->tls_cert_store, sizeof c->tls_cert_store, "%s", EVED_TLS_STORE_DEFAULT);
  for (const cJSON *it = obj->child; it != NULL; it = it->next) {
    int rc = read_key(it, c, error, size);
    if (rc != EVE_OK) return rc;
  }
  bool files = c->tls_cert_file[0] != '\0' || c->tls_key_file[0] != '\0';
  bool store = c->tls_cert_thumbprint[0] != '\0';
  if (files && store)
    return eved__config_fail(error, size,
                             "tls: cert_file and key_file, or cert_thumbprint (the certificate store), "
                             "not both");
  if (!store && (c->tls_cert_file[0] == '\0' || c->tls_key_file[0] == '\0'))
    return eved__config_fail(error, size,
                             "tls: needs cert_file and key_file (PEM), or cert_thumbprint (Windows)");
  if (c->tls_require_client_cert && c->tls_client_ca_file[0] == '\0')
    return eved__config_fail(error, size,
                             "tls.client_auth_type: RequireAndVerifyClientCert needs client_ca_file");
  c->tls_enabled = true;
  return EVE_OK;
}
