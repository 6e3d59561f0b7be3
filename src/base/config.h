/* eved's configuration: defaults, the JSON file, and its validation. */
#ifndef EVED_CONFIG_H_
#define EVED_CONFIG_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eve_net.h"
#include <eve/eve_poller.h>
#include "log.h"

#define EVED_MAX_LISTEN 8
#define EVED_PATH_MAX 512
/* A config file larger than this is refused rather than read. */
#define EVED_CONFIG_MAX_BYTES (1024 * 1024)
/* Room for an error message that names the key and the value. */
#define EVED_ERROR_MAX 256

/* The default listen address. 19850 is in no exporter's way: Prometheus's
 * "Default port allocations" wiki has handed out all of 9100-9999 and goes
 * on above 10000 in order, 8080 is every Java application server's, and
 * 19850 lies below both Linux's (32768-60999) and Windows' (49152-65535)
 * ephemeral ranges, so an outgoing connection never holds it. docs/eved.md
 * says so for users. */
#define EVED_LISTEN_DEFAULT "127.0.0.1:19850"
#define EVED_ADMIN_PIPE_DEFAULT "\\\\.\\pipe\\eved-admin"
/* SYSTEM and Administrators only, nothing inherited. */
#define EVED_ADMIN_SDDL_DEFAULT "D:P(A;;GA;;;SY)(A;;GA;;;BA)"
#define EVED_ADMIN_SOCKET_DEFAULT "/run/eved/admin.sock"
#define EVED_ADMIN_MAX_CLIENTS_MAX 64
/* collectors.enabled: at most this many names, each shorter than
 * EVED_COLLECTOR_NAME_MAX. */
#define EVED_COLLECTORS_MAX 16
#define EVED_COLLECTOR_NAME_MAX 32
/* basic_auth_users: at most this many users, each name shorter than
 * EVED_AUTH_NAME_MAX bytes; a hash is bcrypt's 60 characters. */
#define EVED_AUTH_USERS_MAX 64
#define EVED_AUTH_NAME_MAX 64
#define EVED_AUTH_HASH_LEN 60

/* tls.cert_thumbprint: a SHA-1 thumbprint's hex digits; tls.cert_store:
 * "Location\\Name", e.g. "LocalMachine\\My". */
#define EVED_TLS_THUMBPRINT_LEN 40
#define EVED_TLS_STORE_MAX 64
#define EVED_TLS_STORE_DEFAULT "LocalMachine\\My"

/* One basic_auth_users entry: a user-id (RFC 7617 2: no colon, no control
 * character; UTF-8 allowed) and its bcrypt hash ("$2y$10$" and 53
 * characters of bcrypt's base64). */
typedef struct eved_auth_user {
  char name[EVED_AUTH_NAME_MAX];
  char hash[EVED_AUTH_HASH_LEN + 1];
} eved_auth_user_t;

/* Says whether a collector name exists on this OS. Returns 0, or -1 with
 * a reason (at most size bytes) naming it. collect/ knows the names and
 * sits above base/, so it lends the check (eved_collect_check_name) to
 * whoever loads a config; NULL accepts any well-formed name. */
typedef int (*eved_collector_check_t)(const char *name, char *error, size_t size);

typedef struct eved_config {
  eve_net_address_t listen[EVED_MAX_LISTEN];
  size_t listen_count;
  uint32_t max_connections;
  uint32_t header_timeout_ms;
  uint32_t idle_timeout_ms;
  uint32_t write_timeout_ms;
  uint32_t max_requests_per_connection;
  uint32_t max_header_bytes;
  uint32_t max_output_bytes;
  uint32_t drain_timeout_ms;
  eved_log_level_t log_level;
  char log_file[EVED_PATH_MAX]; /* empty: standard error */
  eve_poller_mode_t poller_mode;
  uint32_t poller_capacity;
  /* The admin channel: a named pipe on Windows, a Unix-domain socket
   * elsewhere; each OS reads its own key and ignores the other's. */
  bool admin_enabled;
  char admin_pipe[EVED_PATH_MAX];   /* \\.\pipe\NAME */
  char admin_sddl[EVED_PATH_MAX];   /* the pipe's security descriptor */
  char admin_socket[EVED_PATH_MAX]; /* a filesystem path */
  uint32_t admin_max_clients;
  uint32_t admin_idle_timeout_ms;
  /* Host collectors (docs/collectors.md). collectors_all: every collector
   * of this OS (the default, and collectors.enabled absent); otherwise the
   * names listed. */
  bool collectors_all;
  char collectors_enabled[EVED_COLLECTORS_MAX][EVED_COLLECTOR_NAME_MAX];
  size_t collectors_enabled_count;
  uint32_t collectors_min_interval_ms; /* a snapshot younger than this is served as is */
  uint32_t collectors_timeout_ms;      /* a scrape waits at most this for its collectors */
  /* textfile.directory: its *.prom files join /metrics (docs/collectors.md);
   * the default is eved_platform_textfile_dir(). */
  char textfile_dir[EVED_PATH_MAX];
  /* Basic auth (docs/security.md): with users, every path but /healthz
   * (and it too with auth_protect_healthz) needs their credentials. */
  eved_auth_user_t auth_users[EVED_AUTH_USERS_MAX];
  size_t auth_user_count;
  bool auth_protect_healthz;
  /* HTTPS (docs/security.md), exporter-toolkit's tls_server_config names:
   * with tls_enabled every listener speaks TLS 1.2 only. The certificate
   * and key come from PEM files, or (Windows) from a certificate store by
   * thumbprint, never both. */
  bool tls_enabled;
  char tls_cert_file[EVED_PATH_MAX];
  char tls_key_file[EVED_PATH_MAX];
  char tls_client_ca_file[EVED_PATH_MAX]; /* empty: none */
  bool tls_require_client_cert; /* client_auth_type RequireAndVerifyClientCert */
  char tls_cert_store[EVED_TLS_STORE_MAX];
  char tls_cert_thumbprint[EVED_TLS_THUMBPRINT_LEN + 1]; /* empty: PEM files */
  /* Not a setting: the name check used while parsing (see above). */
  eved_collector_check_t collector_check;
} eved_config_t;

void eved_config_defaults(eved_config_t *config);

/* Applies a JSON document on top of what *config holds. On error, returns
 * EVE_EINVAL and writes a message that names the offending key. */
int eved_config_parse(const char *text, eved_config_t *config, char *error, size_t error_size);

/* Reads and parses a file (at most EVED_CONFIG_MAX_BYTES). */
int eved_config_load(const char *path, eved_config_t *config, char *error, size_t error_size);

/* Whether text is a bcrypt hash eved verifies: "$2a$", "$2b$" or "$2y$",
 * a two-digit cost 04 to 31, "$", then 53 characters of bcrypt's base64
 * alphabet (./A-Za-z0-9): 60 characters in all. */
bool eved_config_bcrypt_hash_valid(const char *text);

/* Replaces the listen list with one address (the --listen option). */
int eved_config_set_listen(eved_config_t *config, const char *text, char *error, size_t error_size);

/* A copy of the config text (size bytes, not NUL-terminated) with its
 * "listen" key set to [listen], every other key as it was; for a config
 * made from the shipped defaults at an install's first start. *out
 * (NUL-terminated, *out_size bytes without the NUL) is freed with free().
 * EVE_EINVAL when listen is not an address or text not a JSON object
 * (error says which), EVE_ENOMEM. */
int eved_config_text_set_listen(const char *text, size_t size, const char *listen, char **out,
                                size_t *out_size, char *error, size_t error_size);

#endif /* EVED_CONFIG_H_ */
