/* The collectors the engine, the config check and the scrape filter see:
 * this OS's registry (collector.h), which a test build extends with its
 * hook collectors. table.c is the production table; the test variant
 * (table_test_hooks.c, linked only into eved_test_hooks) defines the same
 * symbols, so nothing else needs to know which one it runs with. */
#ifndef EVED_COLLECT_TABLE_H_
#define EVED_COLLECT_TABLE_H_

#include <stddef.h>

#include "collector.h"

/* At most this many collectors (scrape masks are 32-bit). */
#define EVED_COLLECTORS_TABLE_MAX 32

const eved_collector_t *const *eved_collect_table(size_t *count);
/* Its index in eved_collect_table, or -1. */
int eved_collect_index(const char *name);

/* The config's check (eved_collector_check_t): 0 for a collector of this
 * OS; -1 with "\"service\" is a Windows-only collector" or "unknown
 * collector \"x\" (this OS has: ...)". */
int eved_collect_check_name(const char *name, char *error, size_t size);

#endif /* EVED_COLLECT_TABLE_H_ */
