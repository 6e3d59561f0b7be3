/* cpu on Windows: time per logical processor by mode, from the kernel's own
 * per-processor accounting (NtQuerySystemInformationEx with
 * SystemProcessorPerformanceInformation, one processor group at a time),
 * the figures perflib's "Processor Information" object is computed from.
 * Names and labels: windows_exporter 0.30's cpu collector. */
#include <windows.h>
#include <winternl.h>

#include <stdio.h>

#include "collectors_win.h"
#include "text_win.h"

/* SYSTEM_PROCESSOR_PERFORMANCE_INFORMATION with its reserved members named.
 * Microsoft Learn's NtQuerySystemInformation page documents IdleTime,
 * KernelTime (which "includes time spent in idle") and UserTime and leaves
 * the rest reserved; the same 48-byte record carries DpcTime,
 * InterruptTime and InterruptCount there, which perflib's % DPC Time,
 * % Interrupt Time and Interrupts/sec report. */
typedef struct processor_times {
  LARGE_INTEGER idle;
  LARGE_INTEGER kernel; /* idle, DPC and interrupt time included */
  LARGE_INTEGER user;
  LARGE_INTEGER dpc;
  LARGE_INTEGER interrupt;
  ULONG interrupts; /* wraps at 2^32, as the perflib counter does */
} processor_times_t;

_Static_assert(sizeof(processor_times_t) == sizeof(SYSTEM_PROCESSOR_PERFORMANCE_INFORMATION),
               "the named record must match winternl.h's");

/* The Ex variant takes the processor group (a USHORT) as input; exported by
 * ntdll since Windows 7 and not declared by mingw-w64's winternl.h. */
NTSTATUS NTAPI NtQuerySystemInformationEx(SYSTEM_INFORMATION_CLASS info_class, PVOID input,
                                          ULONG input_length, PVOID info, ULONG info_length,
                                          PULONG return_length);

/* A processor group holds at most 64 logical processors
 * (https://learn.microsoft.com/windows/win32/procthread/processor-groups);
 * one group is read at a time, so this bounds the buffer. */
#define GROUP_MAX 64
/* Per thread, not per process: a thread abandoned in a hung call may
 * still be inside collect() while its replacement runs (collector.h). */
static _Thread_local processor_times_t times[GROUP_MAX];

static const char *const help_time =
    "Time that processor spent in different modes (dpc, idle, interrupt, privileged, user)";

static unsigned long long ticks(LARGE_INTEGER v) {
  return v.QuadPart > 0 ? (unsigned long long)v.QuadPart : 0;
}

/* Reads one group into `times`; the count of processors, or -1. With one
 * group, the plain call answers for it (it reports the calling thread's
 * group); with several, the Ex call names the group. Wine 8 answers the
 * Ex call for this class with STATUS_NOT_IMPLEMENTED and has one group, so
 * only the plain path runs under Wine. */
static int read_group(WORD group, WORD groups, char *error, size_t error_size) {
  ULONG got = 0;
  USHORT g = group;
  NTSTATUS st =
      groups == 1
          ? NtQuerySystemInformation(SystemProcessorPerformanceInformation, times,
                                     (ULONG)sizeof times, &got)
          : NtQuerySystemInformationEx(SystemProcessorPerformanceInformation, &g, sizeof g, times,
                                       (ULONG)sizeof times, &got);
  if (st < 0) {
    snprintf(error, error_size, "NtQuerySystemInformation(processor group %u): NTSTATUS 0x%08lx",
             (unsigned)group, (unsigned long)st);
    return -1;
  }
  return (int)(got / sizeof times[0]);
}

static void core_label(char *out, size_t size, WORD group, int number) {
  /* windows_exporter's core label is perflib's instance name, "group,number". */
  snprintf(out, size, "%u,%d", (unsigned)group, number);
}

enum mode { MODE_IDLE, MODE_USER, MODE_PRIVILEGED, MODE_INTERRUPT, MODE_DPC, MODE_COUNT };

static const char *const mode_names[MODE_COUNT] = {"idle", "user", "privileged", "interrupt",
                                                   "dpc"};

static double mode_seconds(const processor_times_t *t, enum mode m) {
  switch (m) {
    case MODE_IDLE: return eved_seconds_from_100ns(ticks(t->idle));
    case MODE_USER: return eved_seconds_from_100ns(ticks(t->user));
    case MODE_PRIVILEGED: {
      /* perflib's % Privileged Time: kernel time less idle. It still holds
       * the DPC and interrupt time reported beside it, as in
       * windows_exporter, so the modes of a core sum to more than its
       * elapsed time wherever those are not zero. */
      unsigned long long k = ticks(t->kernel), i = ticks(t->idle);
      return eved_seconds_from_100ns(k > i ? k - i : 0);
    }
    case MODE_INTERRUPT: return eved_seconds_from_100ns(ticks(t->interrupt));
    case MODE_DPC: return eved_seconds_from_100ns(ticks(t->dpc));
    case MODE_COUNT: break;
  }
  return 0;
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  WORD groups = GetActiveProcessorGroupCount();
  if (groups == 0) groups = 1;
  char core[16];

  /* A family's samples must be contiguous in the set, so each group is
   * read for the first family and (when there are several groups, the
   * buffer holding only one) read again for the second. */
  size_t processors = 0;
  int last_count = 0;
  eved_metric_family(set, "windows_cpu_time_total", EVED_METRIC_COUNTER, help_time);
  for (WORD g = 0; g < groups; g++) {
    int n = read_group(g, groups, error, error_size);
    if (n < 0) return -1;
    last_count = n;
    processors += (size_t)n;
    for (int i = 0; i < n; i++) {
      core_label(core, sizeof core, g, i);
      for (int m = 0; m < MODE_COUNT; m++) {
        eved_label_t labels[] = {{"core", core}, {"mode", mode_names[m]}};
        eved_metric_sample(set, mode_seconds(&times[i], (enum mode)m), 2, labels);
      }
    }
  }

  eved_metric_family(set, "windows_cpu_interrupts_total", EVED_METRIC_COUNTER,
                     "Total number of received and serviced hardware interrupts");
  for (WORD g = 0; g < groups; g++) {
    int n = groups == 1 ? last_count : read_group(g, groups, error, error_size);
    if (n < 0) {
      eved_metric_set_error(set);
      continue;
    }
    for (int i = 0; i < n; i++) {
      core_label(core, sizeof core, g, i);
      eved_label_t labels[] = {{"core", core}};
      eved_metric_sample(set, (double)times[i].interrupts, 1, labels);
    }
  }

  eved_metric_family(set, "windows_cpu_logical_processor", EVED_METRIC_GAUGE,
                     "Total number of logical processors");
  eved_metric_sample(set, (double)processors, 0, NULL);
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"windows_cpu_", NULL};

/* 5 modes and 2 counts per logical processor: room for 512 of them. */
const eved_collector_t eved_collector_cpu = {
    .name = "cpu", .collect = collect, .samples = 4096, .string_bytes = 128 * 1024,
    .namespaces = namespaces};
