/* From a config file to a running server: what `eved run` and the Windows
 * service's ServiceMain both do, so the two cannot drift apart. */
#include "log.h"
#include "server.h"
#include "table.h"

int eved_start(const char *config_path, const char *listen, const eved_observer_t *observer) {
  eved_config_t config;
  char error[EVED_ERROR_MAX];
  eved_config_defaults(&config);
  config.collector_check = eved_collect_check_name;
  if (config_path != NULL && eved_config_load(config_path, &config, error, sizeof error) != EVE_OK) {
    eved_log(EVED_LOG_ERROR, "config %s: %s", config_path, error);
    return EVED_EXIT_CONFIG;
  }
  if (listen != NULL && eved_config_set_listen(&config, listen, error, sizeof error) != EVE_OK) {
    eved_log(EVED_LOG_ERROR, "%s", error);
    return EVED_EXIT_USAGE;
  }
  if (eved_log_open(config.log_level, config.log_file) != 0) {
    eved_log(EVED_LOG_ERROR, "log.file: cannot open \"%s\" for appending", config.log_file);
    return EVED_EXIT_CONFIG;
  }
  eved_run_options_t options = {.config = &config, .config_path = config_path, .observer = observer};
  int status = eved_server_run(&options);
  eved_log_close();
  return status;
}
