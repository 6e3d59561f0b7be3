/* The bcrypt verifier: bcrypt never runs on the loop thread. The loop
 * submits a job into a bounded table (EVED_VERIFIER_JOBS); one of
 * EVED_VERIFIER_THREADS threads (started with the first job) runs it and
 * wakes the loop with eve_poller_post_wakeup; the loop takes the result.
 * Every call but the threads' own is the loop's. */
#ifndef EVED_AUTH_VERIFIER_H_
#define EVED_AUTH_VERIFIER_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eve/eve_poller.h>

#include "bcrypt_check.h"
#include "config.h"

/* Jobs queued or running at once; a request beyond it is answered 503. */
#define EVED_VERIFIER_JOBS 16
#define EVED_VERIFIER_THREADS 2
/* What the loop keeps with a job and gets back: whose it is, and the
 * cache digest to record if it verified. */
#define EVED_VERIFIER_TAG_SIZE 16

typedef struct eved_verifier eved_verifier_t;

typedef struct eved_verifier_result {
  uint64_t owner;
  unsigned char tag[EVED_VERIFIER_TAG_SIZE];
  bool ok;
} eved_verifier_result_t;

/* NULL when out of memory. */
eved_verifier_t *eved_verifier_create(eve_poller_t *poller);
/* Ends the threads: joined when idle; one still in a bcrypt run is left
 * to finish alone (it frees what it shares and wakes nobody). */
void eved_verifier_destroy(eved_verifier_t *v);
/* Queues a verification of password against hash (both NUL-terminated;
 * copied, and the copy wiped after the run). False when every job is
 * taken or a thread could not start: the caller answers 503. */
bool eved_verifier_submit(eved_verifier_t *v, uint64_t owner, const char *hash,
                          const char *password, const unsigned char tag[EVED_VERIFIER_TAG_SIZE]);
/* Takes one finished job's result; false when none is finished. */
bool eved_verifier_take(eved_verifier_t *v, eved_verifier_result_t *out);
/* Jobs queued or running now. */
size_t eved_verifier_depth(const eved_verifier_t *v);

#endif /* EVED_AUTH_VERIFIER_H_ */
