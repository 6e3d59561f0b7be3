/* A bounded set of metric families and samples, filled by one collector and
 * read by the renderers (/metrics in text 0.0.4 or OpenMetrics, /stats).
 *
 * Storage is fixed when the set is created: filling it again after
 * eved_metric_set_clear allocates nothing, so a steady scrape allocates
 * nothing. What does not fit is dropped and counted (`dropped`), never
 * grown into.
 *
 * Names: a family's name and help, and every label name, must be string
 * literals (or otherwise live as long as the program): the set keeps the
 * pointers. Label values are copied into the set. The _copy variants copy
 * the names and help too, for families read at run time (textfile.c);
 * they cost string space, not allocations. Names follow
 * https://prometheus.io/docs/concepts/data_model/ ([a-zA-Z_:][a-zA-Z0-9_:]*
 * for metrics, no leading "__" for labels); counters are named with their
 * _total suffix, as the text format 0.0.4 writes them. Label values may hold
 * any UTF-8: the renderers escape \, " and newline.
 *
 * Thread rules: a set has one user at a time; it is handed between threads
 * whole (the collection thread fills it, the loop reads it). */
#ifndef EVED_METRIC_SET_H_
#define EVED_METRIC_SET_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Labels per sample: the collectors' widest family has three; textfile
 * series (textfile.h) may have up to this many. Labels live in a pool of
 * the set's (label_cap slots), so the bound costs nothing per sample. */
#define EVED_METRIC_LABELS_MAX 16
/* The pool's slots per sample when the creator names no size. */
#define EVED_METRIC_LABELS_PER_SAMPLE 4

/* UNTYPED is the text format's untyped (OpenMetrics: unknown); only
 * textfile families have it. */
typedef enum eved_metric_type {
  EVED_METRIC_GAUGE,
  EVED_METRIC_COUNTER,
  EVED_METRIC_UNTYPED
} eved_metric_type_t;

typedef struct eved_label {
  const char *name;  /* a literal */
  const char *value; /* copied */
} eved_label_t;

typedef struct eved_metric_family {
  const char *name;
  const char *help;
  eved_metric_type_t type;
  size_t first_sample; /* index into samples */
  size_t sample_count;
} eved_metric_family_t;

typedef struct eved_metric_sample {
  double value;
  size_t label_count;
  const char *const *label_names;  /* label_count entries, into the set's pool */
  const char *const *label_values; /* the same, each into the set's strings */
} eved_metric_sample_t;

typedef struct eved_metric_set {
  eved_metric_family_t *families;
  size_t family_count, family_cap;
  eved_metric_sample_t *samples;
  size_t sample_count, sample_cap;
  const char **label_names, **label_values; /* the pool, label_cap slots each */
  size_t label_count, label_cap;
  char *strings;
  size_t string_len, string_cap;
  uint64_t dropped; /* families or samples refused for a bound since clear */
  uint64_t errors;  /* partial failures reported since clear */
  bool refusing;    /* the last family was refused: its samples are dropped */
} eved_metric_set_t;

/* A set holding at most `families` families, `samples` samples and
 * `string_bytes` bytes of label values (terminators included), with
 * EVED_METRIC_LABELS_PER_SAMPLE label slots per sample. NULL when out of
 * memory. */
eved_metric_set_t *eved_metric_set_create(size_t families, size_t samples, size_t string_bytes);
/* The same with `labels` label slots in all (0: the default above). */
eved_metric_set_t *eved_metric_set_create_labels(size_t families, size_t samples, size_t labels,
                                                 size_t string_bytes);
void eved_metric_set_destroy(eved_metric_set_t *set);

/* Empties the set, keeping its storage. */
void eved_metric_set_clear(eved_metric_set_t *set);

/* Starts a family; the samples added next belong to it. False (and
 * `dropped` counted) when the set is full or the name is not a valid
 * metric name; the samples that follow a refused family are dropped too. */
bool eved_metric_family(eved_metric_set_t *set, const char *name, eved_metric_type_t type,
                        const char *help);

/* Adds one sample to the current family, with label_count (at most
 * EVED_METRIC_LABELS_MAX) labels. False (and `dropped` counted) when no
 * family was started, a bound is hit, or a label name is invalid. */
bool eved_metric_sample(eved_metric_set_t *set, double value, size_t label_count,
                        const eved_label_t *labels);

/* eved_metric_family and eved_metric_sample for names that do not live
 * as long as the program: name, help and label names are copied into the
 * set's strings (a refusal for want of room is counted like any other). */
bool eved_metric_family_copy(eved_metric_set_t *set, const char *name, eved_metric_type_t type,
                             const char *help);
bool eved_metric_sample_copy(eved_metric_set_t *set, double value, size_t label_count,
                             const eved_label_t *labels);

/* Counts one partial failure (see eved_collector_t.collect). */
void eved_metric_set_error(eved_metric_set_t *set);

#endif /* EVED_METRIC_SET_H_ */
