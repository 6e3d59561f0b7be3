/* Overlapped mode: socket readiness from completions, O(ready) per wait.
 *
 * Why this design (measured under Wine 8, see docs/poller.md):
 * WSAPoll pays for every registered socket on every wait (10 active + 1,000
 * idle connections ran at 0.27x of the 10 alone), AFD poll is undocumented
 * and Wine 8 scans one global list of AFD polls on every socket event
 * (0.75x, and a minute of wineserver CPU to close 2,000 sockets), while
 * overlapped receives on the port held 10,000 idle connections at 1.08x.
 * So a connected socket registered for READ keeps one zero-byte WSARecv
 * pending: it completes when data or a FIN arrives (the data stays for the
 * caller's recv) or with an error on a reset, and costs nothing while idle.
 *
 * Level-triggered: a completion is reported once, and the receive is
 * re-issued at the start of the next wait, after the caller has had its
 * turn to read. If data is still there it completes at once, inline
 * (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: no packet, no extra system call),
 * and is reported again. Each reported socket is re-armed once per wait,
 * never in a loop: looping on inline completions starved other connections
 * in an earlier experiment here (p99 865 ms). A socket whose last re-arm
 * found data at once is "hot": every wait polls the hot sockets with one
 * zero-timeout WSAPoll instead of a receive each, and those still quiet get
 * their receive back only when a wait is about to block (rearm_hot below
 * says why).
 *
 * What a zero-byte receive cannot tell, WSAPoll still watches, in the
 * registry's poll set (served inline and by the helper thread, wsapoll.c):
 *   - sockets a receive cannot watch without touching their data, for
 *     good: datagram sockets, where it would consume a datagram, and
 *     sockets made without WSA_FLAG_OVERLAPPED, where it would block
 *     (sock_kind.c says how each is told);
 *   - connected sockets whose interest has no READ (NONE, or WRITE alone):
 *     no receive is pending on them, yet a reset or a hang-up must still
 *     be reported, whatever the interest. For NONE the entry's events are
 *     0, as WSAPoll mode has always sent them: WSAPoll still reports
 *     POLLERR and POLLHUP, which are output-only. Seen under Wine 8 (the
 *     reset_reported_with_interest_none test, both modes); Microsoft's
 *     WSAPOLLFD page (learn.microsoft.com/windows/win32/api/winsock2/
 *     ns-winsock2-wsapollfd) describes events as one or more flags and
 *     says nothing of 0, so on Windows that test is the check;
 *   - listeners: a receive on a listener fails on Windows (WSAENOTCONN;
 *     Wine 8 lets it pend), and AcceptEx would accept the connection itself,
 *     where a readiness API leaves accept() to the caller. Listeners are
 *     few, so O(listeners) per wait is fine;
 *   - sockets not yet connected (connecting, or never to be): a receive
 *     fails with WSAENOTCONN; once WSAPoll reports one and it has a peer,
 *     it moves to receives (the "promotion" in rearm);
 *   - WRITE interest: most connected sockets are writable, so a socket asks
 *     for WRITE only after a send would block (eved does exactly that), and
 *     then it must hear when the buffer drains. Reporting "writable" blindly
 *     would make such a caller spin on WSAEWOULDBLOCK, and nothing documents a
 *     zero-byte WSASend as waiting for buffer space. WSAPoll's POLLWRNORM is
 *     the exact answer, and the set is as small as the sockets that are
 *     waiting to write.
 * A socket in both (READ by receive, WRITE by WSAPoll) gathers both into
 * one report per wait.
 *
 * Memory: a sock with a receive in flight is freed only when that receive's
 * packet arrives (unregister cancels it and leaves it "deleted"), wepoll's
 * rule, since the kernel writes into its OVERLAPPED until then.
 *
 * A socket read this way is associated with this poller's port for its
 * life (Windows cannot undo that) and has FILE_SKIP_COMPLETION_PORT_ON_SUCCESS
 * set: the caller's own overlapped operations on it must expect inline
 * completions, and it cannot move to another overlapped-mode poller. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <winternl.h>

#include "win.h"

/* A receive's packet carries &sock->overlapped, which watch_set.c checks
 * as the sock's own address. */
_Static_assert(offsetof(eve__sock_t, overlapped) == 0, "a sock starts with its OVERLAPPED");

static eve__sock_t *sock_of(eve__watch_t *watch) {
  return (eve__sock_t *)((char *)watch - offsetof(eve__sock_t, watch));
}

void eve__watch_move(eve_poller_t *poller, eve__watch_t *watch, eve__where_t to) {
  if (watch->where == to) return;
  if (watch->where != EVE__ON_NONE) eve__list_remove(&watch->link);
  watch->where = to;
  if (to == EVE__ON_READY) eve__list_push(&poller->ready_list, &watch->link);
  if (to == EVE__ON_REARM) eve__list_push(&poller->rearm_list, &watch->link);
  if (to == EVE__ON_HOT) eve__list_push(&poller->hot_list, &watch->link);
}

static void news(eve_poller_t *poller, eve__sock_t *sock, uint32_t mask) {
  sock->ready |= mask;
  eve__watch_move(poller, &sock->watch, EVE__ON_READY);
}

static bool has_peer(SOCKET socket) {
  struct sockaddr_storage peer;
  int len = (int)sizeof peer;
  return getpeername(socket, (struct sockaddr *)&peer, &len) == 0;
}

static void sock_free(eve_poller_t *poller, eve__sock_t *sock) {
  eve__watch_disown(poller, sock);
  free(sock);
}

/* Associates the socket with the port and asks for no packets on inline
 * success. A handle is associated once in its life; Windows answers a
 * second association with ERROR_INVALID_PARAMETER and cannot say with which
 * port or key the first was made. It is ours only if this poller made it
 * during this registration (the `associated` record); otherwise the caller
 * associated it with a key of its own, or another poller did, or this one
 * in an earlier registration (the handle may even be a new socket that
 * reuses the value): its receives would complete elsewhere, under another
 * key. Such a socket is watched by WSAPoll for good. */
static int make_connected(eve_poller_t *poller, eve__sock_t *sock,
                          const WSAPROTOCOL_INFOW *info) {
  HANDLE handle = (HANDLE)sock->socket;
  size_t ignored;
  if (CreateIoCompletionPort(handle, poller->port, (ULONG_PTR)EVE__KEY_SOCK, 0) == NULL) {
    DWORD error = GetLastError();
    if (error != ERROR_INVALID_PARAMETER) return eve_error_from_os((long)error);
    if (!eve__handle_map_get(&poller->associated, (uintptr_t)sock->socket, &ignored)) {
      sock->poll_only = true;
      return EVE_OK;
    }
  } else {
    int rc = eve__handle_map_put(&poller->associated, (uintptr_t)sock->socket, 0);
    if (rc < 0) return rc;
  }
  /* Not where a non-IFS layered provider sits on the socket (sock_kind.c):
   * then every completion, inline or not, comes as a packet, and the sock
   * is kept until it does. */
  sock->skip_on_success = eve__sock_skip_on_success(sock->socket, info);
  sock->connected = true;
  return EVE_OK;
}

/* Puts the sock in the poll set, or takes it out, as its state and
 * interest need: see the top comment. */
static int sync_pollset(eve_poller_t *poller, eve__sock_t *sock) {
  bool want = !sock->connected || (sock->interest & EVE_INTEREST_WRITE) ||
              !(sock->interest & EVE_INTEREST_READ);
  if (!want) {
    if (sock->poll_index != SIZE_MAX) eve__pollset_remove(poller, sock->poll_index);
    sock->poll_index = SIZE_MAX;
    return EVE_OK;
  }
  eve_interest_t mask = sock->connected ? (sock->interest & EVE_INTEREST_WRITE) : sock->interest;
  if (sock->poll_index == SIZE_MAX) {
    eve__registration_t reg = {(uintptr_t)sock->socket, EVE_HANDLE_SOCKET, mask,
                               sock->user_data, sock, false};
    int rc = eve__pollset_add(poller, reg, &sock->poll_index);
    if (rc < 0) return rc;
  }
  /* A poll-only socket may have been connected from birth: ask. */
  bool connecting = !sock->connected && !sock->listening && (mask & EVE_INTEREST_WRITE) &&
                    (!sock->poll_only || eve__socket_may_be_connecting(sock->socket));
  eve__pollset_set_events(poller, sock->poll_index, mask, connecting);
  return EVE_OK;
}

int eve__sock_register(eve_poller_t *poller, eve__registration_t *reg) {
  eve__sock_t *sock = calloc(1, sizeof *sock);
  if (sock == NULL) return EVE_ENOMEM;
  sock->socket = (SOCKET)reg->handle;
  sock->interest = reg->interest;
  sock->user_data = reg->user_data;
  sock->poll_index = SIZE_MAX;
  sock->watch.kind = EVE__WATCH_SOCK;
  eve__list_init(&sock->watch.link);
  if (eve__watch_own(poller, sock, EVE__WATCH_SOCK) < 0) {
    free(sock);
    return EVE_ENOMEM;
  }
  /* Each question is a wineserver round trip under Wine, so each is asked
   * once, and only when needed: a socket with a peer is not listening, and
   * its protocol record tells both its type and its provider. */
  WSAPROTOCOL_INFOW info;
  const WSAPROTOCOL_INFOW *known = eve__sock_protocol(sock->socket, &info) ? &info : NULL;
  bool peer = has_peer(sock->socket);
  if (!peer) {
    BOOL listening = FALSE;
    int len = (int)sizeof listening;
    sock->listening = getsockopt(sock->socket, SOL_SOCKET, SO_ACCEPTCONN, (char *)&listening,
                                 &len) == 0 && listening;
  }
  sock->poll_only = !sock->listening && !eve__sock_receive_safe(sock->socket, known);
  int rc = EVE_OK;
  if (!sock->listening && !sock->poll_only && peer) rc = make_connected(poller, sock, known);
  if (rc == EVE_OK) rc = sync_pollset(poller, sock);
  if (rc < 0) {
    eve__handle_map_remove(&poller->associated, (uintptr_t)sock->socket);
    sock_free(poller, sock);
    return rc;
  }
  reg->state = sock;
  /* The first wait starts its receive: changes are applied just before the
   * wait, as wepoll does, so a register-then-modify costs one receive. */
  eve__watch_move(poller, &sock->watch, EVE__ON_REARM);
  return EVE_OK;
}

int eve__sock_modify(eve_poller_t *poller, eve__sock_t *sock) {
  int rc = sync_pollset(poller, sock);
  /* News already gathered is reported with the new interest and user
   * data; otherwise the next wait re-arms (a READ added starts a receive). */
  if (sock->watch.where != EVE__ON_READY) eve__watch_move(poller, &sock->watch, EVE__ON_REARM);
  return rc;
}

void eve__sock_unregister(eve_poller_t *poller, eve__sock_t *sock) {
  eve__watch_move(poller, &sock->watch, EVE__ON_NONE);
  if (sock->poll_index != SIZE_MAX) eve__pollset_remove(poller, sock->poll_index);
  sock->poll_index = SIZE_MAX;
  /* The association outlives the registration, but the record goes: the
   * caller may close the socket now, and a new one may get its value. */
  if (sock->connected) eve__handle_map_remove(&poller->associated, (uintptr_t)sock->socket);
  if (!sock->recv_pending) {
    sock_free(poller, sock);
    return;
  }
  /* Its packet still comes (cancelled, or completed before the cancel):
   * that is when the memory goes. ERROR_NOT_FOUND from CancelIoEx means
   * it already completed and the packet is on its way. */
  CancelIoEx((HANDLE)sock->socket, &sock->overlapped);
  sock->deleted = true;
  poller->zombies++;
}

void eve__sock_polled(eve_poller_t *poller, eve__sock_t *sock, int16_t revents) {
  news(poller, sock, eve__to_epoll_mask(revents));
}

/* A receive that failed, at once or on completion. A reset or abort is the
 * end of the connection: error and hang-up, as WSAPoll says it. Anything
 * else (the socket closed under us: WSAENOTSOCK, or its receive cancelled
 * by closesocket) is an error its owner must hear of. */
static uint32_t failure_mask(int error) {
  switch (error) {
    case EVE_ECONNRESET:
    case EVE_ECONNABORTED:
    case EVE_EPIPE:
    case EVE_ENOTCONN:
      return EVE_EV_ERR | EVE_EV_HUP;
    default:
      return EVE_EV_ERR;
  }
}

static void start_receive(eve_poller_t *poller, eve__sock_t *sock) {
  memset(&sock->overlapped, 0, sizeof sock->overlapped);
  WSABUF buffer = {0, NULL};
  DWORD flags = 0, bytes = 0;
  sock->hot = false;
  if (WSARecv(sock->socket, &buffer, 1, &bytes, &flags, &sock->overlapped, NULL) == 0) {
    /* Done inline: data (or a FIN) is already there. Without skip mode a
     * packet still comes, and that is when it is reported. With it none
     * does, on Windows (SetFileCompletionNotificationModes,
     * learn.microsoft.com/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes)
     * and in Wine 8, whose wineserver keeps the flags on the file
     * (set_fd_completion_mode) and queues no completion for an async that
     * finished without pending (async_set_result, server/async.c): the
     * +server traces show set_async_direct_result and no remove_completion
     * for such a receive. */
    if (sock->skip_on_success) {
      sock->hot = true;
      news(poller, sock, EVE_EV_IN);
    } else {
      sock->recv_pending = true;
      poller->receives_pending++;
    }
    return;
  }
  int error = WSAGetLastError();
  if (error == WSA_IO_PENDING) {
    sock->recv_pending = true;
    poller->receives_pending++;
    return;
  }
  news(poller, sock, failure_mask(eve_error_from_os(error)));
}

void eve__sock_completed(eve_poller_t *poller, eve__sock_t *sock) {
  sock->recv_pending = false;
  poller->receives_pending--;
  if (sock->deleted) {
    sock_free(poller, sock);
    poller->zombies--;
    return;
  }
  NTSTATUS status = (NTSTATUS)sock->overlapped.Internal;
  if (status == 0) {
    news(poller, sock, EVE_EV_IN);
    return;
  }
  news(poller, sock, failure_mask(eve_error_from_os((long)RtlNtStatusToDosError(status))));
}

/* Whether re-arming the sock means a receive: connected, reading, and none
 * in flight. Reported while not connected: if it has a peer now, receives
 * take over its reads and the poll set lets go of it (unless it waits to
 * write); a failure to do so is reported as an error. */
static bool needs_receive(eve_poller_t *poller, eve__sock_t *sock) {
  if (!sock->connected && !sock->listening && !sock->poll_only && has_peer(sock->socket)) {
    if (make_connected(poller, sock, NULL) < 0 || sync_pollset(poller, sock) < 0) {
      news(poller, sock, EVE_EV_ERR);
      return false;
    }
  }
  return sock->connected && (sock->interest & EVE_INTEREST_READ) && !sock->recv_pending;
}

/* Hot sockets: re-armed by one WSAPoll for all, not a receive each.
 *
 * A socket whose last receive completed inline (its next request was
 * already there when it was re-armed: a busy connection) is "hot". Under
 * Wine 8 a zero-byte receive costs three wineserver requests whether it
 * pends or not (get_handle_fd, recv_socket, and set_async_direct_result
 * when data is there), so a busy server paid three per HTTP request on top
 * of its own recv and send (9.09 against the WSAPoll loop's 6.04 under wrk
 * with 50 connections). A zero-timeout WSAPoll over every hot socket costs
 * about one request for all of them (Wine's WSAPoll is one IOCTL_AFD_POLL
 * to the server), the WSAPoll loop's own cost. Those it finds readable are
 * reported again with no receive (level-triggered: the data is there,
 * nothing was consumed). Those it finds quiet stay hot, on the hot list,
 * and are polled again by the next wait, for as long as the waits find
 * work; only a wait about to block gives them their receive
 * (eve__park_hot), since a blocked loop hears only the port. So a busy
 * loop polls its active sockets once per wait, as the WSAPoll loop does,
 * and an idle socket is parked on the port at no cost while idle; moving
 * to the port costs one receive, moving back nothing (the receive's inline
 * completion makes it hot again). Anything but plain readability
 * (POLLHUP, POLLERR, POLLNVAL, or the whole call failing: Wine 8 fails it
 * with WSAENOTSOCK for a closed socket where Windows reports POLLNVAL, see
 * wsapoll.c) is left to the receive, so a FIN, a reset or a closed socket
 * is reported exactly as before. On Windows an inline receive is a system
 * call of a few microseconds and so is WSAPoll; the batch saves calls
 * there too, but what it was measured for is Wine's round trips. */
#define HOT_BATCH 64

static void rearm_hot(eve_poller_t *poller, eve__sock_t **hot, size_t count) {
  WSAPOLLFD fds[HOT_BATCH];
  for (size_t i = 0; i < count; i++) fds[i] = (WSAPOLLFD){hot[i]->socket, POLLRDNORM, 0};
  eve__count(&poller->counters.waits);
  bool polled = WSAPoll(fds, (ULONG)count, 0) != SOCKET_ERROR;
  for (size_t i = 0; i < count; i++) {
    if (polled && fds[i].revents == POLLRDNORM)
      news(poller, hot[i], EVE_EV_IN);
    else if (polled && fds[i].revents == 0)
      eve__watch_move(poller, &hot[i]->watch, EVE__ON_HOT);
    else
      start_receive(poller, hot[i]);
  }
}

void eve__rearm(eve_poller_t *poller) {
  eve__sock_t *hot[HOT_BATCH];
  size_t hot_count = 0;
  /* The hot socks still quiet at the last wait are polled again with the
   * rest; the list is emptied first, since a poll puts the quiet ones back. */
  while (!eve__list_empty(&poller->hot_list))
    eve__watch_move(poller, (eve__watch_t *)poller->hot_list.next, EVE__ON_REARM);
  /* Each entry leaves the list before it is re-armed, and re-arming only
   * ever moves it to the ready or hot list, so this ends. */
  while (!eve__list_empty(&poller->rearm_list)) {
    eve__watch_t *watch = (eve__watch_t *)poller->rearm_list.next;
    eve__watch_move(poller, watch, EVE__ON_NONE);
    if (watch->kind != EVE__WATCH_SOCK) {
      eve__waitable_rearm(poller, (eve__waitable_t *)watch);
      continue;
    }
    eve__sock_t *sock = sock_of(watch);
    if (!needs_receive(poller, sock)) continue;
    if (!sock->hot || !sock->skip_on_success) {
      start_receive(poller, sock);
      continue;
    }
    hot[hot_count++] = sock;
    if (hot_count == HOT_BATCH) {
      rearm_hot(poller, hot, hot_count);
      hot_count = 0;
    }
  }
  if (hot_count > 0) rearm_hot(poller, hot, hot_count);
}

bool eve__park_hot(eve_poller_t *poller) {
  while (!eve__list_empty(&poller->hot_list)) {
    eve__watch_t *watch = (eve__watch_t *)poller->hot_list.next;
    eve__watch_move(poller, watch, EVE__ON_NONE);
    start_receive(poller, sock_of(watch));
  }
  return !eve__list_empty(&poller->ready_list);
}

static uint32_t wanted(eve_interest_t interest) {
  /* Error and hang-up whatever the interest, as epoll does. */
  uint32_t mask = EVE_EV_ERR | EVE_EV_HUP;
  if (interest & EVE_INTEREST_READ) mask |= EVE_EV_IN | EVE_EV_PRI | EVE_EV_RDHUP;
  if (interest & EVE_INTEREST_WRITE) mask |= EVE_EV_OUT;
  return mask;
}

size_t eve__report_ready(eve_poller_t *poller, eve_native_event_t *events, size_t max) {
  size_t n = 0;
  while (n < max && !eve__list_empty(&poller->ready_list)) {
    eve__watch_t *watch = (eve__watch_t *)poller->ready_list.next;
    uint32_t mask;
    uint64_t user_data;
    if (watch->kind == EVE__WATCH_SOCK) {
      eve__sock_t *sock = sock_of(watch);
      mask = sock->ready & wanted(sock->interest);
      user_data = sock->user_data;
      sock->ready = 0;
      eve__watch_move(poller, watch, EVE__ON_REARM);
    } else {
      eve__waitable_t *waitable = (eve__waitable_t *)watch;
      mask = waitable->ready & wanted(waitable->interest);
      user_data = waitable->user_data;
      waitable->ready = 0;
      eve__watch_move(poller, watch, EVE__ON_NONE);
      eve__waitable_reported(poller, waitable);
    }
    if (mask == 0) continue;
    events[n].events = mask;
    events[n].data.u64 = user_data;
    events[n].completion = NULL;
    n++;
  }
  return n;
}

void eve__socks_cancel_all(eve_poller_t *poller) {
  eve__registry_t *r = &poller->registry;
  for (size_t i = 0; i < r->others_count; i++) {
    if (r->others[i].state == NULL) continue;
    if (r->others[i].type == EVE_HANDLE_SOCKET)
      eve__sock_unregister(poller, r->others[i].state);
    else
      eve__waitable_unregister(poller, r->others[i].state);
    r->others[i].state = NULL;
  }
}
