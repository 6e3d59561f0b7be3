/* The admin channel on POSIX: a Unix-domain stream socket (admin.socket,
 * mode 0600, so only eved's own user and root can use it) registered with
 * the loop's poller like any other handle. A live socket at the path means
 * another eved owns it and this one refuses to start; a dead one (left by
 * a crash) is replaced. */
/* accept4, SOCK_NONBLOCK and SOCK_CLOEXEC are Linux extensions. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin.h"
#include "log.h"

#define LISTENER_INDEX 0xffffu

typedef struct client {
  int fd;
  eve_interest_t interest;
  bool peer_eof;
  eved_admin_session_t session;
} client_t;

struct eved_admin {
  eved_server_t *server;
  int listener;
  struct sockaddr_un address;
  ino_t inode; /* of the socket this eved bound, so only it is unlinked */
  size_t max_clients;
  client_t *clients[EVED_ADMIN_MAX_CLIENTS_MAX];
};

static uint64_t user_data(size_t index) { return EVED_ADMIN_FLAG | index; }

static void close_client(eved_admin_t *a, size_t index) {
  client_t *c = a->clients[index];
  eve_poller_unregister(a->server->poller, eve_handle_from_fd(c->fd));
  close(c->fd);
  eved__admin_session_free(&c->session);
  free(c);
  a->clients[index] = NULL;
}

/* Sends what is queued, runs what the output held back, closes when done.
 * Then asks the poller for exactly what the client waits for. */
static void pump(eved_admin_t *a, size_t index) {
  client_t *c = a->clients[index];
  eved_admin_session_t *s = &c->session;
  for (;;) {
    size_t len;
    const char *out = eved__admin_session_output(s, &len);
    if (len > 0) {
      ssize_t n = send(c->fd, out, len, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        close_client(a, index);
        return;
      }
      eved__admin_session_sent(s, (size_t)n);
      s->last_active_ms = a->server->now_ms;
      continue;
    }
    eved__admin_session_run(a->server, s);
    eved__admin_session_output(s, &len);
    if (len > 0) continue;
    if (s->closing || c->peer_eof) {
      close_client(a, index);
      return;
    }
    break;
  }
  size_t pending;
  eved__admin_session_output(s, &pending);
  eve_interest_t want = (eved__admin_session_wants_input(s) ? EVE_INTEREST_READ : 0u) |
                        (pending > 0 ? EVE_INTEREST_WRITE : 0u);
  if (want != c->interest &&
      eve_poller_modify(a->server->poller, eve_handle_from_fd(c->fd), want, user_data(index)) !=
          EVE_OK) {
    close_client(a, index);
    return;
  }
  c->interest = want;
}

static void on_client(eved_admin_t *a, size_t index, eve_ready_t ready) {
  client_t *c = a->clients[index];
  if (ready & EVE_READY_ERROR) {
    close_client(a, index);
    return;
  }
  if ((ready & (EVE_READY_READABLE | EVE_READY_HANGUP)) &&
      eved__admin_session_wants_input(&c->session)) {
    size_t room;
    char *space = eved__admin_session_space(&c->session, &room);
    ssize_t n = recv(c->fd, space, room, 0);
    if (n == 0) {
      c->peer_eof = true;
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      close_client(a, index);
      return;
    } else if (n > 0) {
      eved__admin_session_received(a->server, &c->session, (size_t)n);
    }
  }
  pump(a, index);
}

static void refuse(int fd) {
  static const char busy[] = "{\"ok\":false,\"error\":\"too many admin clients\"}\n";
  ssize_t n = send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)n;
  close(fd);
}

static void on_listener(eved_admin_t *a) {
  for (int i = 0; i < 16; i++) {
    int fd = accept4(a->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    size_t index = 0;
    while (index < a->max_clients && a->clients[index] != NULL) index++;
    client_t *c = index < a->max_clients ? malloc(sizeof *c) : NULL;
    if (c == NULL) {
      eved__limit_hit(a->server, EVED_LIMIT_ADMIN_CLIENTS, "admin: refusing a client (%u at most)",
                      (unsigned)a->max_clients);
      refuse(fd);
      continue;
    }
    c->fd = fd;
    c->interest = EVE_INTEREST_READ;
    c->peer_eof = false;
    eved__admin_session_init(&c->session, a->server->now_ms);
    if (eve_poller_register(a->server->poller, eve_handle_from_fd(fd), EVE_INTEREST_READ,
                            user_data(index)) != EVE_OK) {
      close(fd);
      free(c);
      continue;
    }
    a->clients[index] = c;
  }
}

void eved__admin_on_event(eved_admin_t *a, const eve_native_event_t *native) {
  eve_os_event_t ev = eve_poller_translate(native);
  size_t index = (size_t)(ev.user_data & 0xffffu);
  if (index == LISTENER_INDEX) {
    on_listener(a);
  } else if (index < a->max_clients && a->clients[index] != NULL) {
    on_client(a, index, ev.ready);
  }
}

void eved__admin_sweep(eved_admin_t *a) {
  for (size_t i = 0; i < a->max_clients; i++) {
    client_t *c = a->clients[i];
    if (c != NULL && a->server->now_ms - c->session.last_active_ms >=
                         (int64_t)a->server->config.admin_idle_timeout_ms) {
      eved__limit_hit(a->server, EVED_LIMIT_ADMIN_IDLE, "admin: closing a client idle for %u ms",
                      a->server->config.admin_idle_timeout_ms);
      close_client(a, i);
    }
  }
}

bool eved__admin_has_clients(const eved_admin_t *a) {
  for (size_t i = 0; i < a->max_clients; i++)
    if (a->clients[i] != NULL) return true;
  return false;
}

/* A socket file someone listens on is taken; one nobody listens on was
 * left behind by an eved that died, and may go. */
static int claim_path(const struct sockaddr_un *address) {
  struct stat st;
  if (lstat(address->sun_path, &st) < 0) return errno == ENOENT ? EVE_OK : eve_error_from_os(errno);
  if (!S_ISSOCK(st.st_mode)) {
    eved_log(EVED_LOG_ERROR, "admin.socket %s exists and is not a socket", address->sun_path);
    return EVE_EADDRINUSE;
  }
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return eve_error_from_os(errno);
  int rc = connect(probe, (const struct sockaddr *)address, sizeof *address);
  int error = errno;
  close(probe);
  if (rc == 0) {
    eved_log(EVED_LOG_ERROR, "admin.socket %s is in use by another process (another eved?)",
             address->sun_path);
    return EVE_EADDRINUSE;
  }
  if (error != ECONNREFUSED) return eve_error_from_os(error);
  eved_log(EVED_LOG_INFO, "admin: replacing the stale socket %s", address->sun_path);
  return unlink(address->sun_path) == 0 ? EVE_OK : eve_error_from_os(errno);
}

static int bind_private(eved_admin_t *a) {
  /* 0600 from the start: no moment when another user could connect. */
  mode_t old = umask(0177);
  int rc = bind(a->listener, (const struct sockaddr *)&a->address, sizeof a->address);
  int error = errno;
  umask(old);
  if (rc < 0) return eve_error_from_os(error);
  struct stat st;
  if (chmod(a->address.sun_path, 0600) < 0 || stat(a->address.sun_path, &st) < 0)
    return eve_error_from_os(errno);
  a->inode = st.st_ino;
  return EVE_OK;
}

int eved__admin_open(eved_server_t *server, eved_admin_t **out) {
  const char *path = server->config.admin_socket;
  eved_admin_t *a = calloc(1, sizeof *a);
  if (a == NULL) return EVE_ENOMEM;
  a->server = server;
  a->listener = -1;
  a->max_clients = server->config.admin_max_clients;
  a->address.sun_family = AF_UNIX;
  int rc = EVE_OK;
  if (strlen(path) >= sizeof a->address.sun_path) {
    eved_log(EVED_LOG_ERROR, "admin.socket: longer than %u bytes",
             (unsigned)sizeof a->address.sun_path - 1);
    rc = EVE_EINVAL;
    goto fail;
  }
  memcpy(a->address.sun_path, path, strlen(path) + 1);
  if ((rc = claim_path(&a->address)) != EVE_OK) goto fail;
  a->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (a->listener < 0) {
    rc = eve_error_from_os(errno);
    goto fail;
  }
  if ((rc = bind_private(a)) != EVE_OK) goto fail;
  if (listen(a->listener, 16) < 0) {
    rc = eve_error_from_os(errno);
    goto fail;
  }
  rc = eve_poller_register(server->poller, eve_handle_from_fd(a->listener), EVE_INTEREST_READ,
                           user_data(LISTENER_INDEX));
  if (rc != EVE_OK) goto fail;
  eved_log(EVED_LOG_INFO, "admin channel on %s (mode 0600)", path);
  *out = a;
  return EVE_OK;
fail:
  eved_log(EVED_LOG_ERROR, "cannot open the admin socket %s: %s", path, eve_strerror(rc));
  if (a->listener >= 0) {
    close(a->listener);
    if (a->inode != 0) unlink(path);
  }
  free(a);
  return rc;
}

void eved__admin_close(eved_admin_t *a) {
  for (size_t i = 0; i < a->max_clients; i++)
    if (a->clients[i] != NULL) close_client(a, i);
  eve_poller_unregister(a->server->poller, eve_handle_from_fd(a->listener));
  close(a->listener);
  struct stat st;
  if (stat(a->address.sun_path, &st) == 0 && st.st_ino == a->inode) unlink(a->address.sun_path);
  free(a);
}
