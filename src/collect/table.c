/* The production table: this OS's registry as it is. */
#include "table.h"

const eved_collector_t *const *eved_collect_table(size_t *count) {
  const eved_collector_t *const *table = eved_collectors(count);
  if (*count > EVED_COLLECTORS_TABLE_MAX) *count = EVED_COLLECTORS_TABLE_MAX;
  return table;
}
