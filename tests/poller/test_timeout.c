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
