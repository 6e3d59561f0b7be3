/* memory on Windows: physical memory (GlobalMemoryStatusEx), commit and
 * kernel pools (GetPerformanceInfo), and each paging file (EnumPageFilesW).
 * Names: windows_exporter 0.30's memory collector, and its pagefile
 * collector for the paging files. */
#include <windows.h>
#include <psapi.h>

#include <stdio.h>

#include "collectors_win.h"
#include "text_win.h"

/* Paging files: Windows allows at most 16
 * (https://learn.microsoft.com/troubleshoot/windows-client/performance/introduction-to-the-page-file). */
#define PAGEFILES_MAX 16
/* A paging file's path in UTF-8: MAX_PATH characters of up to 3 bytes. */
#define PAGEFILE_NAME_MAX (MAX_PATH * 3 + 1)

typedef struct pagefile {
  char name[PAGEFILE_NAME_MAX];
  double limit_bytes, free_bytes;
} pagefile_t;

typedef struct pagefile_scan {
  pagefile_t files[PAGEFILES_MAX];
  size_t count;
  size_t page_size;
  unsigned skipped; /* names that did not convert, files over the bound */
} pagefile_scan_t;

/* Per thread, not per process: a thread abandoned in a hung call may
 * still be inside collect() while its replacement runs (collector.h). */
static _Thread_local pagefile_scan_t scan;

static void gauge(eved_metric_set_t *set, const char *name, const char *help, double value) {
  if (eved_metric_family(set, name, EVED_METRIC_GAUGE, help))
    eved_metric_sample(set, value, 0, NULL);
}

/* EnumPageFilesW's callback, once per paging file; TRUE goes on. */
static BOOL CALLBACK on_pagefile(LPVOID context, PENUM_PAGE_FILE_INFORMATION info, LPCWSTR file) {
  pagefile_scan_t *s = context;
  if (s->count == PAGEFILES_MAX) {
    s->skipped++;
    return TRUE;
  }
  pagefile_t *p = &s->files[s->count];
  if (!eved_utf8_from_wide(file, -1, p->name, sizeof p->name)) {
    s->skipped++;
    return TRUE;
  }
  /* Sizes are in pages. */
  p->limit_bytes = (double)info->TotalSize * (double)s->page_size;
  p->free_bytes = info->TotalSize > info->TotalInUse
                      ? (double)(info->TotalSize - info->TotalInUse) * (double)s->page_size
                      : 0;
  s->count++;
  return TRUE;
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  MEMORYSTATUSEX ms = {.dwLength = sizeof ms};
  if (!GlobalMemoryStatusEx(&ms)) {
    snprintf(error, error_size, "GlobalMemoryStatusEx: error %lu", (unsigned long)GetLastError());
    return -1;
  }
  gauge(set, "windows_memory_physical_total_bytes", "The amount of actual physical memory, in bytes.",
        (double)ms.ullTotalPhys);
  gauge(set, "windows_memory_physical_free_bytes",
        "The amount of physical memory currently available, in bytes: the standby, free and zero "
        "lists.",
        (double)ms.ullAvailPhys);
  /* perflib's Memory\Available Bytes is the same sum of the standby, free
   * and zero page lists that ullAvailPhys reports. */
  gauge(set, "windows_memory_available_bytes",
        "The amount of physical memory immediately available for allocation to a process or for "
        "system use (AvailableBytes)",
        (double)ms.ullAvailPhys);
  gauge(set, "windows_memory_process_memory_limit_bytes",
        "The size of the user-mode portion of the virtual address space of the calling process, in "
        "bytes.",
        (double)ms.ullTotalVirtual);

  PERFORMANCE_INFORMATION pi = {.cb = sizeof pi};
  if (GetPerformanceInfo(&pi, sizeof pi)) {
    double page = (double)pi.PageSize;
    gauge(set, "windows_memory_commit_limit",
          "Amount of virtual memory, in bytes, that can be committed without having to extend the "
          "paging file(s) (CommitLimit)",
          (double)pi.CommitLimit * page);
    gauge(set, "windows_memory_committed_bytes", "Amount of committed virtual memory, in bytes (CommittedBytes)",
          (double)pi.CommitTotal * page);
    gauge(set, "windows_memory_pool_paged_bytes", "Number of bytes in the paged pool (PoolPagedBytes)",
          (double)pi.KernelPaged * page);
    gauge(set, "windows_memory_pool_nonpaged_bytes",
          "Number of bytes in the non-paged pool (PoolNonpagedBytes)",
          (double)pi.KernelNonpaged * page);
    scan.page_size = pi.PageSize;
  } else {
    eved_metric_set_error(set);
  }

  /* The paging files. EnumPageFilesW reports sizes in pages, so it needs
   * the page size GetPerformanceInfo gave. */
  scan.count = 0;
  scan.skipped = 0;
  if (scan.page_size == 0 || !EnumPageFilesW(on_pagefile, &scan)) {
    eved_metric_set_error(set);
    return 0;
  }
  for (unsigned i = 0; i < scan.skipped; i++) eved_metric_set_error(set);
  eved_metric_family(set, "windows_pagefile_limit_bytes", EVED_METRIC_GAUGE,
                     "Number of bytes that can be stored in the operating system paging files. 0 "
                     "(zero) indicates that there are no paging files");
  for (size_t i = 0; i < scan.count; i++) {
    eved_label_t labels[] = {{"file", scan.files[i].name}};
    eved_metric_sample(set, scan.files[i].limit_bytes, 1, labels);
  }
  eved_metric_family(set, "windows_pagefile_free_bytes", EVED_METRIC_GAUGE,
                     "Number of bytes that can be mapped into the operating system paging files "
                     "without causing any other pages to be swapped out");
  for (size_t i = 0; i < scan.count; i++) {
    eved_label_t labels[] = {{"file", scan.files[i].name}};
    eved_metric_sample(set, scan.files[i].free_bytes, 1, labels);
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"windows_memory_", "windows_pagefile_", NULL};

const eved_collector_t eved_collector_memory = {
    .name = "memory", .collect = collect, .namespaces = namespaces};
