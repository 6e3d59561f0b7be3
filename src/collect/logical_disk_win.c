/* logical_disk on Windows: size, free space and read-only state of every
 * local volume that has a drive letter (GetLogicalDriveStringsW,
 * GetDriveTypeW, GetDiskFreeSpaceExW, GetVolumeInformationW). Names and
 * the volume label ("C:"): windows_exporter 0.30's logical_disk collector.
 *
 * Network drives (DRIVE_REMOTE) are left out, as perflib's LogicalDisk
 * object, windows_exporter's source, leaves them out. That is also what
 * keeps a dead share from stalling the others: GetDiskFreeSpaceExW on a
 * disconnected share blocks in the redirector for as long as SMB's own
 * timeouts, and no API bounds that wait, so the only bounded way is not to
 * ask. Local volumes answer from the file system's in-memory state.
 *
 * Not reported: the I/O counters (read/write bytes, operations, times).
 * Their only source without perflib is IOCTL_DISK_PERFORMANCE on the
 * volume (https://learn.microsoft.com/windows/win32/api/winioctl/ni-winioctl-ioctl_disk_performance),
 * which Wine 8 answers with ERROR_NOT_SUPPORTED, so it cannot be tested
 * here; volumes without a letter (mounted in a folder) are not listed. */
#include <windows.h>

#include <stdio.h>

#include "collectors_win.h"
#include "text_win.h"

/* "A:\" .. "Z:\", each NUL-terminated, and the final NUL. */
#define DRIVES_CHARS (26 * 4 + 1)
#define VOLUMES_MAX 26

typedef struct volume {
  char name[3]; /* "C:" */
  double size_bytes, free_bytes, readonly;
} volume_t;

/* Per thread, not per process: a thread abandoned in a hung call may
 * still be inside collect() while its replacement runs (collector.h). */
static _Thread_local volume_t volumes[VOLUMES_MAX];

static size_t scan(eved_metric_set_t *set) {
  wchar_t drives[DRIVES_CHARS];
  DWORD len = GetLogicalDriveStringsW(DRIVES_CHARS, drives);
  if (len == 0 || len >= DRIVES_CHARS) {
    eved_metric_set_error(set);
    return 0;
  }
  /* No "insert a disk" box for an empty removable drive: fail the call. */
  DWORD old_mode = 0;
  SetThreadErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX, &old_mode);
  size_t count = 0;
  for (const wchar_t *root = drives; *root != L'\0' && count < VOLUMES_MAX;
       root += wcslen(root) + 1) {
    UINT type = GetDriveTypeW(root);
    if (type != DRIVE_FIXED && type != DRIVE_REMOVABLE && type != DRIVE_CDROM &&
        type != DRIVE_RAMDISK)
      continue;
    if (root[0] < L'A' || root[0] > L'Z' || root[1] != L':') continue;
    ULARGE_INTEGER caller_free, total, total_free;
    if (!GetDiskFreeSpaceExW(root, &caller_free, &total, &total_free)) {
      DWORD err = GetLastError();
      /* An empty card reader or optical drive: nothing to report, and
       * nothing wrong. A volume gone mid-scrape is a partial failure. */
      if (err != ERROR_NOT_READY && err != ERROR_NO_MEDIA_IN_DRIVE) eved_metric_set_error(set);
      continue;
    }
    DWORD flags = 0;
    if (!GetVolumeInformationW(root, NULL, 0, NULL, NULL, &flags, NULL, 0)) flags = 0;
    volume_t *v = &volumes[count++];
    v->name[0] = (char)root[0];
    v->name[1] = ':';
    v->name[2] = '\0';
    /* The volume's own totals, not the caller's quota-limited share: what
     * perflib's Free Megabytes and its base report. */
    v->size_bytes = (double)total.QuadPart;
    v->free_bytes = (double)total_free.QuadPart;
    v->readonly = (flags & FILE_READ_ONLY_VOLUME) ? 1 : 0;
  }
  SetThreadErrorMode(old_mode, NULL);
  return count;
}

static void family(eved_metric_set_t *set, size_t count, const char *name, const char *help,
                   size_t offset) {
  eved_metric_family(set, name, EVED_METRIC_GAUGE, help);
  for (size_t i = 0; i < count; i++) {
    eved_label_t labels[] = {{"volume", volumes[i].name}};
    const double *value = (const double *)((const char *)&volumes[i] + offset);
    eved_metric_sample(set, *value, 1, labels);
  }
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  (void)error;
  (void)error_size;
  size_t count = scan(set);
  family(set, count, "windows_logical_disk_size_bytes", "Total space in bytes",
         offsetof(volume_t, size_bytes));
  family(set, count, "windows_logical_disk_free_bytes", "Free space in bytes",
         offsetof(volume_t, free_bytes));
  family(set, count, "windows_logical_disk_readonly", "Whether the logical disk is read-only",
         offsetof(volume_t, readonly));
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"windows_logical_disk_", NULL};

const eved_collector_t eved_collector_logical_disk = {
    .name = "logical_disk", .collect = collect, .namespaces = namespaces};
