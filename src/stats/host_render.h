/* The host figures' renderings: a metric set in the Prometheus text format
 * (0.0.4, or OpenMetrics 1.0), the engine's own per-collector series, and
 * the `host` object of /stats. All write into a textbuf and allocate
 * nothing. */
#ifndef EVED_HOST_RENDER_H_
#define EVED_HOST_RENDER_H_

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "expo.h"
#include "metric_set.h"
#include "textbuf.h"

/* Which collectors a rendering shows, and how. */
typedef struct eved_host_view {
  const eved_engine_t *engine; /* NULL: no host figures */
  uint32_t mask;               /* collector indexes shown */
  int64_t now_ms;              /* eved_monotonic_ms at the rendering */
  /* A scrape: a collector still running has overrun this scrape's budget
   * and is reported failed. /stats instead shows the last result and
   * that a run is under way. */
  bool running_fails;
} eved_host_view_t;

/* Every family of set: # HELP, # TYPE, then its samples, in e's format
 * (expo.h: in OpenMetrics a counter's family drops "_total"). */
void eved_metric_set_render(eved_expo_t *e, const eved_metric_set_t *set);

/* /metrics' host part: each shown collector's families (when it
 * succeeded), then eved_collector_success, _duration_seconds, the
 * dropped and error counts, and the abandoned threads. */
void eved_host_metrics(eved_expo_t *e, const eved_host_view_t *view);

/* /stats' "host" value (a JSON object) is written in two parts: the head,
 * live at each request (ages, running, the per-collector status), ending
 * with the "metrics" key, then the metrics object and the closing brace.
 * The metrics object changes only when the engine takes a result
 * (eved_engine_generation), so /stats keeps a copy of it
 * (stats_json.c) instead of formatting every figure per request. */
void eved_host_json_head(eved_textbuf_t *b, const eved_host_view_t *view);
void eved_host_json_metrics(eved_textbuf_t *b, const eved_host_view_t *view);

#endif /* EVED_HOST_RENDER_H_ */
