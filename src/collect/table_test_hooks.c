/* The test variant of table.c (linked only into eved_test_hooks): this
 * OS's registry plus the hook collectors of test_hang.c and test_labels.c,
 * so the server tests can make a collector hang, or report label values
 * that need escaping, on Linux and under Wine alike. */
#include <string.h>

#include "table.h"

extern const eved_collector_t eved_test_hang_collector;
extern const eved_collector_t eved_test_labels_collector;

const eved_collector_t *const *eved_collect_table(size_t *count) {
  static const eved_collector_t *table[EVED_COLLECTORS_TABLE_MAX];
  static size_t table_count;
  if (table_count == 0) { /* first called on the loop thread, at start */
    size_t n;
    const eved_collector_t *const *os = eved_collectors(&n);
    if (n > EVED_COLLECTORS_TABLE_MAX - 2) n = EVED_COLLECTORS_TABLE_MAX - 2;
    memcpy(table, os, n * sizeof *table);
    table[n] = &eved_test_hang_collector;
    table[n + 1] = &eved_test_labels_collector;
    table_count = n + 2;
  }
  *count = table_count;
  return table;
}
