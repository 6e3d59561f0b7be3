/* The mask conversions every backend shares: interest to WSAPoll events,
 * WSAPoll revents to EPOLL* bits, EPOLL* bits to readiness, and back. */
#include "poller_int.h"
#include "test.h"

#define ALL_READY \
  (EVE_READY_READABLE | EVE_READY_WRITABLE | EVE_READY_ERROR | EVE_READY_HANGUP)

TEST_IMPL(translate_round_trip) {
  (void)mode;
  for (eve_ready_t ready = 0; ready <= ALL_READY; ready++) {
    uint32_t native = eve__ready_to_native_mask(ready);
    CHECK_EQ(eve_poller_translate_ready(native), ready);

    int completion;
    eve_native_event_t in = {native, {.u64 = 0xFEEDFACECAFEBEEFull}, &completion};
    eve_os_event_t out = eve_poller_translate(&in);
    CHECK_EQ(out.ready, ready);
    CHECK(out.user_data == 0xFEEDFACECAFEBEEFull);
    CHECK(out.completion == &completion);
  }
  eve_native_event_t readiness = {EVE_EV_OUT, {.u64 = 7}, NULL};
  CHECK(eve_poller_translate(&readiness).completion == NULL);
}

/* WSAPoll refuses (WSAEINVAL) output-only bits in `events`. */
#define WSA_OUTPUT_ONLY (EVE__WSA_POLLERR | EVE__WSA_POLLHUP | EVE__WSA_POLLNVAL)
#define WSA_READ_BITS (EVE__WSA_POLLRDNORM | EVE__WSA_POLLRDBAND | EVE__WSA_POLLPRI)
#define WSA_WRITE_BITS (EVE__WSA_POLLWRNORM | EVE__WSA_POLLWRBAND)

static void check_interest(eve_interest_t interest) {
  int16_t events = eve__to_native_mask(interest);
  CHECK_EQ(events & WSA_OUTPUT_ONLY, 0);
  CHECK_EQ((events & EVE__WSA_POLLRDNORM) != 0, (interest & EVE_INTEREST_READ) != 0);
  CHECK_EQ((events & WSA_READ_BITS) != 0, (interest & EVE_INTEREST_READ) != 0);
  CHECK_EQ((events & EVE__WSA_POLLWRNORM) != 0, (interest & EVE_INTEREST_WRITE) != 0);
  CHECK_EQ((events & WSA_WRITE_BITS) != 0, (interest & EVE_INTEREST_WRITE) != 0);
  /* What was asked for comes back as the matching readiness. */
  eve_ready_t ready = eve__from_native_mask(eve__to_epoll_mask(events));
  eve_ready_t expected = 0;
  if (interest & EVE_INTEREST_READ) expected |= EVE_READY_READABLE;
  if (interest & EVE_INTEREST_WRITE) expected |= EVE_READY_WRITABLE;
  CHECK_EQ(ready, expected);
}

static void check_revents(int16_t revents, uint32_t expected) {
  CHECK_EQ(eve__to_epoll_mask(revents), expected);
}

TEST_IMPL(mask_conversions_round_trip) {
  (void)mode;
  check_interest(EVE_INTEREST_NONE);
  check_interest(EVE_INTEREST_READ);
  check_interest(EVE_INTEREST_WRITE);
  check_interest(EVE_INTEREST_READ | EVE_INTEREST_WRITE);

  check_revents(0, 0);
  check_revents(EVE__WSA_POLLRDNORM, EVE_EV_IN);
  check_revents(EVE__WSA_POLLRDBAND, EVE_EV_IN);
  check_revents(EVE__WSA_POLLPRI, EVE_EV_PRI);
  check_revents(EVE__WSA_POLLWRNORM, EVE_EV_OUT);
  check_revents(EVE__WSA_POLLWRBAND, EVE_EV_OUT);
  check_revents(EVE__WSA_POLLERR, EVE_EV_ERR);
  /* A socket closed under WSAPoll is an error its owner must hear of. */
  check_revents(EVE__WSA_POLLNVAL, EVE_EV_ERR);
  check_revents(EVE__WSA_POLLHUP, EVE_EV_HUP);
  check_revents(EVE__WSA_POLLRDNORM | EVE__WSA_POLLHUP, EVE_EV_IN | EVE_EV_HUP);
  check_revents(EVE__WSA_POLLWRNORM | EVE__WSA_POLLERR | EVE__WSA_POLLHUP,
                EVE_EV_OUT | EVE_EV_ERR | EVE_EV_HUP);

  CHECK_EQ(eve__from_native_mask(0), 0);
  CHECK_EQ(eve__from_native_mask(EVE_EV_IN), EVE_READY_READABLE);
  CHECK_EQ(eve__from_native_mask(EVE_EV_PRI), EVE_READY_READABLE);
  CHECK_EQ(eve__from_native_mask(EVE_EV_OUT), EVE_READY_WRITABLE);
  CHECK_EQ(eve__from_native_mask(EVE_EV_ERR), EVE_READY_ERROR);
  CHECK_EQ(eve__from_native_mask(EVE_EV_HUP), EVE_READY_HANGUP);
  CHECK_EQ(eve__from_native_mask(EVE_EV_RDHUP), EVE_READY_HANGUP);
  CHECK_EQ(eve__from_native_mask(EVE_EV_IN | EVE_EV_OUT | EVE_EV_ERR | EVE_EV_HUP), ALL_READY);
}
