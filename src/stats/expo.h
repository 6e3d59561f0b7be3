/* The exposition formats /metrics speaks, written into a textbuf: the
 * Prometheus text format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) and
 * OpenMetrics 1.0
 * (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md).
 * Callers name families as the text format does (counters with their
 * _total suffix, info families with _info); the writer derives what
 * OpenMetrics wants from that, so one rendering serves both formats:
 *
 *   family                 text 0.0.4                  OpenMetrics 1.0
 *   counter x_total        # TYPE x_total counter      # TYPE x counter
 *   counter x              # TYPE x counter            # TYPE x counter
 *   info    x_info         # TYPE x_info gauge         # TYPE x info
 *   gauge   x              # TYPE x gauge              # TYPE x gauge
 *   untyped x              # TYPE x untyped            # TYPE x unknown
 *
 * Samples keep the caller's name in both, except a counter's named
 * without _total (textfile files may have them, as the text format
 * allows): OpenMetrics wants its samples as x_total, as client_golang
 * writes them. OpenMetrics needs "# EOF" after
 * the last family: eved_expo_end writes it, so whoever renders the last
 * family calls it once. Writing allocates nothing; what does not fit
 * fails the textbuf. */
#ifndef EVED_EXPO_H_
#define EVED_EXPO_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "textbuf.h"

typedef enum eved_expo_format {
  EVED_EXPO_TEXT,        /* text/plain; version=0.0.4 */
  EVED_EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
} eved_expo_format_t;

/* The Content-Type of a body in this format. */
const char *eved_expo_content_type(eved_expo_format_t format);

typedef enum eved_expo_type {
  EVED_EXPO_GAUGE,
  EVED_EXPO_COUNTER, /* name ends in _total */
  EVED_EXPO_INFO,    /* name ends in _info; its one sample is 1 */
  EVED_EXPO_UNTYPED, /* textfile families only */
} eved_expo_type_t;

typedef struct eved_expo {
  eved_textbuf_t *text;
  eved_expo_format_t format;
  size_t labels; /* written for the sample in progress */
  bool add_total; /* the family is an OpenMetrics counter named without _total */
} eved_expo_t;

void eved_expo_init(eved_expo_t *e, eved_textbuf_t *text, eved_expo_format_t format);

/* # HELP and # TYPE of a family. help is escaped as the format asks
 * (\\ and \n; OpenMetrics \" too). */
void eved_expo_family(eved_expo_t *e, const char *name, eved_expo_type_t type, const char *help);

/* A sample: begin with its name, add labels (values escaped: \\, \", \n),
 * then end it with its value, which writes the line. */
void eved_expo_sample(eved_expo_t *e, const char *name);
void eved_expo_label(eved_expo_t *e, const char *name, const char *value);
void eved_expo_u64(eved_expo_t *e, uint64_t value);
/* The shortest of %.15g and %.17g that reads back as the same double;
 * NaN, +Inf and -Inf as both formats spell them. */
void eved_expo_double(eved_expo_t *e, double value);

/* Shorthands: a family with one sample, no labels. */
void eved_expo_single_u64(eved_expo_t *e, const char *name, eved_expo_type_t type,
                          const char *help, uint64_t value);
void eved_expo_single_double(eved_expo_t *e, const char *name, eved_expo_type_t type,
                             const char *help, double value);

/* The end of the exposition: "# EOF" in OpenMetrics, nothing in text. */
void eved_expo_end(eved_expo_t *e);

#endif /* EVED_EXPO_H_ */
