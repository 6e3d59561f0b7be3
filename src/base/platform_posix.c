/* eved's OS needs on POSIX (Linux). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "platform.h"

int64_t eved_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t eved_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* glibc stopped caching getpid() in 2.25, so each call is a system call,
 * and /stats asks at every request. eved never forks: its pid is read
 * once. */
uint64_t eved_process_id(void) {
  static _Atomic uint64_t pid;
  uint64_t p = atomic_load_explicit(&pid, memory_order_relaxed);
  if (p == 0) {
    p = (uint64_t)getpid();
    atomic_store_explicit(&pid, p, memory_order_relaxed);
  }
  return p;
}

/* statm's second field is the resident set in pages. Read with open/read
 * into the stack, not stdio: /stats must not allocate (fopen does). */
uint64_t eved_process_memory_bytes(void) {
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[128];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return 0;
  text[n] = '\0';
  unsigned long long size = 0, resident = 0;
  long page = sysconf(_SC_PAGESIZE);
  if (sscanf(text, "%llu %llu", &size, &resident) != 2 || page <= 0) return 0;
  return (uint64_t)resident * (uint64_t)page;
}

int64_t eved_process_handles(void) { return -1; }

uint64_t eved_raise_open_file_limit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlim_t wanted = limit.rlim_max;
    limit.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)limit.rlim_cur;
}

/* Only async-signal-safe work: eved_control_post is atomics and the
 * poller's wake-up (an atomic exchange and a write(2) to its eventfd). */
static void on_signal(int sig) {
  int saved = errno;
  eved_control_post(sig == SIGHUP ? EVED_CONTROL_RELOAD : EVED_CONTROL_STOP);
  errno = saved;
}

int eved_signals_install(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
      sigaction(SIGHUP, &sa, NULL) < 0)
    return eve_error_from_os(errno);
  /* Sends use MSG_NOSIGNAL; this covers anything else that writes to a
   * closed socket. */
  signal(SIGPIPE, SIG_IGN);
  return EVE_OK;
}

void eved_signals_uninstall(void) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
}

const char *eved_platform_textfile_dir(void) { return "/var/lib/eved/textfile"; }
