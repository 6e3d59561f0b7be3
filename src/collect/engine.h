/* The collection engine: one thread per enabled collector, started on the
 * first scrape that needs it, and the double-buffered results the loop
 * reads.
 *
 * A collector's thread fills a set of its own; when it is done it posts a
 * wake-up (eve_poller_post_wakeup, the path control.c uses) and the loop,
 * in eved_engine_take, swaps that set with the one it was showing: two
 * sets per collector, so a steady scrape allocates nothing. Nothing is
 * collected unless a scrape or /stats asks (eved_engine_refresh), so an
 * idle server has idle threads and no wake-ups.
 *
 * A collector still running collectors.timeout_ms after it started is
 * overdue: scrapes report it failed without waiting, and the next refresh
 * abandons its thread (it may be stuck in a call that never returns, like
 * statvfs on a dead share) and starts a new one. At most
 * EVED_ENGINE_ABANDONED_MAX abandoned threads exist at once in the
 * process; beyond that an overdue collector is not replaced and stays
 * failed. An abandoned thread that ever returns frees what it holds.
 *
 * Thread rules: every function here is for the loop thread only. */
#ifndef EVED_COLLECT_ENGINE_H_
#define EVED_COLLECT_ENGINE_H_

#include <stdbool.h>
#include <stdint.h>

#include <eve/eve_poller.h>

#include "collector.h"
#include "config.h"
#include "metric_set.h"

#define EVED_ENGINE_ABANDONED_MAX 4
/* A collector's set when it names no size of its own. */
#define EVED_SET_FAMILIES_DEFAULT 64
#define EVED_SET_SAMPLES_DEFAULT 1024
#define EVED_SET_STRINGS_DEFAULT (32 * 1024)
/* A run's error: room for the textfile collector's list of skipped files,
 * each with its line and reason (a log line's length; longer is cut). */
#define EVED_COLLECT_ERROR_MAX 1024

/* What the loop shows of one collector. */
typedef struct eved_collector_state {
  const eved_collector_t *collector;
  bool enabled;
  /* The last finished run (has_result false before the first). */
  bool has_result;
  const eved_metric_set_t *set; /* NULL unless success */
  bool success;
  double duration_seconds;
  int64_t finished_ms; /* eved_monotonic_ms */
  char error[EVED_COLLECT_ERROR_MAX];
  /* A run in progress. */
  bool running;
  int64_t started_ms;
  uint64_t runs;
} eved_collector_state_t;

typedef struct eved_engine eved_engine_t;

/* An engine over eved_collect_table() with the config's collectors
 * enabled; no thread starts yet. EVE_EINVAL (error says which) for a name
 * not in the table, EVE_ENOMEM. */
int eved_engine_create(eve_poller_t *poller, const eved_config_t *config, eved_engine_t **out,
                       char *error, size_t error_size);
/* Ends idle threads (joined) and abandons running ones. */
void eved_engine_destroy(eved_engine_t *engine);

/* A reloaded config's intervals (the enabled list needs a restart). */
void eved_engine_set_intervals(eved_engine_t *engine, uint32_t min_interval_ms,
                               uint32_t timeout_ms);

/* A reloaded config's textfile.directory: used from the next run. */
void eved_engine_set_textfile_dir(eved_engine_t *engine, const char *dir);

size_t eved_engine_count(const eved_engine_t *engine);
const eved_collector_state_t *eved_engine_state(const eved_engine_t *engine, size_t index);
/* Bit i set for each enabled collector i. */
uint32_t eved_engine_enabled(const eved_engine_t *engine);

/* Starts a run of every collector in mask whose result is older than
 * min_interval_ms and that is not running; abandons and replaces overdue
 * ones (within the bound). */
void eved_engine_refresh(eved_engine_t *engine, uint32_t mask, int64_t now_ms);
/* Takes the results of finished runs (after each poller wait). True if
 * any was taken. */
bool eved_engine_take(eved_engine_t *engine, int64_t now_ms);
/* Counts the results taken: it changes exactly when some collector's
 * shown set, success or error may have changed, so a rendering of the
 * sets can be kept until it does. */
uint64_t eved_engine_generation(const eved_engine_t *engine);
/* The collectors of mask a scrape still waits for: running, not overdue. */
uint32_t eved_engine_waiting(const eved_engine_t *engine, uint32_t mask, int64_t now_ms);
/* The oldest result's finish among the enabled collectors, INT64_MIN if
 * one has none yet. */
int64_t eved_engine_oldest_ms(const eved_engine_t *engine);

/* Threads abandoned by this engine, and alive in the process now. */
uint64_t eved_engine_abandoned_total(const eved_engine_t *engine);
unsigned eved_engine_abandoned_now(void);
/* Overdue collectors left running because the bound was reached. */
uint64_t eved_engine_abandon_refused(const eved_engine_t *engine);

#endif /* EVED_COLLECT_ENGINE_H_ */
