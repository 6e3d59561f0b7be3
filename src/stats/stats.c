/* Names of the counters' keys, shared by both renderings. */
#include <string.h>

#include "stats.h"

int eved_status_code(eved_status_t status) {
  static const int codes[] = {
#define EVED_STATUS_CODE(code, text) code,
      EVED_STATUS_TABLE(EVED_STATUS_CODE)
#undef EVED_STATUS_CODE
  };
  return (unsigned)status < EVED_STATUS_COUNT ? codes[status] : 500;
}

const char *eved_status_reason(eved_status_t status) {
  static const char *const reasons[] = {
#define EVED_STATUS_TEXT(code, text) text,
      EVED_STATUS_TABLE(EVED_STATUS_TEXT)
#undef EVED_STATUS_TEXT
  };
  return (unsigned)status < EVED_STATUS_COUNT ? reasons[status] : "Internal Server Error";
}

static const char *const path_names[EVED_PATH_COUNT] = {"/", "/stats", "/metrics", "/healthz",
                                                        "other"};

const char *eved_path_name(eved_path_t path) {
  return (unsigned)path < EVED_PATH_COUNT ? path_names[path] : "other";
}

eved_path_t eved_path_lookup(const char *target, size_t len) {
  const char *q = memchr(target, '?', len);
  if (q != NULL) len = (size_t)(q - target);
  for (int p = 0; p < EVED_PATH_OTHER; p++) {
    if (strlen(path_names[p]) == len && memcmp(path_names[p], target, len) == 0)
      return (eved_path_t)p;
  }
  return EVED_PATH_OTHER;
}

const char *eved_limit_name(eved_limit_t limit) {
  static const char *const names[EVED_LIMIT_COUNT] = {
      "max_connections",      "header_timeout",   "idle_timeout",
      "write_timeout",        "max_requests_per_connection", "max_header_bytes",
      "output_cap",           "request_body",     "drain_timeout",
      "accept_errors",        "linger",
      "admin_clients",        "admin_idle_timeout", "admin_line",
      "body_max",             "auth_queue",       "auth_clients",
      "auth_cache"};
  return (unsigned)limit < EVED_LIMIT_COUNT ? names[limit] : "unknown";
}

const char *eved_auth_result_name(eved_auth_result_t result) {
  static const char *const names[EVED_AUTH_RESULT_COUNT] = {
      "ok", "bad_credentials", "missing", "malformed", "throttled", "busy"};
  return (unsigned)result < EVED_AUTH_RESULT_COUNT ? names[result] : "unknown";
}

const char *eved_tls_error_name(eved_tls_error_t reason) {
  static const char *const names[EVED_TLS_ERROR_COUNT] = {
      "timeout", "protocol_version", "no_shared_cipher", "client_certificate",
      "malformed", "peer_closed", "signing", "other"};
  return (unsigned)reason < EVED_TLS_ERROR_COUNT ? names[reason] : "unknown";
}
