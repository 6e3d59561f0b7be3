#include "fuzz_server.h"

#include "log.h"

eved_server_t *fuzz_server(void) {
  static eved_server_t *server;
  if (server != NULL) return server;
  server = calloc(1, sizeof *server);
  FUZZ_CHECK(server != NULL);
  eved_config_defaults(&server->config);
  server->config.max_connections = 1;
  server->date_second = -1;
  eved__http_settings(&server->settings);
  server->slots = calloc(1, sizeof *server->slots);
  server->generations = calloc(1, sizeof *server->generations);
  server->free_slots = calloc(1, sizeof *server->free_slots);
  /* No host collectors (engine NULL): /metrics has eved's own figures. */
  server->body = malloc(EVED_BODY_MAX);
  FUZZ_CHECK(server->slots && server->generations && server->free_slots && server->body);
  eve_poller_options_t options = {.mode = EVE_MODE_DEFAULT};
  FUZZ_CHECK(eve_poller_create(&server->poller, &options) == EVE_OK);
  /* Quiet: the fuzzer's own output is what matters. */
  eved_log_open(EVED_LOG_ERROR, NULL);
  return server;
}
