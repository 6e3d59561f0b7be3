/* Creating and disposing a poller. */
#include "support.h"
#include "test.h"

TEST_IMPL(create_and_dispose) {
  eve_poller_t *poller = test_poller(mode);
  CHECK(eve_handle_is_valid(eve_poller_handle(poller)));
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  CHECK_EQ(eve_poller_overlapped_count(poller), 0);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Dispose releases what the poller owns even with registrations left, and
 * leaves the registered sockets to their owner. */
TEST_IMPL(dispose_with_registrations) {
  enum { count = 16 };
  test_pair_t pairs[count];
  test_pairs_open(pairs, count);
  /* A first poller pays for whatever the OS sets up once per process
   * (Winsock helpers, thread pools), so the count compares like with like. */
  CHECK_OK(eve_poller_dispose(test_poller(mode)));

  long before = test_open_handle_count();
  eve_poller_t *poller = test_poller(mode);
  for (int i = 0; i < count; i++) {
    CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].a), EVE_INTEREST_READ, (uint64_t)i));
  }
  test_send_all(pairs[0].b, "x", 1);
  CHECK(eve_poller_post_wakeup(poller));
  CHECK(test_expect_ready(poller, 0) & EVE_READY_READABLE);
  CHECK_OK(eve_poller_dispose(poller));
  CHECK_EQ(test_open_handle_count(), before);

  /* The sockets are still open and still work. */
  CHECK_EQ(test_drain(pairs[0].a), 1);
  for (int i = 0; i < count; i++) test_pair_close(pairs[i]);
}
