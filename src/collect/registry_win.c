/* The collectors eved has on Windows, in the order they are listed and
 * run. */
#include <string.h>

#include "collectors_win.h"

static const eved_collector_t *const table[] = {
    &eved_collector_cpu,    &eved_collector_memory,  &eved_collector_logical_disk,
    &eved_collector_net,    &eved_collector_system,  &eved_collector_service,
};

const eved_collector_t *const *eved_collectors(size_t *count) {
  *count = sizeof table / sizeof table[0];
  return table;
}

const eved_collector_t *eved_collector_find(const char *name) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i]->name, name) == 0) return table[i];
  return NULL;
}

/* Linux's collectors that Windows has no twin of: its file systems are
 * Windows' logical_disk, under another name. */
const char *eved_collector_other_os(const char *name) {
  return strcmp(name, "filesystem") == 0 ? "Linux" : NULL;
}
