/* eved's command line. Exit codes: 0 success, 1 runtime failure (or an
 * invalid config for check-config), 2 usage errors, and the EVED_EXIT_*
 * statuses of server.h for `run`; `admin` and the service verbs document
 * their own. */
#include <stdio.h>
#include <string.h>

#include "admin_client.h"
#include "config.h"
#include "log.h"
#include "server.h"
#include "service.h"
#include "table.h"
#include "tls.h"
#include "version.h"

static const char usage[] =
    "usage: eved <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [--config FILE] [--listen HOST:PORT]\n"
    "                        serve in the foreground until Ctrl-C (SIGINT/SIGTERM),\n"
    "                        then drain open connections and exit\n"
    "  check-config FILE     validate a config file; non-zero exit with the reason\n"
    "  admin [--config FILE] [--pipe NAME] [--socket PATH] [--json] COMMAND [ARGS]\n"
    "                        one command over the admin channel (try: eved admin help)\n"
    "  install [--config FILE] [--start auto|delayed|manual] [--no-start] [--name NAME]\n"
    "          [--account ACCOUNT] [--firewall [--remote-addr LIST]]\n"
    "  uninstall|start|stop|status [--name NAME]\n"
    "                        the Windows service (on Linux: systemd, eved.service)\n"
    "  configure [--name NAME] ...   the MSI's setup of an installed service\n"
    "  --help                this text\n"
    "  --version             print the version\n"
    "\n"
    "HOST:PORT is IPv4:port, [IPv6]:port or localhost:port; port 0 picks a free port.\n"
    "Endpoints: / (dashboard), /stats (JSON), /metrics (Prometheus), /healthz.\n";

static int check_config(int argc, char **argv) {
  if (argc != 3) {
    fputs("usage: eved check-config FILE\n", stderr);
    return 2;
  }
  eved_config_t config;
  char error[EVED_ERROR_MAX];
  eved_config_defaults(&config);
  config.collector_check = eved_collect_check_name;
  if (eved_config_load(argv[2], &config, error, sizeof error) != EVE_OK) {
    fprintf(stderr, "eved: %s: %s\n", argv[2], error);
    return 1;
  }
  /* The certificate, the key and the client CA are read as a start would
   * read them: a key that does not match is found here, not at 3 a.m. */
  if (config.tls_enabled) {
    eved_counters_t counters = {0};
    eved_tls_t *tls = NULL;
    int rc = eved_tls_create(&config, NULL, &counters, &tls, error, sizeof error);
    if (rc != EVE_OK) {
      fprintf(stderr, "eved: %s: %s\n", argv[2], rc == EVE_ENOMEM ? eve_strerror(rc) : error);
      return 1;
    }
    eved_tls_destroy(tls);
  }
  printf("%s: ok\n", argv[2]);
  return 0;
}

static int run(int argc, char **argv) {
  const char *config_file = NULL, *listen = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_file = argv[++i];
    } else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      listen = argv[++i];
    } else {
      fprintf(stderr, "eved run: unexpected argument \"%s\"\n%s", argv[i], usage);
      return 2;
    }
  }
  return eved_start(config_file, listen, NULL);
}

int main(int argc, char **argv) {
  static const char *const service_verbs[] = {"install", "uninstall", "start", "stop", "status",
                                              "configure"};
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *command = argv[1];
  if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(command, "--version") == 0) {
    printf("eved %s\n", EVED_VERSION);
    return 0;
  }
  if (strcmp(command, "run") == 0) return run(argc, argv);
  if (strcmp(command, "check-config") == 0) return check_config(argc, argv);
  if (strcmp(command, "admin") == 0) return eved_admin_client_main(argc - 1, argv + 1);
  if (strcmp(command, "service") == 0) return eved_service_run(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof service_verbs / sizeof service_verbs[0]; i++)
    if (strcmp(command, service_verbs[i]) == 0) return eved_service_command(argc - 1, argv + 1);
  fprintf(stderr, "eved: unknown command \"%s\"\n%s", command, usage);
  return 2;
}
