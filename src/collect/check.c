/* The config's collector name check (table.h). */
#include <stdio.h>
#include <string.h>

#include "table.h"

int eved_collect_check_name(const char *name, char *error, size_t size) {
  if (eved_collect_index(name) >= 0) return 0;
  const char *os = eved_collector_other_os(name);
  if (os != NULL) {
    snprintf(error, size, "\"%.40s\" is a %s-only collector", name, os);
    return -1;
  }
  size_t count, at = 0;
  const eved_collector_t *const *table = eved_collect_table(&count);
  char known[160] = "";
  for (size_t i = 0; i < count && at < sizeof known; i++) {
    int n = snprintf(known + at, sizeof known - at, "%s%s", i ? ", " : "", table[i]->name);
    if (n < 0) break;
    at += (size_t)n;
  }
  snprintf(error, size, "unknown collector \"%.40s\" (this OS has: %s)", name,
           count ? known : "none");
  return -1;
}
