/* The collector interface: one collector gathers one group of host figures
 * (cpu, memory, ...) into a metric set, as node_exporter's collector/ and
 * windows_exporter's collectors each do behind one small interface.
 *
 * Thread rules: collect() runs on a collection thread, never on the loop
 * thread; it may block (a dead network share), so it must touch nothing
 * but its arguments and its own file's constant state. A collector has
 * one thread at a time, but a thread abandoned in a hung call may still be
 * inside collect() when its replacement calls it again: keep working
 * storage on the stack, never in static variables. */
#ifndef EVED_COLLECTOR_H_
#define EVED_COLLECTOR_H_

#include <stddef.h>

#include "metric_set.h"

/* What a run gets beside its set: settings copied by the loop before the
 * run starts (so a reload never changes them under a running thread),
 * and the collector's own working memory. */
typedef struct eved_collect_args {
  const char *textfile_dir; /* textfile.directory (UTF-8) */
  void *scratch;            /* scratch_bytes of memory kept between runs */
  size_t scratch_size;
} eved_collect_args_t;

typedef struct eved_collector {
  /* As written in collectors.enabled and in the collector="" label. */
  const char *name;
  /* Fills set (cleared by the caller). Returns 0, or -1 with a reason
   * (NUL-terminated, at most error_size bytes) when nothing useful came
   * back. A partial failure (access denied for one service, a volume gone
   * mid-scrape) drops those series, calls eved_metric_set_error, and still
   * returns 0: one bad object never fails the collector. A reason written
   * on success describes the partial failure: /stats shows it and the
   * loop logs it (warn) each time it changes. */
  int (*collect)(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                 size_t error_size);
  /* The set it fills is created with room for this many families,
   * samples and bytes of label values; 0 takes the engine's default
   * (EVED_SET_*_DEFAULT in engine.h). What does not fit is dropped and
   * counted, so a bound sized for a big host costs memory, not output. */
  size_t families, samples, string_bytes;
  /* Label slots in the set (0: EVED_METRIC_LABELS_PER_SAMPLE a sample). */
  size_t labels;
  /* Working memory the engine allocates once per thread (0: none): for
   * buffers too big for a thread's stack. */
  size_t scratch_bytes;
  /* NULL-terminated prefixes every family of this collector starts with
   * (its namespace): textfile families may not use them (textfile.c), so
   * no file can clash with a host series. NULL for none. */
  const char *const *namespaces;
} eved_collector_t;

/* The collectors this OS has, in a fixed order (registry_linux.c,
 * registry_win.c). *count receives how many. */
const eved_collector_t *const *eved_collectors(size_t *count);

/* The collector of this OS with that name, or NULL. */
const eved_collector_t *eved_collector_find(const char *name);

/* For a name that is a collector only on another OS ("service" on Linux),
 * that OS's name ("Windows"); NULL otherwise. Lets the config say why a
 * name is refused rather than only that it is unknown. */
const char *eved_collector_other_os(const char *name);

#endif /* EVED_COLLECTOR_H_ */
