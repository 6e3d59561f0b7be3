/* The running server's state changes asked for from outside HTTP: pause
 * and resume (the SCM, the admin `drain`), a counters reset, a config
 * reload. They live beside the server structure, so the admin channel and
 * the loop (app/server.c) both reach them and admin/ never depends on
 * app/. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "server_int.h"
#include "table.h"

void eved__server_report(eved_server_t *s, eved_run_state_t state, uint32_t wait_hint_ms) {
  if (s->observer.on_state != NULL) s->observer.on_state(s->observer.ctx, state, wait_hint_ms);
}

void eved__server_set_paused(eved_server_t *s, bool paused) {
  if (s->paused == paused) return;
  s->paused = paused;
  eved_log(EVED_LOG_INFO, paused ? "paused: /healthz answers 503" : "resumed: /healthz answers 200");
  if (!s->draining) eved__server_report(s, paused ? EVED_STATE_PAUSED : EVED_STATE_RUNNING, 0);
}

void eved__server_reset_stats(eved_server_t *s) {
  /* connections_active is a gauge of what is open, not a count. */
  uint64_t active = s->counters.connections_active;
  memset(&s->counters, 0, sizeof s->counters);
  s->counters.connections_active = active;
  eved_log(EVED_LOG_INFO, "statistics reset");
}

/* What a running server can take from a new config; the rest (listen,
 * max_connections, poller, admin) is kept and named in the log. */
static void keep_restart_settings(const eved_config_t *old, eved_config_t *next) {
  bool changed = next->listen_count != old->listen_count ||
                 memcmp(next->listen, old->listen, sizeof next->listen) != 0 ||
                 next->max_connections != old->max_connections ||
                 next->poller_mode != old->poller_mode ||
                 next->poller_capacity != old->poller_capacity ||
                 next->admin_enabled != old->admin_enabled ||
                 strcmp(next->admin_pipe, old->admin_pipe) != 0 ||
                 strcmp(next->admin_sddl, old->admin_sddl) != 0 ||
                 strcmp(next->admin_socket, old->admin_socket) != 0 ||
                 next->admin_max_clients != old->admin_max_clients ||
                 next->collectors_all != old->collectors_all ||
                 next->collectors_enabled_count != old->collectors_enabled_count ||
                 memcmp(next->collectors_enabled, old->collectors_enabled,
                        sizeof next->collectors_enabled) != 0;
  if (changed)
    eved_log(EVED_LOG_WARN,
             "reload: listen, max_connections, poller, admin and collectors.enabled changes take "
             "effect at the next start");
  /* TLS on or off changes what every listener speaks: a restart. Its
   * certificate, key and client CA do reload. */
  if (next->tls_enabled != old->tls_enabled) {
    eved_log(EVED_LOG_WARN, "reload: turning tls %s takes effect at the next start",
             next->tls_enabled ? "on" : "off");
    next->tls_enabled = old->tls_enabled;
    memcpy(next->tls_cert_file, old->tls_cert_file, sizeof next->tls_cert_file);
    memcpy(next->tls_key_file, old->tls_key_file, sizeof next->tls_key_file);
    memcpy(next->tls_client_ca_file, old->tls_client_ca_file, sizeof next->tls_client_ca_file);
    memcpy(next->tls_cert_store, old->tls_cert_store, sizeof next->tls_cert_store);
    memcpy(next->tls_cert_thumbprint, old->tls_cert_thumbprint, sizeof next->tls_cert_thumbprint);
    next->tls_require_client_cert = old->tls_require_client_cert;
  }
  memcpy(next->listen, old->listen, sizeof next->listen);
  next->listen_count = old->listen_count;
  next->max_connections = old->max_connections;
  next->poller_mode = old->poller_mode;
  next->poller_capacity = old->poller_capacity;
  next->admin_enabled = old->admin_enabled;
  memcpy(next->admin_pipe, old->admin_pipe, sizeof next->admin_pipe);
  memcpy(next->admin_sddl, old->admin_sddl, sizeof next->admin_sddl);
  next->collectors_all = old->collectors_all;
  next->collectors_enabled_count = old->collectors_enabled_count;
  memcpy(next->collectors_enabled, old->collectors_enabled, sizeof next->collectors_enabled);
  memcpy(next->admin_socket, old->admin_socket, sizeof next->admin_socket);
  next->admin_max_clients = old->admin_max_clients;
}

int eved__server_reload(eved_server_t *s, char *error, size_t size) {
  if (s->config_path == NULL) {
    snprintf(error, size, "no config file to reload (started without --config)");
    eved_log(EVED_LOG_WARN, "reload refused: %s", error);
    return EVE_EINVAL;
  }
  eved_config_t next;
  char why[EVED_ERROR_MAX];
  eved_config_defaults(&next);
  next.collector_check = eved_collect_check_name;
  if (eved_config_load(s->config_path, &next, why, sizeof why) != EVE_OK) {
    snprintf(error, size, "%s: %s", s->config_path, why);
    eved_log(EVED_LOG_ERROR, "reload rejected, the running config stays: %s", error);
    return EVE_EINVAL;
  }
  keep_restart_settings(&s->config, &next);
  /* The certificate is read again at every reload (a renewed one takes
   * effect without a restart); a broken one rejects the whole reload. It
   * is used only once nothing else can reject it. */
  eved_tls_creds_t *creds = NULL;
  if (s->tls != NULL && eved_tls_load(s->tls, &next, &creds, why, sizeof why) != EVE_OK) {
    snprintf(error, size, "%s", why);
    eved_log(EVED_LOG_ERROR, "reload rejected, the running config stays: %s", error);
    return EVE_EINVAL;
  }
  if (strcmp(next.log_file, s->config.log_file) != 0 &&
      eved_log_open(next.log_level, next.log_file) != 0) {
    snprintf(error, size, "log.file: cannot open \"%s\" for appending", next.log_file);
    eved_log(EVED_LOG_ERROR, "reload rejected, the running config stays: %s", error);
    if (creds != NULL) eved_tls_drop(s->tls, creds);
    return EVE_EINVAL;
  }
  if (creds != NULL) eved_tls_use(s->tls, creds);
  eved_log_set_level(next.log_level);
  eved_config_t before = s->config;
  s->config = next;
  /* A new user table from now on; the cache forgets the old one. */
  if (eved__auth_apply(s, &before) != EVE_OK)
    eved_log(EVED_LOG_ERROR, "reload: basic auth: out of memory for the verifier");
  if (s->engine != NULL) {
    eved_engine_set_intervals(s->engine, next.collectors_min_interval_ms,
                              next.collectors_timeout_ms);
    eved_engine_set_textfile_dir(s->engine, next.textfile_dir);
  }
  eved_log(EVED_LOG_INFO, "reloaded %s", s->config_path);
  return EVE_OK;
}
