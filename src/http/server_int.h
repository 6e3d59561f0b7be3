/* What the server's files share: the server and connection structures.
 * One event-loop thread owns all of it; nothing here is locked. It lives
 * in http/, the lowest folder that needs it: the admin channel (admin/)
 * and the loop (app/server.c) read it from here. */
#ifndef EVED_SERVER_INT_H_
#define EVED_SERVER_INT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accept.h"
#include "auth_cache.h"
#include "auth_header.h"
#include "auth_throttle.h"
#include "auth_verifier.h"
#include "config.h"
#include "engine.h"
#include "eve_net.h"
#include <eve/eve_poller.h>
#include "head_meter.h"
#include "host_check.h"
#include "limit_log.h"
#include "llhttp.h"
#include "observer.h"
#include "stats.h"
#include "target.h"
#include "timefmt.h"
#include "tls.h"

/* Bytes taken from a socket per recv. A paused connection keeps at most
 * this much unparsed input. */
#define EVED_READ_CHUNK 16384
/* Header names longer than this are none of the ones eved looks at
 * ("Host", "Accept", "X-Prometheus-Scrape-Timeout-Seconds"). */
#define EVED_FIELD_MAX 36
/* Prometheus' scrape timeout header's value: "10", "9.5". */
#define EVED_SCRAPE_TIMEOUT_TEXT_MAX 16
/* A scrape's budget is its X-Prometheus-Scrape-Timeout-Seconds less this,
 * so the answer reaches Prometheus before it gives up (node_exporter and
 * windows_exporter keep the same margin, 0.5 s). */
#define EVED_SCRAPE_MARGIN_MS 500
/* Connections accepted per listener readiness event: the backlog is
 * drained, but an accept storm cannot starve the connections already open. */
#define EVED_ACCEPT_BATCH 512
/* Events taken per poller wait. */
#define EVED_EVENT_BATCH 256

/* Poller user data: listeners set bit 63, the admin channel bit 62;
 * connections use slot | generation << 32 with generations below 2^30. */
#define EVED_LISTENER_FLAG ((uint64_t)1 << 63)
#define EVED_ADMIN_FLAG ((uint64_t)1 << 62)
#define EVED_GENERATION_MASK 0x3fffffffu

typedef struct eved_server eved_server_t;
typedef struct eved_admin eved_admin_t;

/* One queued piece of output: a whole response, sent from `off`. */
typedef struct eved_chunk {
  struct eved_chunk *next;
  size_t len;
  size_t off;
  char data[];
} eved_chunk_t;

typedef struct eved_conn {
  eved_server_t *server;
  eve_handle_t sock;
  uint32_t slot;
  llhttp_t parser;

  /* The request being parsed. */
  eved_target_t target;
  char field[EVED_FIELD_MAX];
  size_t field_len;   /* kept of the field name, at most EVED_FIELD_MAX */
  size_t field_bytes; /* of the field name, all of it */
  bool field_is_host;
  bool field_is_accept;
  bool field_is_scrape_timeout;
  bool field_is_authorization;
  unsigned host_count;
  /* The request's Authorization field (auth.c): kept whole up to
   * EVED_AUTH_VALUE_MAX; longer, or twice, and it is malformed. */
  unsigned auth_count;
  char auth_value[EVED_AUTH_VALUE_MAX];
  size_t auth_value_len;
  char scrape_timeout[EVED_SCRAPE_TIMEOUT_TEXT_MAX];
  size_t scrape_timeout_len; /* of the value; beyond the buffer: ignored */
  eved_host_check_t host;
  eved_accept_t accept; /* chooses /metrics' format */
  bool head_request; /* the method is HEAD: every answer is head-only */
  eved_head_meter_t meter;
  bool in_message;
  int reject; /* an eved_status_t a callback chose, or -1 */

  /* The connection's course. */
  uint32_t requests;
  int64_t accepted_ms;
  bool closing;      /* no more requests: flush, then close */
  bool peer_eof;     /* the client sent FIN */
  bool lingering;    /* write side shut, reading until EOF before close */
  bool input_paused; /* queued output reached the cap */
  bool broken;       /* a send failed: close (abort) at the next step */
  char *pending;     /* input read but not yet parsed while paused */
  size_t pending_len;

  /* A /metrics request waiting for its collectors (park.c): input is
   * paused, so the requests pipelined behind it wait their turn. */
  bool parked;
  bool parked_head;       /* it was a HEAD */
  bool parked_keep_alive; /* what its answer says */
  uint32_t parked_mask;   /* the collectors it shows */
  eved_expo_format_t parked_format; /* as its Accept chose */
  int64_t parked_due_ms;  /* its budget ends */

  /* A request waiting for its bcrypt verification (auth.c): parked like
   * a scrape, input paused behind it, until the verifier answers or
   * auth_due_ms passes. What it asked is kept for its answer. */
  bool auth_waiting;
  bool auth_known_user; /* a configured user: a success may be cached */
  uint32_t auth_users_gen; /* the user table it was checked against */
  uint64_t auth_token;  /* its job's owner token */
  int64_t auth_due_ms;
  eved_path_t auth_path;
  llhttp_method_t auth_method;
  bool auth_keep_alive;
  /* The client's address, read when auth first needs it (the throttle). */
  bool peer_known;
  eve_net_address_t peer;

  /* HTTPS: the connection's TLS session (NULL over plain HTTP), and
   * whether its handshake is still running; no request is read before it
   * ends. tls_want_write: a read stopped because Mbed TLS must write
   * first, so the connection waits for writability to read again. */
  eved_tls_conn_t *tls;
  bool handshaking;
  bool tls_signing; /* the handshake waits for the store's signer thread */
  bool tls_want_write;

  eved_chunk_t *out_head, *out_tail;
  size_t out_bytes; /* queued and not yet sent */
  eve_interest_t interest;

  int64_t request_start_ms; /* header timeout origin: accept, or a request's first byte */
  int64_t idle_since_ms;    /* idle timeout origin: the last response fully sent */
  int64_t write_progress_ms; /* write timeout origin: output queued or last sent */
  int64_t linger_start_ms;
  size_t linger_bytes;
} eved_conn_t;

struct eved_server {
  eved_config_t config;
  eve_poller_t *poller;
  eve_handle_t listeners[EVED_MAX_LISTEN];
  size_t listener_count;
  bool listeners_paused; /* accept hit a resource limit; resumed when a connection closes */

  /* Connection slots: a connection's poller user data is its slot and the
   * slot's generation, so an event for a closed connection never reaches
   * the connection that reuses its slot. */
  eved_conn_t **slots;
  uint32_t *generations;
  uint32_t *free_slots;
  size_t free_count;

  eved_counters_t counters;
  /* HTTPS (NULL: plain HTTP): the credentials and the sessions' RNG. */
  eved_tls_t *tls;
  llhttp_settings_t settings;
  int64_t started_ms;
  int64_t now_ms;
  bool draining;
  int64_t drain_deadline_ms;
  bool paused; /* SCM PAUSE or admin `drain`: /healthz says 503 */

  const char *config_path;
  eved_observer_t observer;
  eved_admin_t *admin; /* NULL unless admin.enabled */

  char date[EVED_HTTP_DATE_SIZE];
  int64_t date_second;
  eved_limit_log_t limit_log;
  char read_buf[EVED_READ_CHUNK];

  /* Rendering /stats and /metrics allocates nothing: the JSON document is
   * built on first use (NULL until then) and every body is written into
   * `body`, which is free again once the response is sent or queued. */
  eved_stats_json_t *stats_json;
  char *body; /* EVED_BODY_MAX bytes, allocated once at start */

  /* The host collectors (NULL: none enabled), and how many connections
   * wait for them. */
  eved_engine_t *engine;
  size_t parked_count;
  /* Basic auth (auth.c): the verifier (NULL until users are configured),
   * the cache of successes, the failed clients, and how many connections
   * wait for a verification. */
  eved_verifier_t *verifier;
  eved_auth_cache_t auth_cache;
  eved_auth_throttle_t auth_throttle;
  size_t auth_waiting;
  uint32_t auth_tokens; /* the next job's token (its high half) */
  uint32_t auth_users_gen; /* changes with each reload that changes the users */
  /* The process's RSS costs a file read: sampled at most once a second. */
  uint64_t memory_bytes;
  int64_t memory_sampled_ms;
  bool memory_sampled;
};

/* What the router answers. */
typedef struct eved_response {
  eved_status_t status;
  const char *content_type;
  const char *body;
  size_t body_len;
  bool head_only;  /* HEAD: Content-Length of the body, no body bytes */
  bool allow;      /* add "Allow: GET, HEAD" */
  bool vary_accept; /* add "Vary: Accept": the body's format was negotiated */
  bool www_authenticate; /* add the Basic challenge (a 401) */
  uint32_t retry_after_s; /* add "Retry-After: N" when above 0 (429, 503) */
  bool keep_alive;
} eved_response_t;

/* conn.c */
eved_conn_t *eved__conn_create(eved_server_t *server, eve_handle_t sock, uint32_t slot);
void eved__conn_on_event(eved_conn_t *conn, eve_ready_t ready);
/* Acts on a timeout that has fallen due; returns when the connection's
 * next one falls due as things stand (INT64_MAX: none, or it was closed).
 * Every timer's origin only moves forward, so the answer can only get
 * later, and a timer started from now is at least the shortest timeout
 * away. */
int64_t eved__conn_check_timers(eved_conn_t *conn);
void eved__conn_close(eved_conn_t *conn, bool abort);
bool eved__conn_is_idle(const eved_conn_t *conn);
uint64_t eved__conn_user_data(const eved_conn_t *conn);

/* http.c: the llhttp callbacks. */
void eved__http_settings(llhttp_settings_t *settings);
/* Sets up a connection's parser: strict, every leniency off. */
void eved__http_init(eved_conn_t *conn);
/* Feeds input to the parser; answers what completes. */
void eved__http_feed(eved_conn_t *conn, const char *data, size_t len);

/* response.c */
/* Sends a response, or queues what the socket did not take (in order
 * behind anything already queued). False if out of memory; a failed send
 * marks the connection broken instead. */
bool eved__response_queue(eved_conn_t *conn, const eved_response_t *response);
/* Formats a complete response into buf (for the 503 sent without a
 * connection object); returns its length, 0 if it does not fit. */
size_t eved__response_format(eved_server_t *server, const eved_response_t *response, char *buf,
                             size_t size);

/* router.c: answers one parsed request, or refuses one with an error
 * status (and Connection: close). Both count the response. False if out of
 * memory. */
bool eved__route(eved_conn_t *conn, llhttp_method_t method, bool keep_alive);
bool eved__respond_error(eved_conn_t *conn, eved_status_t status);
eved_snapshot_t eved__snapshot(eved_server_t *server);

/* park.c: /metrics waits for its collectors. */
/* Parks conn's /metrics request (mask: the collectors it shows) until its
 * collectors finish or budget_ms pass. */
void eved__park(eved_conn_t *conn, uint32_t mask, uint32_t budget_ms, bool head_only,
                bool keep_alive);
/* Answers the parked requests whose collectors are done or whose budget
 * is spent, and resumes their connections (after each poller wait). */
void eved__park_settle(eved_server_t *server);
/* The earliest budget end among parked requests; INT64_MAX if none. */
int64_t eved__park_next_due(const eved_server_t *server);
/* Answers a parked request now (settle and close use it). False if out of
 * memory. */
bool eved__route_parked(eved_conn_t *conn);

/* auth.c: basic auth (docs/security.md). */
/* What the gate decided for a request. */
typedef enum eved_auth_gate {
  EVED_AUTH_GATE_PASS,     /* serve it */
  EVED_AUTH_GATE_ANSWERED, /* refused (401, 429, 503): the answer is queued */
  EVED_AUTH_GATE_WAITING,  /* waiting for the verifier: the connection is parked */
  EVED_AUTH_GATE_FAILED    /* out of memory queueing the answer */
} eved_auth_gate_t;
/* Checks a parsed request's credentials, when users are configured and
 * the path is protected. Counts eved_auth_requests_total. */
eved_auth_gate_t eved__auth_gate(eved_conn_t *conn, eved_path_t path, llhttp_method_t method,
                                 bool keep_alive);
/* Answers the requests whose verification finished or ran out of time,
 * and resumes their connections (after each poller wait). */
void eved__auth_settle(eved_server_t *server);
/* The earliest waiting request's deadline; INT64_MAX if none. */
int64_t eved__auth_next_due(const eved_server_t *server);
/* Applies the config's users (at start, and after a reload with the
 * config before it, or NULL at start): the verifier made when first
 * needed, the cache emptied when the table changed, the clear-text
 * warning logged. EVE_ENOMEM, or EVE_EINVAL when the OS gave no random
 * bytes for the cache's key. */
int eved__auth_apply(eved_server_t *server, const eved_config_t *before);
/* Ends the verifier (before the poller goes). */
void eved__auth_close(eved_server_t *server);
/* The WWW-Authenticate value of a 401 (RFC 7617 2). */
extern const char eved__auth_challenge[];

/* router.c: answers a request whose credentials were verified. */
bool eved__route_verified(eved_conn_t *conn, eved_path_t path, llhttp_method_t method,
                          bool keep_alive);

/* conn.c: moves a connection on after something outside its events
 * changed it (a parked answer queued). */
void eved__conn_resume(eved_conn_t *conn);
/* Sends the pieces through the connection's transport (the socket, or its
 * TLS session): eve_net_send's contract. */
int eved__conn_send(eved_conn_t *conn, const eve_net_buf_t *bufs, size_t count, size_t *sent);
/* Steps the handshake of a connection whose off-loop signature finished
 * (eved_tls_take_ready). */
void eved__conn_tls_ready(eved_conn_t *conn);

/* server_state.c: what the admin commands and the control requests do. */
/* Re-reads the config file; on error the running config stays and
 * `error` says why. Settings that need a restart keep their old value. */
int eved__server_reload(eved_server_t *server, char *error, size_t size);
void eved__server_set_paused(eved_server_t *server, bool paused);
void eved__server_reset_stats(eved_server_t *server);
/* Tells the observer, if any, of a state (a no-op for the console run). */
void eved__server_report(eved_server_t *server, eved_run_state_t state, uint32_t wait_hint_ms);

/* limit_log.c: counts a bound hit and logs it, at most once per interval
 * per kind (the format describes this hit). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void eved__limit_hit(eved_server_t *server, eved_limit_t limit, const char *format, ...);
/* Logs the hits an interval kept quiet, once it is over (from the sweep). */
void eved__limit_log_flush(eved_server_t *server);

/* dashboard.c */
extern const char eved__dashboard_html[];
extern const size_t eved__dashboard_html_len;

#endif /* EVED_SERVER_INT_H_ */
