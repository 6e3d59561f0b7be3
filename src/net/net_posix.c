/* The socket layer on POSIX: BSD sockets, errno translated once here. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net_int.h"

static int last_error(void) { return eve_error_from_os(errno); }

static int fd_of(eve_handle_t h) { return (int)(intptr_t)h.raw; }

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return last_error();
  return EVE_OK;
}

int eve_net_listen(const eve_net_address_t *address, int backlog, eve_handle_t *out) {
  if (address == NULL || out == NULL) return EVE_EINVAL;
  struct sockaddr_storage ss = {0};
  socklen_t len = (socklen_t)eve__net_to_sockaddr(address, &ss);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return last_error();
  int one = 1;
  int rc = EVE_OK;
  /* SO_REUSEADDR: a restart binds at once even while the old process's
   * connections wait out TIME_WAIT on the port (fault.native.kill_restart);
   * on Linux it never lets two listeners share a port. */
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      (address->family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
      bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
    rc = last_error();
  } else {
    rc = set_nonblocking(fd);
  }
  if (rc != EVE_OK) {
    close(fd);
    return rc;
  }
  *out = eve_handle_from_fd(fd);
  return EVE_OK;
}

int eve__net_sockname(eve_handle_t sock, bool peer, struct sockaddr_storage *ss) {
  socklen_t len = sizeof *ss;
  struct sockaddr *sa = (struct sockaddr *)ss;
  int rc = peer ? getpeername(fd_of(sock), sa, &len) : getsockname(fd_of(sock), sa, &len);
  return rc < 0 ? last_error() : EVE_OK;
}

int eve_net_accept(eve_handle_t listener, eve_handle_t *out) {
  for (;;) {
    int fd = accept4(fd_of(listener), NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      /* Responses are written whole; Nagle would only hold back the last piece. */
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      *out = eve_handle_from_fd(fd);
      return EVE_OK;
    }
    if (errno == EINTR) continue;
    /* Linux reports the pending errors of the new connection through accept. */
    if (errno == ECONNABORTED || errno == EPROTO || errno == ENETDOWN || errno == ENOPROTOOPT ||
        errno == EHOSTDOWN || errno == ENONET || errno == EHOSTUNREACH || errno == ENETUNREACH)
      return EVE_ECONNABORTED;
    return last_error();
  }
}

int eve_net_recv(eve_handle_t sock, void *buf, size_t len, size_t *got) {
  for (;;) {
    ssize_t n = recv(fd_of(sock), buf, len, 0);
    if (n > 0) {
      *got = (size_t)n;
      return EVE_OK;
    }
    if (n == 0) return len == 0 ? EVE_OK : EVE_EOF_;
    if (errno != EINTR) return last_error();
  }
}

int eve_net_send(eve_handle_t sock, const eve_net_buf_t *bufs, size_t count, size_t *sent) {
  struct iovec iov[EVE_NET_MAX_BUFS];
  if (count > EVE_NET_MAX_BUFS) count = EVE_NET_MAX_BUFS;
  for (size_t i = 0; i < count; i++) {
    iov[i].iov_base = (void *)bufs[i].data;
    iov[i].iov_len = bufs[i].len;
  }
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = count};
  for (;;) {
    /* sendmsg rather than writev: MSG_NOSIGNAL, so a peer that went away
     * is an EVE_EPIPE here and not a SIGPIPE for the whole process. */
    ssize_t n = sendmsg(fd_of(sock), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      *sent = (size_t)n;
      return EVE_OK;
    }
    if (errno != EINTR) return last_error();
  }
}

int eve_net_shutdown_write(eve_handle_t sock) {
  return shutdown(fd_of(sock), SHUT_WR) < 0 ? last_error() : EVE_OK;
}

int eve_net_close(eve_handle_t sock) {
  return close(fd_of(sock)) < 0 ? last_error() : EVE_OK;
}

int eve_net_abort(eve_handle_t sock) {
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd_of(sock), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  return eve_net_close(sock);
}
