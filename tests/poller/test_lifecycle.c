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

/* A registration's whole life on one socket, with data pending the whole
 * time: register -> unregister -> a timed wait blocks for its timeout ->
 * register again. An unregister that left the socket in the kernel's set
 * (epoll without EPOLL_CTL_DEL) makes the timed wait spin on readiness
 * nobody asked for (found by mutation: 530,000 waits in 300 ms) and the
 * second register fail with EEXIST; a wait that returns early, or counts
 * more than a few kernel calls, is the same bug on any backend. */
TEST_IMPL(unregister_wait_blocks_register_again) {
  enum { TIMEOUT_MS = 200, MAX_WAITS = 8 };
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  eve_handle_t handle = test_handle(pair.a);
  test_send_all(pair.b, "x", 1);

  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_READ, 1));
  CHECK(test_expect_ready(poller, 1) & EVE_READY_READABLE);
  CHECK_OK(eve_poller_unregister(poller, handle));
  CHECK_EQ(eve_poller_registration_count(poller), 0);

  eve_native_event_t events[4];
  uint64_t waits = test_stats(poller).waits;
  uint64_t start = test_now_us();
  CHECK_EQ(eve_poller_wait(poller, events, 4, TIMEOUT_MS), 0);
  uint64_t took = test_now_us() - start;
  uint64_t counted = test_stats(poller).waits - waits;
  if (counted > MAX_WAITS || took < TIMEOUT_MS * 1000u)
    fprintf(stderr, "wait(%d) after unregister: %llu kernel waits, %llu us\n", TIMEOUT_MS,
            (unsigned long long)counted, (unsigned long long)took);
  CHECK(counted >= 1 && counted <= MAX_WAITS);
  CHECK(took >= TIMEOUT_MS * 1000u);

  /* The same socket registers again, and its pending byte is reported
   * with the new user data only. */
  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_READ, 2));
  CHECK_EQ(eve_poller_registration_count(poller), 1);
  CHECK(test_expect_ready(poller, 2) & EVE_READY_READABLE);
  CHECK_EQ(test_wait_ready(poller, 1, 0), 0);
  CHECK_OK(eve_poller_unregister(poller, handle));
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}
