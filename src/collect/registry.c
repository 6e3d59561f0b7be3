/* The registry's lookups, over the table of this OS's collectors that
 * registry_linux.c or registry_win.c defines (registry.h). */
#include <string.h>

#include "registry.h"

const eved_collector_t *const *eved_collectors(size_t *count) {
  *count = eved__registry_count;
  return eved__registry;
}

const eved_collector_t *eved_collector_find(const char *name) {
  for (size_t i = 0; i < eved__registry_count; i++)
    if (strcmp(eved__registry[i]->name, name) == 0) return eved__registry[i];
  return NULL;
}

const char *eved_collector_other_os(const char *name) {
  for (size_t i = 0; eved__other_os_names[i] != NULL; i++)
    if (strcmp(eved__other_os_names[i], name) == 0) return eved__other_os;
  return NULL;
}
