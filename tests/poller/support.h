/* Poller helpers for the contract tests, so each test reads as the
 * behaviour it proves. OS-free: sockets.h holds the OS half. */
#ifndef EVE_TEST_SUPPORT_H_
#define EVE_TEST_SUPPORT_H_

#include <stdbool.h>
#include <stdint.h>

#include <eve/eve_poller.h>
#include "sockets.h"

/* How long one wait may take for an event that should come. Generous for
 * Windows, whose refused connects take seconds (SYN retries), and for
 * Wine; only a broken backend ever reaches it. */
#define TEST_EVENT_TIMEOUT_MS 5000

/* One wait; the readiness reported for user_data, 0 if it was not
 * reported. CHECKs the wait did not fail. */
eve_ready_t test_wait_ready(eve_poller_t *poller, uint64_t user_data, int timeout_ms);

/* Waits until user_data is reported and returns its readiness; CHECKs it
 * came within TEST_EVENT_TIMEOUT_MS. */
eve_ready_t test_expect_ready(eve_poller_t *poller, uint64_t user_data);

/* CHECKs that wait(0) reports nothing at all. */
void test_expect_quiet(eve_poller_t *poller);

eve_poller_stats_t test_stats(const eve_poller_t *poller);

/* CHECKs that stats.waits grows past `before`: proof that another thread
 * has gone into wait. */
void test_await_wait_entered(const eve_poller_t *poller, uint64_t before);

/* test_await_wait_entered, then CHECKs the counter holds still for a
 * short look: a wait may count more than one kernel call on its way to
 * blocking (the Windows backend polls the sockets once, then blocks on the
 * port), so "entered" is not yet "asleep". A waiter that spins never gets
 * past this. Returns the settled count. */
uint64_t test_await_wait_asleep(const eve_poller_t *poller, uint64_t before);

/* Starts a thread that posts a wake-up (or a shutdown) once the caller is
 * inside its next wait, so the post really interrupts a blocked wait. */
test_thread_t *test_post_when_waiting(eve_poller_t *poller, bool shutdown);

#endif /* EVE_TEST_SUPPORT_H_ */
