/* The native wake-up floor for `make bench`: how long a thread blocked in
 * epoll_wait takes to return after another thread writes its eventfd, with
 * no eve in between. The poller benchmark's epoll wake-up row is measured
 * the same way (the waiter blocked, a 1 ms pause, then the post), so the
 * two show what eve adds and what the machine itself costs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 1000

static int epfd, evfd;
static atomic_int waiting;  /* rounds the waiter has started waiting for */
static atomic_int returned; /* rounds it has returned from */
static uint64_t returned_at[ROUNDS];

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *waiter(void *arg) {
  (void)arg;
  for (int round = 0; round < ROUNDS; round++) {
    struct epoll_event event;
    atomic_store(&waiting, round + 1);
    if (epoll_wait(epfd, &event, 1, -1) != 1) exit(1);
    returned_at[round] = now_ns();
    uint64_t count;
    if (read(evfd, &count, sizeof count) != sizeof count) exit(1);
    atomic_store(&returned, round + 1);
  }
  return NULL;
}

static int compare(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  epfd = epoll_create1(EPOLL_CLOEXEC);
  evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event event = {.events = EPOLLIN};
  if (epfd < 0 || evfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, evfd, &event) != 0) return 1;
  pthread_t thread;
  if (pthread_create(&thread, NULL, waiter, NULL) != 0) return 1;
  static uint64_t latency[ROUNDS];
  for (int round = 0; round < ROUNDS; round++) {
    while (atomic_load(&waiting) != round + 1) {
    }
    usleep(1000); /* into epoll_wait and asleep */
    uint64_t posted = now_ns(), one = 1;
    if (write(evfd, &one, sizeof one) != sizeof one) return 1;
    /* Sleep, not spin: on a 2-CPU machine a spinning poster holds the CPU
     * the waiter may be woken on until the next scheduler tick. */
    while (atomic_load(&returned) != round + 1) usleep(200);
    latency[round] = returned_at[round] - posted;
  }
  pthread_join(thread, NULL);
  qsort(latency, ROUNDS, sizeof latency[0], compare);
  printf("| raw eventfd + epoll (no eve) | wake-up latency, %d cross-thread posts | p50 %.1f us, "
         "p99 %.1f us |\n", ROUNDS, latency[ROUNDS / 2] / 1e3, latency[ROUNDS * 99 / 100] / 1e3);
  return 0;
}
