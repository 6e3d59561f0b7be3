/* The Windows collectors, in the order /metrics lists them.
 *
 * A placeholder with an empty table: the Windows collectors (cpu_win.c,
 * memory_win.c, logical_disk_win.c, net_win.c, system_win.c, service_win.c)
 * and their table are added by the Windows collectors' change, which
 * replaces this file. Until then the Windows build collects nothing and
 * names only the Linux-only collector. */
#include <string.h>

#include "collector.h"

const eved_collector_t *const *eved_collectors(size_t *count) {
  static const eved_collector_t *const none[1] = {NULL};
  *count = 0;
  return none;
}

const eved_collector_t *eved_collector_find(const char *name) {
  (void)name;
  return NULL;
}

const char *eved_collector_other_os(const char *name) {
  return strcmp(name, "filesystem") == 0 ? "Linux" : NULL;
}
