/* The poller benchmark: cross-thread wake-up latency, and the cost of one
 * wait with N registered and k ready sockets, for one backend mode.
 *
 *   poller_bench MODE [--max-sockets N]
 *
 * Prints markdown table rows; bench/run-poller-bench.sh runs every mode and
 * puts the rows under one header. A benchmark, not a test: it checks only
 * that the poller did what was asked (k events per wait), never a time. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_os.h"
#include "sockets.h"
#include "test.h"

#define WAKE_ROUNDS 1000

static eve_poller_t *bench_poller(eve_poller_mode_t mode) {
  eve_poller_options_t options = {mode, 0};
  eve_poller_t *poller = NULL;
  CHECK_OK(eve_poller_create(&poller, &options));
  return poller;
}

typedef struct wake_state {
  eve_poller_t *poller;
  _Atomic int returned; /* rounds the waiter has finished */
  _Atomic int stop;
  _Atomic uint64_t returned_at[WAKE_ROUNDS];
  _Atomic uint64_t waits_at_return; /* the waits counter when it last returned */
} wake_state_t;

static void waiter(void *arg) {
  wake_state_t *state = arg;
  eve_native_event_t events[8];
  while (!atomic_load(&state->stop)) {
    int n = eve_poller_wait(state->poller, events, 8, -1);
    CHECK(n >= 0);
    int round = atomic_load(&state->returned);
    eve_poller_stats_t stats;
    eve_poller_stats(state->poller, &stats);
    atomic_store(&state->waits_at_return, stats.waits);
    if (round < WAKE_ROUNDS) atomic_store(&state->returned_at[round], bench_now_ns());
    atomic_store(&state->returned, round + 1);
  }
}

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Posts a wake-up to a waiter that is already blocked, WAKE_ROUNDS times,
 * and reports median and p99 of post-to-return. "Already blocked": the
 * waiter's kernel-wait counter has moved past its last return, and a short
 * sleep lets it reach the kernel. */
static void bench_wakeup(eve_poller_mode_t mode) {
  static wake_state_t state;
  memset(&state, 0, sizeof state);
  state.poller = bench_poller(mode);
  test_thread_t *thread = test_thread_start(waiter, &state);
  static uint64_t latency[WAKE_ROUNDS];
  for (int round = 0; round < WAKE_ROUNDS; round++) {
    eve_poller_stats_t stats;
    while (atomic_load(&state.returned) != round) {
    }
    uint64_t before = atomic_load(&state.waits_at_return);
    do {
      eve_poller_stats(state.poller, &stats);
    } while (stats.waits <= before);
    test_sleep_ms(1);
    uint64_t posted = bench_now_ns();
    CHECK(eve_poller_post_wakeup(state.poller));
    while (atomic_load(&state.returned) == round) {
    }
    latency[round] = atomic_load(&state.returned_at[round]) - posted;
  }
  atomic_store(&state.stop, 1);
  eve_poller_post_wakeup(state.poller);
  test_thread_join(thread);
  CHECK_OK(eve_poller_dispose(state.poller));
  qsort(latency, WAKE_ROUNDS, sizeof latency[0], compare_u64);
  printf("| %s | wake-up latency, %d cross-thread posts | p50 %.1f us, p99 %.1f us |\n",
         eve_poller_mode_name(mode), WAKE_ROUNDS, latency[WAKE_ROUNDS / 2] / 1e3,
         latency[WAKE_ROUNDS * 99 / 100] / 1e3);
}

/* One wait(0) with n sockets registered for reading, k of them holding a
 * byte: level-triggered, so every wait reports the same k. */
static void bench_wait_cost(eve_poller_mode_t mode, size_t n, size_t k) {
  eve_poller_t *poller = bench_poller(mode);
  test_pair_t *pairs = calloc(n, sizeof *pairs);
  CHECK(pairs != NULL);
  for (size_t i = 0; i < n; i++) {
    pairs[i] = test_pair_open();
    CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].b), EVE_INTEREST_READ, i));
  }
  for (size_t i = 0; i < k; i++) test_send_all(pairs[i * (n / k)].a, "x", 1);

  eve_native_event_t events[64];
  /* Let every byte land, so each timed wait sees exactly k. */
  for (int tries = 0;; tries++) {
    int got = eve_poller_wait(poller, events, 64, 100);
    CHECK(got >= 0);
    if ((size_t)got == k) break;
    CHECK(tries < 100);
  }
  int rounds = n >= 1000 ? 200 : 2000;
  uint64_t start = bench_now_ns();
  for (int r = 0; r < rounds; r++) CHECK_EQ(eve_poller_wait(poller, events, 64, 0), k);
  double per_wait = (double)(bench_now_ns() - start) / rounds / 1e3;
  printf("| %s | one wait, %zu registered, %zu ready | %.2f us |\n",
         eve_poller_mode_name(mode), n, k, per_wait);
  fflush(stdout);

  CHECK_OK(eve_poller_dispose(poller));
  for (size_t i = 0; i < n; i++) test_pair_close(pairs[i]);
  free(pairs);
}

int main(int argc, char **argv) {
  eve_poller_mode_t mode;
  if (argc < 2 || eve_poller_mode_parse(argv[1], &mode) < 0) {
    fprintf(stderr, "usage: poller_bench MODE [--max-sockets N]\n");
    return 2;
  }
  size_t max_sockets = 1000;
  if (argc == 4 && strcmp(argv[2], "--max-sockets") == 0)
    max_sockets = (size_t)strtoul(argv[3], NULL, 10);
  test_sockets_init();
  bench_raise_fd_limit();
  bench_wakeup(mode);
  static const size_t sizes[] = {10, 100, 1000, 5000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    if (sizes[i] > max_sockets) break;
    bench_wait_cost(mode, sizes[i], 1);
    bench_wait_cost(mode, sizes[i], 10);
  }
  test_sockets_cleanup();
  return 0;
}
