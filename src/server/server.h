/* eved's server: listens, runs the event loop until a stop request, then
 * drains. */
#ifndef EVED_SERVER_H_
#define EVED_SERVER_H_

#include "config.h"

/* Runs in the calling thread until SIGINT/SIGTERM (Ctrl-C on Windows) and
 * the drain that follows. 0 on a clean stop, 1 if it could not start or
 * the loop failed. */
int eved_server_run(const eved_config_t *config);

#endif /* EVED_SERVER_H_ */
