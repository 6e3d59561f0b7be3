/* Readiness never touches the data: whatever socket a caller can create
 * (TCP, connected and unconnected UDP, with any interest), watching it
 * consumes, reorders and alters nothing, and error and hang-up are heard
 * whatever the interest. */
#include "support.h"
#include "test.h"

/* Finding: overlapped mode's zero-byte receive consumed a datagram on a
 * connected UDP socket (Windows: WSAEMSGSIZE; Wine 8: of 2 datagrams sent,
 * one ERROR event and one datagram received). Both datagrams must reach
 * recv, in order, and the socket must read as readable, not failed. */
TEST_IMPL(udp_datagrams_left_for_recv) {
  eve_poller_t *poller = test_poller(mode);
  uint16_t connected_port, unconnected_port, sender_port;
  test_socket_t connected = test_udp_open(&connected_port);
  test_socket_t unconnected = test_udp_open(&unconnected_port);
  test_socket_t sender = test_udp_open(&sender_port);
  test_udp_connect(connected, sender_port);
  CHECK_OK(eve_poller_register(poller, test_handle(connected), EVE_INTEREST_READ, 1));
  CHECK_OK(eve_poller_register(poller, test_handle(unconnected), EVE_INTEREST_READ, 2));
  test_expect_quiet(poller); /* arms whatever watches them */

  test_udp_send_to(sender, connected_port, "one", 3);
  test_udp_send_to(sender, connected_port, "two", 3);
  test_udp_send_to(sender, unconnected_port, "three", 5);
  eve_ready_t ready = test_expect_ready(poller, 1);
  CHECK_EQ(ready, EVE_READY_READABLE);
  /* One more wait, as a loop would make before reading: it re-arms. */
  eve_native_event_t events[4];
  CHECK(eve_poller_wait(poller, events, 4, 0) >= 0);
  char buf[16];
  CHECK_EQ(test_recv_wait(connected, buf, sizeof buf), 3);
  CHECK(buf[0] == 'o' && buf[1] == 'n' && buf[2] == 'e');
  CHECK_EQ(test_recv_wait(connected, buf, sizeof buf), 3);
  CHECK(buf[0] == 't' && buf[1] == 'w' && buf[2] == 'o');

  CHECK(test_expect_ready(poller, 2) & EVE_READY_READABLE);
  CHECK(eve_poller_wait(poller, events, 4, 0) >= 0);
  CHECK_EQ(test_recv_wait(unconnected, buf, sizeof buf), 5);
  CHECK(buf[0] == 't' && buf[4] == 'e');
  test_close(sender);
  test_close(unconnected);
  test_close(connected);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Finding: with interest NONE, overlapped mode watched nothing, so a reset
 * went unreported (WSAPoll mode and epoll report ERROR|HANGUP), against
 * the header's promise: error and hang-up whatever the interest. */
TEST_IMPL(reset_reported_with_interest_none) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_NONE, 1));
  test_expect_quiet(poller);
  test_set_linger_zero(pair.b);
  test_close(pair.b);
  eve_ready_t ready = test_expect_ready(poller, 1);
  CHECK(ready & (EVE_READY_ERROR | EVE_READY_HANGUP));
  CHECK(!(ready & (EVE_READY_READABLE | EVE_READY_WRITABLE)));
  test_close(pair.a);
  CHECK_OK(eve_poller_dispose(poller));
}
