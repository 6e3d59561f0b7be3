/* The event loop: one thread, one poller, the listeners and every client
 * registered with it. Timeouts are checked by a sweep over the connection
 * table rather than per-connection timers: the poller has none, and one
 * pass over a bounded table is cheap at eved's scale. The sweep also finds
 * when the next connection timeout falls due, and the loop sleeps until
 * then (at most the shortest timeout, which bounds any timer started
 * meanwhile), so a busy server is not woken by a clock: every wake-up
 * costs system calls, and under Wine wineserver round trips. Admin
 * clients, paused listeners and a drain are checked every tick instead.
 * With nothing timed to do (no connection, no admin client, no drain) the
 * loop waits with no timeout: only I/O or a posted control request wakes
 * it. */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "control.h"
#include "log.h"
#include "platform.h"
#include "server.h"
#include "server_int.h"
#include "version.h"

#define LISTEN_BACKLOG 511
#define LISTENER_FLAG EVED_LISTENER_FLAG
/* How long the SCM is told a drain may take beyond drain_timeout_ms. */
#define STOP_HINT_SLACK_MS 5000
/* How long the SCM is told each start step may take. */
#define START_HINT_MS 10000

static uint32_t shortest_timeout_ms(const eved_config_t *c) {
  uint32_t shortest = c->header_timeout_ms;
  if (c->idle_timeout_ms < shortest) shortest = c->idle_timeout_ms;
  if (c->write_timeout_ms < shortest) shortest = c->write_timeout_ms;
  return shortest;
}

/* A tick a quarter of the shortest timeout, between 10 and 250 ms. */
static int tick_ms(const eved_config_t *c) {
  uint32_t tick = shortest_timeout_ms(c) / 4;
  return tick < 10 ? 10 : tick > 250 ? 250 : (int)tick;
}

static void close_listeners(eved_server_t *s) {
  for (size_t i = 0; i < s->listener_count; i++) {
    eve_poller_unregister(s->poller, s->listeners[i]);
    eve_net_close(s->listeners[i]);
  }
  s->listener_count = 0;
}

static void set_listeners_interest(eved_server_t *s, eve_interest_t interest) {
  for (size_t i = 0; i < s->listener_count; i++)
    eve_poller_modify(s->poller, s->listeners[i], interest, LISTENER_FLAG | i);
}

static int open_listeners(eved_server_t *s) {
  for (size_t i = 0; i < s->config.listen_count; i++) {
    char text[EVE_NET_ADDRESS_TEXT_MAX];
    eve_net_address_format(&s->config.listen[i], text, sizeof text);
    eve_handle_t h;
    int rc = eve_net_listen(&s->config.listen[i], LISTEN_BACKLOG, &h);
    if (rc != EVE_OK) {
      eved_log(EVED_LOG_ERROR, "cannot listen on %s: %s", text, eve_strerror(rc));
      return rc;
    }
    rc = eve_poller_register(s->poller, h, EVE_INTEREST_READ, LISTENER_FLAG | i);
    if (rc != EVE_OK) {
      eve_net_close(h);
      eved_log(EVED_LOG_ERROR, "cannot register listener %s: %s", text, eve_strerror(rc));
      return rc;
    }
    s->listeners[s->listener_count++] = h;
    eve_net_address_t bound;
    if (eve_net_local_address(h, &bound) == EVE_OK)
      eve_net_address_format(&bound, text, sizeof text);
    eved_log(EVED_LOG_INFO, "listening on %s", text);
  }
  return EVE_OK;
}

/* Beyond max_connections: a 503 in one send, then close. The connection
 * never gets a slot, so a flood cannot grow anything. */
static void reject_connection(eved_server_t *s, eve_handle_t sock) {
  if (s->tls != NULL) {
    /* Plain text would be garbage to a TLS client, and a handshake for a
     * refusal would cost what the limit is there to save: a reset. */
    eve_net_abort(sock);
    s->counters.connections_rejected++;
    eved__limit_hit(s, EVED_LIMIT_MAX_CONNECTIONS, "a TLS connection reset: %u open",
                    s->config.max_connections);
    return;
  }
  static const char body[] = "too many connections\n";
  eved_response_t r = {.status = EVED_STATUS_503,
                       .content_type = "text/plain; charset=utf-8",
                       .body = body,
                       .body_len = sizeof body - 1};
  char buf[512];
  size_t len = eved__response_format(s, &r, buf, sizeof buf);
  eve_net_buf_t piece = {buf, len};
  size_t sent = 0;
  if (len > 0 && eve_net_send(sock, &piece, 1, &sent) == EVE_OK) s->counters.bytes_sent += sent;
  eve_net_shutdown_write(sock);
  eve_net_close(sock);
  s->counters.connections_rejected++;
  eved__limit_hit(s, EVED_LIMIT_MAX_CONNECTIONS, "a connection refused with 503: %u open",
                  s->config.max_connections);
}

static void add_connection(eved_server_t *s, eve_handle_t sock) {
  uint32_t slot = s->free_slots[--s->free_count];
  eved_conn_t *c = eved__conn_create(s, sock, slot);
  int rc = c ? EVE_OK : EVE_ENOMEM;
  if (c != NULL) {
    rc = eve_poller_register(s->poller, sock, EVE_INTEREST_READ,
                             (uint64_t)s->generations[slot] << 32 | slot);
  }
  if (rc != EVE_OK) {
    if (c != NULL && c->tls != NULL) eved_tls_conn_free(c->tls, false);
    free(c);
    s->free_slots[s->free_count++] = slot;
    eve_net_abort(sock);
    eved__limit_hit(s, EVED_LIMIT_ACCEPT_ERRORS, "cannot take a connection: %s", eve_strerror(rc));
    return;
  }
  c->interest = EVE_INTEREST_READ;
  s->slots[slot] = c;
  s->counters.connections_accepted++;
  s->counters.connections_active++;
}

static void on_listener(eved_server_t *s, size_t index) {
  for (int i = 0; i < EVED_ACCEPT_BATCH; i++) {
    eve_handle_t sock;
    int rc = eve_net_accept(s->listeners[index], &sock);
    if (rc == EVE_EAGAIN) return;
    if (rc == EVE_ECONNABORTED) continue;
    if (rc != EVE_OK) {
      /* Out of descriptors or memory: the listener stays readable, so stop
       * watching it until a connection closes, rather than spin. */
      eved__limit_hit(s, EVED_LIMIT_ACCEPT_ERRORS, "accept failed: %s; pausing accepts",
                      eve_strerror(rc));
      set_listeners_interest(s, EVE_INTEREST_NONE);
      s->listeners_paused = true;
      return;
    }
    if (s->free_count == 0) {
      reject_connection(s, sock);
    } else {
      add_connection(s, sock);
    }
  }
}

static void dispatch(eved_server_t *s, const eve_native_event_t *native) {
  eve_os_event_t ev = eve_poller_translate(native);
  if (ev.user_data & LISTENER_FLAG) {
    size_t index = (size_t)(ev.user_data & ~LISTENER_FLAG);
    if (index < s->listener_count) on_listener(s, index);
    return;
  }
  if (ev.user_data & EVED_ADMIN_FLAG) {
    if (s->admin != NULL) eved__admin_on_event(s->admin, native);
    return;
  }
  uint32_t slot = (uint32_t)(ev.user_data & 0xffffffffu);
  uint32_t generation = (uint32_t)(ev.user_data >> 32);
  if (slot >= s->config.max_connections || s->slots[slot] == NULL ||
      s->generations[slot] != generation)
    return; /* a connection closed earlier in this batch */
  eved__conn_on_event(s->slots[slot], ev.ready);
}

/* Steps the handshakes whose signatures the certificate store's thread
 * finished. */
static void tls_settle(eved_server_t *s) {
  uint64_t owners[64];
  size_t n;
  while ((n = eved_tls_take_ready(s->tls, owners, sizeof owners / sizeof owners[0])) > 0) {
    for (size_t i = 0; i < n; i++) {
      uint32_t slot = (uint32_t)(owners[i] & 0xffffffffu);
      if (slot < s->config.max_connections && s->slots[slot] != NULL &&
          s->generations[slot] == (uint32_t)(owners[i] >> 32))
        eved__conn_tls_ready(s->slots[slot]);
    }
  }
}

/* Returns when the next connection timeout falls due. */
static int64_t sweep(eved_server_t *s) {
  if (s->admin != NULL) eved__admin_sweep(s->admin);
  uint64_t closed_before = s->counters.connections_closed;
  int64_t next = s->now_ms + shortest_timeout_ms(&s->config);
  for (uint32_t i = 0; i < s->config.max_connections; i++) {
    if (s->slots[i] == NULL) continue;
    int64_t due = eved__conn_check_timers(s->slots[i]);
    if (due < next) next = due;
  }
  if (s->listeners_paused && s->counters.connections_closed != closed_before) {
    set_listeners_interest(s, EVE_INTEREST_READ);
    s->listeners_paused = false;
  }
  eved__limit_log_flush(s);
  return next;
}

static void begin_drain(eved_server_t *s) {
  s->draining = true;
  s->drain_deadline_ms = s->now_ms + s->config.drain_timeout_ms;
  close_listeners(s);
  eved_log(EVED_LOG_INFO, "stopping: draining %llu connections (at most %u ms)",
           (unsigned long long)s->counters.connections_active, s->config.drain_timeout_ms);
  eved__server_report(s, EVED_STATE_STOPPING, s->config.drain_timeout_ms + STOP_HINT_SLACK_MS);
  sweep(s);
}

static void close_all(eved_server_t *s, bool count_as_drain_timeout) {
  for (uint32_t i = 0; i < s->config.max_connections; i++) {
    if (s->slots[i] == NULL) continue;
    if (count_as_drain_timeout)
      eved__limit_hit(s, EVED_LIMIT_DRAIN_TIMEOUT, "connection %u: cut by the drain timeout", i);
    eved__conn_close(s->slots[i], true);
  }
}

static int create(eved_server_t *s, const eved_run_options_t *options) {
  const eved_config_t *config = options->config;
  memset(s, 0, sizeof *s);
  s->config = *config;
  s->config_path = options->config_path;
  if (options->observer != NULL) s->observer = *options->observer;
  s->started_ms = s->now_ms = eved_monotonic_ms();
  s->date_second = -1;
  eved__http_settings(&s->settings);
  /* max_connections sockets, and room for the listeners and the log. */
  uint64_t files = eved_raise_open_file_limit();
  if (files != 0 && files < (uint64_t)config->max_connections + 16)
    eved_log(EVED_LOG_WARN, "the open-file limit (%llu) is below max_connections (%u): accepts "
             "will fail before it", (unsigned long long)files, config->max_connections);
  size_t n = config->max_connections;
  s->slots = calloc(n, sizeof *s->slots);
  s->generations = calloc(n, sizeof *s->generations);
  s->free_slots = calloc(n, sizeof *s->free_slots);
  s->body = malloc(EVED_BODY_MAX);
  if (!s->slots || !s->generations || !s->free_slots || !s->body) return EVE_ENOMEM;
  /* Lowest slots first, so a small table stays dense. */
  for (size_t i = 0; i < n; i++) s->free_slots[i] = (uint32_t)(n - 1 - i);
  s->free_count = n;
  eve_poller_options_t poller_options = {.mode = config->poller_mode, .capacity = config->poller_capacity};
  int rc = eve_poller_create(&s->poller, &poller_options);
  if (rc != EVE_OK) {
    eved_log(EVED_LOG_ERROR, "cannot create the poller (mode %s): %s",
             eve_poller_mode_name(config->poller_mode), eve_strerror(rc));
    return rc;
  }
  if (config->tls_enabled) {
    char error[EVED_ERROR_MAX];
    rc = eved_tls_create(config, s->poller, &s->counters, &s->tls, error, sizeof error);
    if (rc != EVE_OK) {
      eved_log(EVED_LOG_ERROR, "%s", rc == EVE_ENOMEM ? eve_strerror(rc) : error);
      return rc;
    }
    eved_log(EVED_LOG_INFO, "tls: serving HTTPS (TLS 1.2)%s",
             config->tls_require_client_cert ? ", client certificates required" : "");
  }
  /* The verifier's threads start with the first login that needs them. */
  rc = eved__auth_apply(s, NULL);
  if (rc != EVE_OK) return rc;
  /* The collectors' threads start with the first scrape that needs them. */
  if (config->collectors_all || config->collectors_enabled_count > 0) {
    char error[EVED_ERROR_MAX];
    rc = eved_engine_create(s->poller, config, &s->engine, error, sizeof error);
    if (rc != EVE_OK) {
      eved_log(EVED_LOG_ERROR, "collectors: %s", rc == EVE_EINVAL ? error : eve_strerror(rc));
      return rc;
    }
  }
  return EVE_OK;
}

static void destroy(eved_server_t *s) {
  close_all(s, false);
  close_listeners(s);
  if (s->admin != NULL) eved__admin_close(s->admin);
  s->admin = NULL;
  /* Before the poller: finished collector and verifier threads post to it. */
  eved__auth_close(s);
  eved_tls_destroy(s->tls);
  s->tls = NULL;
  eved_engine_destroy(s->engine);
  s->engine = NULL;
  if (s->poller) eve_poller_dispose(s->poller);
  eved_stats_json_destroy(s->stats_json);
  free(s->slots);
  free(s->generations);
  free(s->free_slots);
  free(s->body);
}

/* Takes the requests recorded since the last wait. True when the loop
 * must end now (a second stop while draining). */
static bool act_on_controls(eved_server_t *s, unsigned *stops_seen) {
  unsigned requests = eved_control_take();
  if (requests & EVED_CONTROL_PAUSE) eved__server_set_paused(s, true);
  if (requests & EVED_CONTROL_CONTINUE) eved__server_set_paused(s, false);
  if (requests & EVED_CONTROL_RELOAD) {
    char error[EVED_ERROR_MAX];
    eved__server_reload(s, error, sizeof error);
  }
  unsigned stops = eved_control_stops();
  if (stops == *stops_seen) return false;
  *stops_seen = stops;
  if (s->draining) {
    eved_log(EVED_LOG_WARN, "second stop request: closing %llu connections now",
             (unsigned long long)s->counters.connections_active);
    close_all(s, false);
    return true;
  }
  begin_drain(s);
  return false;
}

/* Whether anything needs the tick: a drain to bound, accepts to resume,
 * admin clients' timeouts. */
static bool needs_tick(const eved_server_t *s) {
  return s->draining || s->listeners_paused ||
         (s->admin != NULL && eved__admin_has_clients(s->admin));
}

/* Whether the loop needs a timeout at all. */
static bool has_timed_work(const eved_server_t *s) {
  return needs_tick(s) || s->counters.connections_active > 0;
}

static int loop(eved_server_t *s) {
  static eve_native_event_t events[EVED_EVENT_BATCH];
  int tick = tick_ms(&s->config);
  int64_t next_sweep = s->now_ms + shortest_timeout_ms(&s->config);
  unsigned stops_seen = 0;
  bool was_idle = false;
  for (;;) {
    if (act_on_controls(s, &stops_seen)) return 0;
    if (s->draining && s->counters.connections_active == 0) return 0;
    if (s->draining && s->now_ms >= s->drain_deadline_ms) {
      eved_log(EVED_LOG_WARN, "drain timed out: closing %llu connections",
               (unsigned long long)s->counters.connections_active);
      close_all(s, true);
      return 0;
    }
    int timeout = -1;
    bool idle = !has_timed_work(s);
    if (!idle) {
      /* Back from an idle wait: no timer is older than this moment. */
      if (was_idle) next_sweep = s->now_ms + shortest_timeout_ms(&s->config);
      if (needs_tick(s) && s->now_ms + tick < next_sweep) next_sweep = s->now_ms + tick;
      int64_t wake = next_sweep;
      if (s->draining && s->drain_deadline_ms < wake) wake = s->drain_deadline_ms;
      int64_t parked_due = eved__park_next_due(s);
      if (parked_due < wake) wake = parked_due;
      int64_t auth_due = eved__auth_next_due(s);
      if (auth_due < wake) wake = auth_due;
      timeout = wake > s->now_ms ? (int)(wake - s->now_ms) : 0;
    } else if (!was_idle) {
      eved_log(EVED_LOG_DEBUG, "idle: waiting with no timeout");
    }
    was_idle = idle;
    int n = eve_poller_wait(s->poller, events, EVED_EVENT_BATCH, timeout);
    s->now_ms = eved_monotonic_ms();
    if (n < 0 && n != EVE_EINTR) {
      eved_log(EVED_LOG_ERROR, "poller wait failed: %s", eve_strerror(n));
      return EVED_EXIT_FAILURE;
    }
    /* Collectors' results first: a scrape read in this batch sees them. */
    if (s->engine != NULL) eved_engine_take(s->engine, s->now_ms);
    for (int i = 0; i < n; i++) dispatch(s, &events[i]);
    eved__park_settle(s);
    eved__auth_settle(s);
    if (s->tls != NULL) tls_settle(s);
    if (!idle && s->now_ms >= next_sweep) {
      next_sweep = sweep(s);
      if (s->draining)
        eved__server_report(s, EVED_STATE_STOPPING, s->config.drain_timeout_ms + STOP_HINT_SLACK_MS);
    }
  }
}

int eved_server_run(const eved_run_options_t *options) {
  eved_server_t *s = malloc(sizeof *s);
  if (s == NULL) {
    eved_log(EVED_LOG_ERROR, "out of memory");
    return EVED_EXIT_FAILURE;
  }
  int status = EVED_EXIT_FAILURE;
  int rc = create(s, options);
  /* What the config named and start could not use: the TLS files or the
   * store's certificate, a collector's setting, the poller's mode. */
  if (rc == EVE_EINVAL) status = EVED_EXIT_CONFIG;
  if (rc == EVE_OK) {
    eved_control_attach(s->poller);
    rc = eved_signals_install();
    eved__server_report(s, EVED_STATE_STARTING, START_HINT_MS);
  }
  /* The admin channel first: once "listening" is logged, it is there too. */
  if (rc == EVE_OK && s->config.admin_enabled) {
    rc = eved__admin_open(s, &s->admin);
    if (rc != EVE_OK) status = EVED_EXIT_ADMIN;
    eved__server_report(s, EVED_STATE_STARTING, START_HINT_MS);
  }
  if (rc == EVE_OK) {
    rc = open_listeners(s);
    if (rc != EVE_OK) status = EVED_EXIT_LISTEN;
  }
  if (rc == EVE_OK) {
    eved_log(EVED_LOG_INFO, "eved %s running (poller %s, mode %s, pid %llu)", EVED_VERSION,
             eve_poller_backend_name(s->poller),
             eve_poller_mode_name(eve_poller_mode(s->poller)),
             (unsigned long long)eved_process_id());
    eved__server_report(s, EVED_STATE_RUNNING, 0);
    status = loop(s);
    eved_log(EVED_LOG_INFO, "stopped: %llu requests on %llu connections",
             (unsigned long long)s->counters.requests_total,
             (unsigned long long)s->counters.connections_accepted);
  }
  eved_signals_uninstall();
  eved_control_attach(NULL);
  destroy(s);
  free(s);
  return status;
}
