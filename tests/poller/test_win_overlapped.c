/* Windows: what each mode does inside, where the contract cannot see it:
 * which sockets WSAPoll still watches, sock memory outliving an
 * unregister, writability of a full socket, and the fix for WSAPoll's
 * silent failed connects. White-box: it reads the backend's own state. */
#ifdef _WIN32
#include "support.h"
#include "test.h"
#include "win/win.h"

/* Overlapped mode keeps only what a zero-byte receive cannot watch in
 * WSAPoll's set: listeners, sockets with no peer, and sockets waiting to
 * write. Idle connected sockets cost no wait anything. */
TEST_IMPL(overlapped_poll_set_holds_only_what_needs_it) {
  enum { PAIRS = 20 };
  eve_poller_t *poller = test_poller(mode);
  bool overlapped = eve_poller_mode(poller) == EVE_MODE_OVERLAPPED;
  test_pair_t pairs[PAIRS];
  for (int i = 0; i < PAIRS; i++) {
    pairs[i] = test_pair_open();
    CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].b), EVE_INTEREST_READ, (uint64_t)i));
  }
  uint16_t port;
  test_socket_t listener = test_listener_open(&port);
  test_socket_t fresh = test_socket_open();
  CHECK_OK(eve_poller_register(poller, test_handle(listener), EVE_INTEREST_READ, 100));
  CHECK_OK(eve_poller_register(poller, test_handle(fresh), EVE_INTEREST_READ, 101));
  CHECK_EQ(eve_poller_registration_count(poller), PAIRS + 2);
  CHECK_EQ(poller->registry.socks_count, overlapped ? 2 : PAIRS + 2);

  /* Waiting to write joins the set; done writing leaves it. */
  eve_interest_t both = EVE_INTEREST_READ | EVE_INTEREST_WRITE;
  CHECK_OK(eve_poller_modify(poller, test_handle(pairs[0].b), both, 0));
  CHECK_EQ(poller->registry.socks_count, overlapped ? 3 : PAIRS + 2);
  CHECK(test_expect_ready(poller, 0) & EVE_READY_WRITABLE);
  CHECK_OK(eve_poller_modify(poller, test_handle(pairs[0].b), EVE_INTEREST_READ, 0));
  CHECK_EQ(poller->registry.socks_count, overlapped ? 2 : PAIRS + 2);

  /* Reads still come, for every pair, by whichever route. */
  test_send_all(pairs[PAIRS - 1].a, "x", 1);
  CHECK(test_expect_ready(poller, PAIRS - 1) & EVE_READY_READABLE);
  for (int i = 0; i < PAIRS; i++) test_pair_close(pairs[i]);
  test_close(listener);
  test_close(fresh);
  CHECK_OK(eve_poller_dispose(poller));
}

/* A connect that completes after registering moves the socket from
 * WSAPoll's set to a receive once it is first reported. */
TEST_IMPL(overlapped_connected_socket_leaves_poll_set) {
  eve_poller_t *poller = test_poller(mode);
  bool overlapped = eve_poller_mode(poller) == EVE_MODE_OVERLAPPED;
  uint16_t port;
  test_socket_t listener = test_listener_open(&port);
  test_socket_t client = test_socket_open();
  eve_interest_t both = EVE_INTEREST_READ | EVE_INTEREST_WRITE;
  CHECK_OK(eve_poller_register(poller, test_handle(client), both, 1));
  CHECK_EQ(poller->registry.socks_count, 1);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  CHECK(connect(client, (struct sockaddr *)&addr, sizeof addr) == 0 ||
        WSAGetLastError() == WSAEWOULDBLOCK);
  test_socket_t server = test_accept(listener);
  /* A fresh socket may report hang-up until connected; wait for writable. */
  bool writable = false;
  for (int i = 0; i < 100 && !writable; i++)
    writable = (test_expect_ready(poller, 1) & EVE_READY_WRITABLE) != 0;
  CHECK(writable);
  CHECK_OK(eve_poller_modify(poller, test_handle(client), EVE_INTEREST_READ, 1));
  test_expect_quiet(poller);
  CHECK_EQ(poller->registry.socks_count, overlapped ? 0 : 1);
  test_send_all(server, "y", 1);
  CHECK_EQ(test_expect_ready(poller, 1), EVE_READY_READABLE);
  test_close(server);
  test_close(client);
  test_close(listener);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Unregistering with a receive in flight: the sock lives until its
 * packet comes (then it is freed), and the socket can come back. */
TEST_IMPL(unregister_with_receive_pending) {
  eve_poller_t *poller = test_poller(mode);
  bool overlapped = eve_poller_mode(poller) == EVE_MODE_OVERLAPPED;
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 1));
  test_expect_quiet(poller); /* starts the receive */
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.b)));
  CHECK_EQ(poller->zombies, overlapped ? 1 : 0);
  eve_native_event_t events[4];
  for (int i = 0; i < 100 && poller->zombies > 0; i++)
    CHECK_EQ(eve_poller_wait(poller, events, 4, 10), 0);
  CHECK_EQ(poller->zombies, 0);
  /* Registered again: already associated with the port, and that is fine. */
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 2));
  test_expect_quiet(poller);
  test_send_all(pair.a, "z", 1);
  CHECK_EQ(test_expect_ready(poller, 2), EVE_READY_READABLE);
  /* Unregistered while its completion is reported but not re-armed. */
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.b)));
  CHECK_EQ(eve_poller_wait(poller, events, 4, 10), 0);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Overlapped mode: the sock behind a registered socket, or NULL. */
static eve__sock_t *sock_behind(eve_poller_t *poller, test_socket_t socket) {
  for (size_t i = 0; i < poller->registry.others_count; i++)
    if (poller->registry.others[i].handle == (uintptr_t)socket) return poller->registry.others[i].state;
  return NULL;
}

/* One wait(timeout); how many times each of user data 1..3 was reported,
 * with what, and CHECKs nothing else was. */
static int reported(eve_poller_t *poller, int timeout_ms, int counts[4], eve_ready_t ready[4]) {
  for (int i = 0; i < 4; i++) counts[i] = 0, ready[i] = 0;
  eve_native_event_t events[16];
  int n = eve_poller_wait(poller, events, 16, timeout_ms);
  CHECK_OK(n);
  for (int i = 0; i < n; i++) {
    eve_os_event_t event = eve_poller_translate(&events[i]);
    CHECK(event.user_data >= 1 && event.user_data <= 3);
    counts[event.user_data]++;
    ready[event.user_data] |= event.ready;
  }
  return n;
}

/* Busy sockets (data still there each time they are re-armed) are
 * reported by every wait exactly once, and not once more after they are
 * drained. Overlapped mode re-arms such a "hot" socket with one WSAPoll for
 * all of them instead of a zero-byte receive each (sock.c), and an inline
 * receive posts no packet: a packet after all, or a poll and a receive both
 * reporting, would show as a second event in one wait or an event after
 * the drain. A drained socket among busy ones is still heard, a FIN and a
 * reset on hot sockets are reported as the receive reports them. */
TEST_IMPL(busy_socket_reported_once_per_wait) {
  eve_poller_t *poller = test_poller(mode);
  bool overlapped = eve_poller_mode(poller) == EVE_MODE_OVERLAPPED;
  test_pair_t pairs[3];
  test_pairs_open(pairs, 3);
  for (int i = 0; i < 3; i++) {
    CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].a), EVE_INTEREST_READ,
                                 (uint64_t)i + 1));
    test_send_all(pairs[i].b, "abc", 3);
  }
  int counts[4], seen[4] = {0};
  eve_ready_t ready[4];
  for (int w = 0; w < 50 && !(seen[1] && seen[2] && seen[3]); w++) {
    reported(poller, TEST_EVENT_TIMEOUT_MS, counts, ready);
    for (int i = 1; i <= 3; i++) seen[i] += counts[i];
  }
  CHECK(seen[1] && seen[2] && seen[3]);
  /* The first of these re-arms by receive (done inline: hot), the others
   * by the hot sockets' poll. */
  for (int round = 0; round < 4; round++) {
    CHECK_EQ(reported(poller, 0, counts, ready), 3);
    for (int i = 1; i <= 3; i++) {
      CHECK_EQ(counts[i], 1);
      CHECK_EQ(ready[i], EVE_READY_READABLE);
    }
  }
  if (overlapped) {
    for (int i = 0; i < 3; i++) CHECK(sock_behind(poller, pairs[i].a)->hot);
  }
  /* Drained: the next waits leave it out, the others still come. */
  CHECK_EQ(test_drain(pairs[0].a), 3);
  for (int round = 0; round < 3; round++) {
    CHECK_EQ(reported(poller, round == 0 ? 0 : 100, counts, ready), 2);
    CHECK_EQ(counts[1], 0);
    CHECK_EQ(counts[2], 1);
    CHECK_EQ(counts[3], 1);
  }
  /* The waits keep finding the others, so none blocks: the drained one is
   * polled by each (still hot, no receive), and hears new data, intact. */
  if (overlapped) {
    eve__sock_t *sock = sock_behind(poller, pairs[0].a);
    CHECK(sock->hot && !sock->recv_pending);
  }
  test_send_all(pairs[0].b, "def", 3);
  CHECK_EQ(test_expect_ready(poller, 1), EVE_READY_READABLE);
  char buf[8] = {0};
  CHECK_EQ(test_recv(pairs[0].a, buf, sizeof buf), 3);
  CHECK(memcmp(buf, "def", 3) == 0);
  /* A FIN behind hot data: the data, then recv says 0. A reset on a hot
   * socket with data queued: an error, or readable, the data, and then a
   * recv that reads nothing. Under Wine 8 that recv returns 0 rather than
   * failing, by receive and by poll alike: wineserver takes the socket's
   * pending error when it sees the reset, so Linux has none left to give
   * recv (Windows discards the data and fails the recv with WSAECONNRESET:
   * learn.microsoft.com/windows/win32/api/winsock/nf-winsock-recv). */
  test_shutdown_write(pairs[2].b);
  test_set_linger_zero(pairs[1].b);
  test_close(pairs[1].b);
  test_sleep_ms(50);
  bool reset_seen = false;
  for (int w = 0; w < 3; w++) {
    reported(poller, 0, counts, ready);
    CHECK(counts[2] <= 1 && counts[3] <= 1);
    if (counts[2] == 1 && (ready[2] & (EVE_READY_ERROR | EVE_READY_HANGUP))) reset_seen = true;
    if (counts[2] == 1 && ready[2] == EVE_READY_READABLE) {
      long got = test_recv(pairs[1].a, buf, sizeof buf);
      if (got <= 0) reset_seen = true;
      if (got == 3) CHECK(memcmp(buf, "abc", 3) == 0);
    }
  }
  CHECK(reset_seen);
  CHECK_EQ(test_recv(pairs[2].a, buf, sizeof buf), 3);
  CHECK(memcmp(buf, "abc", 3) == 0);
  CHECK(test_expect_ready(poller, 3) & (EVE_READY_READABLE | EVE_READY_HANGUP));
  CHECK_EQ(test_recv(pairs[2].a, buf, sizeof buf), 0);
  for (int i = 0; i < 3; i++) CHECK_OK(eve_poller_unregister(poller, test_handle(pairs[i].a)));
  test_close(pairs[0].a);
  test_close(pairs[0].b);
  test_close(pairs[1].a);
  test_close(pairs[2].a);
  test_close(pairs[2].b);
  CHECK_OK(eve_poller_dispose(poller));
}

typedef struct late_byte {
  test_socket_t socket;
  unsigned after_ms;
} late_byte_t;

static void late_byte_main(void *arg) {
  late_byte_t *late = arg;
  test_sleep_ms(late->after_ms);
  test_send_all(late->socket, "z", 1);
}

/* A hot socket that went quiet is polled by the waits that do not block
 * and given its receive by the first that does: a blocked wait must still
 * end when its data comes. Overlapped mode keeps such a socket on its hot
 * list with no receive pending (white-box check), so without the receive
 * before blocking this wait would sleep to its timeout. */
TEST_IMPL(hot_socket_parked_before_blocking) {
  eve_poller_t *poller = test_poller(mode);
  bool overlapped = eve_poller_mode(poller) == EVE_MODE_OVERLAPPED;
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_send_all(pair.b, "abc", 3);
  CHECK_EQ(test_expect_ready(poller, 1), EVE_READY_READABLE);
  /* Unread: re-armed inline (hot), then by the hot poll. */
  CHECK_EQ(test_wait_ready(poller, 1, 0), EVE_READY_READABLE);
  CHECK_EQ(test_wait_ready(poller, 1, 0), EVE_READY_READABLE);
  CHECK_EQ(test_drain(pair.a), 3);
  /* Quiet, and nobody blocked: polled, not parked. */
  CHECK_EQ(test_wait_ready(poller, 1, 0), 0);
  CHECK_EQ(test_wait_ready(poller, 1, 0), 0);
  if (overlapped) {
    eve__sock_t *sock = sock_behind(poller, pair.a);
    CHECK(sock->hot && !sock->recv_pending && sock->watch.where == EVE__ON_HOT);
  }
  late_byte_t late = {pair.b, 300};
  test_thread_t *thread = test_thread_start(late_byte_main, &late);
  uint64_t start = test_now_us();
  CHECK_EQ(test_wait_ready(poller, 1, TEST_EVENT_TIMEOUT_MS), EVE_READY_READABLE);
  uint64_t took_ms = (test_now_us() - start) / 1000u;
  test_thread_join(thread);
  CHECK(took_ms < TEST_EVENT_TIMEOUT_MS / 2);
  char byte = 0;
  CHECK_EQ(test_recv(pair.a, &byte, 1), 1);
  CHECK(byte == 'z');
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

/* WRITE interest means "tell me when a send can go": a socket whose send
 * buffer is full is not writable until its peer reads. Reporting writable
 * blindly would make the caller spin on WSAEWOULDBLOCK. */
TEST_IMPL(not_writable_while_send_buffer_full) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  static char chunk[65536];
  long total = 0;
  for (int i = 0; i < 4096; i++) {
    long sent = test_send(pair.a, chunk, sizeof chunk);
    if (sent < 0) {
      CHECK_EQ(WSAGetLastError(), WSAEWOULDBLOCK);
      break;
    }
    total += sent;
  }
  CHECK(total > 0);
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_WRITE, 1));
  CHECK_EQ(test_wait_ready(poller, 1, 0) & EVE_READY_WRITABLE, 0);
  CHECK_EQ(test_wait_ready(poller, 1, 50) & EVE_READY_WRITABLE, 0);
  /* The peer reads everything: room again. */
  eve_ready_t ready = 0;
  for (int i = 0; i < 200 && !(ready & EVE_READY_WRITABLE); i++) {
    test_drain(pair.b);
    ready = test_wait_ready(poller, 1, 50);
  }
  CHECK(ready & EVE_READY_WRITABLE);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

/* The WSAPoll connect bug (Windows before 10 2004): WSAPoll says nothing
 * about a failed non-blocking connect. Fed that result (revents 0 for a
 * connecting socket whose SO_ERROR is set), the translation reports error
 * and hang-up; given anything WSAPoll did say, it leaves it alone. */
TEST_IMPL(wsapoll_silent_connect_failure_reported) {
  (void)mode;
  CHECK(eve__connect_needs_check(0, true));
  CHECK(!eve__connect_needs_check(0, false));
  CHECK(!eve__connect_needs_check(POLLWRNORM, true));
  CHECK(!eve__connect_needs_check(POLLHUP | POLLERR, true));
  int16_t revents = eve__connect_revents(0, WSAECONNREFUSED);
  CHECK_EQ(eve_poller_translate_ready(eve__to_epoll_mask(revents)),
           EVE_READY_ERROR | EVE_READY_HANGUP);
  CHECK_EQ(eve__connect_revents(0, WSAETIMEDOUT), POLLERR | POLLHUP);
  CHECK_EQ(eve__connect_revents(0, 0), 0);

  /* The same through a real refused socket's SO_ERROR, as the inline poll
   * asks it when WSAPoll reports nothing. */
  test_socket_t holder;
  uint16_t port = test_refused_port(&holder);
  test_socket_t client = test_connect_start(port);
  CHECK(eve__socket_may_be_connecting(client));
  int16_t fixed = 0;
  for (int i = 0; i < 500 && fixed == 0; i++) {
    fixed = eve__connect_fix(client, 0, true);
    if (fixed == 0) test_sleep_ms(10);
  }
  CHECK_EQ(eve_poller_translate_ready(eve__to_epoll_mask(fixed)),
           EVE_READY_ERROR | EVE_READY_HANGUP);
  test_close(client);

  /* The poll set marks a socket that may be connecting, and only that. */
  eve_poller_t *poller = test_poller(EVE_MODE_WSAPOLL);
  client = test_connect_start(port);
  test_pair_t pair = test_pair_open();
  /* The accepted end is connected from birth; the connecting end is only
   * once its own connect has completed, which nothing here waits for. */
  CHECK(!eve__socket_may_be_connecting(pair.b));
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_WRITE, 1));
  CHECK_OK(eve_poller_register(poller, test_handle(client), EVE_INTEREST_WRITE, 2));
  CHECK(!poller->registry.socks[0].connecting);
  /* Wine may have refused it already (SO_ERROR set, no peer): still
   * "may be connecting" until a poll settles it. */
  CHECK(poller->registry.socks[1].connecting);
  CHECK(test_expect_ready(poller, 2) & (EVE_READY_ERROR | EVE_READY_HANGUP));
  test_pair_close(pair);
  test_close(client);
  test_close(holder);
  CHECK_OK(eve_poller_dispose(poller));
}
#endif
