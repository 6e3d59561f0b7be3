/* The backend contract: what the shared poller code and the backends agree
 * on, and what the spec keeps private. Not installed; tests may include it. */
#ifndef EVE_POLLER_INT_H_
#define EVE_POLLER_INT_H_

#include <stdatomic.h>
#include <stdint.h>

#include <eve/eve_poller.h>

/* The overlapped pool's initial size (the spec's MAX_OVERLAPPED_ENTRIES);
 * it grows in chunks of this many up to the poller's capacity. */
#define EVE__MAX_OVERLAPPED_ENTRIES 64u

/* Completion keys reserved for the poller's own packets (the spec's values).
 * eve_poller_associate_handle() refuses them. */
#define EVE__KEY_WAKEUP ((uint64_t)0xFFFFFFFEu)
#define EVE__KEY_TIMER ((uint64_t)0xFFFFFFFDu)
#define EVE__KEY_SHUTDOWN ((uint64_t)0xFFFFFFFCu)

/* WSAPoll's mask bits, spelled out so the conversions (and their tests)
 * are the same code on every OS; the Windows backend checks them against
 * <winsock2.h> at compile time. */
#define EVE__WSA_POLLRDNORM 0x0100
#define EVE__WSA_POLLRDBAND 0x0200
#define EVE__WSA_POLLPRI 0x0400
#define EVE__WSA_POLLWRNORM 0x0010
#define EVE__WSA_POLLWRBAND 0x0020
#define EVE__WSA_POLLERR 0x0001
#define EVE__WSA_POLLHUP 0x0002
#define EVE__WSA_POLLNVAL 0x0004

/* The spec's three mask conversions. */
int16_t eve__to_native_mask(eve_interest_t interest);   /* interest -> WSAPoll events */
uint32_t eve__to_epoll_mask(int16_t poll_revents);      /* WSAPoll revents -> EVE_EV_* */
eve_ready_t eve__from_native_mask(uint32_t native_mask); /* EVE_EV_* -> EVE_READY_* */
/* The inverse of eve__from_native_mask, for filling native events. */
uint32_t eve__ready_to_native_mask(eve_ready_t ready);

/* Counters any thread may sample while the loop thread updates them. */
typedef struct eve__counters {
  _Atomic uint64_t waits;
  _Atomic uint64_t wakeups;
  _Atomic uint64_t wakeups_posted;
  _Atomic uint64_t capacity_hits;
  _Atomic uint64_t releases_refused; /* Windows: the pool's */
} eve__counters_t;

static inline void eve__count(_Atomic uint64_t *counter) {
  atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static inline uint64_t eve__read(const _Atomic uint64_t *counter) {
  return atomic_load_explicit(counter, memory_order_relaxed);
}

#endif /* EVE_POLLER_INT_H_ */
