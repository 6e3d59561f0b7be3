/* Finite timeouts end the wait. A broken one hangs, and ctest's timeout
 * names the test. */
#include "support.h"
#include "test.h"

TEST_IMPL(timeout_zero_never_blocks) {
  eve_poller_t *poller = test_poller(mode);
  test_expect_quiet(poller);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  for (int i = 0; i < 100; i++) test_expect_quiet(poller);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(timeout_positive_returns) {
  eve_poller_t *poller = test_poller(mode);
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 50), 0);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  CHECK_EQ(eve_poller_wait(poller, events, 4, 50), 0);
  CHECK_EQ(test_stats(poller).wakeups, 0);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Finding: the Windows backend kept deadlines with GetTickCount64 (whole
 * milliseconds under Wine, 10-16 ms steps on Windows), so a wait woken
 * near its end by something that was not news (a stale packet) could
 * return before its timeout; epoll's EINTR path rounded down the same way.
 * Measured with a precise clock, every wait lasts at least its timeout. */
TEST_IMPL(timeout_never_ends_early) {
  enum { ROUNDS = 25, TIMEOUT_MS = 20 };
  eve_poller_t *poller = test_poller(mode);
  test_stray_t *stray = test_stray_start(poller);
  eve_native_event_t events[4];
  uint64_t shortest = UINT64_MAX;
  for (int i = 0; i < ROUNDS; i++) {
    uint64_t start = test_now_us();
    CHECK_EQ(eve_poller_wait(poller, events, 4, TIMEOUT_MS), 0);
    uint64_t took = test_now_us() - start;
    if (took < shortest) shortest = took;
  }
  test_stray_stop(stray);
  if (shortest < TIMEOUT_MS * 1000u)
    fprintf(stderr, "shortest wait(%d): %llu us\n", TIMEOUT_MS, (unsigned long long)shortest);
  CHECK(shortest >= TIMEOUT_MS * 1000u);
  CHECK_OK(eve_poller_dispose(poller));
}
