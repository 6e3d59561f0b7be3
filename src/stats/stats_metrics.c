/* /metrics: the same counters in the Prometheus text format 0.0.4 or in
 * OpenMetrics 1.0 (expo.h writes either from one rendering). Every family
 * has HELP and TYPE; a family with labels lists every label value, zero
 * included, so series never appear late. The process_* families are the
 * standard ones (process.h), beside eved's own. */
#include "process.h"
#include "stats.h"
#include "version.h"

static void build_info(eved_expo_t *e, const eved_snapshot_t *s) {
  eved_expo_family(e, "eved_build_info", EVED_EXPO_INFO,
                   "Version, git revision and poller of this eved; always 1.");
  eved_expo_sample(e, "eved_build_info");
  eved_expo_label(e, "version", EVED_VERSION);
  eved_expo_label(e, "revision", EVED_REVISION);
  eved_expo_label(e, "backend", s->backend);
  eved_expo_label(e, "mode", s->mode);
  eved_expo_u64(e, 1);
}

static void server_state(eved_expo_t *e, const eved_snapshot_t *s) {
  eved_expo_single_double(e, "eved_uptime_seconds", EVED_EXPO_GAUGE, "Seconds since eved started.",
                          s->uptime_seconds);
  eved_expo_single_u64(e, "eved_draining", EVED_EXPO_GAUGE,
                       "1 while eved drains before exiting, else 0.", s->draining ? 1 : 0);
  eved_expo_single_u64(e, "eved_paused", EVED_EXPO_GAUGE,
                       "1 while /healthz is held at 503 (paused or admin drain), else 0.",
                       s->paused ? 1 : 0);
}

static void traffic(eved_expo_t *e, const eved_counters_t *c) {
  eved_expo_single_u64(e, "eved_connections_active", EVED_EXPO_GAUGE, "Client connections open now.",
                       c->connections_active);
  eved_expo_single_u64(e, "eved_connections_accepted_total", EVED_EXPO_COUNTER,
                       "Client connections accepted.", c->connections_accepted);
  eved_expo_single_u64(e, "eved_connections_closed_total", EVED_EXPO_COUNTER,
                       "Accepted connections since closed.", c->connections_closed);
  eved_expo_single_u64(e, "eved_connections_rejected_total", EVED_EXPO_COUNTER,
                       "Connections refused with 503 at max_connections.", c->connections_rejected);

  eved_expo_family(e, "eved_requests_total", EVED_EXPO_COUNTER,
                   "Responses sent to requests, by status code.");
  for (int i = 0; i < EVED_STATUS_COUNT; i++) {
    char code[EVED_U64_TEXT_MAX];
    eved_u64_text((uint64_t)eved_status_code((eved_status_t)i), code);
    eved_expo_sample(e, "eved_requests_total");
    eved_expo_label(e, "status", code);
    eved_expo_u64(e, c->by_status[i]);
  }
  eved_expo_family(e, "eved_path_requests_total", EVED_EXPO_COUNTER,
                   "Parsed requests by path (\"other\" for unknown paths).");
  for (int i = 0; i < EVED_PATH_COUNT; i++) {
    eved_expo_sample(e, "eved_path_requests_total");
    eved_expo_label(e, "path", eved_path_name((eved_path_t)i));
    eved_expo_u64(e, c->by_path[i]);
  }
  eved_expo_single_u64(e, "eved_received_bytes_total", EVED_EXPO_COUNTER,
                       "Bytes read from clients.", c->bytes_received);
  eved_expo_single_u64(e, "eved_sent_bytes_total", EVED_EXPO_COUNTER, "Bytes written to clients.",
                       c->bytes_sent);
}

static void poller(eved_expo_t *e, const eve_poller_stats_t *p) {
  eved_expo_single_u64(e, "eved_poller_registrations", EVED_EXPO_GAUGE,
                       "Handles registered with the poller.", p->registrations);
  eved_expo_single_u64(e, "eved_poller_capacity", EVED_EXPO_GAUGE,
                       "Most registrations the poller allows.", p->capacity);
  eved_expo_single_u64(e, "eved_poller_overlapped_active", EVED_EXPO_GAUGE,
                       "Overlapped operations in flight (Windows overlapped mode).",
                       p->overlapped_active);
  eved_expo_single_u64(e, "eved_poller_waits_total", EVED_EXPO_COUNTER,
                       "Times the poller waited on the kernel.", p->waits);
  eved_expo_single_u64(e, "eved_poller_wakeups_total", EVED_EXPO_COUNTER,
                       "Cross-thread wake-ups consumed.", p->wakeups);
  eved_expo_single_u64(e, "eved_poller_capacity_hits_total", EVED_EXPO_COUNTER,
                       "Registrations refused at the poller's capacity.", p->capacity_hits);
  eved_expo_single_u64(e, "eved_poller_releases_refused_total", EVED_EXPO_COUNTER,
                       "Overlapped pool entries whose release was refused: the kernel still owned their I/O.",
                       p->releases_refused);
}

static void limits(eved_expo_t *e, const eved_counters_t *c) {
  eved_expo_family(e, "eved_limit_hits_total", EVED_EXPO_COUNTER,
                   "Times each configured bound was hit.");
  for (int i = 0; i < EVED_LIMIT_COUNT; i++) {
    eved_expo_sample(e, "eved_limit_hits_total");
    eved_expo_label(e, "limit", eved_limit_name((eved_limit_t)i));
    eved_expo_u64(e, c->limits[i]);
  }
}

static void auth(eved_expo_t *e, const eved_snapshot_t *s) {
  const eved_counters_t *c = s->counters;
  eved_expo_family(e, "eved_auth_requests_total", EVED_EXPO_COUNTER,
                   "Requests that needed basic auth credentials, by how they ended.");
  for (int i = 0; i < EVED_AUTH_RESULT_COUNT; i++) {
    eved_expo_sample(e, "eved_auth_requests_total");
    eved_expo_label(e, "result", eved_auth_result_name((eved_auth_result_t)i));
    eved_expo_u64(e, c->auth[i]);
  }
  eved_expo_single_u64(e, "eved_auth_verifications_total", EVED_EXPO_COUNTER,
                       "bcrypt verifications started (a cached verification starts none).",
                       c->auth_verifications);
  eved_expo_single_u64(e, "eved_auth_queue_depth", EVED_EXPO_GAUGE,
                       "bcrypt verifications queued or running now.", s->auth_queue_depth);
}

static void tls(eved_expo_t *e, const eved_snapshot_t *s) {
  if (!s->tls) return;
  const eved_counters_t *c = s->counters;
  eved_expo_single_u64(e, "eved_tls_handshakes_total", EVED_EXPO_COUNTER,
                       "TLS handshakes completed.", c->tls_handshakes);
  eved_expo_family(e, "eved_tls_handshake_errors_total", EVED_EXPO_COUNTER,
                   "TLS handshakes that failed, by reason; the connection was closed.");
  for (int i = 0; i < EVED_TLS_ERROR_COUNT; i++) {
    eved_expo_sample(e, "eved_tls_handshake_errors_total");
    eved_expo_label(e, "reason", eved_tls_error_name((eved_tls_error_t)i));
    eved_expo_u64(e, c->tls_handshake_errors[i]);
  }
  eved_expo_single_u64(e, "eved_tls_certificate_expiry_seconds", EVED_EXPO_GAUGE,
                       "The served certificate's notAfter, in seconds since the Unix epoch.",
                       s->tls_expiry_unix > 0 ? (uint64_t)s->tls_expiry_unix : 0);
}

static void eved_process(eved_expo_t *e, const eved_snapshot_t *s) {
  eved_expo_single_u64(e, "eved_process_memory_bytes", EVED_EXPO_GAUGE,
                       "Resident memory of the eved process.", s->memory_bytes);
  if (s->handles >= 0)
    eved_expo_single_u64(e, "eved_process_handles", EVED_EXPO_GAUGE,
                         "Handles the eved process holds (Windows).", (uint64_t)s->handles);
}

/* The standard families, with client_golang's help texts; limits as
 * float64, as client_golang writes them (unlimited is 2^64 - 1). */
static void standard_process(eved_expo_t *e, const eved_process_figures_t *p) {
  if (p->has_times)
    eved_expo_single_double(e, "process_cpu_seconds_total", EVED_EXPO_COUNTER,
                            "Total user and system CPU time spent in seconds.", p->cpu_seconds);
  if (p->has_fds)
    eved_expo_single_u64(e, "process_open_fds", EVED_EXPO_GAUGE, "Number of open file descriptors.",
                         p->open_fds);
  if (p->has_max_fds)
    eved_expo_single_double(e, "process_max_fds", EVED_EXPO_GAUGE,
                            "Maximum number of open file descriptors.", (double)p->max_fds);
  if (p->has_memory) {
    eved_expo_single_u64(e, "process_virtual_memory_bytes", EVED_EXPO_GAUGE,
                         "Virtual memory size in bytes.", p->virtual_bytes);
  }
  if (p->has_virtual_max)
    eved_expo_single_double(e, "process_virtual_memory_max_bytes", EVED_EXPO_GAUGE,
                            "Maximum amount of virtual memory available in bytes.",
                            (double)p->virtual_max_bytes);
  if (p->has_memory)
    eved_expo_single_u64(e, "process_resident_memory_bytes", EVED_EXPO_GAUGE,
                         "Resident memory size in bytes.", p->resident_bytes);
  if (p->has_times)
    eved_expo_single_double(e, "process_start_time_seconds", EVED_EXPO_GAUGE,
                            "Start time of the process since unix epoch in seconds.",
                            p->start_seconds);
}

void eved_stats_metrics_families(eved_expo_t *e, const eved_snapshot_t *s) {
  build_info(e, s);
  server_state(e, s);
  traffic(e, s->counters);
  poller(e, &s->poller);
  limits(e, s->counters);
  auth(e, s);
  tls(e, s);
  eved_process(e, s);
  if (s->process != NULL) standard_process(e, s->process);
  eved_host_metrics(e, &s->host);
}

/* Written with puts and an integer formatter rather than printf where it
 * can be: the text goes straight into the server's reusable body buffer. */
size_t eved_stats_metrics(const eved_snapshot_t *s, eved_expo_format_t format, char *buf,
                          size_t size) {
  eved_textbuf_t b;
  eved_textbuf_init(&b, buf, size);
  eved_expo_t e;
  eved_expo_init(&e, &b, format);
  eved_stats_metrics_families(&e, s);
  eved_expo_end(&e);
  return eved_textbuf_finish(&b);
}
