/* /stats: the counters as one JSON object, built with cJSON on every
 * request. Key names follow what nginx's stub_status and HAProxy's stats
 * call the same things (active, accepted, requests, bytes in/out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "stats.h"
#include "version.h"

static bool add_number(cJSON *obj, const char *key, double value) {
  return cJSON_AddNumberToObject(obj, key, value) != NULL;
}

static cJSON *add_object(cJSON *parent, const char *key) {
  return cJSON_AddObjectToObject(parent, key);
}

static bool add_connections(cJSON *root, const eved_counters_t *c) {
  cJSON *o = add_object(root, "connections");
  return o && add_number(o, "active", (double)c->connections_active) &&
         add_number(o, "accepted", (double)c->connections_accepted) &&
         add_number(o, "closed", (double)c->connections_closed) &&
         add_number(o, "rejected", (double)c->connections_rejected);
}

static bool add_requests(cJSON *root, const eved_counters_t *c) {
  cJSON *o = add_object(root, "requests");
  if (!o || !add_number(o, "total", (double)c->requests_total)) return false;
  cJSON *by_status = add_object(o, "by_status");
  if (!by_status) return false;
  for (int s = 0; s < EVED_STATUS_COUNT; s++) {
    char code[8];
    snprintf(code, sizeof code, "%d", eved_status_code((eved_status_t)s));
    if (!add_number(by_status, code, (double)c->by_status[s])) return false;
  }
  cJSON *by_path = add_object(o, "by_path");
  if (!by_path) return false;
  for (int p = 0; p < EVED_PATH_COUNT; p++)
    if (!add_number(by_path, eved_path_name((eved_path_t)p), (double)c->by_path[p])) return false;
  return true;
}

static bool add_poller(cJSON *root, const eved_snapshot_t *s) {
  cJSON *o = add_object(root, "poller");
  return o && cJSON_AddStringToObject(o, "backend", s->backend) &&
         cJSON_AddStringToObject(o, "mode", s->mode) &&
         add_number(o, "registrations", (double)s->poller.registrations) &&
         add_number(o, "capacity", (double)s->poller.capacity) &&
         add_number(o, "overlapped_active", (double)s->poller.overlapped_active) &&
         add_number(o, "waits", (double)s->poller.waits) &&
         add_number(o, "wakeups", (double)s->poller.wakeups) &&
         add_number(o, "capacity_hits", (double)s->poller.capacity_hits);
}

static bool add_limits(cJSON *root, const eved_counters_t *c) {
  cJSON *o = add_object(root, "limits");
  if (!o) return false;
  for (int l = 0; l < EVED_LIMIT_COUNT; l++)
    if (!add_number(o, eved_limit_name((eved_limit_t)l), (double)c->limits[l])) return false;
  return true;
}

static bool add_process(cJSON *root, const eved_snapshot_t *s) {
  cJSON *o = add_object(root, "process");
  if (!o || !add_number(o, "pid", (double)s->pid) ||
      !add_number(o, "memory_bytes", (double)s->memory_bytes))
    return false;
  return s->handles < 0 || add_number(o, "handles", (double)s->handles);
}

char *eved_stats_json(const eved_snapshot_t *s, size_t *len) {
  const eved_counters_t *c = s->counters;
  cJSON *root = cJSON_CreateObject();
  bool ok = root && cJSON_AddStringToObject(root, "version", EVED_VERSION) &&
            add_number(root, "uptime_seconds", s->uptime_seconds) &&
            cJSON_AddStringToObject(root, "status",
                                    s->draining ? "draining" : s->paused ? "paused" : "running") &&
            add_connections(root, c) && add_requests(root, c);
  if (ok) {
    cJSON *bytes = add_object(root, "bytes");
    ok = bytes && add_number(bytes, "received", (double)c->bytes_received) &&
         add_number(bytes, "sent", (double)c->bytes_sent);
  }
  ok = ok && add_poller(root, s) && add_limits(root, c) && add_process(root, s);
  char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (text != NULL) *len = strlen(text);
  return text;
}
