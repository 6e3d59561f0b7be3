/* The admin client's link on POSIX: a Unix-domain socket. */
#define _GNU_SOURCE /* SOCK_CLOEXEC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin_client.h"

struct eved_admin_link {
  int fd;
};

const char *eved_admin_link_target(const eved_config_t *config) { return config->admin_socket; }

int eved_admin_link_open(const eved_config_t *config, eved_admin_link_t **out, char *error,
                         size_t size) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(config->admin_socket) >= sizeof address.sun_path) {
    snprintf(error, size, "admin.socket is too long");
    return EVE_EINVAL;
  }
  memcpy(address.sun_path, config->admin_socket, strlen(config->admin_socket) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (const struct sockaddr *)&address, sizeof address) < 0) {
    int rc = eve_error_from_os(errno);
    snprintf(error, size, "cannot connect to %s: %s (is eved running with admin.enabled?)",
             config->admin_socket, strerror(errno));
    if (fd >= 0) close(fd);
    return rc;
  }
  eved_admin_link_t *link = malloc(sizeof *link);
  if (link == NULL) {
    close(fd);
    snprintf(error, size, "out of memory");
    return EVE_ENOMEM;
  }
  link->fd = fd;
  *out = link;
  return EVE_OK;
}

int eved_admin_link_send(eved_admin_link_t *link, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(link->fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return eve_error_from_os(errno);
    data += n;
    len -= (size_t)n;
  }
  return EVE_OK;
}

int eved_admin_link_recv(eved_admin_link_t *link, char *buf, size_t len, size_t *got) {
  for (;;) {
    ssize_t n = recv(link->fd, buf, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return eve_error_from_os(errno);
    if (n == 0) return EVE_EOF_;
    *got = (size_t)n;
    return EVE_OK;
  }
}

void eved_admin_link_close(eved_admin_link_t *link) {
  close(link->fd);
  free(link);
}
