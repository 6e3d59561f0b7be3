/* net: per-interface counters from /proc/net/dev, as node_exporter's
 * netdev collector exports them: node_network_{receive,transmit}_*_total
 * {device}, all counters. /proc/net/dev's columns (proc(5)): receive
 * bytes packets errs drop fifo frame compressed multicast, then transmit
 * bytes packets errs drop fifo colls carrier compressed. */
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "procfs_linux.h"

#define COLUMNS 16
static const struct {
  const char *name, *help;
} columns[COLUMNS] = {
    {"node_network_receive_bytes_total", "Network device statistic receive_bytes."},
    {"node_network_receive_packets_total", "Network device statistic receive_packets."},
    {"node_network_receive_errs_total", "Network device statistic receive_errs."},
    {"node_network_receive_drop_total", "Network device statistic receive_drop."},
    {"node_network_receive_fifo_total", "Network device statistic receive_fifo."},
    {"node_network_receive_frame_total", "Network device statistic receive_frame."},
    {"node_network_receive_compressed_total", "Network device statistic receive_compressed."},
    {"node_network_receive_multicast_total", "Network device statistic receive_multicast."},
    {"node_network_transmit_bytes_total", "Network device statistic transmit_bytes."},
    {"node_network_transmit_packets_total", "Network device statistic transmit_packets."},
    {"node_network_transmit_errs_total", "Network device statistic transmit_errs."},
    {"node_network_transmit_drop_total", "Network device statistic transmit_drop."},
    {"node_network_transmit_fifo_total", "Network device statistic transmit_fifo."},
    {"node_network_transmit_colls_total", "Network device statistic transmit_colls."},
    {"node_network_transmit_carrier_total", "Network device statistic transmit_carrier."},
    {"node_network_transmit_compressed_total", "Network device statistic transmit_compressed."},
};

/* "  eth0: 1 2 ..." into the device and its columns. */
static bool parse(char *line, char **device, uint64_t values[COLUMNS]) {
  char *colon = strchr(line, ':');
  if (colon == NULL) return false;
  *colon = '\0';
  char *name[1];
  if (eved_fields(line, name, 1) != 1) return false;
  *device = name[0];
  char *f[COLUMNS];
  if (eved_fields(colon + 1, f, COLUMNS) != COLUMNS) return false;
  for (size_t i = 0; i < COLUMNS; i++)
    if (!eved_parse_u64(f[i], &values[i])) return false;
  return true;
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  for (size_t column = 0; column < COLUMNS; column++) {
    eved_lines_t r;
    if (eved_lines_open(&r, "/proc/net/dev") != 0) {
      snprintf(error, error_size, "/proc/net/dev: cannot open");
      return -1;
    }
    eved_metric_family(set, columns[column].name, EVED_METRIC_COUNTER, columns[column].help);
    size_t line_number = 0;
    for (char *line; (line = eved_lines_next(&r)) != NULL;) {
      if (++line_number <= 2) continue; /* the two heading lines */
      char *device;
      uint64_t values[COLUMNS];
      if (r.truncated || !parse(line, &device, values)) {
        if (column == 0) eved_metric_set_error(set);
        continue;
      }
      eved_label_t label = {"device", device};
      eved_metric_sample(set, (double)values[column], 1, &label);
    }
    eved_lines_close(&r);
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"node_network_", NULL};

/* Sixteen families of up to 256 interfaces. */
const eved_collector_t eved_net_collector = {.name = "net",
                                            .collect = collect,
                                            .families = COLUMNS,
                                            .samples = COLUMNS * 256,
                                            .string_bytes = COLUMNS * 256 * 24,
                                            .namespaces = namespaces};
