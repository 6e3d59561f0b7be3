/* eved's counters and their two renderings (/stats JSON, /metrics text).
 * The loop thread alone updates and reads them, and renders a body while
 * answering the request, so every counter is exact as of that request. */
#ifndef EVED_STATS_H_
#define EVED_STATS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eve/eve_poller.h>

#include "expo.h"
#include "host_render.h"

/* The statuses eved ever sends: a fixed table, so by_status is bounded. */
#define EVED_STATUS_TABLE(X) \
  X(200, "OK")               \
  X(400, "Bad Request")      \
  X(401, "Unauthorized")     \
  X(404, "Not Found")        \
  X(405, "Method Not Allowed") \
  X(408, "Request Timeout")  \
  X(413, "Content Too Large") \
  X(414, "URI Too Long") \
  X(429, "Too Many Requests") \
  X(431, "Request Header Fields Too Large") \
  X(500, "Internal Server Error") \
  X(503, "Service Unavailable") \
  X(505, "HTTP Version Not Supported")

typedef enum eved_status {
#define EVED_STATUS_ENUM(code, text) EVED_STATUS_##code,
  EVED_STATUS_TABLE(EVED_STATUS_ENUM)
#undef EVED_STATUS_ENUM
  EVED_STATUS_COUNT
} eved_status_t;

int eved_status_code(eved_status_t status);
const char *eved_status_reason(eved_status_t status);

/* The paths eved serves, plus one bucket for everything else. */
typedef enum eved_path {
  EVED_PATH_ROOT,
  EVED_PATH_STATS,
  EVED_PATH_METRICS,
  EVED_PATH_HEALTHZ,
  EVED_PATH_OTHER,
  EVED_PATH_COUNT
} eved_path_t;

const char *eved_path_name(eved_path_t path);
/* The path part of a request target (the query is ignored). */
eved_path_t eved_path_lookup(const char *target, size_t len);

/* Each bound, counted every time it is hit. */
typedef enum eved_limit {
  EVED_LIMIT_MAX_CONNECTIONS,  /* a connection refused with 503 */
  EVED_LIMIT_HEADER_TIMEOUT,   /* 408: the request head did not arrive in time */
  EVED_LIMIT_IDLE_TIMEOUT,     /* a keep-alive connection closed for idleness */
  EVED_LIMIT_WRITE_TIMEOUT,    /* a client dropped for not reading its responses */
  EVED_LIMIT_MAX_REQUESTS,     /* a connection closed after its last allowed request */
  EVED_LIMIT_MAX_HEADER_BYTES, /* 431, or 414 for the request line */
  EVED_LIMIT_OUTPUT_CAP,       /* reading paused: queued output reached the cap */
  EVED_LIMIT_REQUEST_BODY,     /* a request with a body, refused */
  EVED_LIMIT_DRAIN_TIMEOUT,    /* a connection cut when the drain ran out of time */
  EVED_LIMIT_ACCEPT_ERRORS,    /* accept failed (out of descriptors, ...) */
  EVED_LIMIT_LINGER,          /* a lingering close cut: too much input, or no EOF in time */
  EVED_LIMIT_ADMIN_CLIENTS,   /* an admin client refused at admin.max_clients (Unix socket) */
  EVED_LIMIT_ADMIN_IDLE,      /* an admin client closed at admin.idle_timeout_ms */
  EVED_LIMIT_ADMIN_LINE,      /* an admin client cut for a line over EVED_ADMIN_LINE_MAX */
  EVED_LIMIT_BODY_MAX,        /* a /stats or /metrics body over EVED_BODY_MAX: a 500 */
  EVED_LIMIT_AUTH_QUEUE,      /* a request answered 503: the bcrypt verifier's queue was full */
  EVED_LIMIT_AUTH_CLIENTS,    /* a client's failure record dropped: the throttle table was full */
  EVED_LIMIT_AUTH_CACHE,      /* a cached verification dropped: the cache was full */
  EVED_LIMIT_COUNT
} eved_limit_t;

const char *eved_limit_name(eved_limit_t limit);

/* How a request that needed credentials (basic auth) ended. */
typedef enum eved_auth_result {
  EVED_AUTH_OK,              /* verified (by bcrypt or the cache): served */
  EVED_AUTH_BAD_CREDENTIALS, /* an unknown user or a wrong password: 401 */
  EVED_AUTH_MISSING,         /* no Authorization field: 401 */
  EVED_AUTH_MALFORMED,       /* not Basic, bad base64, no colon, too long: 401 */
  EVED_AUTH_THROTTLED,       /* the client's failures used its allowance: 429 */
  EVED_AUTH_BUSY,            /* the verifier's queue full, or no answer in time: 503 */
  EVED_AUTH_RESULT_COUNT
} eved_auth_result_t;

const char *eved_auth_result_name(eved_auth_result_t result);

/* Why a TLS handshake failed (eved_tls_handshake_errors_total{reason}). */
typedef enum eved_tls_error {
  EVED_TLS_ERROR_TIMEOUT,          /* not done within header_timeout_ms */
  EVED_TLS_ERROR_PROTOCOL_VERSION, /* the client offered only versions below the minimum */
  EVED_TLS_ERROR_NO_SHARED_CIPHER, /* no cipher suite, curve or signature in common */
  EVED_TLS_ERROR_CLIENT_CERT,      /* a required client certificate missing or not verified */
  EVED_TLS_ERROR_MALFORMED,        /* not TLS, or a record or message that does not parse */
  EVED_TLS_ERROR_PEER_CLOSED,      /* the client closed or reset mid-handshake */
  EVED_TLS_ERROR_SIGNING,          /* the certificate store's key could not sign */
  EVED_TLS_ERROR_OTHER,
  EVED_TLS_ERROR_COUNT
} eved_tls_error_t;

const char *eved_tls_error_name(eved_tls_error_t reason);

typedef struct eved_counters {
  uint64_t connections_active;
  uint64_t connections_accepted;
  uint64_t connections_closed;
  uint64_t connections_rejected;
  uint64_t requests_total;
  uint64_t by_status[EVED_STATUS_COUNT];
  uint64_t by_path[EVED_PATH_COUNT];
  uint64_t bytes_received;
  uint64_t bytes_sent;
  uint64_t limits[EVED_LIMIT_COUNT];
  uint64_t auth[EVED_AUTH_RESULT_COUNT];
  uint64_t auth_verifications; /* bcrypt runs started (cache hits start none) */
  uint64_t tls_handshakes;      /* completed */
  uint64_t tls_handshake_errors[EVED_TLS_ERROR_COUNT];
} eved_counters_t;

/* Everything a rendering shows, gathered at the moment of the request. */
typedef struct eved_snapshot {
  const eved_counters_t *counters;
  double uptime_seconds;
  bool draining;
  bool paused;
  const char *backend;
  const char *mode;
  eve_poller_stats_t poller;
  uint64_t pid;
  uint64_t memory_bytes;
  int64_t handles; /* -1 where the OS has no such figure */
  /* The standard process_* figures (base/process.h), read for /metrics
   * only; NULL leaves those families out. */
  const struct eved_process_figures *process;
  eved_host_view_t host; /* host.engine NULL: no host figures */
  uint64_t auth_queue_depth; /* bcrypt verifications queued or running */
  /* HTTPS: whether it is on (the tls families are shown only then), and
   * the served certificate's notAfter in seconds since the Unix epoch. */
  bool tls;
  int64_t tls_expiry_unix;
} eved_snapshot_t;

/* The most a /stats or /metrics body may be. eved's own figures have a
 * fixed shape (a few KiB); the host's grow with the machine: hundreds of
 * Windows services, each with its state series, are a few hundred KiB.
 * The server allocates this once; a body that does not fit is a 500,
 * counted as the limit "body_max". */
#define EVED_BODY_MAX (1024 * 1024)

/* /stats: a cJSON tree built once and rendered into the caller's buffer
 * without allocating (see stats_json.c). Render returns the length, 0 if
 * the text did not fit in size bytes. */
typedef struct eved_stats_json eved_stats_json_t;
/* with_handles: whether the process object has a "handles" figure;
 * with_tls: whether there is a "tls" object. */
eved_stats_json_t *eved_stats_json_create(bool with_handles, bool with_tls);
void eved_stats_json_destroy(eved_stats_json_t *doc);
size_t eved_stats_json_render(eved_stats_json_t *doc, const eved_snapshot_t *s, char *buf,
                              size_t size);
/* The same text on the heap (free with free()), for callers off the
 * request path; NULL when out of memory. */
char *eved_stats_json(const eved_snapshot_t *s, size_t *len);

/* /metrics into the caller's buffer in the format content negotiation
 * chose (expo.h), the end of the exposition included; the length, 0 if
 * it did not fit. */
size_t eved_stats_metrics(const eved_snapshot_t *s, eved_expo_format_t format, char *buf,
                          size_t size);
/* eved's own families and the standard process ones, without the end: for
 * a rendering that adds families of its own, then calls eved_expo_end. */
void eved_stats_metrics_families(eved_expo_t *e, const eved_snapshot_t *s);

#endif /* EVED_STATS_H_ */
