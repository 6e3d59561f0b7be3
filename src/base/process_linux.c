/* The standard process figures on Linux, read from procfs as
 * client_golang's process collector reads them (through
 * github.com/prometheus/procfs): see process.h. Plain open/read into the
 * stack and getdents64 rather than stdio or opendir, which allocate:
 * /metrics is served without touching the heap. */
#define _GNU_SOURCE /* getdents64 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "process.h"

/* procfs's userHZ: the kernel reports clock ticks in USER_HZ, which is
 * 100 on every architecture Linux runs on; procfs fixes it, not sysconf. */
#define USER_HZ 100.0

/* Reads a whole small file (up to size - 1 bytes); its length, -1 on error. */
static ssize_t read_small(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  while (len < size - 1) {
    ssize_t n = read(fd, buf + len, size - 1 - len);
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

/* /proc/stat's btime: the boot time in Unix seconds. The file grows with
 * the CPUs and interrupts, so it is scanned in pieces for the one line
 * rather than read whole; boot time never changes, so once is enough. */
static bool boot_time(uint64_t *out) {
  static uint64_t btime;
  static bool known;
  if (known) {
    *out = btime;
    return true;
  }
  int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  static const char key[] = "btime ";
  enum { AT_KEY, SKIP_LINE, IN_VALUE, DONE, BAD } state = AT_KEY;
  size_t matched = 0, digits = 0;
  uint64_t value = 0;
  char buf[4096];
  ssize_t n;
  while (state != DONE && state != BAD && (n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n && state != DONE && state != BAD; i++) {
      char c = buf[i];
      if (state == AT_KEY) {
        if (c == key[matched]) {
          if (++matched == sizeof key - 1) state = IN_VALUE;
        } else {
          state = c == '\n' ? AT_KEY : SKIP_LINE;
          matched = 0;
        }
      } else if (state == SKIP_LINE) {
        if (c == '\n') state = AT_KEY;
      } else if (c >= '0' && c <= '9' && digits < 19) {
        value = value * 10 + (uint64_t)(c - '0');
        digits++;
      } else {
        state = c == '\n' && digits > 0 ? DONE : BAD;
      }
    }
  }
  close(fd);
  if (state != DONE) return false;
  btime = value;
  known = true;
  *out = btime;
  return true;
}

/* /proc/self/stat: the fields after the command name, which is in
 * parentheses and may itself hold spaces and parentheses, so the last ')'
 * ends it (proc(5)). */
static void read_stat(eved_process_figures_t *out) {
  char text[1024];
  if (read_small("/proc/self/stat", text, sizeof text) <= 0) return;
  char *p = strrchr(text, ')');
  if (p == NULL) return;
  p++;
  /* Field 3 (state) comes next; utime and stime are 14 and 15,
   * starttime 22, vsize 23, rss 24 (proc(5)). */
  uint64_t field[25] = {0};
  for (int i = 3; i <= 24; i++) {
    while (*p == ' ') p++;
    if (*p == '\0') return;
    char *end = p;
    if (i == 3) {
      end++; /* the state letter */
    } else {
      field[i] = strtoull(p, &end, 10);
      if (end == p) return;
    }
    p = end;
  }
  long page = sysconf(_SC_PAGESIZE);
  if (page > 0) {
    out->virtual_bytes = field[23];
    out->resident_bytes = field[24] * (uint64_t)page;
    out->has_memory = true;
  }
  uint64_t btime;
  if (boot_time(&btime)) {
    out->cpu_seconds = (double)(field[14] + field[15]) / USER_HZ;
    out->start_seconds = (double)btime + (double)field[22] / USER_HZ;
    out->has_times = true;
  }
}

/* Entries of /proc/self/fd, the directory's own descriptor included, as
 * procfs counts them. */
static void count_fds(eved_process_figures_t *out) {
  int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096];
  uint64_t count = 0;
  ssize_t n;
  while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
    for (ssize_t at = 0; at < n;) {
      const struct dirent64 *d = (const struct dirent64 *)(const void *)(buf + at);
      if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) count++;
      at += d->d_reclen;
    }
  }
  close(fd);
  if (n < 0) return;
  out->open_fds = count;
  out->has_fds = true;
}

static uint64_t soft_limit(int resource, bool *ok) {
  struct rlimit limit;
  *ok = getrlimit(resource, &limit) == 0;
  if (!*ok || limit.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
  return (uint64_t)limit.rlim_cur;
}

void eved_process_figures(eved_process_figures_t *out) {
  *out = (eved_process_figures_t){0};
  read_stat(out);
  count_fds(out);
  out->max_fds = soft_limit(RLIMIT_NOFILE, &out->has_max_fds);
  out->virtual_max_bytes = soft_limit(RLIMIT_AS, &out->has_virtual_max);
}
