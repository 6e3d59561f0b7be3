/* thread.h over pthreads. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "thread.h"

/* Two owners: the thread itself and whoever started it. The last to let
 * go frees it, so a detached thread's block is freed when it ends, and
 * while it runs its own frame still points at it. */
struct eved_thread {
  pthread_t id;
  void (*fn)(void *arg);
  void *arg;
  atomic_int owners;
};

static void release(eved_thread_t *t) {
  if (atomic_fetch_sub(&t->owners, 1) == 1) free(t);
}

struct eved_gate {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool open;
};

static void *trampoline(void *p) {
  eved_thread_t *t = p;
  t->fn(t->arg);
  release(t);
  return NULL;
}

eved_thread_t *eved_thread_start(void (*fn)(void *arg), void *arg) {
  eved_thread_t *t = malloc(sizeof *t);
  if (t == NULL) return NULL;
  t->fn = fn;
  t->arg = arg;
  atomic_init(&t->owners, 2);
  if (pthread_create(&t->id, NULL, trampoline, t) != 0) {
    free(t);
    return NULL;
  }
  return t;
}

void eved_thread_join(eved_thread_t *t) {
  pthread_join(t->id, NULL);
  release(t);
}

void eved_thread_detach(eved_thread_t *t) {
  pthread_detach(t->id);
  release(t);
}

eved_gate_t *eved_gate_create(void) {
  eved_gate_t *g = calloc(1, sizeof *g);
  if (g == NULL) return NULL;
  if (pthread_mutex_init(&g->lock, NULL) != 0) {
    free(g);
    return NULL;
  }
  if (pthread_cond_init(&g->cond, NULL) != 0) {
    pthread_mutex_destroy(&g->lock);
    free(g);
    return NULL;
  }
  return g;
}

void eved_gate_destroy(eved_gate_t *g) {
  if (g == NULL) return;
  pthread_cond_destroy(&g->cond);
  pthread_mutex_destroy(&g->lock);
  free(g);
}

void eved_gate_open(eved_gate_t *g) {
  pthread_mutex_lock(&g->lock);
  g->open = true;
  pthread_cond_signal(&g->cond);
  pthread_mutex_unlock(&g->lock);
}

void eved_gate_wait(eved_gate_t *g) {
  pthread_mutex_lock(&g->lock);
  while (!g->open) pthread_cond_wait(&g->cond, &g->lock);
  g->open = false;
  pthread_mutex_unlock(&g->lock);
}

double eved_thread_clock_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void eved_thread_yield(void) { sched_yield(); }
