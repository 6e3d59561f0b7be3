/* /stats: the counters as one JSON object, written by cJSON. Key names
 * follow what nginx's stub_status and HAProxy's stats call the same things
 * (active, accepted, requests, bytes in/out).
 *
 * /stats is what load tests hit, so it must not allocate or go through
 * printf per request. The cJSON tree is built once (eved_stats_json_create);
 * every number in it is a raw leaf that points, as a cJSON reference, at a
 * text buffer this document owns. cJSON_PrintPreallocated writes the tree
 * once with every number's text set to a one-byte marker (a control
 * character, which cJSON would escape anywhere else): that text is the
 * template, and cJSON wrote all of it, keys, escaping and structure. A
 * render writes the numbers with an integer formatter and copies the
 * template with each marker replaced by the next number, in tree order.
 * So neither cJSON's allocations nor its number path (sprintf "%1.15g" and
 * a sscanf round trip per number) nor its per-item strlen walks are paid
 * per request, and every figure is exact as of the request. The template
 * is written again by cJSON whenever a string in it changes (the status). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "stats.h"
#include "textbuf.h"
#include "version.h"

/* A number's text: 20 digits, or "seconds.mmm", or "null". A counter's
 * text is kept with the value it was written from: most of /stats'
 * numbers (the limits, most statuses) do not change between requests,
 * and are not formatted again. */
typedef struct number {
  char text[EVED_U64_TEXT_MAX + 4];
  size_t len;
  uint64_t value;
  bool cached; /* text is value's */
} number_t;

/* Room for every number in the tree: the counters and the figures. */
#define NUMBERS_MAX \
  (EVED_STATUS_COUNT + EVED_PATH_COUNT + EVED_LIMIT_COUNT + EVED_AUTH_RESULT_COUNT + \
   EVED_TLS_ERROR_COUNT + 28)
/* The template of eved's own figures: a fixed shape, a few KiB. */
#define SKELETON_MAX 16384
/* What a number's text is while cJSON writes the template. */
#define MARKER '\x01'

struct eved_stats_json {
  cJSON *root;
  number_t *order[NUMBERS_MAX]; /* the numbers in the order cJSON writes them */
  size_t count;
  char skeleton[SKELETON_MAX]; /* the template: the JSON with a marker per number */
  size_t skeleton_len; /* 0: to be written (again) */
  size_t marker_at[NUMBERS_MAX]; /* each number's marker in the template */
  const char *skeleton_strings[3]; /* status, backend and mode it was written with */
  cJSON *status, *backend, *mode; /* string references, repointed per render */
  number_t uptime;
  number_t active, accepted, closed, rejected;
  number_t total, by_status[EVED_STATUS_COUNT], by_path[EVED_PATH_COUNT];
  number_t received, sent;
  number_t registrations, capacity, overlapped_active, waits, wakeups, capacity_hits;
  number_t releases_refused;
  number_t limits[EVED_LIMIT_COUNT];
  number_t auth[EVED_AUTH_RESULT_COUNT], auth_verifications, auth_queue_depth;
  number_t tls_handshakes, tls_errors[EVED_TLS_ERROR_COUNT], tls_expiry;
  number_t pid, memory, handles;
  bool has_handles, has_tls;
  char status_keys[EVED_STATUS_COUNT][8];
  /* The host's metrics object as last written, and what it was written
   * from; EVED_BODY_MAX bytes, as no body can hold more. */
  char *host_metrics;
  size_t host_metrics_len;
  bool host_metrics_valid;
  const eved_engine_t *host_engine;
  uint32_t host_mask;
  uint64_t host_generation;
};

/* Adds a leaf whose text lives in n (a raw reference: cJSON neither copies
 * nor frees it). Keys are constants or live in the document: no copies. */
static bool add_number(eved_stats_json_t *d, cJSON *obj, const char *key, number_t *n) {
  if (d->count == NUMBERS_MAX) return false;
  d->order[d->count++] = n;
  strcpy(n->text, "0");
  n->len = 1;
  cJSON *item = cJSON_CreateStringReference(n->text);
  if (item == NULL) return false;
  item->type = cJSON_Raw | cJSON_IsReference;
  return cJSON_AddItemToObjectCS(obj, key, item);
}

static cJSON *add_string(cJSON *obj, const char *key, const char *value) {
  cJSON *item = cJSON_CreateStringReference(value);
  if (item != NULL && !cJSON_AddItemToObjectCS(obj, key, item)) {
    cJSON_Delete(item);
    return NULL;
  }
  return item;
}

static cJSON *add_object(cJSON *parent, const char *key) {
  cJSON *o = cJSON_CreateObject();
  if (o != NULL && !cJSON_AddItemToObjectCS(parent, key, o)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static bool build_connections(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "connections");
  return o && add_number(d, o, "active", &d->active) && add_number(d, o, "accepted", &d->accepted) &&
         add_number(d, o, "closed", &d->closed) && add_number(d, o, "rejected", &d->rejected);
}

static bool build_requests(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "requests");
  if (!o || !add_number(d, o, "total", &d->total)) return false;
  cJSON *by_status = add_object(o, "by_status");
  if (!by_status) return false;
  for (int s = 0; s < EVED_STATUS_COUNT; s++) {
    snprintf(d->status_keys[s], sizeof d->status_keys[s], "%d", eved_status_code((eved_status_t)s));
    if (!add_number(d, by_status, d->status_keys[s], &d->by_status[s])) return false;
  }
  cJSON *by_path = add_object(o, "by_path");
  if (!by_path) return false;
  for (int p = 0; p < EVED_PATH_COUNT; p++)
    if (!add_number(d, by_path, eved_path_name((eved_path_t)p), &d->by_path[p])) return false;
  return true;
}

static bool build_bytes(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "bytes");
  return o && add_number(d, o, "received", &d->received) && add_number(d, o, "sent", &d->sent);
}

static bool build_poller(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "poller");
  return o && (d->backend = add_string(o, "backend", "")) && (d->mode = add_string(o, "mode", "")) &&
         add_number(d, o, "registrations", &d->registrations) &&
         add_number(d, o, "capacity", &d->capacity) &&
         add_number(d, o, "overlapped_active", &d->overlapped_active) &&
         add_number(d, o, "waits", &d->waits) && add_number(d, o, "wakeups", &d->wakeups) &&
         add_number(d, o, "capacity_hits", &d->capacity_hits) &&
         add_number(d, o, "releases_refused", &d->releases_refused);
}

static bool build_limits(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "limits");
  if (!o) return false;
  for (int l = 0; l < EVED_LIMIT_COUNT; l++)
    if (!add_number(d, o, eved_limit_name((eved_limit_t)l), &d->limits[l])) return false;
  return true;
}

/* Basic auth: each result, the bcrypt runs, the verifier's queue. */
static bool build_auth(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "auth");
  if (!o) return false;
  for (int r = 0; r < EVED_AUTH_RESULT_COUNT; r++)
    if (!add_number(d, o, eved_auth_result_name((eved_auth_result_t)r), &d->auth[r])) return false;
  return add_number(d, o, "verifications", &d->auth_verifications) &&
         add_number(d, o, "queue_depth", &d->auth_queue_depth);
}

/* HTTPS: completed handshakes, the failed ones by reason, the
 * certificate's notAfter (Unix seconds). */
static bool build_tls(eved_stats_json_t *d) {
  if (!d->has_tls) return true;
  /* Numbers are added in the order cJSON writes them (see the top). */
  cJSON *o = add_object(d->root, "tls");
  if (!o || !add_number(d, o, "handshakes", &d->tls_handshakes)) return false;
  cJSON *errors = add_object(o, "handshake_errors");
  if (!errors) return false;
  for (int r = 0; r < EVED_TLS_ERROR_COUNT; r++)
    if (!add_number(d, errors, eved_tls_error_name((eved_tls_error_t)r), &d->tls_errors[r])) return false;
  return add_number(d, o, "certificate_expiry_seconds", &d->tls_expiry);
}

static bool build_process(eved_stats_json_t *d) {
  cJSON *o = add_object(d->root, "process");
  return o && add_number(d, o, "pid", &d->pid) && add_number(d, o, "memory_bytes", &d->memory) &&
         (!d->has_handles || add_number(d, o, "handles", &d->handles));
}

eved_stats_json_t *eved_stats_json_create(bool with_handles, bool with_tls) {
  eved_stats_json_t *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->has_handles = with_handles;
  d->has_tls = with_tls;
  d->host_metrics = malloc(EVED_BODY_MAX);
  d->root = d->host_metrics != NULL ? cJSON_CreateObject() : NULL;
  bool ok = d->root && add_string(d->root, "version", EVED_VERSION) &&
            add_number(d, d->root, "uptime_seconds", &d->uptime) &&
            (d->status = add_string(d->root, "status", "")) && build_connections(d) &&
            build_requests(d) && build_bytes(d) && build_poller(d) && build_limits(d) &&
            build_auth(d) && build_tls(d) && build_process(d);
  if (!ok) {
    eved_stats_json_destroy(d);
    return NULL;
  }
  return d;
}

void eved_stats_json_destroy(eved_stats_json_t *d) {
  if (d == NULL) return;
  cJSON_Delete(d->root);
  free(d->host_metrics);
  free(d);
}

static void set(number_t *n, uint64_t value) {
  if (n->cached && n->value == value) return;
  n->len = eved_u64_text(value, n->text);
  n->value = value;
  n->cached = true;
}

/* Seconds with milliseconds, "12.345": what "%.3f" would print. */
static void set_seconds(number_t *n, double seconds) {
  uint64_t ms = seconds > 0 ? (uint64_t)(seconds * 1000.0 + 0.5) : 0;
  size_t len = eved_u64_text(ms / 1000, n->text);
  unsigned frac = (unsigned)(ms % 1000);
  n->text[len] = '.';
  n->text[len + 1] = (char)('0' + frac / 100);
  n->text[len + 2] = (char)('0' + frac / 10 % 10);
  n->text[len + 3] = (char)('0' + frac % 10);
  n->text[len + 4] = '\0';
  n->len = len + 4;
  n->cached = false;
}

/* A reference's text is never freed by cJSON, so repointing it is safe. */
static void set_string(cJSON *item, const char *value) { item->valuestring = (char *)value; }

/* Has cJSON write the tree with every number a marker. */
static bool write_template(eved_stats_json_t *d) {
  for (size_t i = 0; i < d->count; i++) {
    d->order[i]->text[0] = MARKER;
    d->order[i]->text[1] = '\0';
    d->order[i]->cached = false;
  }
  d->skeleton_strings[0] = d->status->valuestring;
  d->skeleton_strings[1] = d->backend->valuestring;
  d->skeleton_strings[2] = d->mode->valuestring;
  /* cJSON may want a few bytes beyond what it writes (its header says 5). */
  if (!cJSON_PrintPreallocated(d->root, d->skeleton, (int)sizeof d->skeleton - 5, false)) return false;
  size_t len = strlen(d->skeleton), at = 0;
  for (size_t i = 0; i < d->count; i++, at++) {
    const char *marker = memchr(d->skeleton + at, MARKER, len - at);
    if (marker == NULL) return false; /* cannot happen: one marker per number */
    at = (size_t)(marker - d->skeleton);
    d->marker_at[i] = at;
  }
  d->skeleton_len = len;
  return true;
}

static bool template_current(const eved_stats_json_t *d) {
  return d->skeleton_len > 0 && d->skeleton_strings[0] == d->status->valuestring &&
         d->skeleton_strings[1] == d->backend->valuestring &&
         d->skeleton_strings[2] == d->mode->valuestring;
}

/* The template with its markers replaced by the numbers, in order. */
static size_t splice(const eved_stats_json_t *d, char *buf, size_t size) {
  eved_textbuf_t b;
  eved_textbuf_init(&b, buf, size);
  size_t at = 0;
  for (size_t i = 0; i < d->count; i++) {
    eved_textbuf_put(&b, d->skeleton + at, d->marker_at[i] - at);
    eved_textbuf_put(&b, d->order[i]->text, d->order[i]->len);
    at = d->marker_at[i] + 1;
  }
  eved_textbuf_put(&b, d->skeleton + at, d->skeleton_len - at);
  return eved_textbuf_finish(&b);
}

/* The host's metrics object: copied from the last one written while the
 * engine has taken no result since (the collectors run at most once per
 * collectors.min_interval_ms, /stats may be asked thousands of times a
 * second, and formatting each figure was most of a request's time). */
static void add_host_metrics(eved_stats_json_t *d, eved_textbuf_t *b, const eved_host_view_t *v) {
  uint64_t generation = eved_engine_generation(v->engine);
  if (d->host_metrics_valid && d->host_engine == v->engine && d->host_mask == v->mask &&
      d->host_generation == generation) {
    eved_textbuf_put(b, d->host_metrics, d->host_metrics_len);
    return;
  }
  size_t start = b->len;
  eved_host_json_metrics(b, v);
  d->host_metrics_valid = false;
  if (b->failed || b->len - start > EVED_BODY_MAX) return;
  memcpy(d->host_metrics, b->data + start, b->len - start);
  d->host_metrics_len = b->len - start;
  d->host_engine = v->engine;
  d->host_mask = v->mask;
  d->host_generation = generation;
  d->host_metrics_valid = true;
}

/* The host figures go after the template's text, by hand: their shape
 * changes with the machine, and writing them costs no allocation. */
static size_t add_host(eved_stats_json_t *d, const eved_snapshot_t *s, char *buf, size_t len,
                       size_t size) {
  if (len == 0 || s->host.engine == NULL || buf[len - 1] != '}') return len;
  eved_textbuf_t b = {.data = buf, .len = len - 1, .cap = size};
  eved_textbuf_puts(&b, ",\"host\":");
  eved_host_json_head(&b, &s->host);
  add_host_metrics(d, &b, &s->host);
  eved_textbuf_puts(&b, "}}");
  return eved_textbuf_finish(&b);
}

size_t eved_stats_json_render(eved_stats_json_t *d, const eved_snapshot_t *s, char *buf,
                              size_t size) {
  const eved_counters_t *c = s->counters;
  set_string(d->status, s->draining ? "draining" : s->paused ? "paused" : "running");
  set_string(d->backend, s->backend);
  set_string(d->mode, s->mode);
  if (!template_current(d) && !write_template(d)) return 0;
  set_seconds(&d->uptime, s->uptime_seconds);
  set(&d->active, c->connections_active);
  set(&d->accepted, c->connections_accepted);
  set(&d->closed, c->connections_closed);
  set(&d->rejected, c->connections_rejected);
  set(&d->total, c->requests_total);
  for (int i = 0; i < EVED_STATUS_COUNT; i++) set(&d->by_status[i], c->by_status[i]);
  for (int i = 0; i < EVED_PATH_COUNT; i++) set(&d->by_path[i], c->by_path[i]);
  set(&d->received, c->bytes_received);
  set(&d->sent, c->bytes_sent);
  set(&d->registrations, s->poller.registrations);
  set(&d->capacity, s->poller.capacity);
  set(&d->overlapped_active, s->poller.overlapped_active);
  set(&d->waits, s->poller.waits);
  set(&d->wakeups, s->poller.wakeups);
  set(&d->capacity_hits, s->poller.capacity_hits);
  set(&d->releases_refused, s->poller.releases_refused);
  for (int i = 0; i < EVED_LIMIT_COUNT; i++) set(&d->limits[i], c->limits[i]);
  for (int i = 0; i < EVED_AUTH_RESULT_COUNT; i++) set(&d->auth[i], c->auth[i]);
  set(&d->auth_verifications, c->auth_verifications);
  set(&d->auth_queue_depth, s->auth_queue_depth);
  set(&d->tls_handshakes, c->tls_handshakes);
  for (int i = 0; i < EVED_TLS_ERROR_COUNT; i++) set(&d->tls_errors[i], c->tls_handshake_errors[i]);
  set(&d->tls_expiry, s->tls_expiry_unix > 0 ? (uint64_t)s->tls_expiry_unix : 0);
  set(&d->pid, s->pid);
  set(&d->memory, s->memory_bytes);
  if (s->handles >= 0) {
    set(&d->handles, (uint64_t)s->handles);
  } else {
    strcpy(d->handles.text, "null");
    d->handles.len = 4;
    d->handles.cached = false;
  }
  return add_host(d, s, buf, splice(d, buf, size), size);
}

char *eved_stats_json(const eved_snapshot_t *s, size_t *len) {
  eved_stats_json_t *d = eved_stats_json_create(s->handles >= 0, s->tls);
  char *text = d ? malloc(EVED_BODY_MAX) : NULL;
  size_t n = text ? eved_stats_json_render(d, s, text, EVED_BODY_MAX) : 0;
  eved_stats_json_destroy(d);
  if (n == 0) {
    free(text);
    return NULL;
  }
  *len = n;
  return text;
}
