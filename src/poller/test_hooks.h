/* Seams for the contract suite: conditions no machine here produces on
 * demand (the exact interleaving of a race with another thread, a Windows
 * socket provider that Wine does not have). Compiled only into
 * eve_poller_testable, which tests/poller links; in eve_poller (what eved
 * links) every hook is an empty statement. */
#ifndef EVE_POLLER_TEST_HOOKS_H_
#define EVE_POLLER_TEST_HOOKS_H_

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
} eve__test_hooks_t;

extern eve__test_hooks_t eve__test_hooks;

#define EVE__TEST_HOOK(name, poller)                           \
  do {                                                         \
    if (eve__test_hooks.name != NULL) eve__test_hooks.name(poller); \
  } while (0)
#define EVE__TEST_FLAG(name) (eve__test_hooks.name)
#else
#define EVE__TEST_HOOK(name, poller) ((void)0)
#define EVE__TEST_FLAG(name) false
#endif

#endif /* EVE_POLLER_TEST_HOOKS_H_ */
