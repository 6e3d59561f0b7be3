/* A collector's place in whichever table is linked (table.h): shared by
 * the production table and the test variant. */
#include <string.h>

#include "table.h"

int eved_collect_index(const char *name) {
  size_t count;
  const eved_collector_t *const *table = eved_collect_table(&count);
  for (size_t i = 0; i < count; i++)
    if (strcmp(table[i]->name, name) == 0) return (int)i;
  return -1;
}
