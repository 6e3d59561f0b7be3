#include <stdatomic.h>

#include "control.h"

static eve_poller_t *_Atomic target;
static atomic_uint pending;
static atomic_uint stops;

void eved_control_attach(eve_poller_t *poller) { atomic_store(&target, poller); }

bool eved_control_post(eved_control_t request) {
  if (request == EVED_CONTROL_STOP) atomic_fetch_add(&stops, 1);
  unsigned cancels = request == EVED_CONTROL_PAUSE      ? EVED_CONTROL_CONTINUE
                     : request == EVED_CONTROL_CONTINUE ? EVED_CONTROL_PAUSE
                                                        : 0u;
  unsigned old = atomic_load(&pending);
  while (!atomic_compare_exchange_weak(&pending, &old, (old & ~cancels) | (unsigned)request)) {
  }
  eve_poller_t *poller = atomic_load(&target);
  return poller == NULL || eve_poller_post_wakeup(poller);
}

unsigned eved_control_take(void) { return atomic_exchange(&pending, 0u); }

unsigned eved_control_stops(void) { return atomic_load(&stops); }

void eved_control_reset(void) {
  atomic_store(&pending, 0u);
  atomic_store(&stops, 0u);
}
