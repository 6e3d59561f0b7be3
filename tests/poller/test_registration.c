/* Registering, modifying and unregistering, and the errors each refuses
 * with. */
#include "support.h"
#include "test.h"

TEST_IMPL(register_modify_unregister) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  eve_handle_t handle = test_handle(pair.a);

  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_WRITE, 1));
  CHECK_EQ(eve_poller_registration_count(poller), 1);
  CHECK_EQ(test_stats(poller).registrations, 1);
  CHECK(test_expect_ready(poller, 1) & EVE_READY_WRITABLE);

  /* READ alone with nothing to read: the writable socket goes quiet. */
  CHECK_OK(eve_poller_modify(poller, handle, EVE_INTEREST_READ, 2));
  CHECK_EQ(eve_poller_registration_count(poller), 1);
  test_expect_quiet(poller);

  /* ...and is reported with the new user data once data arrives. */
  test_send_all(pair.b, "x", 1);
  eve_ready_t ready = test_expect_ready(poller, 2);
  CHECK(ready & EVE_READY_READABLE);
  CHECK(!(ready & EVE_READY_WRITABLE));
  CHECK_EQ(test_wait_ready(poller, 1, 0), 0);

  /* Unregistered: the unread byte is no longer anybody's business. */
  CHECK_OK(eve_poller_unregister(poller, handle));
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  CHECK_EQ(test_stats(poller).registrations, 0);
  test_expect_quiet(poller);

  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(double_register_is_error) {
  eve_poller_t *poller = test_poller(mode);
  test_socket_t s = test_socket_open();
  CHECK_OK(eve_poller_register(poller, test_handle(s), EVE_INTEREST_READ, 1));
  CHECK_EQ(eve_poller_register(poller, test_handle(s), EVE_INTEREST_WRITE, 2), EVE_EEXIST);
  CHECK_EQ(eve_poller_registration_count(poller), 1);
  test_close(s);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(modify_unregistered_is_error) {
  eve_poller_t *poller = test_poller(mode);
  test_socket_t s = test_socket_open();
  CHECK_EQ(eve_poller_modify(poller, test_handle(s), EVE_INTEREST_READ, 1), EVE_ENOENT);
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  test_close(s);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(unregister_unregistered_is_error) {
  eve_poller_t *poller = test_poller(mode);
  test_socket_t s = test_socket_open();
  CHECK_EQ(eve_poller_unregister(poller, test_handle(s)), EVE_ENOENT);
  /* Nor twice: the first unregister really forgot it. */
  CHECK_OK(eve_poller_register(poller, test_handle(s), EVE_INTEREST_READ, 1));
  CHECK_OK(eve_poller_unregister(poller, test_handle(s)));
  CHECK_EQ(eve_poller_unregister(poller, test_handle(s)), EVE_ENOENT);
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  test_close(s);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(invalid_handle_is_error) {
  eve_poller_t *poller = test_poller(mode);
  eve_handle_t invalid = eve_handle_from_raw(EVE_HANDLE_INVALID_RAW);
  CHECK(eve_poller_register(poller, invalid, EVE_INTEREST_READ, 1) < 0);
  CHECK(eve_poller_modify(poller, invalid, EVE_INTEREST_READ, 1) < 0);
  CHECK(eve_poller_unregister(poller, invalid) < 0);
  /* Closed before registering; nothing else opens a handle in between, so
   * the value names nothing. */
  test_socket_t s = test_socket_open();
  test_close(s);
  CHECK(eve_poller_register(poller, test_handle(s), EVE_INTEREST_READ, 1) < 0);
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  test_expect_quiet(poller);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(capacity_limit_is_clear_error) {
  enum { limit = 8 };
  eve_poller_options_t options = {mode, limit};
  eve_poller_t *poller = NULL;
  CHECK_OK(eve_poller_create(&poller, &options));
  CHECK_EQ(test_stats(poller).capacity, limit);
  test_socket_t sockets[limit + 1];
  for (int i = 0; i <= limit; i++) sockets[i] = test_socket_open();
  for (int i = 0; i < limit; i++) {
    CHECK_OK(eve_poller_register(poller, test_handle(sockets[i]), EVE_INTEREST_READ, (uint64_t)i));
  }
  CHECK_EQ(eve_poller_register(poller, test_handle(sockets[limit]), EVE_INTEREST_READ, limit),
           EVE_ELIMIT);
  eve_poller_stats_t stats = test_stats(poller);
  CHECK_EQ(stats.capacity_hits, 1);
  CHECK_EQ(stats.registrations, limit);
  /* The ceiling counts live registrations: a freed slot takes the ninth. */
  CHECK_OK(eve_poller_unregister(poller, test_handle(sockets[0])));
  CHECK_OK(eve_poller_register(poller, test_handle(sockets[limit]), EVE_INTEREST_READ, limit));
  CHECK_EQ(test_stats(poller).capacity_hits, 1);
  for (int i = 0; i <= limit; i++) test_close(sockets[i]);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Beyond the spec's fixed 1024, with the default capacity: both ends of
 * 1,000 pairs, so 2,000 registrations are 2,000 sockets (well under this
 * machine's 20,000 open files). Under Wine every socket close also costs
 * the shared wineserver time while other processes poll, so the suite
 * keeps the socket count no higher than the behaviour needs. */
#define MANY_PAIRS 1000
#define MANY (2 * MANY_PAIRS)

static test_socket_t many_socket(const test_pair_t *pairs, uint64_t index) {
  return index % 2 ? pairs[index / 2].b : pairs[index / 2].a;
}

TEST_IMPL(many_registrations) {
  static test_pair_t pairs[MANY_PAIRS];
  static bool seen[MANY];
  eve_poller_t *poller = test_poller(mode);
  test_pairs_open(pairs, MANY_PAIRS);
  for (uint64_t i = 0; i < MANY; i++) {
    CHECK_OK(eve_poller_register(poller, test_handle(many_socket(pairs, i)), EVE_INTEREST_READ, i));
  }
  CHECK_EQ(eve_poller_registration_count(poller), MANY);
  test_expect_quiet(poller);
  for (int i = 0; i < MANY_PAIRS; i++) {
    test_send_all(pairs[i].a, "x", 1);
    test_send_all(pairs[i].b, "x", 1);
  }

  /* Each is reported with its own user data; reading it makes it quiet,
   * so the waits work through all of them. */
  int seen_count = 0;
  for (int round = 0; round < MANY && seen_count < MANY; round++) {
    eve_native_event_t events[256];
    int n = eve_poller_wait(poller, events, 256, TEST_EVENT_TIMEOUT_MS);
    CHECK(n > 0);
    for (int e = 0; e < n; e++) {
      uint64_t index = events[e].data.u64;
      CHECK(index < MANY);
      CHECK(eve_poller_translate(&events[e]).ready & EVE_READY_READABLE);
      CHECK(!seen[index]);
      seen[index] = true;
      seen_count++;
      CHECK_EQ(test_drain(many_socket(pairs, index)), 1);
    }
  }
  CHECK_EQ(seen_count, MANY);
  test_expect_quiet(poller);
  CHECK_OK(eve_poller_dispose(poller));
  for (int i = 0; i < MANY_PAIRS; i++) test_pair_close(pairs[i]);
}

/* The header's promise for bad arguments: every function that takes a
 * poller answers NULL with EVE_EINVAL (or false, 0, nothing) and touches
 * nothing; wait refuses NULL events, max_events 0 and a timeout below -1.
 * None of these refusals disturbs a live poller. */
TEST_IMPL(bad_arguments_refused) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  eve_handle_t handle = test_handle(pair.a);
  eve_native_event_t events[4];

  CHECK_EQ(eve_poller_create(NULL, NULL), EVE_EINVAL);
  CHECK_EQ(eve_poller_dispose(NULL), EVE_EINVAL);
  CHECK(!eve_poller_is_valid(NULL));
  CHECK(!eve_handle_is_valid(eve_poller_handle(NULL)));
  CHECK_EQ(eve_poller_registration_count(NULL), 0);
  CHECK_EQ(eve_poller_overlapped_count(NULL), 0);
  CHECK_EQ(eve_poller_register(NULL, handle, EVE_INTEREST_READ, 1), EVE_EINVAL);
  CHECK_EQ(eve_poller_modify(NULL, handle, EVE_INTEREST_READ, 1), EVE_EINVAL);
  CHECK_EQ(eve_poller_unregister(NULL, handle), EVE_EINVAL);
  CHECK(!eve_poller_post_wakeup(NULL));
  CHECK(!eve_poller_post_shutdown(NULL));
  CHECK_EQ(eve_poller_wait(NULL, events, 4, 0), EVE_EINVAL);
  eve_poller_check_pending_iocp_events(NULL);
  eve_poller_stats_t stats = {.waits = 12345};
  eve_poller_stats(NULL, &stats);
  CHECK_EQ(stats.waits, 12345);
  eve_poller_stats(poller, NULL);

  CHECK_EQ(eve_poller_wait(poller, NULL, 4, 0), EVE_EINVAL);
  CHECK_EQ(eve_poller_wait(poller, events, 0, 0), EVE_EINVAL);
  CHECK_EQ(eve_poller_wait(poller, events, 4, -2), EVE_EINVAL);
  /* A refused wait is not a wait. */
  CHECK_EQ(test_stats(poller).waits, 0);

  /* The live poller is untouched: it registers, wakes and waits. */
  CHECK(eve_poller_is_valid(poller));
  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_WRITE, 7));
  CHECK(test_expect_ready(poller, 7) & EVE_READY_WRITABLE);
  CHECK(eve_poller_post_wakeup(poller));
  CHECK_OK(eve_poller_unregister(poller, handle));
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

/* The lowest handle is an ordinary one: descriptor 0 on Linux registers,
 * reports, modifies and unregisters like any other. */
TEST_IMPL(lowest_handle_is_ordinary) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  pair.a = test_socket_move_lowest(pair.a);
  eve_handle_t handle = test_handle(pair.a);
  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_READ, 3));
  test_send_all(pair.b, "x", 1);
  CHECK(test_expect_ready(poller, 3) & EVE_READY_READABLE);
  CHECK_OK(eve_poller_modify(poller, handle, EVE_INTEREST_WRITE, 4));
  CHECK(test_expect_ready(poller, 4) & EVE_READY_WRITABLE);
  CHECK_EQ(eve_poller_register(poller, handle, EVE_INTEREST_READ, 5), EVE_EEXIST);
  CHECK_OK(eve_poller_unregister(poller, handle));
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}
