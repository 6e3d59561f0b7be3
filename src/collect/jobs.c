/* The job table (jobs.h). */
#include "jobs.h"

#include "thread.h"

enum { J_FREE, J_QUEUED, J_RUNNING, J_DONE, J_CANCELED };

void eved_jobs_init(eved_jobs_t *jobs, size_t size) {
  jobs->size = size < EVED_JOBS_MAX ? size : EVED_JOBS_MAX;
  jobs->next_seq = 0;
  atomic_init(&jobs->posting, 0);
  for (size_t i = 0; i < EVED_JOBS_MAX; i++) {
    atomic_init(&jobs->state[i], J_FREE);
    atomic_init(&jobs->seq[i], 0);
  }
}

long eved_jobs_reserve(const eved_jobs_t *jobs) {
  for (size_t i = 0; i < jobs->size; i++)
    if (atomic_load(&jobs->state[i]) == J_FREE) return (long)i;
  return -1;
}

void eved_jobs_publish(eved_jobs_t *jobs, size_t i) {
  atomic_store_explicit(&jobs->seq[i], jobs->next_seq++, memory_order_relaxed);
  atomic_store(&jobs->state[i], J_QUEUED);
}

bool eved_jobs_is_done(const eved_jobs_t *jobs, size_t i) {
  return atomic_load(&jobs->state[i]) == J_DONE;
}

/* The job in `state` published first, or -1. */
static long oldest(const eved_jobs_t *jobs, int state) {
  long found = -1;
  uint64_t found_seq = 0;
  for (size_t i = 0; i < jobs->size; i++) {
    if (atomic_load(&jobs->state[i]) != state) continue;
    uint64_t seq = atomic_load_explicit(&jobs->seq[i], memory_order_relaxed);
    if (found < 0 || seq < found_seq) {
      found = (long)i;
      found_seq = seq;
    }
  }
  return found;
}

long eved_jobs_oldest_done(const eved_jobs_t *jobs) { return oldest(jobs, J_DONE); }

void eved_jobs_release(eved_jobs_t *jobs, size_t i) { atomic_store(&jobs->state[i], J_FREE); }

void eved_jobs_cancel(eved_jobs_t *jobs, size_t i) {
  for (;;) {
    int state = atomic_load(&jobs->state[i]);
    int next;
    if (state == J_QUEUED || state == J_DONE) {
      next = J_FREE;
    } else if (state == J_RUNNING) {
      next = J_CANCELED; /* its thread frees it when it is done */
    } else {
      return;
    }
    if (atomic_compare_exchange_strong(&jobs->state[i], &state, next)) return;
  }
}

size_t eved_jobs_pending(const eved_jobs_t *jobs) {
  size_t n = 0;
  for (size_t i = 0; i < jobs->size; i++) {
    int state = atomic_load(&jobs->state[i]);
    if (state == J_QUEUED || state == J_RUNNING) n++;
  }
  return n;
}

bool eved_jobs_cancel_all(eved_jobs_t *jobs) {
  bool busy = false;
  for (size_t i = 0; i < jobs->size; i++) {
    int expected = J_QUEUED;
    if (atomic_compare_exchange_strong(&jobs->state[i], &expected, J_CANCELED)) continue;
    /* Canceled before now while running: its thread may be at it still. */
    if (expected == J_CANCELED) busy = true;
    expected = J_RUNNING;
    if (atomic_compare_exchange_strong(&jobs->state[i], &expected, J_CANCELED)) busy = true;
  }
  return busy;
}

void eved_jobs_quiesce(eved_jobs_t *jobs) {
  while (atomic_load(&jobs->posting) > 0) eved_thread_yield();
}

long eved_jobs_claim(eved_jobs_t *jobs) {
  for (;;) {
    long i = oldest(jobs, J_QUEUED);
    if (i < 0) return -1;
    int expected = J_QUEUED;
    if (atomic_compare_exchange_strong(&jobs->state[i], &expected, J_RUNNING)) return i;
    /* Another thread took it, or the loop canceled it: look again. */
  }
}

void eved_jobs_finish(eved_jobs_t *jobs, size_t i, void (*wake)(void *arg), void *arg) {
  atomic_fetch_add(&jobs->posting, 1);
  int expected = J_RUNNING;
  if (atomic_compare_exchange_strong(&jobs->state[i], &expected, J_DONE)) {
    wake(arg);
  } else {
    /* Canceled while it ran: nobody wants it, and the job is free again
     * once this thread no longer touches it. */
    atomic_store(&jobs->state[i], J_FREE);
  }
  atomic_fetch_sub(&jobs->posting, 1);
}
