/* The bcrypt verifier (auth_verifier.h): a job table (jobs.h) of
 * EVED_VERIFIER_JOBS requests and EVED_VERIFIER_THREADS threads that run
 * them in order. A password lives in its job from submit until the thread
 * that checked it wipes it. The structure is freed by the last of the loop
 * and the threads to let go (refs), so destroy never waits for a bcrypt
 * run of unknown cost. */
#include "auth_verifier.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "secret.h"
#include "thread.h"

typedef struct job {
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
  size_t started;
  eved_jobs_t table;
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

static void wake(void *arg) { eve_poller_post_wakeup(arg); }

static void worker_main(void *arg) {
  worker_t *w = arg;
  eved_verifier_t *v = w->v;
  for (;;) {
    eved_gate_wait(w->go);
    long i;
    while (!atomic_load(&v->quit) && (i = eved_jobs_claim(&v->table)) >= 0) {
      job_t *j = &v->jobs[i];
      j->ok = eved_bcrypt_verify(w->bcrypt, j->password, j->hash);
      eved_secret_wipe(j->password, sizeof j->password);
      eved_jobs_finish(&v->table, (size_t)i, wake, v->poller);
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
  eved_jobs_init(&v->table, EVED_VERIFIER_JOBS);
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
  long i = eved_jobs_reserve(&v->table);
  if (i < 0 || !start_threads(v)) return false;
  job_t *j = &v->jobs[i];
  j->owner = owner;
  memcpy(j->tag, tag, EVED_VERIFIER_TAG_SIZE);
  memcpy(j->hash, hash, EVED_AUTH_HASH_LEN + 1);
  memcpy(j->password, password, password_len + 1);
  j->ok = false;
  eved_jobs_publish(&v->table, (size_t)i);
  for (size_t k = 0; k < v->started; k++) eved_gate_open(v->workers[k].go);
  return true;
}

bool eved_verifier_take(eved_verifier_t *v, eved_verifier_result_t *out) {
  long i = eved_jobs_oldest_done(&v->table);
  if (i < 0) return false;
  job_t *j = &v->jobs[i];
  out->owner = j->owner;
  memcpy(out->tag, j->tag, EVED_VERIFIER_TAG_SIZE);
  out->ok = j->ok;
  eved_secret_wipe(j->tag, sizeof j->tag);
  eved_jobs_release(&v->table, (size_t)i);
  return true;
}

size_t eved_verifier_depth(const eved_verifier_t *v) { return eved_jobs_pending(&v->table); }

void eved_verifier_destroy(eved_verifier_t *v) {
  if (v == NULL) return;
  atomic_store(&v->quit, true);
  /* A run in progress may take long (a high cost): it is abandoned, and
   * its thread, finding it canceled, posts to no poller. */
  bool busy = eved_jobs_cancel_all(&v->table);
  eved_jobs_quiesce(&v->table);
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
