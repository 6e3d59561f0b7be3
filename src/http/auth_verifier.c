/* The bcrypt verifier (auth_verifier.h). Each job is shared through one
 * atomic state:
 *
 *   FREE --loop: submit--> QUEUED --thread: claim--> RUNNING
 *   RUNNING --thread: done--> DONE --loop: take--> FREE
 *   QUEUED/RUNNING --loop: destroy--> ABANDONED (a thread running it
 *                                         neither posts nor touches the poller)
 *
 * The loop writes a job's fields only while FREE, before publishing it as
 * QUEUED; a thread reads and writes them only while it holds it RUNNING,
 * and publishes the result with RUNNING->DONE. Threads claim the oldest
 * queued job (by submission number), so jobs run in order. The structure
 * is freed by the last of the loop and the threads to let go (refs).
 *
 * A thread that publishes a result then posts a wake-up; destroy must not
 * return (and the poller be freed) between the two. So a thread counts
 * itself in `posting` before it tries RUNNING->DONE and out after the
 * post, and destroy, once every job it could abandon is abandoned, waits
 * for that count to drop to 0: a thread that counted itself in after
 * that finds its job ABANDONED and posts nothing. */
#include "auth_verifier.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "thread.h"

enum { J_FREE, J_QUEUED, J_RUNNING, J_DONE, J_ABANDONED };

typedef struct job {
  atomic_int state;
  /* Written by the loop while FREE, read by threads looking for the
   * oldest QUEUED job, which may meanwhile run, end and be reused. */
  _Atomic uint64_t seq;
  uint64_t owner;
  unsigned char tag[EVED_VERIFIER_TAG_SIZE];
  char hash[EVED_AUTH_HASH_LEN + 1];
  char password[EVED_BCRYPT_PASSWORD_MAX + 1];
  bool ok;
} job_t;

typedef struct worker {
  eved_verifier_t *v;
  eved_gate_t *go;
  eved_thread_t *thread;
  eved_bcrypt_t *bcrypt;
} worker_t;

struct eved_verifier {
  eve_poller_t *poller;
  atomic_bool quit;
  atomic_int refs;
  atomic_int posting; /* threads between RUNNING->DONE and their post */
  uint64_t next_seq;
  size_t started;
  job_t jobs[EVED_VERIFIER_JOBS];
  worker_t workers[EVED_VERIFIER_THREADS];
};

static void release(eved_verifier_t *v) {
  if (atomic_fetch_sub(&v->refs, 1) != 1) return;
  for (size_t i = 0; i < EVED_VERIFIER_THREADS; i++) {
    eved_gate_destroy(v->workers[i].go);
    eved_bcrypt_destroy(v->workers[i].bcrypt);
  }
  eved_secret_wipe(v->jobs, sizeof v->jobs);
  free(v);
}

/* The oldest queued job, now this thread's; NULL when none is queued. */
static job_t *claim(eved_verifier_t *v) {
  for (;;) {
    job_t *oldest = NULL;
    for (size_t i = 0; i < EVED_VERIFIER_JOBS; i++) {
      job_t *j = &v->jobs[i];
      if (atomic_load(&j->state) == J_QUEUED &&
          (oldest == NULL || atomic_load_explicit(&j->seq, memory_order_relaxed) <
                                 atomic_load_explicit(&oldest->seq, memory_order_relaxed)))
        oldest = j;
    }
    if (oldest == NULL) return NULL;
    int expected = J_QUEUED;
    if (atomic_compare_exchange_strong(&oldest->state, &expected, J_RUNNING)) return oldest;
    /* Another thread took it: look again. */
  }
}

static void worker_main(void *arg) {
  worker_t *w = arg;
  eved_verifier_t *v = w->v;
  for (;;) {
    eved_gate_wait(w->go);
    job_t *j;
    while (!atomic_load(&v->quit) && (j = claim(v)) != NULL) {
      j->ok = eved_bcrypt_verify(w->bcrypt, j->password, j->hash);
      eved_secret_wipe(j->password, sizeof j->password);
      atomic_fetch_add(&v->posting, 1);
      int expected = J_RUNNING;
      if (atomic_compare_exchange_strong(&j->state, &expected, J_DONE)) {
        eve_poller_post_wakeup(v->poller);
      }
      atomic_fetch_sub(&v->posting, 1);
    }
    if (atomic_load(&v->quit)) break;
  }
  release(v);
}

eved_verifier_t *eved_verifier_create(eve_poller_t *poller) {
  eved_verifier_t *v = calloc(1, sizeof *v);
  if (v == NULL) return NULL;
  v->poller = poller;
  atomic_init(&v->quit, false);
  atomic_init(&v->refs, 1);
  atomic_init(&v->posting, 0);
  for (size_t i = 0; i < EVED_VERIFIER_JOBS; i++) atomic_init(&v->jobs[i].state, J_FREE);
  return v;
}

/* Starts the threads not yet started; false if none runs. */
static bool start_threads(eved_verifier_t *v) {
  while (v->started < EVED_VERIFIER_THREADS) {
    worker_t *w = &v->workers[v->started];
    w->v = v;
    if (w->go == NULL) w->go = eved_gate_create();
    if (w->bcrypt == NULL) w->bcrypt = eved_bcrypt_create();
    if (w->go == NULL || w->bcrypt == NULL) break;
    atomic_fetch_add(&v->refs, 1);
    if ((w->thread = eved_thread_start(worker_main, w)) == NULL) {
      atomic_fetch_sub(&v->refs, 1);
      break;
    }
    v->started++;
  }
  return v->started > 0;
}

bool eved_verifier_submit(eved_verifier_t *v, uint64_t owner, const char *hash,
                          const char *password, const unsigned char tag[EVED_VERIFIER_TAG_SIZE]) {
  size_t password_len = strlen(password);
  if (strlen(hash) != EVED_AUTH_HASH_LEN || password_len > EVED_BCRYPT_PASSWORD_MAX) return false;
  job_t *j = NULL;
  for (size_t i = 0; i < EVED_VERIFIER_JOBS && j == NULL; i++)
    if (atomic_load(&v->jobs[i].state) == J_FREE) j = &v->jobs[i];
  if (j == NULL || !start_threads(v)) return false;
  atomic_store_explicit(&j->seq, v->next_seq++, memory_order_relaxed);
  j->owner = owner;
  memcpy(j->tag, tag, EVED_VERIFIER_TAG_SIZE);
  memcpy(j->hash, hash, EVED_AUTH_HASH_LEN + 1);
  memcpy(j->password, password, password_len + 1);
  j->ok = false;
  atomic_store(&j->state, J_QUEUED);
  for (size_t i = 0; i < v->started; i++) eved_gate_open(v->workers[i].go);
  return true;
}

bool eved_verifier_take(eved_verifier_t *v, eved_verifier_result_t *out) {
  job_t *oldest = NULL;
  for (size_t i = 0; i < EVED_VERIFIER_JOBS; i++) {
    job_t *j = &v->jobs[i];
    if (atomic_load(&j->state) == J_DONE &&
        (oldest == NULL || atomic_load_explicit(&j->seq, memory_order_relaxed) <
                               atomic_load_explicit(&oldest->seq, memory_order_relaxed)))
      oldest = j;
  }
  if (oldest == NULL) return false;
  out->owner = oldest->owner;
  memcpy(out->tag, oldest->tag, EVED_VERIFIER_TAG_SIZE);
  out->ok = oldest->ok;
  eved_secret_wipe(oldest->tag, sizeof oldest->tag);
  atomic_store(&oldest->state, J_FREE);
  return true;
}

size_t eved_verifier_depth(const eved_verifier_t *v) {
  size_t n = 0;
  for (size_t i = 0; i < EVED_VERIFIER_JOBS; i++) {
    int s = atomic_load(&v->jobs[i].state);
    if (s == J_QUEUED || s == J_RUNNING) n++;
  }
  return n;
}

void eved_verifier_destroy(eved_verifier_t *v) {
  if (v == NULL) return;
  atomic_store(&v->quit, true);
  bool busy = false;
  for (size_t i = 0; i < EVED_VERIFIER_JOBS; i++) {
    /* Queued jobs go, so no thread claims one from now on; a run in
     * progress may take long (a high cost): it is abandoned, and its
     * thread, failing RUNNING->DONE, posts to no poller. */
    int expected = J_QUEUED;
    if (atomic_compare_exchange_strong(&v->jobs[i].state, &expected, J_ABANDONED)) continue;
    expected = J_RUNNING;
    if (atomic_compare_exchange_strong(&v->jobs[i].state, &expected, J_ABANDONED)) busy = true;
  }
  /* A post takes microseconds; a bcrypt run is never waited for. */
  while (atomic_load(&v->posting) > 0) eved_thread_yield();
  for (size_t i = 0; i < v->started; i++) {
    eved_gate_open(v->workers[i].go);
    if (busy) {
      eved_thread_detach(v->workers[i].thread);
    } else {
      eved_thread_join(v->workers[i].thread);
    }
  }
  release(v);
}
