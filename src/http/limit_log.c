/* The rate-limited log of bounds hit (see limit_log.h). */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "server_int.h"

/* Out of descriptors and cut drains need an operator; the rest are
 * clients meeting the bounds they should. */
static eved_log_level_t level_of(eved_limit_t limit) {
  return limit == EVED_LIMIT_ACCEPT_ERRORS || limit == EVED_LIMIT_DRAIN_TIMEOUT ? EVED_LOG_WARN
                                                                                : EVED_LOG_INFO;
}

static bool due(const eved_limit_log_t *log, eved_limit_t limit, int64_t now) {
  return !log->logged[limit] || now - log->logged_ms[limit] >= EVED_LIMIT_LOG_INTERVAL_MS;
}

static void logged(eved_limit_log_t *log, eved_limit_t limit, int64_t now) {
  log->logged[limit] = true;
  log->logged_ms[limit] = now;
  log->unlogged[limit] = 0;
}

void eved__limit_hit(eved_server_t *s, eved_limit_t limit, const char *format, ...) {
  eved_limit_log_t *log = &s->limit_log;
  s->counters.limits[limit]++;
  if (!due(log, limit, s->now_ms)) {
    log->unlogged[limit]++;
    return;
  }
  char detail[256];
  va_list ap;
  va_start(ap, format);
  vsnprintf(detail, sizeof detail, format, ap);
  va_end(ap);
  if (log->unlogged[limit] > 0) {
    eved_log(level_of(limit), "limit %s: %s (and %llu more since the last report)",
             eved_limit_name(limit), detail, (unsigned long long)log->unlogged[limit]);
  } else {
    eved_log(level_of(limit), "limit %s: %s", eved_limit_name(limit), detail);
  }
  logged(log, limit, s->now_ms);
}

void eved__limit_log_flush(eved_server_t *s) {
  eved_limit_log_t *log = &s->limit_log;
  for (int l = 0; l < EVED_LIMIT_COUNT; l++) {
    if (log->unlogged[l] == 0 || !due(log, (eved_limit_t)l, s->now_ms)) continue;
    eved_log(level_of((eved_limit_t)l), "limit %s: hit %llu more times since the last report",
             eved_limit_name((eved_limit_t)l), (unsigned long long)log->unlogged[l]);
    logged(log, (eved_limit_t)l, s->now_ms);
  }
}
