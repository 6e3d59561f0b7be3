/* Seams for the contract suite: conditions no machine here produces on
 * demand (the exact interleaving of a race with another thread, a Windows
 * socket provider that Wine does not have). Compiled only into
 * eve_poller_testable, which tests/poller links; in eve_poller (what eved
 * links) every hook is an empty statement. */
#ifndef EVE_POLLER_TEST_HOOKS_H_
#define EVE_POLLER_TEST_HOOKS_H_

#include <stdatomic.h>
#include <stdbool.h>

#include <eve/eve_poller.h>

#ifdef EVE_POLLER_TEST_HOOKS
typedef struct eve__test_hooks {
  /* The waiter is between the two steps of taking a wake-up: what another
   * thread's post would meet there. */
  void (*inside_take_wakeup)(eve_poller_t *poller);
  /* A wait is past its first shutdown check and about to look for events. */
  void (*wait_entered)(eve_poller_t *poller);
  /* Windows: a socket's protocol record reads as a non-IFS layered
   * provider's (XP1_IFS_HANDLES cleared), which Wine never has: on such a
   * socket Windows may queue a completion even for an operation that
   * completed inline, whatever SetFileCompletionNotificationModes said. */
  bool non_ifs_provider;
  /* Windows: this many event-wait callbacks find PostQueuedCompletionStatus
   * failing (out of memory, which nothing here can cause on demand); each
   * failure takes one. lost_waitable_posts counts the callbacks that are
   * through with such a failure. */
  atomic_int failing_waitable_posts;
  atomic_int lost_waitable_posts;
} eve__test_hooks_t;

extern eve__test_hooks_t eve__test_hooks;

#define EVE__TEST_HOOK(name, poller)                           \
  do {                                                         \
    if (eve__test_hooks.name != NULL) eve__test_hooks.name(poller); \
  } while (0)
#define EVE__TEST_FLAG(name) (eve__test_hooks.name)
/* Takes one from a counting hook; true when there was one to take. */
#define EVE__TEST_TAKE(name) (atomic_fetch_sub(&eve__test_hooks.name, 1) > 0 \
                              || (atomic_fetch_add(&eve__test_hooks.name, 1), false))
#define EVE__TEST_COUNT(name) atomic_fetch_add(&eve__test_hooks.name, 1)
#else
#define EVE__TEST_HOOK(name, poller) ((void)0)
#define EVE__TEST_FLAG(name) false
#define EVE__TEST_TAKE(name) false
#define EVE__TEST_COUNT(name) ((void)0)
#endif

#endif /* EVE_POLLER_TEST_HOOKS_H_ */
