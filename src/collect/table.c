/* The production table: this OS's registry as it is. */
#include <string.h>

#include "table.h"

const eved_collector_t *const *eved_collect_table(size_t *count) {
  const eved_collector_t *const *table = eved_collectors(count);
  if (*count > EVED_COLLECTORS_TABLE_MAX) *count = EVED_COLLECTORS_TABLE_MAX;
  return table;
}

int eved_collect_index(const char *name) {
  size_t count;
  const eved_collector_t *const *table = eved_collect_table(&count);
  for (size_t i = 0; i < count; i++)
    if (strcmp(table[i]->name, name) == 0) return (int)i;
  return -1;
}
