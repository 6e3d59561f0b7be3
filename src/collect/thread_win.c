/* thread.h over Win32 threads and an auto-reset event. */
#include <windows.h>

#include <stdatomic.h>
#include <stdlib.h>

#include "thread.h"

/* Two owners, the thread and its starter; the last to let go frees it
 * (thread_posix.c says why). */
struct eved_thread {
  HANDLE handle;
  void (*fn)(void *arg);
  void *arg;
  atomic_int owners;
};

static void release(eved_thread_t *t) {
  if (atomic_fetch_sub(&t->owners, 1) == 1) free(t);
}

struct eved_gate {
  HANDLE event;
};

static DWORD WINAPI trampoline(LPVOID p) {
  eved_thread_t *t = p;
  t->fn(t->arg);
  release(t);
  return 0;
}

eved_thread_t *eved_thread_start(void (*fn)(void *arg), void *arg) {
  eved_thread_t *t = malloc(sizeof *t);
  if (t == NULL) return NULL;
  t->fn = fn;
  t->arg = arg;
  atomic_init(&t->owners, 2);
  t->handle = CreateThread(NULL, 0, trampoline, t, 0, NULL);
  if (t->handle == NULL) {
    free(t);
    return NULL;
  }
  return t;
}

void eved_thread_join(eved_thread_t *t) {
  WaitForSingleObject(t->handle, INFINITE);
  CloseHandle(t->handle);
  release(t);
}

void eved_thread_detach(eved_thread_t *t) {
  CloseHandle(t->handle);
  release(t);
}

eved_gate_t *eved_gate_create(void) {
  eved_gate_t *g = malloc(sizeof *g);
  if (g == NULL) return NULL;
  /* Auto-reset: one waiter is released and the event closes again
   * (https://learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-createeventw). */
  g->event = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (g->event == NULL) {
    free(g);
    return NULL;
  }
  return g;
}

void eved_gate_destroy(eved_gate_t *g) {
  if (g == NULL) return;
  CloseHandle(g->event);
  free(g);
}

void eved_gate_open(eved_gate_t *g) { SetEvent(g->event); }

void eved_gate_wait(eved_gate_t *g) { WaitForSingleObject(g->event, INFINITE); }

double eved_thread_clock_seconds(void) {
  static LARGE_INTEGER frequency;
  LARGE_INTEGER now;
  if (frequency.QuadPart == 0) QueryPerformanceFrequency(&frequency);
  QueryPerformanceCounter(&now);
  return (double)now.QuadPart / (double)frequency.QuadPart;
}

void eved_thread_yield(void) { SwitchToThread(); }
