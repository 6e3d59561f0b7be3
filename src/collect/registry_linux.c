/* The Linux collectors, in the order /metrics lists them. */
#include <string.h>

#include "collector.h"

extern const eved_collector_t eved_cpu_collector, eved_memory_collector,
    eved_filesystem_collector, eved_net_collector, eved_system_collector;

static const eved_collector_t *const table[] = {&eved_cpu_collector, &eved_memory_collector,
                                                &eved_filesystem_collector, &eved_net_collector,
                                                &eved_system_collector};

const eved_collector_t *const *eved_collectors(size_t *count) {
  *count = sizeof table / sizeof table[0];
  return table;
}

const eved_collector_t *eved_collector_find(const char *name) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i]->name, name) == 0) return table[i];
  return NULL;
}

const char *eved_collector_other_os(const char *name) {
  static const char *const windows_only[] = {"logical_disk", "service"};
  for (size_t i = 0; i < sizeof windows_only / sizeof windows_only[0]; i++)
    if (strcmp(windows_only[i], name) == 0) return "Windows";
  return NULL;
}
