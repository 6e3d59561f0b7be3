/* Helpers (support.h), not tests; the test_ prefix puts this file in the
 * suite's source glob. */
#include "support.h"

#include <stdlib.h>

#include "test.h"

/* More events than any test registers sockets for one wait to see. */
#define SUPPORT_MAX_EVENTS 64
/* Waits a test_expect_ready may spend on other handles' events. */
#define SUPPORT_MAX_WAITS 1000
/* Polls of the waits counter, 1 ms apart, before a waiter counts as stuck. */
#define SUPPORT_ENTER_POLLS 20000

eve_ready_t test_wait_ready(eve_poller_t *poller, uint64_t user_data, int timeout_ms) {
  eve_native_event_t events[SUPPORT_MAX_EVENTS];
  int n = eve_poller_wait(poller, events, SUPPORT_MAX_EVENTS, timeout_ms);
  CHECK_OK(n);
  CHECK(n <= SUPPORT_MAX_EVENTS);
  eve_ready_t ready = 0;
  for (int i = 0; i < n; i++) {
    eve_os_event_t event = eve_poller_translate(&events[i]);
    if (event.user_data == user_data) ready |= event.ready;
  }
  return ready;
}

eve_ready_t test_expect_ready(eve_poller_t *poller, uint64_t user_data) {
  for (int i = 0; i < SUPPORT_MAX_WAITS; i++) {
    eve_native_event_t events[SUPPORT_MAX_EVENTS];
    int n = eve_poller_wait(poller, events, SUPPORT_MAX_EVENTS, TEST_EVENT_TIMEOUT_MS);
    CHECK_OK(n);
    /* Nothing at all within the timeout: the event never came. */
    CHECK(n > 0);
    eve_ready_t ready = 0;
    for (int j = 0; j < n; j++) {
      eve_os_event_t event = eve_poller_translate(&events[j]);
      if (event.user_data == user_data) ready |= event.ready;
    }
    if (ready != 0) return ready;
  }
  CHECK(!"the handle was never reported");
  return 0;
}

void test_expect_quiet(eve_poller_t *poller) {
  eve_native_event_t events[SUPPORT_MAX_EVENTS];
  CHECK_EQ(eve_poller_wait(poller, events, SUPPORT_MAX_EVENTS, 0), 0);
}

eve_poller_stats_t test_stats(const eve_poller_t *poller) {
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  return stats;
}

void test_await_wait_entered(const eve_poller_t *poller, uint64_t before) {
  for (int i = 0; i < SUPPORT_ENTER_POLLS; i++) {
    if (test_stats(poller).waits > before) return;
    test_sleep_ms(1);
  }
  CHECK(!"the waiting thread never counted a wait");
}

/* Looks, 100 ms apart, for the counter to stand still; several still
 * looks in a row, so a loaded machine that merely delayed the waiter's
 * next kernel call is not taken for a sleeping waiter. Bounded. */
#define SUPPORT_SETTLE_LOOKS 100
#define SUPPORT_SETTLE_STILL 3
#define SUPPORT_SETTLE_MS 100

uint64_t test_await_wait_asleep(const eve_poller_t *poller, uint64_t before) {
  test_await_wait_entered(poller, before);
  uint64_t last = test_stats(poller).waits;
  int still = 0;
  for (int i = 0; i < SUPPORT_SETTLE_LOOKS; i++) {
    test_sleep_ms(SUPPORT_SETTLE_MS);
    uint64_t now = test_stats(poller).waits;
    still = now == last ? still + 1 : 0;
    last = now;
    if (still == SUPPORT_SETTLE_STILL) return now;
  }
  CHECK(!"the waiting thread never went to sleep");
  return 0;
}

typedef struct poster {
  eve_poller_t *poller;
  uint64_t waits_before;
  bool shutdown;
} poster_t;

static void poster_main(void *arg) {
  poster_t *poster = arg;
  test_await_wait_entered(poster->poller, poster->waits_before);
  if (poster->shutdown) {
    CHECK(eve_poller_post_shutdown(poster->poller));
  } else {
    CHECK(eve_poller_post_wakeup(poster->poller));
  }
  free(poster);
}

test_thread_t *test_post_when_waiting(eve_poller_t *poller, bool shutdown) {
  poster_t *poster = malloc(sizeof *poster);
  CHECK(poster != NULL);
  poster->poller = poller;
  poster->waits_before = test_stats(poller).waits;
  poster->shutdown = shutdown;
  return test_thread_start(poster_main, poster);
}
