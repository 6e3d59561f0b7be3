/* Bounds report themselves: every hit is counted (in /stats and /metrics),
 * and logged at most once per EVED_LIMIT_LOG_INTERVAL_MS per kind, so a
 * client hammering one bound cannot flood the log. Hits in between are
 * counted and their number logged with the next line for that kind. */
#ifndef EVED_LIMIT_LOG_H_
#define EVED_LIMIT_LOG_H_

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

#define EVED_LIMIT_LOG_INTERVAL_MS 10000

typedef struct eved_limit_log {
  int64_t logged_ms[EVED_LIMIT_COUNT];
  uint64_t unlogged[EVED_LIMIT_COUNT];
  bool logged[EVED_LIMIT_COUNT];
} eved_limit_log_t;

#endif /* EVED_LIMIT_LOG_H_ */
