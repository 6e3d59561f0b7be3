/* The socket layer on Windows: Winsock, WSAGetLastError translated once
 * here. Winsock must be started first; eve_poller_create does that. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <limits.h>

#include "net_int.h"

static int last_error(void) { return eve_error_from_os(WSAGetLastError()); }

static SOCKET sock_of(eve_handle_t h) { return (SOCKET)h.raw; }

static int set_nonblocking(SOCKET s) {
  u_long on = 1;
  return ioctlsocket(s, FIONBIO, &on) == SOCKET_ERROR ? last_error() : EVE_OK;
}

int eve_net_listen(const eve_net_address_t *address, int backlog, eve_handle_t *out) {
  if (address == NULL || out == NULL) return EVE_EINVAL;
  struct sockaddr_storage ss;
  int len = (int)eve__net_to_sockaddr(address, &ss);
  /* Not inheritable: a child process must not keep the port open. */
  SOCKET s = WSASocketW(ss.ss_family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return last_error();
  BOOL one = TRUE;
  int rc = EVE_OK;
  /* SO_REUSEADDR on Windows lets a second process bind the same port and
   * steal connections; SO_EXCLUSIVEADDRUSE forbids that. Its price, as
   * Microsoft documents it ("Using SO_REUSEADDR and SO_EXCLUSIVEADDRUSE"):
   * after an exclusive listener closes (or its process is killed), another
   * exclusive bind to the port fails with WSAEADDRINUSE until the
   * connections it accepted are no longer active. Connections in TIME_WAIT
   * do not block it; ones still closing (FIN_WAIT_*, or a peer that never
   * reads or closes) do, until they end or time out. So a restart right
   * after TerminateProcess can be refused for a while, and eved exits with
   * "cannot listen ... address already in use" (the service's recovery
   * actions retry). Wine differs and cannot show this: under Wine 8 the
   * restart binds at once (fault.wine.kill_restart), as the Linux sockets
   * beneath do not keep that rule. See docs/hardening.md. */
  if (setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one) ==
          SOCKET_ERROR ||
      (address->family == 6 &&
       setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, (const char *)&one, sizeof one) == SOCKET_ERROR) ||
      bind(s, (struct sockaddr *)&ss, len) == SOCKET_ERROR || listen(s, backlog) == SOCKET_ERROR) {
    rc = last_error();
  } else {
    rc = set_nonblocking(s);
  }
  if (rc != EVE_OK) {
    closesocket(s);
    return rc;
  }
  *out = eve_handle_from_raw((uintptr_t)s);
  return EVE_OK;
}

int eve__net_sockname(eve_handle_t sock, bool peer, struct sockaddr_storage *ss) {
  int len = (int)sizeof *ss;
  struct sockaddr *sa = (struct sockaddr *)ss;
  int rc = peer ? getpeername(sock_of(sock), sa, &len) : getsockname(sock_of(sock), sa, &len);
  return rc == SOCKET_ERROR ? last_error() : EVE_OK;
}

int eve_net_accept(eve_handle_t listener, eve_handle_t *out) {
  SOCKET s = accept(sock_of(listener), NULL, NULL);
  if (s == INVALID_SOCKET) {
    int err = WSAGetLastError();
    /* The connection was reset while it waited in the backlog. */
    if (err == WSAECONNRESET || err == WSAECONNABORTED) return EVE_ECONNABORTED;
    return eve_error_from_os(err);
  }
  /* The accepted socket inherits the listener's non-blocking mode; set it
   * anyway rather than rely on that. */
  int rc = set_nonblocking(s);
  if (rc != EVE_OK) {
    closesocket(s);
    return rc;
  }
  BOOL one = TRUE;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  *out = eve_handle_from_raw((uintptr_t)s);
  return EVE_OK;
}

int eve_net_recv(eve_handle_t sock, void *buf, size_t len, size_t *got) {
  int want = len > INT_MAX ? INT_MAX : (int)len;
  int n = recv(sock_of(sock), (char *)buf, want, 0);
  if (n == SOCKET_ERROR) return last_error();
  if (n == 0 && len != 0) return EVE_EOF_;
  *got = (size_t)n;
  return EVE_OK;
}

int eve_net_send(eve_handle_t sock, const eve_net_buf_t *bufs, size_t count, size_t *sent) {
  WSABUF wsa[EVE_NET_MAX_BUFS];
  if (count > EVE_NET_MAX_BUFS) count = EVE_NET_MAX_BUFS;
  for (size_t i = 0; i < count; i++) {
    wsa[i].buf = (char *)bufs[i].data;
    wsa[i].len = bufs[i].len > ULONG_MAX ? ULONG_MAX : (ULONG)bufs[i].len;
  }
  DWORD n = 0;
  /* No OVERLAPPED: on a non-blocking socket this completes at once, with
   * what the send buffer took, or fails with WSAEWOULDBLOCK. */
  if (WSASend(sock_of(sock), wsa, (DWORD)count, &n, 0, NULL, NULL) == SOCKET_ERROR)
    return last_error();
  *sent = n;
  return EVE_OK;
}

int eve_net_shutdown_write(eve_handle_t sock) {
  return shutdown(sock_of(sock), SD_SEND) == SOCKET_ERROR ? last_error() : EVE_OK;
}

int eve_net_close(eve_handle_t sock) {
  return closesocket(sock_of(sock)) == SOCKET_ERROR ? last_error() : EVE_OK;
}

int eve_net_abort(eve_handle_t sock) {
  struct linger lg = {1, 0};
  setsockopt(sock_of(sock), SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
  return eve_net_close(sock);
}
