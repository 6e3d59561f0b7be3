/* A test hook (only in eved_test_hooks): the collector "test_hang" blocks
 * its thread for good, as a call on a dead network share does, and
 * ignores every attempt to end it. The engine must report it failed
 * within the scrape's budget, keep answering, and bound the threads it
 * abandons. */
#include <stdio.h>

#include "collector.h"
#include "thread.h"

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  (void)set;
  /* A gate nobody will ever open: one small leak per hung call, bounded
   * as the abandoned threads are. */
  eved_gate_t *never = eved_gate_create();
  while (never != NULL) eved_gate_wait(never);
  snprintf(error, error_size, "test_hang: no gate to hang on");
  return -1;
}

const eved_collector_t eved_test_hang_collector = {.name = "test_hang", .collect = collect};
