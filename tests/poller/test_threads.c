/* The header's thread rules, exercised with real threads: eve_poller_stats,
 * eve_poller_registration_count and post_wakeup from other threads while
 * the loop thread registers, unregisters and waits. On its own this only
 * checks that the figures read stay within what the loop did; built with
 * ThreadSanitizer (poller.epoll-tsan.*) it fails on any data race behind
 * those promises, which no plain test can make show on x86-64. */
#include <stdatomic.h>

#include "support.h"
#include "test.h"

#define LOOP_ROUNDS 2000
#define PAIRS 4

typedef struct reader {
  eve_poller_t *poller;
  atomic_bool stop;
  size_t max_seen; /* registrations read, at most */
  uint64_t reads;
} reader_t;

static void reader_main(void *arg) {
  reader_t *r = arg;
  while (!atomic_load(&r->stop)) {
    eve_poller_stats_t stats;
    eve_poller_stats(r->poller, &stats);
    size_t count = eve_poller_registration_count(r->poller);
    if (stats.registrations > r->max_seen) r->max_seen = stats.registrations;
    if (count > r->max_seen) r->max_seen = count;
    CHECK(eve_poller_post_wakeup(r->poller));
    r->reads++;
  }
}

TEST_IMPL(stats_read_while_loop_registers) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pairs[PAIRS];
  test_pairs_open(pairs, PAIRS);
  reader_t reader = {.poller = poller};
  atomic_init(&reader.stop, false);
  test_thread_t *thread = test_thread_start(reader_main, &reader);
  eve_native_event_t events[8];
  for (int round = 0; round < LOOP_ROUNDS; round++) {
    for (size_t i = 0; i < PAIRS; i++)
      CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].a), EVE_INTEREST_READ, i));
    CHECK(eve_poller_wait(poller, events, 8, 0) >= 0);
    for (size_t i = 0; i < PAIRS; i++) CHECK_OK(eve_poller_unregister(poller, test_handle(pairs[i].a)));
  }
  atomic_store(&reader.stop, true);
  test_thread_join(thread);
  CHECK(reader.reads > 0);
  CHECK(reader.max_seen <= PAIRS);
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  for (size_t i = 0; i < PAIRS; i++) test_pair_close(pairs[i]);
  CHECK_OK(eve_poller_dispose(poller));
}
