/* The router: path and method to a response, counted before the body is
 * rendered, so /stats and /metrics include the request that reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "process.h"
#include "server_int.h"

static const char text_plain[] = "text/plain; charset=utf-8";

/* Reading the RSS is a file read on Linux: at most once a second, so a
 * load test on /stats measures eved rather than procfs. */
static uint64_t memory_bytes(eved_server_t *server) {
  if (!server->memory_sampled || server->now_ms - server->memory_sampled_ms >= 1000) {
    server->memory_bytes = eved_process_memory_bytes();
    server->memory_sampled_ms = server->now_ms;
    server->memory_sampled = true;
  }
  return server->memory_bytes;
}

eved_snapshot_t eved__snapshot(eved_server_t *server) {
  eved_snapshot_t s = {0};
  if (server->engine != NULL) {
    s.host.engine = server->engine;
    s.host.mask = eved_engine_enabled(server->engine);
    s.host.now_ms = eved_monotonic_ms();
  }
  s.counters = &server->counters;
  s.uptime_seconds = (double)(eved_monotonic_ms() - server->started_ms) / 1000.0;
  s.draining = server->draining;
  s.paused = server->paused;
  s.backend = eve_poller_backend_name(server->poller);
  s.mode = eve_poller_mode_name(eve_poller_mode(server->poller));
  eve_poller_stats(server->poller, &s.poller);
  s.pid = eved_process_id();
  s.memory_bytes = memory_bytes(server);
  s.handles = eved_process_handles();
  s.auth_queue_depth = server->verifier != NULL ? eved_verifier_depth(server->verifier) : 0;
  s.tls = server->tls != NULL;
  s.tls_expiry_unix = s.tls ? eved_tls_expiry_unix(server->tls) : 0;
  return s;
}

static void count(eved_server_t *server, eved_status_t status) {
  server->counters.requests_total++;
  server->counters.by_status[status]++;
}

/* Writes the body into the server's reusable buffer: the response is
 * sent (or copied into the queue) before the next request renders.
 * mask: the collectors a /metrics scrape shows; format: its exposition
 * format, as the request's Accept chose it. */
static bool render(eved_server_t *server, eved_path_t path, uint32_t mask,
                   eved_expo_format_t format, eved_response_t *r) {
  eved_snapshot_t snapshot = eved__snapshot(server);
  if (path == EVED_PATH_METRICS) {
    snapshot.host.mask = mask;
    snapshot.host.running_fails = true;
  }
  size_t len = 0;
  if (path == EVED_PATH_STATS) {
    if (server->stats_json == NULL) server->stats_json = eved_stats_json_create(snapshot.handles >= 0, snapshot.tls);
    if (server->stats_json != NULL)
      len = eved_stats_json_render(server->stats_json, &snapshot, server->body, EVED_BODY_MAX);
    r->content_type = "application/json";
  } else {
    /* The standard process figures cost a few procfs reads: /metrics
     * only, where a scrape every few seconds is the load. */
    eved_process_figures_t process;
    eved_process_figures(&process);
    snapshot.process = &process;
    len = eved_stats_metrics(&snapshot, format, server->body, EVED_BODY_MAX);
    r->content_type = eved_expo_content_type(format);
    r->vary_accept = true; /* RFC 9110 12.5.5: the format was Accept's choice */
  }
  r->body = server->body;
  r->body_len = len;
  if (len == 0)
    eved__limit_hit(server, EVED_LIMIT_BODY_MAX, "a %s body over %d bytes: answered 500",
                    eved_path_name(path), EVED_BODY_MAX);
  return len > 0;
}

/* The scrape's budget: collectors.timeout_ms, lowered to Prometheus'
 * X-Prometheus-Scrape-Timeout-Seconds less EVED_SCRAPE_MARGIN_MS. */
static uint32_t scrape_budget_ms(const eved_conn_t *conn) {
  uint32_t budget = conn->server->config.collectors_timeout_ms;
  size_t len = conn->scrape_timeout_len;
  if (len == 0 || len >= sizeof conn->scrape_timeout) return budget;
  char text[EVED_SCRAPE_TIMEOUT_TEXT_MAX];
  memcpy(text, conn->scrape_timeout, len);
  text[len] = '\0';
  char *end;
  double seconds = strtod(text, &end);
  if (end == text || *end != '\0' || !(seconds > 0) || seconds > 86400) return budget;
  double ms = seconds * 1000.0 - EVED_SCRAPE_MARGIN_MS;
  if (ms < 0) ms = 0;
  return ms < budget ? (uint32_t)ms : budget;
}

/* The collectors a /metrics request shows: its collect[] parameters, or
 * every enabled one. False, with the reason written as the body, when it
 * names one that is unknown or not enabled. */
static bool scrape_mask(eved_conn_t *conn, uint32_t *mask) {
  eved_server_t *server = conn->server;
  eved_target_t *t = &conn->target;
  uint32_t enabled = server->engine ? eved_engine_enabled(server->engine) : 0;
  eved_target_end(t);
  if (t->collect_unknown) {
    snprintf(server->body, EVED_BODY_MAX, "collect[]: unknown collector \"%s\"\n",
             t->collect_bad);
    return false;
  }
  if (!t->collect_given) {
    *mask = enabled;
    return true;
  }
  for (size_t i = 0; server->engine != NULL && i < eved_engine_count(server->engine); i++) {
    if (((t->collect_mask & ~enabled) >> i) & 1u) {
      snprintf(server->body, EVED_BODY_MAX, "collect[]: collector \"%s\" is not enabled\n",
               eved_engine_state(server->engine, i)->collector->name);
      return false;
    }
  }
  *mask = t->collect_mask;
  return true;
}

bool eved__route_parked(eved_conn_t *conn) {
  eved_server_t *server = conn->server;
  eved_response_t r = {.status = EVED_STATUS_200,
                       .content_type = text_plain,
                       .head_only = conn->parked_head,
                       .keep_alive = conn->parked_keep_alive};
  conn->parked = false;
  server->parked_count--;
  if (!conn->parked_keep_alive) conn->closing = true;
  count(server, EVED_STATUS_200);
  if (!render(server, EVED_PATH_METRICS, conn->parked_mask, conn->parked_format, &r)) {
    server->counters.by_status[EVED_STATUS_200]--;
    server->counters.by_status[EVED_STATUS_500]++;
    r.status = EVED_STATUS_500;
    r.content_type = text_plain;
    r.body = "response too large\n";
    r.body_len = strlen(r.body);
  }
  return eved__response_queue(conn, &r);
}

bool eved__route(eved_conn_t *conn, llhttp_method_t method, bool keep_alive) {
  size_t target_len = 0;
  const char *target = eved_target_path(&conn->target, &target_len);
  eved_path_t path = target != NULL ? eved_path_lookup(target, target_len) : EVED_PATH_OTHER;
  conn->server->counters.by_path[path]++;
  /* Credentials before anything else: without them, not even whether a
   * path exists is told (auth.c). */
  switch (eved__auth_gate(conn, path, method, keep_alive)) {
    case EVED_AUTH_GATE_PASS:
      break;
    case EVED_AUTH_GATE_ANSWERED:
    case EVED_AUTH_GATE_WAITING:
      return true;
    case EVED_AUTH_GATE_FAILED:
      return false;
  }
  return eved__route_verified(conn, path, method, keep_alive);
}

bool eved__route_verified(eved_conn_t *conn, eved_path_t path, llhttp_method_t method,
                          bool keep_alive) {
  eved_server_t *server = conn->server;
  bool asterisk = conn->target.form == EVED_TARGET_ASTERISK;
  eved_response_t r = {.status = EVED_STATUS_200,
                       .content_type = text_plain,
                       .head_only = method == HTTP_HEAD,
                       .keep_alive = keep_alive};
  if (method == HTTP_CONNECT || (asterisk && method == HTTP_OPTIONS)) {
    /* RFC 9110 9.3.6: eved is no proxy, so CONNECT is a method it does
     * not serve, whatever the target; OPTIONS * (9.3.7) asks what the
     * server supports, and the Allow field says it. */
    r.status = EVED_STATUS_405;
    r.allow = true;
    r.body = "method not allowed\n";
  } else if (asterisk) {
    /* RFC 9112 3.2.4: the asterisk-form is only for OPTIONS. */
    r.status = EVED_STATUS_400;
    r.body = "bad request\n";
  } else if (path == EVED_PATH_OTHER) {
    r.status = EVED_STATUS_404;
    r.body = "not found\n";
  } else if (method != HTTP_GET && method != HTTP_HEAD) {
    r.status = EVED_STATUS_405;
    r.allow = true;
    r.body = "method not allowed\n";
  } else if (path == EVED_PATH_ROOT) {
    r.content_type = "text/html; charset=utf-8";
    r.body = eved__dashboard_html;
    r.body_len = eved__dashboard_html_len;
  } else if (path == EVED_PATH_HEALTHZ) {
    /* Draining or paused: out of rotation, but still answering (see README). */
    r.status = server->draining || server->paused ? EVED_STATUS_503 : EVED_STATUS_200;
    r.body = server->draining ? "draining\n" : server->paused ? "paused\n" : "ok\n";
  }
  uint32_t mask = 0;
  if (path == EVED_PATH_METRICS && r.status == EVED_STATUS_200) {
    if (!scrape_mask(conn, &mask)) {
      /* node_exporter answers an unknown collect[] with 400 too. */
      r.status = EVED_STATUS_400;
      r.body = server->body;
    } else if (server->engine != NULL && mask != 0) {
      eved_engine_refresh(server->engine, mask, server->now_ms);
      if (eved_engine_waiting(server->engine, mask, server->now_ms) != 0) {
        eved__park(conn, mask, scrape_budget_ms(conn), r.head_only, keep_alive);
        return true;
      }
    }
  } else if (path == EVED_PATH_STATS && r.status == EVED_STATUS_200 && server->engine != NULL) {
    /* /stats never waits: it shows what there is, and asks for fresher. */
    eved_engine_refresh(server->engine, eved_engine_enabled(server->engine), server->now_ms);
  }
  count(server, r.status);
  if ((path == EVED_PATH_STATS || path == EVED_PATH_METRICS) && r.status == EVED_STATUS_200 &&
      !render(server, path, mask, eved_accept_format(&conn->accept), &r)) {
    server->counters.by_status[EVED_STATUS_200]--;
    server->counters.by_status[EVED_STATUS_500]++;
    r.status = EVED_STATUS_500;
    r.content_type = text_plain;
    r.body = "out of memory or too large\n";
    r.body_len = 0;
  }
  if (r.body_len == 0 && r.body != NULL) r.body_len = strlen(r.body);
  return eved__response_queue(conn, &r);
}

bool eved__respond_error(eved_conn_t *conn, eved_status_t status) {
  static const char *const bodies[EVED_STATUS_COUNT] = {
      [EVED_STATUS_400] = "bad request\n",
      [EVED_STATUS_405] = "method not allowed\n",
      [EVED_STATUS_408] = "request timeout\n",
      [EVED_STATUS_413] = "request bodies are not accepted\n",
      [EVED_STATUS_414] = "request line too long\n",
      [EVED_STATUS_431] = "request header fields too large\n",
      [EVED_STATUS_505] = "HTTP/1.1 only\n",
  };
  eved_response_t r = {.status = status,
                       .content_type = text_plain,
                       .body = bodies[status] ? bodies[status] : "error\n",
                       .allow = status == EVED_STATUS_405,
                       .head_only = conn->head_request,
                       .keep_alive = false};
  r.body_len = strlen(r.body);
  count(conn->server, status);
  return eved__response_queue(conn, &r);
}
