/* Parked scrapes: a /metrics request whose collectors are running waits,
 * its connection's input paused behind it (so pipelined requests keep
 * their order), until the collectors are done or its budget is spent;
 * then it is answered with what there is, overrunning collectors
 * reported failed. /healthz, /stats and the admin channel never park. */
#include "server_int.h"

void eved__park(eved_conn_t *conn, uint32_t mask, uint32_t budget_ms, bool head_only,
                bool keep_alive) {
  conn->parked = true;
  conn->parked_head = head_only;
  conn->parked_keep_alive = keep_alive;
  conn->parked_mask = mask;
  /* Taken now: the request's fields are gone once the next one parses. */
  conn->parked_format = eved_accept_format(&conn->accept);
  conn->parked_due_ms = conn->server->now_ms + budget_ms;
  conn->server->parked_count++;
}

void eved__park_settle(eved_server_t *s) {
  if (s->parked_count == 0) return;
  for (uint32_t i = 0; i < s->config.max_connections && s->parked_count > 0; i++) {
    eved_conn_t *c = s->slots[i];
    if (c == NULL || !c->parked) continue;
    if (s->now_ms < c->parked_due_ms &&
        eved_engine_waiting(s->engine, c->parked_mask, s->now_ms) != 0)
      continue;
    if (!eved__route_parked(c)) c->closing = true;
    eved__conn_resume(c); /* may close c */
  }
}

int64_t eved__park_next_due(const eved_server_t *s) {
  int64_t next = INT64_MAX;
  if (s->parked_count == 0) return next;
  for (uint32_t i = 0; i < s->config.max_connections; i++) {
    const eved_conn_t *c = s->slots[i];
    if (c != NULL && c->parked && c->parked_due_ms < next) next = c->parked_due_ms;
  }
  return next;
}
