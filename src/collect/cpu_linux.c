/* cpu: time per CPU and mode from /proc/stat, as node_exporter's cpu
 * collector exports it: node_cpu_seconds_total{cpu,mode} and
 * node_cpu_guest_seconds_total{cpu,mode}. The kernel counts in USER_HZ
 * ticks (proc(5)); guest time is already inside user and nice, so it is a
 * family of its own, as node_exporter has it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "procfs_linux.h"

static const char *const modes[] = {"user", "nice", "system", "idle",
                                    "iowait", "irq", "softirq", "steal"};
#define MODES (sizeof modes / sizeof modes[0])

/* One CPU's line: "cpuN user nice system idle iowait irq softirq steal
 * guest guest_nice". */
typedef struct cpu_line {
  char cpu[16];
  uint64_t ticks[MODES + 2];
  size_t count;
} cpu_line_t;

static bool parse_cpu(char *line, cpu_line_t *out) {
  char *f[16];
  size_t n = eved_fields(line, f, 16);
  if (n < 5 || strncmp(f[0], "cpu", 3) != 0 || f[0][3] == '\0') return false;
  snprintf(out->cpu, sizeof out->cpu, "%s", f[0] + 3);
  out->count = 0;
  for (size_t i = 1; i < n && out->count < MODES + 2; i++) {
    if (!eved_parse_u64(f[i], &out->ticks[out->count])) return false;
    out->count++;
  }
  return true;
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  /* Two passes over the file, one per family: a family's samples must be
   * added together, and nothing is kept between the passes. */
  for (int pass = 0; pass < 2; pass++) {
    eved_lines_t r;
    if (eved_lines_open(&r, "/proc/stat") != 0) {
      snprintf(error, error_size, "/proc/stat: cannot open");
      return -1;
    }
    if (pass == 0) {
      eved_metric_family(set, "node_cpu_seconds_total", EVED_METRIC_COUNTER,
                         "Seconds the CPUs spent in each mode.");
    } else {
      eved_metric_family(set, "node_cpu_guest_seconds_total", EVED_METRIC_COUNTER,
                         "Seconds the CPUs spent in guests (VMs) for each mode.");
    }
    for (char *line; (line = eved_lines_next(&r)) != NULL;) {
      /* "cpu " is the sum over CPUs, which node_exporter does not export. */
      if (strncmp(line, "cpu", 3) != 0 || line[3] == ' ') continue;
      cpu_line_t c;
      if (!parse_cpu(line, &c)) {
        eved_metric_set_error(set);
        continue;
      }
      if (pass == 0) {
        for (size_t m = 0; m < MODES && m < c.count; m++) {
          eved_label_t labels[] = {{"cpu", c.cpu}, {"mode", modes[m]}};
          eved_metric_sample(set, (double)c.ticks[m] / (double)hz, 2, labels);
        }
      } else if (c.count >= MODES + 2) {
        eved_label_t user[] = {{"cpu", c.cpu}, {"mode", "user"}};
        eved_label_t nice[] = {{"cpu", c.cpu}, {"mode", "nice"}};
        eved_metric_sample(set, (double)c.ticks[MODES] / (double)hz, 2, user);
        eved_metric_sample(set, (double)c.ticks[MODES + 1] / (double)hz, 2, nice);
      }
    }
    eved_lines_close(&r);
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"node_cpu_", NULL};

/* 8 modes and 2 guest modes per CPU: room for 256 CPUs (more are
 * dropped and counted). */
const eved_collector_t eved_cpu_collector = {
    .name = "cpu", .collect = collect, .families = 2, .samples = 2560, .string_bytes = 64 * 1024,
    .namespaces = namespaces};
