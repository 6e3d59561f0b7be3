/* Requests that reach the loop from outside its thread (a signal, the
 * Windows service control handler) or from the admin channel. They are
 * recorded here and the poller is woken; the loop takes them after each
 * wait and acts on them, so no request handler ever touches the server.
 * Posting is async-signal-safe: lock-free atomics and post_wakeup only. */
#ifndef EVED_CONTROL_H_
#define EVED_CONTROL_H_

#include <stdbool.h>

#include <eve/eve_poller.h>

typedef enum eved_control {
  EVED_CONTROL_STOP = 1u << 0,     /* drain and exit; a second one exits at once */
  EVED_CONTROL_PAUSE = 1u << 1,    /* /healthz answers 503, everything else served */
  EVED_CONTROL_CONTINUE = 1u << 2, /* undoes PAUSE */
  EVED_CONTROL_RELOAD = 1u << 3    /* re-read the config file */
} eved_control_t;

/* The poller to wake; NULL detaches (posts are still recorded). */
void eved_control_attach(eve_poller_t *poller);

/* Records one request and wakes the loop. PAUSE and CONTINUE cancel each
 * other: the later one wins. False if the wake-up could not be posted. */
bool eved_control_post(eved_control_t request);

/* The requests recorded since the last take (a mask of eved_control_t). */
unsigned eved_control_take(void);

/* Stop requests recorded so far. */
unsigned eved_control_stops(void);

/* Forgets everything recorded (for a new run in the same process). */
void eved_control_reset(void);

#endif /* EVED_CONTROL_H_ */
