/* What this poller's own packets may point at. A packet under one of eve's
 * keys carries a pointer in its OVERLAPPED field (a sock's receive, a
 * waitable's callback), and anything can put a packet on the port: another
 * poller's receive on a socket that was associated here first, the
 * caller's PostQueuedCompletionStatus, a stale packet whose object was
 * freed and its memory reused. So a pointer is used only if it is one of
 * the socks and waitables this poller allocated and has not freed (live or
 * unregistered and awaiting that very packet): a set of addresses, with
 * the kind each is, checked before any cast. */
#include "win.h"

int eve__watch_own(eve_poller_t *poller, const void *object, eve__watch_kind_t kind) {
  return eve__handle_map_put(&poller->watches, (uintptr_t)object, (size_t)kind);
}

void eve__watch_disown(eve_poller_t *poller, const void *object) {
  eve__handle_map_remove(&poller->watches, (uintptr_t)object);
}

bool eve__watch_is_own(const eve_poller_t *poller, const void *object, eve__watch_kind_t kind) {
  size_t value;
  return object != NULL && eve__handle_map_get(&poller->watches, (uintptr_t)object, &value) &&
         value == (size_t)kind;
}
