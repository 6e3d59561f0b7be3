/* Wake-ups and shutdown: the two calls any thread may make. */
#include "support.h"
#include "test.h"
#include "test_hooks.h"

TEST_IMPL(wakeup_ends_infinite_wait) {
  eve_poller_t *poller = test_poller(mode);
  test_thread_t *poster = test_post_when_waiting(poller, false);
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 0);
  test_thread_join(poster);
  CHECK_EQ(test_stats(poller).wakeups, 1);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(wakeups_coalesce) {
  eve_poller_t *poller = test_poller(mode);
  for (int i = 0; i < 1000; i++) CHECK(eve_poller_post_wakeup(poller));
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 0);
  eve_poller_stats_t stats = test_stats(poller);
  CHECK_EQ(stats.wakeups, 1);
  CHECK_EQ(stats.wakeups_posted, 1);
  /* Nothing of the other 999 is left to consume. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_EQ(test_stats(poller).wakeups, 1);
  CHECK_OK(eve_poller_dispose(poller));
}

/* A wake-up after the first was consumed is a new one, not coalesced. */
TEST_IMPL(wakeup_after_consumed_is_new) {
  eve_poller_t *poller = test_poller(mode);
  eve_native_event_t events[4];
  CHECK(eve_poller_post_wakeup(poller));
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 0);
  CHECK(eve_poller_post_wakeup(poller));
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 0);
  eve_poller_stats_t stats = test_stats(poller);
  CHECK_EQ(stats.wakeups, 2);
  CHECK_EQ(stats.wakeups_posted, 2);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(shutdown_ends_wait_distinctly) {
  eve_poller_t *poller = test_poller(mode);
  test_thread_t *poster = test_post_when_waiting(poller, true);
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), EVE_ESHUTDOWN);
  test_thread_join(poster);
  /* Every later wait too, blocking or not; a finite timeout so a backend
   * that forgot shows up as a failure rather than a hang. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), EVE_ESHUTDOWN);
  CHECK_EQ(eve_poller_wait(poller, events, 4, TEST_EVENT_TIMEOUT_MS), EVE_ESHUTDOWN);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(check_pending_never_blocks) {
  eve_poller_t *poller = test_poller(mode);
  eve_native_event_t events[4];
  eve_poller_check_pending_iocp_events(poller);
  CHECK_EQ(test_stats(poller).wakeups, 0);
  /* Nothing was pending, so nothing was set aside for the next wait. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_EQ(test_stats(poller).wakeups, 0);
  /* What it moved aside is still the next wait's to report. */
  CHECK(eve_poller_post_wakeup(poller));
  eve_poller_check_pending_iocp_events(poller);
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_EQ(test_stats(poller).wakeups, 1);
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_EQ(test_stats(poller).wakeups, 1);
  CHECK_OK(eve_poller_dispose(poller));
}

typedef struct idle_waiter {
  eve_poller_t *poller;
  int result;
} idle_waiter_t;

static void idle_waiter_main(void *arg) {
  idle_waiter_t *waiter = arg;
  eve_native_event_t events[16];
  waiter->result = eve_poller_wait(waiter->poller, events, 16, -1);
}

/* An infinite wait over idle sockets must sleep in the kernel, not spin
 * through short polls: the waits counter stands still while it blocks.
 * The 3 s is how long we watch, not a measurement. */
#define IDLE_SOCKETS 100

TEST_IMPL(idle_wait_makes_no_progress) {
  static test_pair_t pairs[IDLE_SOCKETS];
  eve_poller_t *poller = test_poller(mode);
  test_pairs_open(pairs, IDLE_SOCKETS);
  for (int i = 0; i < IDLE_SOCKETS; i++) {
    CHECK_OK(eve_poller_register(poller, test_handle(pairs[i].a), EVE_INTEREST_READ, (uint64_t)i));
  }
  idle_waiter_t waiter = {poller, 1};
  uint64_t before = test_stats(poller).waits;
  test_thread_t *thread = test_thread_start(idle_waiter_main, &waiter);
  uint64_t first = test_await_wait_asleep(poller, before);
  test_sleep_ms(3000);
  CHECK_EQ(test_stats(poller).waits, first);
  CHECK(eve_poller_post_wakeup(poller));
  test_thread_join(thread);
  CHECK_EQ(waiter.result, 0);
  CHECK_EQ(test_stats(poller).wakeups, 1);
  for (int i = 0; i < IDLE_SOCKETS; i++) test_pair_close(pairs[i]);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Finding: a post from another thread that lands while the waiter is
 * taking the previous wake-up must not be lost, nor leave the coalescing
 * flag set with nothing behind it (then every later post is coalesced
 * away and wait(-1) sleeps for good). The exact interleaving is forced
 * with a test seam (test_hooks.h): the post is made from inside the
 * waiter's take, between its two steps. */
static int inside_take_posts;

static void post_inside_take(eve_poller_t *poller) {
  if (inside_take_posts++ == 0) CHECK(eve_poller_post_wakeup(poller));
}

TEST_IMPL(wakeup_posted_while_taken_not_lost) {
  eve_poller_t *poller = test_poller(mode);
  eve_native_event_t events[4];
  eve__test_hooks.inside_take_wakeup = post_inside_take;
  CHECK(eve_poller_post_wakeup(poller));
  CHECK_EQ(eve_poller_wait(poller, events, 4, TEST_EVENT_TIMEOUT_MS), 0);
  eve__test_hooks.inside_take_wakeup = NULL;
  CHECK_EQ(inside_take_posts, 1);
  CHECK_EQ(test_stats(poller).wakeups, 1);
  /* Whatever became of the racing post, one made now must end a wait: a
   * finite timeout so the lost wake-up shows as a failure, not a hang. */
  CHECK(eve_poller_post_wakeup(poller));
  CHECK_EQ(eve_poller_wait(poller, events, 4, TEST_EVENT_TIMEOUT_MS), 0);
  CHECK_EQ(test_stats(poller).wakeups, 2);
  /* And nothing is left over for a third wait. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_EQ(test_stats(poller).wakeups, 2);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Finding: the wait that sees a shutdown returned the events it had found
 * on one backend and dropped them on the other. The contract (header): it
 * returns them, and every later wait returns EVE_ESHUTDOWN, so a
 * completion taken off the port is never lost on the way out. The
 * shutdown is posted from inside the wait (test seam), after its first
 * check, so the wait itself is the one that sees it. */
static void shutdown_inside_wait(eve_poller_t *poller) {
  CHECK(eve_poller_post_shutdown(poller));
}

TEST_IMPL(shutdown_wait_returns_events_found) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  test_send_all(pair.b, "x", 1);
  CHECK(test_expect_ready(poller, 1) & EVE_READY_READABLE);
  eve__test_hooks.wait_entered = shutdown_inside_wait;
  eve_native_event_t events[4];
  int n = eve_poller_wait(poller, events, 4, TEST_EVENT_TIMEOUT_MS);
  eve__test_hooks.wait_entered = NULL;
  CHECK_EQ(n, 1);
  CHECK_EQ(events[0].data.u64, 1);
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), EVE_ESHUTDOWN);
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), EVE_ESHUTDOWN);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}
