/* The standard process figures, named and computed as Prometheus's Go
 * client computes them for its process collector (client_golang
 * prometheus/process_collector_*.go), so that dashboards and alerts made
 * for any Prometheus target read eved the same way. process_linux.c and
 * process_win.c implement it; CMake picks one.
 *
 *   figure          Linux (procfs, as client_golang)    Windows (as client_golang)
 *   cpu_seconds     (utime + stime) / 100, /proc/self/stat   GetProcessTimes kernel + user
 *   resident_bytes  rss pages * page size, same file    PROCESS_MEMORY_COUNTERS_EX WorkingSetSize
 *   virtual_bytes   vsize, same file                    PrivateUsage
 *   start_seconds   btime (/proc/stat) + starttime/100  creation time, whole seconds
 *   open_fds        entries of /proc/self/fd            GetProcessHandleCount
 *   max_fds         RLIMIT_NOFILE soft limit            16777216 (a system-wide constant)
 *   virtual_max     RLIMIT_AS soft limit                (none)
 *
 * A figure the OS would not give is left out (its has_ flag false), as
 * client_golang leaves the metric out. Reads files and calls the OS each
 * time, allocating nothing: for /metrics, not for a hot path. Loop thread
 * only (the Linux boot time is read once and kept). */
#ifndef EVED_PROCESS_H_
#define EVED_PROCESS_H_

#include <stdbool.h>
#include <stdint.h>

typedef struct eved_process_figures {
  bool has_times;      /* cpu_seconds, start_seconds */
  bool has_memory;     /* resident_bytes, virtual_bytes */
  bool has_fds;        /* open_fds */
  bool has_max_fds;    /* max_fds */
  bool has_virtual_max; /* virtual_max_bytes */
  double cpu_seconds;   /* user + system */
  double start_seconds; /* since the Unix epoch */
  uint64_t resident_bytes;
  uint64_t virtual_bytes;
  uint64_t open_fds;
  uint64_t max_fds;           /* UINT64_MAX: unlimited */
  uint64_t virtual_max_bytes; /* UINT64_MAX: unlimited */
} eved_process_figures_t;

/* Fills *out with what the OS gives now. */
void eved_process_figures(eved_process_figures_t *out);

#endif /* EVED_PROCESS_H_ */
