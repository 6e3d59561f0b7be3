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
#endif
