/* The standard process figures on Windows, from the calls client_golang's
 * process collector makes (prometheus/process_collector_windows.go): see
 * process.h. */
#include <windows.h>
#include <psapi.h>

#include "process.h"

/* FILETIME: 100 ns intervals; as a time, since 1601-01-01. */
static uint64_t ticks(FILETIME ft) { return (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime; }

#define TICKS_PER_SECOND 10000000ULL
#define UNIX_EPOCH_TICKS 116444736000000000ULL

void eved_process_figures(eved_process_figures_t *out) {
  *out = (eved_process_figures_t){0};
  HANDLE self = GetCurrentProcess();
  FILETIME created, exited, kernel, user;
  if (GetProcessTimes(self, &created, &exited, &kernel, &user)) {
    out->cpu_seconds = (double)(ticks(kernel) + ticks(user)) / (double)TICKS_PER_SECOND;
    /* client_golang truncates the creation time to whole seconds. */
    uint64_t start = ticks(created);
    out->start_seconds =
        start > UNIX_EPOCH_TICKS ? (double)((start - UNIX_EPOCH_TICKS) / TICKS_PER_SECOND) : 0.0;
    out->has_times = true;
  }
  /* The commit charge is what client_golang reports as virtual memory on
   * Windows (PROCESS_MEMORY_COUNTERS_EX.PrivateUsage). Microsoft documents
   * PagefileUsage as the same figure ("The Commit Charge value in bytes for
   * this process", https://learn.microsoft.com/windows/win32/api/psapi/ns-psapi-process_memory_counters),
   * and it is the one Wine 8 fills: its K32GetProcessMemoryInfo writes only
   * the fields of PROCESS_MEMORY_COUNTERS and leaves an _EX's PrivateUsage
   * as the caller's stack had it. */
  PROCESS_MEMORY_COUNTERS pmc = {0};
  if (GetProcessMemoryInfo(self, &pmc, sizeof pmc)) {
    out->resident_bytes = (uint64_t)pmc.WorkingSetSize;
    out->virtual_bytes = (uint64_t)pmc.PagefileUsage;
    out->has_memory = true;
  }
  /* Windows has no descriptor table: handles stand for descriptors, and
   * the most a process may hold is the kernel's per-process handle table
   * limit, 2^24 (https://learn.microsoft.com/windows/win32/sysinfo/kernel-objects),
   * the constant client_golang reports. Wine 8 differs: the count is 0
   * (see eved_process_handles in platform_win.c). */
  DWORD handles = 0;
  if (GetProcessHandleCount(self, &handles)) {
    out->open_fds = handles;
    out->has_fds = true;
  }
  out->max_fds = 16u * 1024u * 1024u;
  out->has_max_fds = true;
}
