/* `eved admin`: the admin channel's client. client.c is the command
 * (arguments, one request, the answer printed); the link, one file per
 * OS, is the connection (a named pipe on Windows, a Unix socket
 * elsewhere). */
#ifndef EVED_ADMIN_CLIENT_H_
#define EVED_ADMIN_CLIENT_H_

#include <stddef.h>

#include "config.h"

typedef struct eved_admin_link eved_admin_link_t;

/* Connects to the channel the config names (admin.pipe or admin.socket).
 * On failure returns a negative error and writes why into `error`. */
int eved_admin_link_open(const eved_config_t *config, eved_admin_link_t **out, char *error,
                         size_t error_size);
/* Sends all of data. */
int eved_admin_link_send(eved_admin_link_t *link, const char *data, size_t len);
/* Receives up to len bytes (blocking); EVE_EOF_ when the server closed. */
int eved_admin_link_recv(eved_admin_link_t *link, char *buf, size_t len, size_t *got);
void eved_admin_link_close(eved_admin_link_t *link);
/* What the link connects to, for messages. */
const char *eved_admin_link_target(const eved_config_t *config);

/* The `eved admin` command: argv[0] is "admin". Returns the exit code. */
int eved_admin_client_main(int argc, char **argv);

#endif /* EVED_ADMIN_CLIENT_H_ */
