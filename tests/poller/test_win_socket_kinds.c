/* Windows: sockets a caller can create that overlapped readiness cannot
 * watch safely; they are watched another way, and nothing blocks. */
#ifdef _WIN32
#include "support.h"
#include "test.h"

typedef struct late_send {
  test_socket_t socket;
  unsigned after_ms;
} late_send_t;

static void late_send_main(void *arg) {
  late_send_t *late = arg;
  test_sleep_ms(late->after_ms);
  test_send_all(late->socket, "x", 1);
}

/* A connected TCP socket made without WSA_FLAG_OVERLAPPED, non-blocking. */
static SOCKET plain_socket_connected(uint16_t port) {
  SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, 0);
  CHECK(s != INVALID_SOCKET);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  CHECK_EQ(connect(s, (struct sockaddr *)&addr, sizeof addr), 0);
  u_long on = 1;
  CHECK_EQ(ioctlsocket(s, FIONBIO, &on), 0);
  return s;
}

/* Finding: on a socket created without WSA_FLAG_OVERLAPPED the zero-byte
 * receive runs synchronously: under Wine wait(200) blocked until data
 * arrived, and the socket was never reported afterwards. A wait must end
 * on time, and data must be reported and still be there to read. */
TEST_IMPL(socket_without_overlapped_flag_watched) {
  eve_poller_t *poller = test_poller(mode);
  uint16_t port;
  test_socket_t listener = test_listener_open(&port);
  SOCKET plain = plain_socket_connected(port);
  test_socket_t peer = test_accept(listener);
  CHECK_OK(eve_poller_register(poller, test_handle(plain), EVE_INTEREST_READ, 1));
  /* The peer sends after 2 s: a wait that blocks in a synchronous receive
   * ends then, instead of at its own 200 ms. */
  late_send_t late = {peer, 2000};
  test_thread_t *thread = test_thread_start(late_send_main, &late);
  eve_native_event_t events[4];
  uint64_t start = test_now_us();
  int n = eve_poller_wait(poller, events, 4, 200);
  uint64_t took_ms = (test_now_us() - start) / 1000u;
  test_thread_join(thread);
  CHECK(took_ms < 1500);
  CHECK_EQ(n, 0);
  CHECK_EQ(test_expect_ready(poller, 1), EVE_READY_READABLE);
  char byte = 0;
  CHECK_EQ(test_recv(plain, &byte, 1), 1);
  CHECK(byte == 'x');
  test_close(peer);
  test_close(plain);
  test_close(listener);
  CHECK_OK(eve_poller_dispose(poller));
}
#endif
