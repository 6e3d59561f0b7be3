/* Unit tests of the job table (collect/jobs.c): the states a job goes
 * through, the table's bound, cancel at each state, shutdown, and worker
 * threads racing the loop's cancels. One ctest entry per test:
 * collect.<name>. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "jobs.h"
#include "thread.h"

static int woken;
static void count_wake(void *arg) { (*(int *)arg)++; }

/* Reserves a job, checks it is slot `expected`, and publishes it. */
static void add(eved_jobs_t *t, long expected) {
  long i = eved_jobs_reserve(t);
  CHECK(i == expected);
  if (i >= 0) eved_jobs_publish(t, (size_t)i);
}

/* Published jobs are claimed, and their results taken, oldest first,
 * whatever their slots. */
static void test_jobs_order(void) {
  eved_jobs_t t;
  eved_jobs_init(&t, 4);
  for (long k = 0; k < 4; k++) add(&t, k);
  CHECK(eved_jobs_pending(&t) == 4);
  /* Slot 0 is freed and reused: its new job is the youngest. */
  CHECK(eved_jobs_claim(&t) == 0);
  woken = 0;
  eved_jobs_finish(&t, 0, count_wake, &woken);
  CHECK(woken == 1 && eved_jobs_is_done(&t, 0));
  CHECK(eved_jobs_oldest_done(&t) == 0);
  eved_jobs_release(&t, 0);
  CHECK(!eved_jobs_is_done(&t, 0) && eved_jobs_oldest_done(&t) == -1);
  add(&t, 0);
  long order[4];
  for (int k = 0; k < 4; k++) order[k] = eved_jobs_claim(&t);
  CHECK(order[0] == 1 && order[1] == 2 && order[2] == 3 && order[3] == 0);
  CHECK(eved_jobs_claim(&t) == -1);
  CHECK(eved_jobs_pending(&t) == 4); /* RUNNING counts */
  /* Finished out of order, taken in publish order. */
  eved_jobs_finish(&t, 0, count_wake, &woken);
  eved_jobs_finish(&t, 3, count_wake, &woken);
  eved_jobs_finish(&t, 2, count_wake, &woken);
  CHECK(woken == 4 && eved_jobs_pending(&t) == 1);
  CHECK(eved_jobs_oldest_done(&t) == 2);
  eved_jobs_release(&t, 2);
  CHECK(eved_jobs_oldest_done(&t) == 3);
  eved_jobs_release(&t, 3);
  CHECK(eved_jobs_oldest_done(&t) == 0);
}

/* A table holds `size` jobs, EVED_JOBS_MAX at most; one more is refused. */
static void test_jobs_bound(void) {
  eved_jobs_t t;
  eved_jobs_init(&t, 3);
  for (long k = 0; k < 3; k++) add(&t, k);
  CHECK(eved_jobs_reserve(&t) == -1);
  CHECK(eved_jobs_pending(&t) == 3);
  long i = eved_jobs_claim(&t);
  CHECK(i == 0);
  if (i < 0) return;
  eved_jobs_finish(&t, (size_t)i, count_wake, &woken);
  CHECK(eved_jobs_reserve(&t) == -1); /* DONE, not yet taken: still held */
  eved_jobs_release(&t, (size_t)i);
  CHECK(eved_jobs_reserve(&t) == i);

  eved_jobs_init(&t, EVED_JOBS_MAX + 10);
  CHECK(t.size == EVED_JOBS_MAX);
  for (long k = 0; k < EVED_JOBS_MAX; k++) add(&t, k);
  CHECK(eved_jobs_reserve(&t) == -1);
  CHECK(eved_jobs_pending(&t) == EVED_JOBS_MAX);
  for (int k = 0; k < EVED_JOBS_MAX; k++) CHECK(eved_jobs_claim(&t) == k);
  CHECK(eved_jobs_claim(&t) == -1);
  CHECK(eved_jobs_pending(&t) == EVED_JOBS_MAX);
}

/* Cancel at each state: a queued or finished job is free at once and
 * never claimed; a running one is freed by its thread, which wakes
 * nobody. */
static void test_jobs_cancel(void) {
  eved_jobs_t t;
  eved_jobs_init(&t, 3);
  for (long k = 0; k < 3; k++) add(&t, k);
  eved_jobs_cancel(&t, 0); /* QUEUED */
  CHECK(eved_jobs_pending(&t) == 2);
  CHECK(eved_jobs_claim(&t) == 1);
  CHECK(eved_jobs_claim(&t) == 2);
  CHECK(eved_jobs_claim(&t) == -1);
  add(&t, 0); /* free again at once */
  CHECK(eved_jobs_reserve(&t) == -1);
  woken = 0;
  eved_jobs_cancel(&t, 1); /* RUNNING */
  CHECK(eved_jobs_reserve(&t) == -1); /* not free until its thread ends */
  CHECK(eved_jobs_pending(&t) == 2);  /* 0 and 2: the canceled one is nobody's work */
  eved_jobs_finish(&t, 1, count_wake, &woken);
  CHECK(woken == 0 && !eved_jobs_is_done(&t, 1) && eved_jobs_oldest_done(&t) == -1);
  CHECK(eved_jobs_reserve(&t) == 1); /* its thread freed it */
  eved_jobs_finish(&t, 2, count_wake, &woken);
  CHECK(woken == 1 && eved_jobs_is_done(&t, 2));
  eved_jobs_cancel(&t, 2); /* DONE */
  CHECK(!eved_jobs_is_done(&t, 2) && eved_jobs_oldest_done(&t) == -1);
  eved_jobs_cancel(&t, 2); /* FREE: nothing changes */
  CHECK(!eved_jobs_is_done(&t, 2) && eved_jobs_oldest_done(&t) == -1);
  CHECK(eved_jobs_pending(&t) == 1);
  add(&t, 1);
  add(&t, 2);
  CHECK(eved_jobs_reserve(&t) == -1 && eved_jobs_pending(&t) == 3);
  CHECK(eved_jobs_claim(&t) == 0);
  CHECK(eved_jobs_claim(&t) == 1);
  CHECK(eved_jobs_claim(&t) == 2);
}

/* Shutdown: nothing queued is claimed after cancel_all, and it tells
 * whether a thread may still be running a job: one it holds now, or one
 * canceled earlier while it ran. */
static void test_jobs_shutdown(void) {
  eved_jobs_t t;
  memset(&t, 0x5a, sizeof t); /* init owes nothing to zeroed memory */
  eved_jobs_init(&t, 3);
  add(&t, 0);
  add(&t, 1);
  CHECK(!eved_jobs_cancel_all(&t)); /* queued only: no thread is busy */
  CHECK(eved_jobs_claim(&t) == -1 && eved_jobs_pending(&t) == 0);
  eved_jobs_quiesce(&t);

  eved_jobs_init(&t, 3);
  add(&t, 0);
  CHECK(eved_jobs_claim(&t) == 0);
  CHECK(eved_jobs_cancel_all(&t)); /* RUNNING */
  woken = 0;
  eved_jobs_finish(&t, 0, count_wake, &woken);
  CHECK(woken == 0);

  eved_jobs_init(&t, 3);
  add(&t, 0);
  CHECK(eved_jobs_claim(&t) == 0);
  eved_jobs_cancel(&t, 0);
  CHECK(eved_jobs_cancel_all(&t)); /* canceled while running: still busy */

  eved_jobs_init(&t, 3);
  add(&t, 0);
  CHECK(eved_jobs_claim(&t) == 0);
  eved_jobs_finish(&t, 0, count_wake, &woken);
  CHECK(!eved_jobs_cancel_all(&t)); /* DONE: its thread is through */
}

/* quiesce() does not return while a thread that finished a job is still
 * in its wake-up: the owner may free what the wake-up touches. */
typedef struct slow_wake {
  eved_jobs_t t;
  eved_gate_t *release;
  atomic_bool in_wake;
  atomic_bool owner_started;
  atomic_bool quiesced;
} slow_wake_t;

static void slow_wake(void *arg) {
  slow_wake_t *w = arg;
  atomic_store(&w->in_wake, true);
  eved_gate_wait(w->release);
}

static void slow_finisher(void *arg) {
  slow_wake_t *w = arg;
  long i = eved_jobs_claim(&w->t);
  if (i >= 0) eved_jobs_finish(&w->t, (size_t)i, slow_wake, w);
}

static void slow_owner(void *arg) {
  slow_wake_t *w = arg;
  atomic_store(&w->owner_started, true);
  (void)eved_jobs_cancel_all(&w->t);
  eved_jobs_quiesce(&w->t);
  atomic_store(&w->quiesced, true);
}

static void test_jobs_quiesce(void) {
  static slow_wake_t w;
  eved_jobs_init(&w.t, 2);
  w.release = eved_gate_create();
  atomic_init(&w.in_wake, false);
  atomic_init(&w.owner_started, false);
  atomic_init(&w.quiesced, false);
  add(&w.t, 0);
  CHECK(w.release != NULL);
  eved_thread_t *finisher = eved_thread_start(slow_finisher, &w);
  CHECK(finisher != NULL);
  if (w.release == NULL || finisher == NULL) return;
  while (!atomic_load(&w.in_wake)) eved_thread_yield();
  eved_thread_t *owner = eved_thread_start(slow_owner, &w);
  CHECK(owner != NULL);
  if (owner == NULL) {
    eved_gate_open(w.release);
    eved_thread_join(finisher);
    return;
  }
  /* Once the owner runs, and however long this takes after, it must
   * still be waiting. */
  while (!atomic_load(&w.owner_started)) eved_thread_yield();
  double until = eved_thread_clock_seconds() + 0.05;
  while (eved_thread_clock_seconds() < until) eved_thread_yield();
  CHECK(!atomic_load(&w.quiesced));
  eved_gate_open(w.release);
  eved_thread_join(finisher);
  eved_thread_join(owner);
  CHECK(atomic_load(&w.quiesced));
  eved_gate_destroy(w.release);
}

/* Worker threads claim and finish while the loop publishes, takes and
 * cancels: no job is claimed twice, every result taken is the one its
 * job was published for, taken once, and no wake-up comes after
 * quiesce. The loop runs RACE_ROUNDS rounds and until RACE_TAKEN results
 * are taken (the threads may start late: under Wine, after the first
 * rounds are long over), or RACE_SECONDS on a machine too busy for that;
 * some results must have been taken by then. */
enum { RACE_JOBS = 8, RACE_THREADS = 3, RACE_ROUNDS = 200000, RACE_TAKEN = 20000 };
#define RACE_SECONDS 20.0

typedef struct race {
  eved_jobs_t t;
  atomic_bool quit;
  atomic_int wakes;
  atomic_int late_wakes;
  atomic_bool quiesced;
  atomic_int claims;
  atomic_int double_claims;
  int value[RACE_JOBS];
  int result[RACE_JOBS];
  /* The value each slot's last claim found: the claiming thread's while
   * it holds the job, ordered between threads by the job's state. */
  int last_claimed[RACE_JOBS];
} race_t;

static void race_wake(void *arg) {
  race_t *r = arg;
  atomic_fetch_add(&r->wakes, 1);
  if (atomic_load(&r->quiesced)) atomic_fetch_add(&r->late_wakes, 1);
}

static void race_worker(void *arg) {
  race_t *r = arg;
  while (!atomic_load(&r->quit)) {
    long i = eved_jobs_claim(&r->t);
    if (i < 0) {
      eved_thread_yield();
      continue;
    }
    atomic_fetch_add(&r->claims, 1);
    if (r->last_claimed[i] == r->value[i]) atomic_fetch_add(&r->double_claims, 1);
    r->last_claimed[i] = r->value[i];
    r->result[i] = r->value[i] * 2;
    eved_jobs_finish(&r->t, (size_t)i, race_wake, r);
  }
}

static void test_jobs_threads(void) {
  static race_t r;
  memset(&r, 0, sizeof r);
  eved_jobs_init(&r.t, RACE_JOBS);
  atomic_init(&r.quit, false);
  atomic_init(&r.wakes, 0);
  atomic_init(&r.late_wakes, 0);
  atomic_init(&r.quiesced, false);
  atomic_init(&r.claims, 0);
  atomic_init(&r.double_claims, 0);
  for (int k = 0; k < RACE_JOBS; k++) r.last_claimed[k] = -1;
  eved_thread_t *threads[RACE_THREADS];
  int started = 0;
  while (started < RACE_THREADS &&
         (threads[started] = eved_thread_start(race_worker, &r)) != NULL)
    started++;
  CHECK(started == RACE_THREADS);
  if (started < RACE_THREADS) {
    atomic_store(&r.quit, true);
    for (int k = 0; k < started; k++) eved_thread_join(threads[k]);
    return;
  }
  /* The loop's own account: which jobs it published and has neither
   * taken nor canceled. */
  bool live[RACE_JOBS] = {false};
  int published = 0, taken = 0, canceled = 0, wrong = 0, reused = 0;
  double give_up = eved_thread_clock_seconds() + RACE_SECONDS;
  for (int round = 0; (round < RACE_ROUNDS || taken < RACE_TAKEN) &&
                      (round % 1024 != 0 || eved_thread_clock_seconds() < give_up);
       round++) {
    int taken_before = taken;
    long i = eved_jobs_reserve(&r.t);
    if (i >= 0) {
      if (live[i]) reused++;
      r.value[i] = round;
      live[i] = true;
      eved_jobs_publish(&r.t, (size_t)i);
      published++;
    }
    /* Every third round cancels a live job, in whatever state it is. */
    size_t c = (size_t)round % RACE_JOBS;
    if (round % 3 == 0 && live[c]) {
      eved_jobs_cancel(&r.t, c);
      live[c] = false;
      canceled++;
    }
    long d;
    while ((d = eved_jobs_oldest_done(&r.t)) >= 0) {
      if (!live[d] || r.result[d] != r.value[d] * 2) wrong++;
      live[d] = false;
      eved_jobs_release(&r.t, (size_t)d);
      taken++;
    }
    /* A full table and nothing taken: the threads' turn. */
    if (i < 0 && taken == taken_before) eved_thread_yield();
  }
  (void)eved_jobs_cancel_all(&r.t);
  eved_jobs_quiesce(&r.t);
  atomic_store(&r.quiesced, true);
  atomic_store(&r.quit, true);
  for (int k = 0; k < RACE_THREADS; k++) eved_thread_join(threads[k]);
  CHECK(wrong == 0 && reused == 0);
  CHECK(taken > 0 && canceled > 0);
  CHECK(atomic_load(&r.double_claims) == 0);
  /* Every result taken was claimed once; nothing unpublished was. */
  CHECK(atomic_load(&r.claims) >= taken && atomic_load(&r.claims) <= published);
  CHECK(atomic_load(&r.late_wakes) == 0);
  CHECK(atomic_load(&r.wakes) >= taken);
  CHECK(eved_jobs_pending(&r.t) == 0);
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {{"jobs_order", test_jobs_order},       {"jobs_bound", test_jobs_bound},
               {"jobs_cancel", test_jobs_cancel},     {"jobs_shutdown", test_jobs_shutdown},
               {"jobs_quiesce", test_jobs_quiesce},   {"jobs_threads", test_jobs_threads}};
  if (argc != 2) {
    fprintf(stderr, "usage: jobs_unit TEST\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    if (strcmp(argv[1], tests[i].name) == 0) {
      tests[i].fn();
      if (failures) fprintf(stderr, "%s: %d checks failed\n", argv[1], failures);
      return failures ? 1 : 0;
    }
  }
  fprintf(stderr, "jobs_unit: no test %s\n", argv[1]);
  return 2;
}
