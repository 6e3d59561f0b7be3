/* system: what node_exporter's stat, time and loadavg collectors export
 * about the whole machine: boot time, context switches, forks,
 * interrupts and processes from /proc/stat (proc(5)), the clock, and the
 * load averages from /proc/loadavg. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "procfs_linux.h"

static const struct {
  const char *key, *name, *help;
  eved_metric_type_t type;
} stat_lines[] = {
    {"btime", "node_boot_time_seconds", "Node boot time, in unixtime.", EVED_METRIC_GAUGE},
    {"ctxt", "node_context_switches_total", "Total number of context switches.",
     EVED_METRIC_COUNTER},
    {"processes", "node_forks_total", "Total number of forks.", EVED_METRIC_COUNTER},
    {"intr", "node_intr_total", "Total number of interrupts serviced.", EVED_METRIC_COUNTER},
    {"procs_running", "node_procs_running", "Number of processes in runnable state.",
     EVED_METRIC_GAUGE},
    {"procs_blocked", "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
     EVED_METRIC_GAUGE},
};
#define STAT_LINES (sizeof stat_lines / sizeof stat_lines[0])

static int read_stat(eved_metric_set_t *set, char *error, size_t error_size) {
  eved_lines_t r;
  if (eved_lines_open(&r, "/proc/stat") != 0) {
    snprintf(error, error_size, "/proc/stat: cannot open");
    return -1;
  }
  bool seen[STAT_LINES] = {false};
  for (char *line; (line = eved_lines_next(&r)) != NULL;) {
    /* "intr" lists every interrupt after the total and may be cut: the
     * total comes first. */
    char *f[2];
    if (eved_fields(line, f, 2) != 2) continue;
    for (size_t i = 0; i < STAT_LINES; i++) {
      if (seen[i] || strcmp(f[0], stat_lines[i].key) != 0) continue;
      seen[i] = true;
      uint64_t value;
      if (!eved_parse_u64(f[1], &value)) {
        eved_metric_set_error(set);
        break;
      }
      eved_metric_family(set, stat_lines[i].name, stat_lines[i].type, stat_lines[i].help);
      eved_metric_sample(set, (double)value, 0, NULL);
      break;
    }
  }
  eved_lines_close(&r);
  return 0;
}

static void read_loadavg(eved_metric_set_t *set) {
  static const char *const names[] = {"node_load1", "node_load5", "node_load15"};
  static const char *const helps[] = {"1m load average.", "5m load average.", "15m load average."};
  eved_lines_t r;
  if (eved_lines_open(&r, "/proc/loadavg") != 0) {
    eved_metric_set_error(set);
    return;
  }
  char *line = eved_lines_next(&r);
  char *f[3];
  if (line != NULL && eved_fields(line, f, 3) == 3) {
    for (int i = 0; i < 3; i++) {
      char *end;
      double v = strtod(f[i], &end);
      if (*end != '\0') {
        eved_metric_set_error(set);
        continue;
      }
      eved_metric_family(set, names[i], EVED_METRIC_GAUGE, helps[i]);
      eved_metric_sample(set, v, 0, NULL);
    }
  } else {
    eved_metric_set_error(set);
  }
  eved_lines_close(&r);
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  if (read_stat(set, error, error_size) != 0) return -1;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  eved_metric_family(set, "node_time_seconds", EVED_METRIC_GAUGE,
                     "System time in seconds since epoch (1970).");
  eved_metric_sample(set, (double)now.tv_sec + (double)now.tv_nsec / 1e9, 0, NULL);
  read_loadavg(set);
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"node_boot_time_seconds", "node_context_switches_total",
                                         "node_forks_total",       "node_intr_total",
                                         "node_procs_",            "node_time_seconds",
                                         "node_load",              NULL};

const eved_collector_t eved_system_collector = {
    .name = "system", .collect = collect, .families = 16, .samples = 16, .string_bytes = 64,
    .namespaces = namespaces};
