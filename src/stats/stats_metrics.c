/* /metrics: the same counters in the Prometheus text format 0.0.4. Every
 * family has HELP and TYPE; counters end in _total; a family with labels
 * lists every label value, zero included, so series never appear late. */
#include "stats.h"
#include "textbuf.h"
#include "version.h"

static void family(eved_textbuf_t *b, const char *name, const char *type, const char *help) {
  eved_textbuf_puts(b, "# HELP ");
  eved_textbuf_puts(b, name);
  eved_textbuf_put(b, " ", 1);
  eved_textbuf_puts(b, help);
  eved_textbuf_puts(b, "\n# TYPE ");
  eved_textbuf_puts(b, name);
  eved_textbuf_put(b, " ", 1);
  eved_textbuf_puts(b, type);
  eved_textbuf_put(b, "\n", 1);
}

/* name{label="value"} number */
static void sample(eved_textbuf_t *b, const char *name, const char *label, const char *value,
                   uint64_t number) {
  eved_textbuf_puts(b, name);
  if (label != NULL) {
    eved_textbuf_put(b, "{", 1);
    eved_textbuf_puts(b, label);
    eved_textbuf_put(b, "=\"", 2);
    eved_textbuf_puts(b, value);
    eved_textbuf_put(b, "\"}", 2);
  }
  eved_textbuf_put(b, " ", 1);
  eved_textbuf_u64(b, number);
  eved_textbuf_put(b, "\n", 1);
}

static void single(eved_textbuf_t *b, const char *name, const char *type, const char *help,
                   uint64_t value) {
  family(b, name, type, help);
  sample(b, name, NULL, NULL, value);
}

/* Rendered with puts and an integer formatter rather than printf: the
 * text is written straight into the server's reusable body buffer. */
size_t eved_stats_metrics(const eved_snapshot_t *s, char *buf, size_t size) {
  const eved_counters_t *c = s->counters;
  eved_textbuf_t b;
  eved_textbuf_init(&b, buf, size);
  family(&b, "eved_build_info", "gauge", "Version and poller of this eved; always 1.");
  eved_textbuf_printf(&b, "eved_build_info{version=\"%s\",backend=\"%s\",mode=\"%s\"} 1\n",
                      EVED_VERSION, s->backend, s->mode);
  family(&b, "eved_uptime_seconds", "gauge", "Seconds since eved started.");
  eved_textbuf_printf(&b, "eved_uptime_seconds %.3f\n", s->uptime_seconds);
  single(&b, "eved_draining", "gauge", "1 while eved drains before exiting, else 0.",
         s->draining ? 1 : 0);
  single(&b, "eved_paused", "gauge", "1 while /healthz is held at 503 (paused or admin drain), else 0.",
         s->paused ? 1 : 0);

  single(&b, "eved_connections_active", "gauge", "Client connections open now.",
         c->connections_active);
  single(&b, "eved_connections_accepted_total", "counter", "Client connections accepted.",
         c->connections_accepted);
  single(&b, "eved_connections_closed_total", "counter", "Accepted connections since closed.",
         c->connections_closed);
  single(&b, "eved_connections_rejected_total", "counter",
         "Connections refused with 503 at max_connections.", c->connections_rejected);

  family(&b, "eved_requests_total", "counter", "Responses sent to requests, by status code.");
  for (int i = 0; i < EVED_STATUS_COUNT; i++) {
    char code[EVED_U64_TEXT_MAX];
    eved_u64_text((uint64_t)eved_status_code((eved_status_t)i), code);
    sample(&b, "eved_requests_total", "status", code, c->by_status[i]);
  }
  family(&b, "eved_path_requests_total", "counter",
         "Parsed requests by path (\"other\" for unknown paths).");
  for (int i = 0; i < EVED_PATH_COUNT; i++)
    sample(&b, "eved_path_requests_total", "path", eved_path_name((eved_path_t)i), c->by_path[i]);

  single(&b, "eved_received_bytes_total", "counter", "Bytes read from clients.",
         c->bytes_received);
  single(&b, "eved_sent_bytes_total", "counter", "Bytes written to clients.", c->bytes_sent);

  single(&b, "eved_poller_registrations", "gauge", "Handles registered with the poller.",
         s->poller.registrations);
  single(&b, "eved_poller_capacity", "gauge", "Most registrations the poller allows.",
         s->poller.capacity);
  single(&b, "eved_poller_overlapped_active", "gauge",
         "Overlapped operations in flight (Windows overlapped mode).",
         s->poller.overlapped_active);
  single(&b, "eved_poller_waits_total", "counter", "Times the poller waited on the kernel.",
         s->poller.waits);
  single(&b, "eved_poller_wakeups_total", "counter", "Cross-thread wake-ups consumed.",
         s->poller.wakeups);
  single(&b, "eved_poller_capacity_hits_total", "counter",
         "Registrations refused at the poller's capacity.", s->poller.capacity_hits);
  single(&b, "eved_poller_releases_refused_total", "counter",
         "Overlapped pool entries whose release was refused: the kernel still owned their I/O.",
         s->poller.releases_refused);

  family(&b, "eved_limit_hits_total", "counter", "Times each configured bound was hit.");
  for (int i = 0; i < EVED_LIMIT_COUNT; i++)
    sample(&b, "eved_limit_hits_total", "limit", eved_limit_name((eved_limit_t)i), c->limits[i]);

  single(&b, "eved_process_memory_bytes", "gauge", "Resident memory of the eved process.",
         s->memory_bytes);
  if (s->handles >= 0)
    single(&b, "eved_process_handles", "gauge", "Handles the eved process holds (Windows).",
           (uint64_t)s->handles);
  eved_host_metrics(&b, &s->host, false);
  return eved_textbuf_finish(&b);
}
