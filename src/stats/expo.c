#include <string.h>

#include "expo.h"

const char *eved_expo_content_type(eved_expo_format_t format) {
  return format == EVED_EXPO_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                         : "text/plain; version=0.0.4; charset=utf-8";
}

void eved_expo_init(eved_expo_t *e, eved_textbuf_t *text, eved_expo_format_t format) {
  e->text = text;
  e->format = format;
  e->labels = 0;
  e->add_total = false;
}

/* Writes text with \, newline and (when quotes is set) " escaped. */
static void escaped(eved_textbuf_t *b, const char *text, bool quotes) {
  const char *run = text;
  for (const char *p = text; *p != '\0'; p++) {
    const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : (*p == '"' && quotes) ? "\\\"" : NULL;
    if (esc == NULL) continue;
    eved_textbuf_put(b, run, (size_t)(p - run));
    eved_textbuf_put(b, esc, 2);
    run = p + 1;
  }
  eved_textbuf_puts(b, run);
}

static bool ends_with(const char *name, size_t len, const char *suffix) {
  size_t n = strlen(suffix);
  return len > n && memcmp(name + len - n, suffix, n) == 0;
}

void eved_expo_family(eved_expo_t *e, const char *name, eved_expo_type_t type, const char *help) {
  eved_textbuf_t *b = e->text;
  bool om = e->format == EVED_EXPO_OPENMETRICS;
  size_t len = strlen(name);
  /* OpenMetrics names the family without the suffix its samples carry. */
  e->add_total = om && type == EVED_EXPO_COUNTER && !ends_with(name, len, "_total");
  if (om && type == EVED_EXPO_COUNTER && !e->add_total) len -= strlen("_total");
  if (om && type == EVED_EXPO_INFO && ends_with(name, len, "_info")) len -= strlen("_info");
  /* The text format has no info type: a gauge that is always 1. */
  const char *type_name = type == EVED_EXPO_COUNTER          ? "counter"
                          : type == EVED_EXPO_INFO && om       ? "info"
                          : type == EVED_EXPO_UNTYPED && om    ? "unknown"
                          : type == EVED_EXPO_UNTYPED          ? "untyped"
                                                               : "gauge";
  eved_textbuf_puts(b, "# HELP ");
  eved_textbuf_put(b, name, len);
  eved_textbuf_put(b, " ", 1);
  escaped(b, help, om);
  eved_textbuf_puts(b, "\n# TYPE ");
  eved_textbuf_put(b, name, len);
  eved_textbuf_put(b, " ", 1);
  eved_textbuf_puts(b, type_name);
  eved_textbuf_put(b, "\n", 1);
}

void eved_expo_sample(eved_expo_t *e, const char *name) {
  eved_textbuf_puts(e->text, name);
  if (e->add_total) eved_textbuf_puts(e->text, "_total");
  e->labels = 0;
}

void eved_expo_label(eved_expo_t *e, const char *name, const char *value) {
  eved_textbuf_t *b = e->text;
  eved_textbuf_put(b, e->labels == 0 ? "{" : ",", 1);
  eved_textbuf_puts(b, name);
  eved_textbuf_put(b, "=\"", 2);
  escaped(b, value, true);
  eved_textbuf_put(b, "\"", 1);
  e->labels++;
}

static void value_start(eved_expo_t *e) {
  eved_textbuf_put(e->text, e->labels > 0 ? "} " : " ", e->labels > 0 ? 2 : 1);
  e->labels = 0;
}

void eved_expo_u64(eved_expo_t *e, uint64_t value) {
  value_start(e);
  eved_textbuf_u64(e->text, value);
  eved_textbuf_put(e->text, "\n", 1);
}

void eved_expo_double(eved_expo_t *e, double value) {
  value_start(e);
  eved_textbuf_double(e->text, value);
  eved_textbuf_put(e->text, "\n", 1);
}

void eved_expo_single_u64(eved_expo_t *e, const char *name, eved_expo_type_t type,
                          const char *help, uint64_t value) {
  eved_expo_family(e, name, type, help);
  eved_expo_sample(e, name);
  eved_expo_u64(e, value);
}

void eved_expo_single_double(eved_expo_t *e, const char *name, eved_expo_type_t type,
                             const char *help, double value) {
  eved_expo_family(e, name, type, help);
  eved_expo_sample(e, name);
  eved_expo_double(e, value);
}

void eved_expo_end(eved_expo_t *e) {
  if (e->format == EVED_EXPO_OPENMETRICS) eved_textbuf_puts(e->text, "# EOF\n");
}
