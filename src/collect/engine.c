/* The collection engine (engine.h). Each worker is shared by the loop and
 * its thread through one atomic state:
 *
 *   IDLE --loop: refresh--> BUSY --thread: done--> DONE --loop: take--> IDLE
 *   BUSY --loop: overdue--> ABANDONED (the thread frees the worker if its
 *                                      call ever returns)
 *   IDLE/DONE --loop: destroy--> QUIT (the thread ends, the loop joins)
 *
 * The thread touches the worker's set, rc and error only while BUSY, and
 * publishes them with the BUSY->DONE exchange; the loop reads them only
 * after seeing DONE. The one race, a thread finishing just as the loop
 * abandons it, is settled by compare-and-exchange on BUSY: whoever wins
 * decides. */
#include "engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "platform.h"
#include "table.h"
#include "thread.h"

enum { W_IDLE, W_BUSY, W_DONE, W_ABANDONED, W_QUIT };

typedef struct worker {
  const eved_collector_t *collector;
  eve_poller_t *poller;
  eved_gate_t *go;
  eved_thread_t *thread;
  eved_metric_set_t *set;
  /* The run's settings, written by the loop only while the worker is
   * IDLE (before the gate opens), and the collector's scratch. */
  char textfile_dir[EVED_PATH_MAX];
  eved_collect_args_t args;
  atomic_int state;
  int rc;
  double duration;
  char error[EVED_COLLECT_ERROR_MAX];
} worker_t;

typedef struct slot {
  worker_t *worker;          /* NULL until first needed, or after an abandon */
  eved_metric_set_t *front;  /* the result the loop shows */
  eved_collector_state_t state;
  uint64_t finished; /* runs ended (eved_engine_generation) */
} slot_t;

struct eved_engine {
  eve_poller_t *poller;
  uint32_t min_interval_ms, timeout_ms;
  char textfile_dir[EVED_PATH_MAX];
  size_t count;
  uint32_t enabled;
  uint64_t abandoned_total, abandon_refused;
  slot_t slots[EVED_COLLECTORS_TABLE_MAX];
};

/* Abandoned threads alive in the process: shared by every engine, since a
 * stuck thread outlives the engine (and the server) that left it. */
static atomic_uint abandoned_now;

static eved_metric_set_t *new_set(const eved_collector_t *c) {
  return eved_metric_set_create_labels(
      c->families ? c->families : EVED_SET_FAMILIES_DEFAULT,
      c->samples ? c->samples : EVED_SET_SAMPLES_DEFAULT, c->labels,
      c->string_bytes ? c->string_bytes : EVED_SET_STRINGS_DEFAULT);
}

static void worker_free(worker_t *w) {
  eved_gate_destroy(w->go);
  eved_metric_set_destroy(w->set);
  free(w->args.scratch);
  free(w);
}

static void worker_main(void *arg) {
  worker_t *w = arg;
  for (;;) {
    eved_gate_wait(w->go);
    if (atomic_load(&w->state) == W_QUIT) return;
    eved_metric_set_clear(w->set);
    w->error[0] = '\0';
    double start = eved_thread_clock_seconds();
    w->rc = w->collector->collect(&w->args, w->set, w->error, sizeof w->error);
    /* To the microsecond: finer is noise. */
    w->duration = (double)(int64_t)((eved_thread_clock_seconds() - start) * 1e6 + 0.5) / 1e6;
    int expected = W_BUSY;
    if (atomic_compare_exchange_strong(&w->state, &expected, W_DONE)) {
      eve_poller_post_wakeup(w->poller);
      continue;
    }
    /* Abandoned while in collect(): nobody else holds the worker now. */
    worker_free(w);
    atomic_fetch_sub(&abandoned_now, 1u);
    return;
  }
}

static worker_t *worker_start(eved_engine_t *e, const eved_collector_t *c) {
  worker_t *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->collector = c;
  w->poller = e->poller;
  atomic_init(&w->state, W_IDLE);
  w->go = eved_gate_create();
  w->set = new_set(c);
  w->args.textfile_dir = w->textfile_dir;
  w->args.scratch_size = c->scratch_bytes;
  w->args.scratch = c->scratch_bytes ? malloc(c->scratch_bytes) : NULL;
  if (w->go == NULL || w->set == NULL || (c->scratch_bytes && w->args.scratch == NULL) ||
      (w->thread = eved_thread_start(worker_main, w)) == NULL) {
    worker_free(w);
    return NULL;
  }
  return w;
}

int eved_engine_create(eve_poller_t *poller, const eved_config_t *config, eved_engine_t **out,
                       char *error, size_t error_size) {
  eved_engine_t *e = calloc(1, sizeof *e);
  if (e == NULL) return EVE_ENOMEM;
  e->poller = poller;
  e->min_interval_ms = config->collectors_min_interval_ms;
  e->timeout_ms = config->collectors_timeout_ms;
  eved_engine_set_textfile_dir(e, config->textfile_dir);
  const eved_collector_t *const *table = eved_collect_table(&e->count);
  for (size_t i = 0; i < e->count; i++) e->slots[i].state.collector = table[i];
  if (config->collectors_all) {
    /* Every collector of this OS; hook collectors of a test build only
     * when named. */
    size_t os_count;
    eved_collectors(&os_count);
    for (size_t i = 0; i < os_count && i < e->count; i++) e->enabled |= 1u << i;
  } else {
    for (size_t i = 0; i < config->collectors_enabled_count; i++) {
      int index = eved_collect_index(config->collectors_enabled[i]);
      if (index < 0) {
        eved_collect_check_name(config->collectors_enabled[i], error, error_size);
        free(e);
        return EVE_EINVAL;
      }
      e->enabled |= 1u << index;
    }
  }
  for (size_t i = 0; i < e->count; i++) e->slots[i].state.enabled = (e->enabled >> i) & 1u;
  *out = e;
  return EVE_OK;
}

void eved_engine_destroy(eved_engine_t *e) {
  if (e == NULL) return;
  for (size_t i = 0; i < e->count; i++) {
    slot_t *s = &e->slots[i];
    worker_t *w = s->worker;
    if (w != NULL) {
      int expected = W_BUSY;
      atomic_fetch_add(&abandoned_now, 1u);
      if (atomic_compare_exchange_strong(&w->state, &expected, W_ABANDONED)) {
        /* Still collecting: it frees itself if it ever returns. */
        eved_thread_detach(w->thread);
      } else {
        atomic_fetch_sub(&abandoned_now, 1u);
        atomic_store(&w->state, W_QUIT);
        eved_gate_open(w->go);
        eved_thread_join(w->thread);
        worker_free(w);
      }
    }
    eved_metric_set_destroy(s->front);
  }
  free(e);
}

void eved_engine_set_intervals(eved_engine_t *e, uint32_t min_interval_ms, uint32_t timeout_ms) {
  e->min_interval_ms = min_interval_ms;
  e->timeout_ms = timeout_ms;
}

void eved_engine_set_textfile_dir(eved_engine_t *e, const char *dir) {
  snprintf(e->textfile_dir, sizeof e->textfile_dir, "%s", dir);
}

size_t eved_engine_count(const eved_engine_t *e) { return e->count; }

const eved_collector_state_t *eved_engine_state(const eved_engine_t *e, size_t index) {
  return &e->slots[index].state;
}

uint32_t eved_engine_enabled(const eved_engine_t *e) { return e->enabled; }

/* Records a run's end, successful or not. */
static void finish(slot_t *s, bool success, double duration, const char *error, int64_t now_ms) {
  eved_collector_state_t *st = &s->state;
  st->has_result = true;
  st->success = success;
  st->set = success ? s->front : NULL;
  st->duration_seconds = duration;
  st->finished_ms = now_ms;
  st->running = false;
  /* Once per change, so a file that stays bad is not logged each scrape. */
  if (error[0] != '\0' && strcmp(st->error, error) != 0)
    eved_log(EVED_LOG_WARN, "collector %s: %s", st->collector->name, error);
  snprintf(st->error, sizeof st->error, "%s", error);
  s->finished++;
}

/* A DONE worker's result becomes the front; its old front is the
 * worker's next set (allocated only on the first result). */
static void take(slot_t *s, int64_t now_ms) {
  worker_t *w = s->worker;
  if (w == NULL) return;
  eved_metric_set_t *spare = s->front != NULL ? s->front : new_set(w->collector);
  bool success = w->rc == 0;
  if (spare == NULL) {
    finish(s, false, w->duration, "out of memory", now_ms);
  } else {
    s->front = w->set;
    w->set = spare;
    finish(s, success, w->duration, w->error, now_ms);
  }
  atomic_store(&w->state, W_IDLE);
}

static bool overdue(const eved_engine_t *e, const slot_t *s, int64_t now_ms) {
  return s->state.running && now_ms - s->state.started_ms >= (int64_t)e->timeout_ms;
}

/* An overdue worker: abandoned (and the slot free for a new one) when
 * the bound allows. False when it stays. */
static bool abandon(eved_engine_t *e, slot_t *s, int64_t now_ms) {
  worker_t *w = s->worker;
  if (w == NULL) return false; /* a running slot always has one */
  if (atomic_fetch_add(&abandoned_now, 1u) >= EVED_ENGINE_ABANDONED_MAX) {
    atomic_fetch_sub(&abandoned_now, 1u);
    e->abandon_refused++;
    return false;
  }
  int expected = W_BUSY;
  if (!atomic_compare_exchange_strong(&w->state, &expected, W_ABANDONED)) {
    atomic_fetch_sub(&abandoned_now, 1u); /* it finished after all */
    take(s, now_ms);
    return true;
  }
  eved_thread_detach(w->thread);
  s->worker = NULL;
  e->abandoned_total++;
  char why[EVED_COLLECT_ERROR_MAX];
  snprintf(why, sizeof why, "no result in %u ms: thread abandoned", e->timeout_ms);
  finish(s, false, (double)(now_ms - s->state.started_ms) / 1000.0, why, now_ms);
  return true;
}

void eved_engine_refresh(eved_engine_t *e, uint32_t mask, int64_t now_ms) {
  mask &= e->enabled;
  for (size_t i = 0; i < e->count; i++) {
    if (!((mask >> i) & 1u)) continue;
    slot_t *s = &e->slots[i];
    if (s->worker != NULL && atomic_load(&s->worker->state) == W_DONE) take(s, now_ms);
    if (s->state.running) {
      if (!overdue(e, s, now_ms) || !abandon(e, s, now_ms)) continue;
    }
    if (s->state.has_result && now_ms - s->state.finished_ms < (int64_t)e->min_interval_ms)
      continue;
    if (s->worker == NULL && (s->worker = worker_start(e, s->state.collector)) == NULL) {
      finish(s, false, 0, "cannot start its thread", now_ms);
      continue;
    }
    memcpy(s->worker->textfile_dir, e->textfile_dir, sizeof e->textfile_dir);
    s->state.running = true;
    s->state.started_ms = now_ms;
    s->state.runs++;
    atomic_store(&s->worker->state, W_BUSY);
    eved_gate_open(s->worker->go);
  }
}

bool eved_engine_take(eved_engine_t *e, int64_t now_ms) {
  bool taken = false;
  for (size_t i = 0; i < e->count; i++) {
    slot_t *s = &e->slots[i];
    if (s->worker != NULL && s->state.running && atomic_load(&s->worker->state) == W_DONE) {
      take(s, now_ms);
      taken = true;
    }
  }
  return taken;
}

uint64_t eved_engine_generation(const eved_engine_t *e) {
  uint64_t sum = 0;
  for (size_t i = 0; i < e->count; i++) sum += e->slots[i].finished;
  return sum;
}

uint32_t eved_engine_waiting(const eved_engine_t *e, uint32_t mask, int64_t now_ms) {
  uint32_t waiting = 0;
  mask &= e->enabled;
  for (size_t i = 0; i < e->count; i++) {
    const slot_t *s = &e->slots[i];
    if (((mask >> i) & 1u) && s->state.running && !overdue(e, s, now_ms)) waiting |= 1u << i;
  }
  return waiting;
}

int64_t eved_engine_oldest_ms(const eved_engine_t *e) {
  int64_t oldest = INT64_MAX;
  for (size_t i = 0; i < e->count; i++) {
    const slot_t *s = &e->slots[i];
    if (!s->state.enabled) continue;
    if (!s->state.has_result) return INT64_MIN;
    if (s->state.finished_ms < oldest) oldest = s->state.finished_ms;
  }
  return oldest;
}

uint64_t eved_engine_abandoned_total(const eved_engine_t *e) { return e->abandoned_total; }

unsigned eved_engine_abandoned_now(void) { return atomic_load(&abandoned_now); }

uint64_t eved_engine_abandon_refused(const eved_engine_t *e) { return e->abandon_refused; }
