/* The clock a wait's deadline is kept with. GetTickCount64 was the first
 * choice and the wrong one: "the resolution of the GetTickCount64 function
 * is limited to the resolution of the system timer, which is typically in
 * the range of 10 milliseconds to 16 milliseconds" (GetTickCount64,
 * learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-gettickcount64),
 * so a deadline computed from it lies up to a tick early, and a wait that a
 * stale packet woke near its end returned before its timeout. Wine's
 * GetTickCount64 counts whole milliseconds of the host's monotonic clock, so
 * the error is below 1 ms there, still enough to end a wait early.
 * QueryPerformanceCounter is precise (sub-microsecond) and monotonic on
 * every Windows eve supports; its frequency is fixed at boot and is read
 * once. Time left is rounded up to whole milliseconds for the kernel's
 * waits, so a timeout never ends a wait before its deadline; the kernel may
 * still end it later, by up to the system timer's resolution. */
#include "win.h"

static uint64_t frequency(void) {
  static _Atomic uint64_t cached;
  uint64_t value = atomic_load_explicit(&cached, memory_order_relaxed);
  if (value == 0) {
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f); /* never fails on Windows XP and later */
    value = (uint64_t)f.QuadPart;
    atomic_store_explicit(&cached, value, memory_order_relaxed);
  }
  return value;
}

uint64_t eve__now_us(void) {
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  uint64_t ticks = (uint64_t)now.QuadPart, hz = frequency();
  /* Split so that ticks * 1000000 cannot overflow. */
  return ticks / hz * 1000000u + ticks % hz * 1000000u / hz;
}

DWORD eve__ms_until(uint64_t deadline_us) {
  uint64_t now = eve__now_us();
  if (now >= deadline_us) return 0;
  uint64_t ms = (deadline_us - now + 999u) / 1000u;
  return ms >= INFINITE ? INFINITE - 1 : (DWORD)ms;
}
