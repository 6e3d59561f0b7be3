/* eved's server: listens, runs the event loop until a stop request, then
 * drains. The Windows service glue (service/) drives it through the
 * observer and eved_control_post(); the console run uses neither. */
#ifndef EVED_SERVER_H_
#define EVED_SERVER_H_

#include <stdint.h>

#include "config.h"
#include "observer.h"

/* Exit statuses, also the service-specific exit codes the SCM records. */
#define EVED_EXIT_OK 0
#define EVED_EXIT_FAILURE 1 /* the loop failed, or out of memory */
#define EVED_EXIT_USAGE 2
#define EVED_EXIT_CONFIG 3 /* the config file is missing or invalid */
#define EVED_EXIT_LISTEN 4 /* a listen address could not be bound */
#define EVED_EXIT_ADMIN 5  /* the admin channel could not be opened (or is taken) */

typedef struct eved_run_options {
  const eved_config_t *config;
  const char *config_path;         /* re-read by reload; NULL: reload is refused */
  const eved_observer_t *observer; /* NULL: nobody is told */
} eved_run_options_t;

/* Runs in the calling thread until a stop request (SIGINT/SIGTERM, Ctrl-C,
 * the service's STOP, the admin `shutdown`) and the drain that follows.
 * Returns an EVED_EXIT_* status. */
int eved_server_run(const eved_run_options_t *options);

/* start.c: loads the config (defaults, then the file if any, then the
 * --listen override), opens the log and runs. Errors are logged; returns
 * an EVED_EXIT_* status. */
int eved_start(const char *config_path, const char *listen, const eved_observer_t *observer);

#endif /* EVED_SERVER_H_ */
