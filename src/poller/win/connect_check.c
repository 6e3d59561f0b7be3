/* WSAPoll and failed connects. Before Windows 10 version 2004, WSAPoll never
 * reported a non-blocking connect that failed (refused, unreachable, timed
 * out): no POLLERR, no POLLHUP, no POLLWRNORM, so a poller built on it
 * waited forever for a socket whose connect was already over. The failure
 * is still recorded in the socket's SO_ERROR, which is what select-era code
 * reads. So for a poll-set socket that may be connecting (asked about
 * writability, not listening, no peer yet at registration) and that WSAPoll
 * says nothing about, SO_ERROR is asked; a pending error is reported as
 * POLLERR | POLLHUP, which the caller sees as EVE_READY_ERROR |
 * EVE_READY_HANGUP, as a fixed Windows (and Wine, which never had the bug)
 * reports it. A blocked wait would never run that check, so while such a
 * socket is in the poll set the helper's WSAPoll blocks for
 * EVE__CONNECT_RECHECK_MS at most and the loop looks again.
 *
 * The decision is split from the system calls so that a test can feed it
 * the result an affected Windows gives, which no machine here produces. */
#include "win.h"

bool eve__connect_needs_check(int16_t revents, bool connecting) {
  /* Anything WSAPoll did say settles it: a writable socket connected, an
   * error or hang-up is already the news. */
  return connecting && revents == 0;
}

int16_t eve__connect_revents(int16_t revents, int so_error) {
  if (so_error == 0) return revents;
  return (int16_t)(revents | POLLERR | POLLHUP);
}

int16_t eve__connect_fix(SOCKET socket, int16_t revents, bool connecting) {
  if (!eve__connect_needs_check(revents, connecting)) return revents;
  int error = 0;
  int len = (int)sizeof error;
  if (getsockopt(socket, SOL_SOCKET, SO_ERROR, (char *)&error, &len) != 0)
    error = WSAGetLastError();
  return eve__connect_revents(revents, error);
}

bool eve__socket_may_be_connecting(SOCKET socket) {
  BOOL listening = FALSE;
  int len = (int)sizeof listening;
  if (getsockopt(socket, SOL_SOCKET, SO_ACCEPTCONN, (char *)&listening, &len) == 0 && listening)
    return false;
  struct sockaddr_storage peer;
  int peer_len = (int)sizeof peer;
  return getpeername(socket, (struct sockaddr *)&peer, &peer_len) != 0;
}
