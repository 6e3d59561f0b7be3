/* Windows: no source of events starves another when the caller's events
 * array is small. */
#ifdef _WIN32
#include "support.h"
#include "test.h"
#include "test_win_util.h"

static void post_done(eve_poller_t *poller, eve_overlapped_entry_t *entry) {
  entry->overlapped.Internal = 0;
  CHECK(PostQueuedCompletionStatus((HANDLE)eve_poller_handle(poller).raw, 0, 7,
                                   &entry->overlapped));
}

/* Finding: completions were always reported first; with max_events = 1
 * and two completions that renew themselves (a busy pipe, say) a readable
 * socket went unreported for 290 waits. Every source gets its turn. */
TEST_IMPL(completions_do_not_starve_readiness) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_send_all(pair.b, "x", 1);
  eve_overlapped_entry_t *first = test_entry(poller, NULL, EVE_IO_READ, 11);
  eve_overlapped_entry_t *second = test_entry(poller, NULL, EVE_IO_READ, 12);
  post_done(poller, first);
  post_done(poller, second);
  /* Both completions taken off the port before the socket's first wait,
   * as a busy loop finds them: queued, ahead of any readiness. */
  eve_poller_check_pending_iocp_events(poller);
  int socket_seen = 0, first_seen = 0, second_seen = 0;
  for (int i = 0; i < 50 && !(socket_seen && first_seen && second_seen); i++) {
    eve_native_event_t event;
    CHECK_EQ(eve_poller_wait(poller, &event, 1, TEST_EVENT_TIMEOUT_MS), 1);
    if (event.completion == first) {
      first_seen++;
      post_done(poller, first);
    } else if (event.completion == second) {
      second_seen++;
      post_done(poller, second);
    } else {
      CHECK_EQ(event.data.u64, 1);
      socket_seen++;
    }
  }
  CHECK(first_seen > 0 && second_seen > 0);
  CHECK(socket_seen > 0);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}
/* A loop kept busy by sockets that stay readable still takes what comes on
 * the port: a wake-up, a pool entry's completion, and a parked socket's
 * receive. Overlapped mode skips its zero-timeout look at the port when
 * nothing it would report can be there (wait.c, port_may_hold_news); a
 * source left out of that reckoning would never be taken while the waits
 * keep finding the busy sockets, and this test would not end. */
TEST_IMPL(busy_wait_still_takes_posts) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t busy = test_pair_open(), parked = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(busy.a), EVE_INTEREST_READ, 1));
  test_send_all(busy.b, "x", 1);
  CHECK_EQ(test_expect_ready(poller, 1), EVE_READY_READABLE);
  /* Every wait from here finds the busy socket: none of them blocks, and
   * (in overlapped mode) no receive is in flight. */
  uint64_t wakeups = test_stats(poller).wakeups;
  CHECK(eve_poller_post_wakeup(poller));
  /* Bounded in time, not in waits: WSAPoll mode hears the port through its
   * watcher thread, which needs a moment to run. */
  for (int i = 0; i < 200 && test_stats(poller).wakeups == wakeups; i++) {
    CHECK(test_wait_ready(poller, 1, 0) & EVE_READY_READABLE);
    test_sleep_ms(5);
  }
  CHECK_EQ(test_stats(poller).wakeups, wakeups + 1);
  eve_overlapped_entry_t *entry = test_entry(poller, NULL, EVE_IO_READ, 11);
  post_done(poller, entry);
  bool completed = false;
  for (int i = 0; i < 200 && !completed; i++) {
    eve_native_event_t events[8];
    int n = eve_poller_wait(poller, events, 8, 0);
    CHECK(n > 0);
    for (int e = 0; e < n; e++) completed |= events[e].completion == entry;
    if (!completed) test_sleep_ms(5);
  }
  CHECK(completed);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), entry);
  /* A quiet socket registered now is parked on its receive by the next
   * wait; its data must still be heard among the busy waits. */
  CHECK_OK(eve_poller_register(poller, test_handle(parked.a), EVE_INTEREST_READ, 2));
  CHECK_EQ(test_wait_ready(poller, 2, 0), 0);
  test_send_all(parked.b, "y", 1);
  bool parked_seen = false;
  for (int i = 0; i < 200 && !parked_seen; i++) {
    parked_seen = test_wait_ready(poller, 2, 0) != 0;
    if (!parked_seen) test_sleep_ms(5);
  }
  CHECK(parked_seen);
  test_pair_close(busy);
  test_pair_close(parked);
  CHECK_OK(eve_poller_dispose(poller));
}
#endif
