/* The host figures' renderings (host_render.h). */
#include "host_render.h"

#include <math.h>
#include <string.h>

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

static eved_expo_type_t expo_type(eved_metric_type_t type) {
  switch (type) {
    case EVED_METRIC_COUNTER: return EVED_EXPO_COUNTER;
    case EVED_METRIC_UNTYPED: return EVED_EXPO_UNTYPED;
    case EVED_METRIC_GAUGE: break;
  }
  return EVED_EXPO_GAUGE;
}

static void sample(eved_expo_t *e, const char *name, const eved_metric_sample_t *s) {
  eved_expo_sample(e, name);
  for (size_t i = 0; i < s->label_count; i++) eved_expo_label(e, s->label_names[i], s->label_values[i]);
  eved_expo_double(e, s->value);
}

void eved_metric_set_render(eved_expo_t *e, const eved_metric_set_t *set) {
  for (size_t f = 0; f < set->family_count; f++) {
    const eved_metric_family_t *fam = &set->families[f];
    eved_expo_family(e, fam->name, expo_type(fam->type), fam->help);
    for (size_t i = 0; i < fam->sample_count; i++)
      sample(e, fam->name, &set->samples[fam->first_sample + i]);
  }
}

/* A time in seconds, to the precision it was measured with. */
static void json_seconds(eved_textbuf_t *b, double seconds, unsigned decimals) {
  if (isfinite(seconds)) {
    eved_textbuf_fixed(b, seconds, decimals);
  } else {
    eved_textbuf_puts(b, "null");
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

static void per_collector(eved_expo_t *e, const eved_host_view_t *v, per_collector_t what) {
  static const struct {
    const char *name, *help;
  } families[] = {
      {"eved_collector_success", "1 if the collector's last run in this scrape succeeded, else 0."},
      {"eved_collector_duration_seconds", "Seconds the collector's last run took."},
      {"eved_collector_dropped", "Series the collector's last run dropped at its set's bounds."},
      {"eved_collector_errors", "Objects the collector's last run failed to read (series dropped)."},
  };
  eved_expo_family(e, families[what].name, EVED_EXPO_GAUGE, families[what].help);
  size_t count = eved_engine_count(v->engine);
  for (size_t i = 0; i < count; i++) {
    if (!((v->mask >> i) & 1u)) continue;
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    static const char *const label_name[] = {"collector"};
    const char *label_value[] = {st->collector->name};
    eved_metric_sample_t s = {.label_count = 1, .label_names = label_name, .label_values = label_value};
    const eved_metric_set_t *set = succeeded(v, st) ? st->set : NULL;
    switch (what) {
      case SUCCESS: s.value = succeeded(v, st) ? 1 : 0; break;
      case DURATION: s.value = duration(v, st); break;
      case DROPPED: s.value = set ? (double)set->dropped : 0; break;
      case ERRORS: s.value = set ? (double)set->errors : 0; break;
    }
    sample(e, families[what].name, &s);
  }
}

void eved_host_metrics(eved_expo_t *e, const eved_host_view_t *v) {
  if (v->engine == NULL) return;
  size_t count = eved_engine_count(v->engine);
  for (size_t i = 0; i < count; i++) {
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    if (((v->mask >> i) & 1u) && succeeded(v, st)) eved_metric_set_render(e, st->set);
  }
  for (int what = SUCCESS; what <= ERRORS; what++) per_collector(e, v, (per_collector_t)what);
  eved_expo_single_u64(e, "eved_collector_threads_abandoned_total", EVED_EXPO_COUNTER,
                       "Collector threads abandoned in a call that overran collectors.timeout_ms.",
                       eved_engine_abandoned_total(v->engine));
  /* Not eved_collector_threads_abandoned: OpenMetrics would read it as the
   * counter's family a second time. */
  eved_expo_single_u64(e, "eved_collector_threads_stuck", EVED_EXPO_GAUGE,
                       "Abandoned collector threads still stuck now (at most 4).",
                       eved_engine_abandoned_now());
  eved_expo_single_u64(e, "eved_collector_abandon_refused_total", EVED_EXPO_COUNTER,
                       "Overdue collectors left failed, not replaced: the abandoned threads' bound "
                       "was reached.",
                       eved_engine_abandon_refused(v->engine));
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
    eved_textbuf_json_number(b, s->value);
    eved_textbuf_put(b, "}", 1);
  }
  eved_textbuf_put(b, "]", 1);
}

void eved_host_json_head(eved_textbuf_t *b, const eved_host_view_t *v) {
  eved_textbuf_puts(b, "{\"age_seconds\":");
  int64_t oldest = eved_engine_oldest_ms(v->engine);
  if (oldest == INT64_MIN || oldest == INT64_MAX) {
    eved_textbuf_puts(b, "null");
  } else {
    json_seconds(b, (double)(v->now_ms - oldest) / 1000.0, 3);
  }
  eved_textbuf_puts(b, ",\"threads_stuck\":");
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
    json_seconds(b, duration(v, st), 6);
    eved_textbuf_puts(b, ",\"age_seconds\":");
    if (st->has_result) {
      json_seconds(b, (double)(v->now_ms - st->finished_ms) / 1000.0, 3);
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
  eved_textbuf_puts(b, "},\"metrics\":");
}

void eved_host_json_metrics(eved_textbuf_t *b, const eved_host_view_t *v) {
  eved_textbuf_put(b, "{", 1);
  bool first = true;
  size_t count = eved_engine_count(v->engine);
  for (size_t i = 0; i < count; i++) {
    const eved_collector_state_t *st = eved_engine_state(v->engine, i);
    if (!((v->mask >> i) & 1u) || !succeeded(v, st)) continue;
    for (size_t f = 0; f < st->set->family_count; f++) {
      json_key(b, st->set->families[f].name, &first);
      json_family(b, st->set, &st->set->families[f]);
    }
  }
  eved_textbuf_put(b, "}", 1);
}
