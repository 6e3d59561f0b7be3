/* The host figures' renderings (host_render.h). */
#include "host_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eved_textbuf_number(eved_textbuf_t *b, double v, bool json) {
  if (isnan(v)) {
    eved_textbuf_puts(b, json ? "null" : "NaN");
  } else if (isinf(v)) {
    eved_textbuf_puts(b, json ? "null" : v > 0 ? "+Inf" : "-Inf");
  } else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
    if (v < 0) eved_textbuf_put(b, "-", 1);
    eved_textbuf_u64(b, (uint64_t)fabs(v));
  } else {
    char text[32];
    snprintf(text, sizeof text, "%.15g", v);
    if (strtod(text, NULL) != v) snprintf(text, sizeof text, "%.17g", v);
    eved_textbuf_puts(b, text);
  }
}

/* Text-format escaping: label values escape \, " and newline; HELP text
 * escapes \ and newline. */
static void escaped(eved_textbuf_t *b, const char *s, bool quote) {
  const char *run = s;
  for (; *s != '\0'; s++) {
    const char *with = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : quote && *s == '"' ? "\\\"" : NULL;
    if (with == NULL) continue;
    eved_textbuf_put(b, run, (size_t)(s - run));
    eved_textbuf_puts(b, with);
    run = s + 1;
  }
  eved_textbuf_put(b, run, (size_t)(s - run));
}

static void json_string(eved_textbuf_t *b, const char *s) {
  static const char hex[] = "0123456789abcdef";
  eved_textbuf_put(b, "\"", 1);
  const char *run = s;
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    eved_textbuf_put(b, run, (size_t)(s - run));
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      eved_textbuf_put(b, e, 2);
    } else {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      eved_textbuf_put(b, e, 6);
    }
    run = s + 1;
  }
  eved_textbuf_put(b, run, (size_t)(s - run));
  eved_textbuf_put(b, "\"", 1);
}

static void family_head(eved_textbuf_t *b, const char *name, eved_metric_type_t type,
                        const char *help, bool openmetrics) {
  size_t len = strlen(name);
  if (openmetrics && type == EVED_METRIC_COUNTER && len > 6 && strcmp(name + len - 6, "_total") == 0)
    len -= 6;
  eved_textbuf_puts(b, "# HELP ");
  eved_textbuf_put(b, name, len);
  eved_textbuf_put(b, " ", 1);
  escaped(b, help, false);
  eved_textbuf_puts(b, "\n# TYPE ");
  eved_textbuf_put(b, name, len);
  eved_textbuf_puts(b, type == EVED_METRIC_COUNTER ? " counter\n" : " gauge\n");
}

static void sample_line(eved_textbuf_t *b, const char *name, const eved_metric_sample_t *s) {
  eved_textbuf_puts(b, name);
  for (size_t i = 0; i < s->label_count; i++) {
    eved_textbuf_put(b, i == 0 ? "{" : ",", 1);
    eved_textbuf_puts(b, s->label_names[i]);
    eved_textbuf_put(b, "=\"", 2);
    escaped(b, s->label_values[i], true);
    eved_textbuf_put(b, "\"", 1);
  }
  if (s->label_count > 0) eved_textbuf_put(b, "}", 1);
  eved_textbuf_put(b, " ", 1);
  eved_textbuf_number(b, s->value, false);
  eved_textbuf_put(b, "\n", 1);
}

void eved_metric_set_render(eved_textbuf_t *b, const eved_metric_set_t *set, bool openmetrics) {
  for (size_t f = 0; f < set->family_count; f++) {
    const eved_metric_family_t *fam = &set->families[f];
    family_head(b, fam->name, fam->type, fam->help, openmetrics);
    for (size_t i = 0; i < fam->sample_count; i++)
      sample_line(b, fam->name, &set->samples[fam->first_sample + i]);
  }
}

/* Whether collector i shows as successful in this rendering. */
static bool succeeded(const eved_host_view_t *v, const eved_collector_state_t *st) {
  if (v->running_fails && st->running) return false;
  return st->has_result && st->success && st->set != NULL;
}

static double duration(const eved_host_view_t *v, const eved_collector_state_t *st) {
  if (v->running_fails && st->running) return (double)(v->now_ms - st->started_ms) / 1000.0;
  return st->duration_seconds;
}

typedef enum { SUCCESS, DURATION, DROPPED, ERRORS } per_collector_t;

static void per_collector(eved_textbuf_t *b, const eved_host_view_t *v, per_collector_t what,
                          bool openmetrics) {
  static const struct {
    const char *name, *help;
  } families[] = {
      {"eved_collector_success", "1 if the collector's last run in this scrape succeeded, else 0."},
      {"eved_collector_duration_seconds", "Seconds the collector's last run took."},
      {"eved_collector_dropped", "Series the collector's last run dropped at its set's bounds."},
      {"eved_collector_errors", "Objects the collector's last run failed to read (series dropped)."},
  };
  family_head(b, families[what].name, EVED_METRIC_GAUGE, families[what].help, openmetrics);
  size_t count = eved_engine_count(v->engine);
  for (size_t i = 0; i < count; i++) {
    if (!((v->mask >> i) & 1u)) continue;
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    eved_metric_sample_t s = {.label_count = 1};
    s.label_names[0] = "collector";
    s.label_values[0] = st->collector->name;
    const eved_metric_set_t *set = succeeded(v, st) ? st->set : NULL;
    switch (what) {
      case SUCCESS: s.value = succeeded(v, st) ? 1 : 0; break;
      case DURATION: s.value = duration(v, st); break;
      case DROPPED: s.value = set ? (double)set->dropped : 0; break;
      case ERRORS: s.value = set ? (double)set->errors : 0; break;
    }
    sample_line(b, families[what].name, &s);
  }
}

void eved_host_metrics(eved_textbuf_t *b, const eved_host_view_t *v, bool openmetrics) {
  if (v->engine == NULL) return;
  size_t count = eved_engine_count(v->engine);
  for (size_t i = 0; i < count; i++) {
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    if (((v->mask >> i) & 1u) && succeeded(v, st)) eved_metric_set_render(b, st->set, openmetrics);
  }
  for (int what = SUCCESS; what <= ERRORS; what++)
    per_collector(b, v, (per_collector_t)what, openmetrics);
  eved_metric_sample_t s = {0};
  family_head(b, "eved_collector_threads_abandoned_total", EVED_METRIC_COUNTER,
              "Collector threads abandoned in a call that overran collectors.timeout_ms.",
              openmetrics);
  s.value = (double)eved_engine_abandoned_total(v->engine);
  sample_line(b, "eved_collector_threads_abandoned_total", &s);
  family_head(b, "eved_collector_threads_abandoned", EVED_METRIC_GAUGE,
              "Abandoned collector threads still stuck now (at most 4).", openmetrics);
  s.value = (double)eved_engine_abandoned_now();
  sample_line(b, "eved_collector_threads_abandoned", &s);
  family_head(b, "eved_collector_abandon_refused_total", EVED_METRIC_COUNTER,
              "Overdue collectors left failed, not replaced: the abandoned threads' bound was "
              "reached.",
              openmetrics);
  s.value = (double)eved_engine_abandon_refused(v->engine);
  sample_line(b, "eved_collector_abandon_refused_total", &s);
}

static void json_key(eved_textbuf_t *b, const char *key, bool *first) {
  if (!*first) eved_textbuf_put(b, ",", 1);
  *first = false;
  json_string(b, key);
  eved_textbuf_put(b, ":", 1);
}

static void json_family(eved_textbuf_t *b, const eved_metric_set_t *set,
                        const eved_metric_family_t *f) {
  eved_textbuf_put(b, "[", 1);
  for (size_t i = 0; i < f->sample_count; i++) {
    const eved_metric_sample_t *s = &set->samples[f->first_sample + i];
    eved_textbuf_puts(b, i ? ",{\"labels\":{" : "{\"labels\":{");
    bool first = true;
    for (size_t l = 0; l < s->label_count; l++) {
      json_key(b, s->label_names[l], &first);
      json_string(b, s->label_values[l]);
    }
    eved_textbuf_puts(b, "},\"value\":");
    eved_textbuf_number(b, s->value, true);
    eved_textbuf_put(b, "}", 1);
  }
  eved_textbuf_put(b, "]", 1);
}

void eved_host_json(eved_textbuf_t *b, const eved_host_view_t *v) {
  eved_textbuf_puts(b, "{\"age_seconds\":");
  int64_t oldest = eved_engine_oldest_ms(v->engine);
  if (oldest == INT64_MIN || oldest == INT64_MAX) {
    eved_textbuf_puts(b, "null");
  } else {
    eved_textbuf_number(b, (double)(v->now_ms - oldest) / 1000.0, true);
  }
  eved_textbuf_puts(b, ",\"threads_abandoned\":");
  eved_textbuf_u64(b, eved_engine_abandoned_now());
  eved_textbuf_puts(b, ",\"threads_abandoned_total\":");
  eved_textbuf_u64(b, eved_engine_abandoned_total(v->engine));
  eved_textbuf_puts(b, ",\"collectors\":{");
  size_t count = eved_engine_count(v->engine);
  bool first = true;
  for (size_t i = 0; i < count; i++) {
    if (!((v->mask >> i) & 1u)) continue;
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    json_key(b, st->collector->name, &first);
    eved_textbuf_puts(b, "{\"success\":");
    eved_textbuf_puts(b, succeeded(v, st) ? "true" : "false");
    eved_textbuf_puts(b, ",\"running\":");
    eved_textbuf_puts(b, st->running ? "true" : "false");
    eved_textbuf_puts(b, ",\"duration_seconds\":");
    eved_textbuf_number(b, duration(v, st), true);
    eved_textbuf_puts(b, ",\"age_seconds\":");
    if (st->has_result) {
      eved_textbuf_number(b, (double)(v->now_ms - st->finished_ms) / 1000.0, true);
    } else {
      eved_textbuf_puts(b, "null");
    }
    eved_textbuf_puts(b, ",\"dropped\":");
    eved_textbuf_u64(b, st->set ? st->set->dropped : 0);
    eved_textbuf_puts(b, ",\"errors\":");
    eved_textbuf_u64(b, st->set ? st->set->errors : 0);
    eved_textbuf_puts(b, ",\"error\":");
    json_string(b, st->error);
    eved_textbuf_put(b, "}", 1);
  }
  eved_textbuf_puts(b, "},\"metrics\":{");
  first = true;
  for (size_t i = 0; i < count; i++) {
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    if (!((v->mask >> i) & 1u) || !succeeded(v, st)) continue;
    for (size_t f = 0; f < st->set->family_count; f++) {
      json_key(b, st->set->families[f].name, &first);
      json_family(b, st->set, &st->set->families[f]);
    }
  }
  eved_textbuf_puts(b, "}}");
}
