/* The little of threads the collection engine needs, over pthreads
 * (thread_posix.c) or Win32 (thread_win.c); CMake picks one. C11's
 * <threads.h> is missing from mingw-w64 and older glibc, and on Windows a
 * native thread is what the SCM and Wine expect.
 *
 * A gate is a binary semaphore: open() lets one wait() through (opens
 * while nobody waits are kept, not counted). All calls may come from any
 * thread; a gate or thread handle is destroyed by one owner only. */
#ifndef EVED_COLLECT_THREAD_H_
#define EVED_COLLECT_THREAD_H_

#include <stdbool.h>

typedef struct eved_thread eved_thread_t;
typedef struct eved_gate eved_gate_t;

/* Starts fn(arg) on a new thread. NULL when the OS refuses. */
eved_thread_t *eved_thread_start(void (*fn)(void *arg), void *arg);
/* Waits for the thread to end and frees the handle. */
void eved_thread_join(eved_thread_t *thread);
/* Frees the handle; the thread runs on and its resources go when it ends. */
void eved_thread_detach(eved_thread_t *thread);
/* Gives the CPU to another ready thread: for a wait of microseconds. */
void eved_thread_yield(void);

eved_gate_t *eved_gate_create(void); /* NULL when out of resources */
void eved_gate_destroy(eved_gate_t *gate);
void eved_gate_open(eved_gate_t *gate);
void eved_gate_wait(eved_gate_t *gate);

/* Seconds from an arbitrary start, at the clock's best resolution: the
 * collectors' durations are often below a millisecond. */
double eved_thread_clock_seconds(void);

#endif /* EVED_COLLECT_THREAD_H_ */
