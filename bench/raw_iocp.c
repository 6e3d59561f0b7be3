#include "raw_iocp.h"

#ifdef _WIN32
#include <stdatomic.h>
#include <windows.h>

#include "bench_os.h"

typedef struct raw_state {
  HANDLE port;
  size_t rounds;
  _Atomic size_t returned;
  _Atomic int blocked; /* set just before the waiter calls into the port */
  uint64_t *returned_at;
} raw_state_t;

static DWORD WINAPI raw_waiter(LPVOID arg) {
  raw_state_t *state = arg;
  for (size_t round = 0; round < state->rounds; round++) {
    OVERLAPPED_ENTRY entry;
    ULONG got = 0;
    atomic_store(&state->blocked, 1);
    if (!GetQueuedCompletionStatusEx(state->port, &entry, 1, &got, INFINITE, FALSE)) return 1;
    state->returned_at[round] = bench_now_ns();
    atomic_store(&state->blocked, 0);
    atomic_store(&state->returned, round + 1);
  }
  return 0;
}

int bench_raw_iocp_wakeup(uint64_t *latency_ns, size_t rounds) {
  static uint64_t returned_at[100000];
  if (rounds > sizeof returned_at / sizeof returned_at[0]) return -1;
  raw_state_t state = {CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1), rounds, 0, 0,
                       returned_at};
  if (state.port == NULL) return -1;
  HANDLE thread = CreateThread(NULL, 0, raw_waiter, &state, 0, NULL);
  if (thread == NULL) return -1;
  for (size_t round = 0; round < rounds; round++) {
    while (atomic_load(&state.returned) != round || !atomic_load(&state.blocked)) {
    }
    /* As for eve's waiter: give it time to get into the kernel. */
    Sleep(1);
    uint64_t posted = bench_now_ns();
    PostQueuedCompletionStatus(state.port, 0, 1, NULL);
    /* Sleep, not spin: see poller_bench.c. */
    while (atomic_load(&state.returned) == round) Sleep(1);
    latency_ns[round] = returned_at[round] - posted;
  }
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
  CloseHandle(state.port);
  return 0;
}
#else
int bench_raw_iocp_wakeup(uint64_t *latency_ns, size_t rounds) {
  (void)latency_ns;
  (void)rounds;
  return -1;
}
#endif
