/* Mask conversions shared by every backend: one native shape (EPOLL* bits),
 * one readiness shape (EVE_READY_*). */
#include "poller_int.h"

int16_t eve__to_native_mask(eve_interest_t interest) {
  int16_t mask = 0;
  /* WSAPoll rejects POLLPRI in `events` on some Windows builds, and POLLERR /
   * POLLHUP are output-only: ask for the normal-data bits alone. */
  if (interest & EVE_INTEREST_READ) mask |= EVE__WSA_POLLRDNORM;
  if (interest & EVE_INTEREST_WRITE) mask |= EVE__WSA_POLLWRNORM;
  return mask;
}

uint32_t eve__to_epoll_mask(int16_t poll_revents) {
  uint32_t mask = 0;
  if (poll_revents & (EVE__WSA_POLLRDNORM | EVE__WSA_POLLRDBAND)) mask |= EVE_EV_IN;
  if (poll_revents & EVE__WSA_POLLPRI) mask |= EVE_EV_PRI;
  if (poll_revents & (EVE__WSA_POLLWRNORM | EVE__WSA_POLLWRBAND)) mask |= EVE_EV_OUT;
  /* POLLNVAL means the socket was closed under the poller: an error, not
   * silence, so the owner hears of it. */
  if (poll_revents & (EVE__WSA_POLLERR | EVE__WSA_POLLNVAL)) mask |= EVE_EV_ERR;
  if (poll_revents & EVE__WSA_POLLHUP) mask |= EVE_EV_HUP;
  return mask;
}

eve_ready_t eve__from_native_mask(uint32_t native_mask) {
  eve_ready_t ready = 0;
  if (native_mask & (EVE_EV_IN | EVE_EV_PRI)) ready |= EVE_READY_READABLE;
  if (native_mask & EVE_EV_OUT) ready |= EVE_READY_WRITABLE;
  if (native_mask & EVE_EV_ERR) ready |= EVE_READY_ERROR;
  if (native_mask & (EVE_EV_HUP | EVE_EV_RDHUP)) ready |= EVE_READY_HANGUP;
  return ready;
}

uint32_t eve__ready_to_native_mask(eve_ready_t ready) {
  uint32_t mask = 0;
  if (ready & EVE_READY_READABLE) mask |= EVE_EV_IN;
  if (ready & EVE_READY_WRITABLE) mask |= EVE_EV_OUT;
  if (ready & EVE_READY_ERROR) mask |= EVE_EV_ERR;
  if (ready & EVE_READY_HANGUP) mask |= EVE_EV_HUP;
  return mask;
}

eve_ready_t eve_poller_translate_ready(uint32_t native_mask) {
  return eve__from_native_mask(native_mask);
}

eve_os_event_t eve_poller_translate(const eve_native_event_t *native_event) {
  eve_os_event_t event = {0};
  if (native_event == NULL) return event;
  event.ready = eve__from_native_mask(native_event->events);
  event.user_data = native_event->data.u64;
  event.completion = native_event->completion;
  return event;
}
