/* A bounded table of jobs the loop hands to worker threads and takes back
 * finished. The table holds each job's state only; its user keeps the
 * job's fields in an array of its own, indexed alike. One atomic state
 * says who owns a job:
 *
 *   FREE --loop: publish--> QUEUED --thread: claim--> RUNNING
 *   RUNNING --thread: finish--> DONE --loop: release--> FREE
 *   QUEUED, DONE --loop: cancel--> FREE
 *   RUNNING --loop: cancel--> CANCELED --thread: finish--> FREE
 *   QUEUED, RUNNING --loop: cancel_all--> CANCELED (at shutdown)
 *
 * So the loop writes a job's fields only while it is FREE (between reserve
 * and publish), a thread only while it holds the job RUNNING, and the
 * result is the loop's to read once the job is DONE. Threads claim the
 * oldest queued job, in publish order.
 *
 * A thread that finishes a job then wakes the loop (a poller post): the
 * owner must not free the poller between the two. finish() counts the
 * thread in around both, and quiesce(), called after cancel_all(), waits
 * for that count to drop to 0; a thread that finishes later finds its job
 * CANCELED and wakes nobody.
 *
 * Thread rules: the functions marked "loop" are called by one thread, the
 * table's owner; claim() and finish() by any number of worker threads. */
#ifndef EVED_COLLECT_JOBS_H_
#define EVED_COLLECT_JOBS_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVED_JOBS_MAX 64

typedef struct eved_jobs {
  size_t size;
  uint64_t next_seq; /* the loop's */
  atomic_int posting; /* threads between finishing a job and their wake */
  atomic_int state[EVED_JOBS_MAX];
  /* Written by the loop while FREE, read by threads looking for the
   * oldest QUEUED job, which may meanwhile be claimed, end and be reused. */
  _Atomic uint64_t seq[EVED_JOBS_MAX];
} eved_jobs_t;

/* size jobs, all FREE; size is at most EVED_JOBS_MAX. */
void eved_jobs_init(eved_jobs_t *jobs, size_t size);

/* Loop: the index of a FREE job, or -1 when every job is taken (the
 * table's bound: the caller refuses the work and counts it). */
long eved_jobs_reserve(const eved_jobs_t *jobs);
/* Loop: the reserved job i, its fields written, goes to the threads. */
void eved_jobs_publish(eved_jobs_t *jobs, size_t i);
bool eved_jobs_is_done(const eved_jobs_t *jobs, size_t i);
/* Loop: the DONE job published first, or -1. */
long eved_jobs_oldest_done(const eved_jobs_t *jobs);
/* Loop: a DONE job, its result read, is FREE again. */
void eved_jobs_release(eved_jobs_t *jobs, size_t i);
/* Loop: job i is no longer wanted. A running one finishes unseen and its
 * thread frees it. */
void eved_jobs_cancel(eved_jobs_t *jobs, size_t i);
/* Loop: jobs QUEUED or RUNNING. */
size_t eved_jobs_pending(const eved_jobs_t *jobs);
/* Loop, at shutdown: no job is claimed from now on. True when a thread
 * may still be running one, so the caller detaches its threads instead of
 * waiting for work of unknown length. Then call eved_jobs_quiesce. */
bool eved_jobs_cancel_all(eved_jobs_t *jobs);
/* Loop, after cancel_all: returns once no thread is between finishing a
 * job and its wake (microseconds). */
void eved_jobs_quiesce(eved_jobs_t *jobs);

/* Thread: the oldest QUEUED job, now RUNNING and this thread's; -1 when
 * none is queued. */
long eved_jobs_claim(eved_jobs_t *jobs);
/* Thread: job i, claimed by this thread, has its result written: DONE and
 * wake(arg) called, or, when canceled meanwhile, FREE and nobody woken. */
void eved_jobs_finish(eved_jobs_t *jobs, size_t i, void (*wake)(void *arg), void *arg);

#endif /* EVED_COLLECT_JOBS_H_ */
