/* What a registered socket is reported as, and when. */
#include "support.h"
#include "test.h"

TEST_IMPL(readable_on_data) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_send_all(pair.b, "x", 1);
  CHECK(test_expect_ready(poller, 1) & EVE_READY_READABLE);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

typedef struct late_sender {
  eve_poller_t *poller;
  uint64_t waits_before;
  test_socket_t socket;
} late_sender_t;

static void late_sender_main(void *arg) {
  late_sender_t *sender = arg;
  test_await_wait_asleep(sender->poller, sender->waits_before);
  test_send_all(sender->socket, "x", 1);
}

/* Data that arrives while the loop is already blocked ends the wait: the
 * wait's own first look found nothing, so only the blocking part (on
 * Windows, the WSAPoll helper thread) can see it. */
TEST_IMPL(readable_ends_blocked_wait) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  late_sender_t sender = {poller, test_stats(poller).waits, pair.b};
  test_thread_t *thread = test_thread_start(late_sender_main, &sender);
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, TEST_EVENT_TIMEOUT_MS), 1);
  test_thread_join(thread);
  CHECK(events[0].data.u64 == 1);
  CHECK(eve_poller_translate(&events[0]).ready & EVE_READY_READABLE);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(not_readable_without_data) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_expect_quiet(poller);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(writable_after_connect) {
  eve_poller_t *poller = test_poller(mode);
  uint16_t port;
  test_socket_t listener = test_listener_open(&port);
  test_socket_t client = test_connect_start(port);
  CHECK_OK(eve_poller_register(poller, test_handle(client), EVE_INTEREST_WRITE, 1));
  eve_ready_t ready = test_expect_ready(poller, 1);
  CHECK(ready & EVE_READY_WRITABLE);
  CHECK(!(ready & EVE_READY_ERROR));
  test_close(client);
  test_close(listener);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(accept_readable) {
  eve_poller_t *poller = test_poller(mode);
  uint16_t port;
  test_socket_t listener = test_listener_open(&port);
  CHECK_OK(eve_poller_register(poller, test_handle(listener), EVE_INTEREST_READ, 1));
  test_expect_quiet(poller);
  test_socket_t client = test_connect_start(port);
  CHECK(test_expect_ready(poller, 1) & EVE_READY_READABLE);
  test_close(test_accept(listener));
  test_close(client);
  test_close(listener);
  CHECK_OK(eve_poller_dispose(poller));
}

/* The end of the stream must be heard about, as HANGUP or as READABLE with
 * recv returning 0: epoll reports a FIN as EPOLLIN (EPOLLHUP needs both
 * directions closed), WSAPoll as POLLHUP. */
TEST_IMPL(hangup_on_peer_close) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_expect_quiet(poller);
  test_close(pair.b);
  eve_ready_t ready = test_expect_ready(poller, 1);
  CHECK(ready & (EVE_READY_HANGUP | EVE_READY_READABLE));
  char byte;
  if (ready & EVE_READY_READABLE) CHECK_EQ(test_recv(pair.a, &byte, 1), 0);
  test_close(pair.a);
  CHECK_OK(eve_poller_dispose(poller));
}

/* A reset is reported even to a socket that only asked for READ, whichever
 * way the backend spells it; recv then fails rather than reading data. */
TEST_IMPL(error_on_peer_reset) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_set_linger_zero(pair.b);
  test_close(pair.b);
  eve_ready_t ready = test_expect_ready(poller, 1);
  CHECK(ready & (EVE_READY_ERROR | EVE_READY_HANGUP | EVE_READY_READABLE));
  char byte;
  CHECK(test_recv(pair.a, &byte, 1) <= 0);
  test_close(pair.a);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Windows before 10 2004 had WSAPoll never report a failed connect; the
 * backend must not inherit that, so the wait is finite and the event is
 * required. Windows retries the SYN for about 2 s before giving up; Linux
 * (and so Wine) refuses at once. */
TEST_IMPL(error_on_refused_connect) {
  eve_poller_t *poller = test_poller(mode);
  test_socket_t holder;
  uint16_t port = test_refused_port(&holder);
  test_socket_t client = test_connect_start(port);
  CHECK_OK(eve_poller_register(poller, test_handle(client), EVE_INTEREST_WRITE, 1));
  CHECK(test_expect_ready(poller, 1) & (EVE_READY_ERROR | EVE_READY_HANGUP));
  test_close(client);
  test_close(holder);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(level_triggered_rereport) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_send_all(pair.b, "abc", 3);
  CHECK(test_expect_ready(poller, 1) & EVE_READY_READABLE);
  /* Still unread: the very next waits report it again. */
  CHECK(test_wait_ready(poller, 1, 0) & EVE_READY_READABLE);
  CHECK(test_wait_ready(poller, 1, 0) & EVE_READY_READABLE);
  CHECK_EQ(test_drain(pair.a), 3);
  test_expect_quiet(poller);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(user_data_round_trip) {
  static const uint64_t values[] = {0xFEEDFACECAFEBEEFull, 0x8000000000000001ull,
                                    0xFFFFFFFF00000000ull, 0};
  enum { count = sizeof values / sizeof values[0] };
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pairs[count];
  for (int i = 0; i < count; i++) {
    pairs[i] = test_pair_open();
    CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].a), EVE_INTEREST_WRITE, values[i]));
  }
  bool seen[count] = {false};
  int seen_count = 0;
  /* Each wait returns some of the four; every value must come back whole
   * in data.u64 and through translate, and nothing else may come back. */
  for (int round = 0; round < 100 && seen_count < count; round++) {
    eve_native_event_t events[8];
    int n = eve_poller_wait(poller, events, 8, TEST_EVENT_TIMEOUT_MS);
    CHECK(n > 0);
    for (int e = 0; e < n; e++) {
      eve_os_event_t event = eve_poller_translate(&events[e]);
      CHECK(event.user_data == events[e].data.u64);
      CHECK(event.completion == NULL);
      CHECK(event.ready & EVE_READY_WRITABLE);
      int match = -1;
      for (int i = 0; i < count; i++) {
        if (values[i] == events[e].data.u64) match = i;
      }
      CHECK(match >= 0);
      if (!seen[match]) seen_count++;
      seen[match] = true;
    }
  }
  CHECK_EQ(seen_count, count);
  for (int i = 0; i < count; i++) test_pair_close(pairs[i]);
  CHECK_OK(eve_poller_dispose(poller));
}
