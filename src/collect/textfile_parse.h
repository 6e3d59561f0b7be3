/* A strict parser of one textfile: the Prometheus text format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), as far
 * as a file merged into /metrics may use it. It does no I/O: it reads a
 * buffer and fills caller-owned, bounded arrays, or says what is wrong
 * and on which line.
 *
 * Accepted: `# HELP name text` (escapes \\ and \n), `# TYPE name
 * counter|gauge|untyped`, other `#` lines (comments), blank lines, and
 * samples `name{label="value",...} value` with the value a decimal
 * number, NaN, +Inf or -Inf (Inf, and any case of the words, as Go's
 * strconv.ParseFloat takes them), label values escaped \\, \" and \n. A
 * UTF-8 byte order mark and CRLF line ends are taken (Windows editors
 * write them). A label whose value is empty is the same as no label
 * (https://prometheus.io/docs/concepts/data_model/) and is dropped.
 *
 * Refused, with the line:
 *   - bytes that are not UTF-8 (a UTF-16 file says so), a NUL, a CR
 *     other than a CRLF line end's;
 *   - histogram and summary families (their _bucket/_sum/_count rules are
 *     not checked here, so they are refused whole rather than half-read);
 *   - a timestamp after the value: like node_exporter's textfile
 *     collector, client-side timestamps are not supported;
 *   - a family whose lines are not adjacent, a TYPE or HELP after the
 *     family's samples or given twice, a sample whose name is not its
 *     family's;
 *   - the same series twice (same name and label set);
 *   - invalid metric or label names (https://prometheus.io/docs/concepts/data_model/),
 *     a label name twice in one series, names starting with "__";
 *   - a line, a label set or the arrays over their bound (EVED_TEXTFILE_BOUND).
 *
 * Thread rules: none; it touches only its arguments. */
#ifndef EVED_TEXTFILE_PARSE_H_
#define EVED_TEXTFILE_PARSE_H_

#include <stddef.h>
#include <stdint.h>

#include "metric_set.h"

/* A line longer than this (its end excluded) is refused: no line of a
 * sane file comes near, and it bounds one error's search. */
#define EVED_TEXTFILE_LINE_MAX (16 * 1024)
/* Labels of one series: the metric set's bound. */
#define EVED_TEXTFILE_LABELS_MAX EVED_METRIC_LABELS_MAX

typedef enum eved_textfile_status {
  EVED_TEXTFILE_OK,
  EVED_TEXTFILE_MALFORMED, /* not the format, or a rule above broken */
  EVED_TEXTFILE_DUPLICATE, /* a series given twice */
  EVED_TEXTFILE_BOUND      /* a line or an array bound reached */
} eved_textfile_status_t;

typedef struct eved_textfile_error {
  eved_textfile_status_t status;
  size_t line; /* 1-based; 0 when no line is to blame */
  char message[160];
} eved_textfile_error_t;

typedef struct eved_textfile_family {
  const char *name; /* into strings */
  const char *help; /* into strings; "" when the file gives none */
  eved_metric_type_t type;
  size_t first_sample, sample_count;
  unsigned char typed, helped; /* a TYPE / HELP line was read */
} eved_textfile_family_t;

typedef struct eved_textfile_sample {
  double value;
  size_t first_label, label_count; /* into labels */
  uint64_t hash;                   /* of the label set, order-free */
} eved_textfile_sample_t;

/* The result and its storage, all owned by the caller. index must have
 * index_cap slots, a power of two above both family_cap and sample_cap
 * (the lookup tables for families and series); strings needs about twice
 * the input's size (each name, help and value is copied with its NUL). */
typedef struct eved_textfile_parsed {
  eved_textfile_family_t *families;
  size_t family_count, family_cap;
  eved_textfile_sample_t *samples;
  size_t sample_count, sample_cap;
  eved_label_t *labels;
  size_t label_count, label_cap;
  char *strings;
  size_t string_len, string_cap;
  uint32_t *family_index, *sample_index;
  size_t index_cap;
} eved_textfile_parsed_t;

/* Parses len bytes of buf (no NUL needed) into out, whose counts it
 * resets. Returns EVED_TEXTFILE_OK, or the status also written to *error
 * with the line and a message ("line 3: client-side timestamps are not
 * supported"). On error out holds nothing usable. */
eved_textfile_status_t eved_textfile_parse(const char *buf, size_t len,
                                           eved_textfile_parsed_t *out,
                                           eved_textfile_error_t *error);

/* 1 if len bytes of s are UTF-8 without a NUL (RFC 3629), else 0. */
int eved_textfile_utf8_ok(const char *s, size_t len);

#endif /* EVED_TEXTFILE_PARSE_H_ */
