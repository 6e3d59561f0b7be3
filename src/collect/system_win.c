/* system on Windows: boot time (the wall clock less GetTickCount64) and
 * the counts of processes, threads and handles (GetPerformanceInfo, the
 * same totals perflib's System and Process(_Total) objects give). Names:
 * windows_exporter 0.30's system collector; windows_system_handles is
 * eved's own (windows_exporter reports handles per process only). The
 * logical processor count is windows_cpu_logical_processor (cpu_win.c),
 * where 0.30 moved it. */
#include <windows.h>
#include <psapi.h>

#include <stdio.h>

#include "collectors_win.h"
#include "text_win.h"

static void gauge(eved_metric_set_t *set, const char *name, const char *help, double value) {
  if (eved_metric_family(set, name, EVED_METRIC_GAUGE, help))
    eved_metric_sample(set, value, 0, NULL);
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  PERFORMANCE_INFORMATION pi = {.cb = sizeof pi};
  if (!GetPerformanceInfo(&pi, sizeof pi)) {
    snprintf(error, error_size, "GetPerformanceInfo: error %lu", (unsigned long)GetLastError());
    return -1;
  }

  /* GetTickCount64 counts milliseconds since the system started, time
   * asleep or hibernating included (Microsoft Learn, GetTickCount64), so
   * now less it is the boot time. Whole seconds: the two readings are a
   * timer tick apart at most, and a boot time that wobbles by milliseconds
   * from scrape to scrape reads as a reboot to `changes()`. */
  FILETIME now;
  GetSystemTimeAsFileTime(&now);
  ULONGLONG up_ms = GetTickCount64();
  unsigned long long now_ticks = (unsigned long long)now.dwHighDateTime << 32 | now.dwLowDateTime;
  double boot = eved_unix_seconds_from_filetime(now_ticks) - (double)up_ms / 1000.0;
  gauge(set, "windows_system_boot_time_timestamp_seconds", "Unix timestamp of system boot time",
        (double)(long long)(boot + 0.5));

  gauge(set, "windows_system_processes", "Current number of processes", (double)pi.ProcessCount);
  gauge(set, "windows_system_threads", "Current number of threads", (double)pi.ThreadCount);
  gauge(set, "windows_system_handles", "Current number of open handles, all processes together",
        (double)pi.HandleCount);
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"windows_system_", NULL};

const eved_collector_t eved_collector_system = {
    .name = "system", .collect = collect, .namespaces = namespaces};
