/* How the program around the server hears of its state: the Windows
 * service turns each report into an SCM status. The server structure
 * holds one, so it is declared here, below the program that supplies it. */
#ifndef EVED_OBSERVER_H_
#define EVED_OBSERVER_H_

#include <stdint.h>

typedef enum eved_run_state {
  EVED_STATE_STARTING, /* a step of the start done; reported as progress */
  EVED_STATE_RUNNING,  /* listening: every request served */
  EVED_STATE_PAUSED,   /* /healthz answers 503, everything else served */
  EVED_STATE_STOPPING  /* draining; reported again on every tick as progress */
} eved_run_state_t;

typedef struct eved_observer {
  /* Called on the loop thread. wait_hint_ms: how long the state may last
   * before the next report (the SCM's dwWaitHint). */
  void (*on_state)(void *ctx, eved_run_state_t state, uint32_t wait_hint_ms);
  void *ctx;
} eved_observer_t;

#endif /* EVED_OBSERVER_H_ */
