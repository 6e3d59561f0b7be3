/* Socket readiness through WSAPoll, in two shapes.
 *
 * WSAPoll mode: the loop thread itself blocks in one WSAPoll over every
 * registered socket plus the port watcher's control socket (watcher.c says
 * why, and how the port's packets reach it). A busy loop's wait is one
 * zero-timeout WSAPoll; an idle loop's, one blocking WSAPoll.
 *
 * Overlapped mode: the loop blocks on the completion port, where the
 * zero-byte receives of connected sockets complete, and WSAPoll watches
 * only the poll set that sock.c leaves to it (listeners, sockets not yet
 * connected, sockets waiting to write), whose news goes to their socks
 * rather than straight into the caller's events. WSAPoll cannot wait on a
 * port, and the port never hears of socket readiness by itself, so while
 * the loop blocks on the port a helper thread (one per poller, started on
 * first need) blocks in WSAPoll(-1) on a snapshot of the poll set plus its
 * own control socket, and posts an EVE__KEY_POLL_READY packet when a socket
 * is ready. The helper stays in WSAPoll across waits for as long as the
 * poll set does not change (registry.c counts changes); the next wait
 * after a change interrupts it with a datagram on its control socket and
 * re-arms it. Under Wine 8 each hand-off costs about a dozen wineserver
 * requests, so a wait ended by a completion must not pay one.
 *   This lets the caller close a socket the helper is still polling (it
 *   unregistered it, or closed it registered). That is safe: the helper
 *   polls its own copy of the array; the kernel resolved each handle when
 *   the call began, so a new socket given the same handle value is not
 *   what it watches; closing a socket ends a poll on it (POLLNVAL, or
 *   WSAENOTSOCK under Wine). And the helper's word is only a hint: the loop
 *   polls the current poll set inline before it reports anything.
 *
 * Set aside, for both: IOCTL_AFD_POLL (what wepoll and libuv use) is
 * undocumented, and Wine 8 keeps one global list of AFD polls scanned on
 * every socket event (thousands of sockets stalled the whole prefix for a
 * minute); slicing time between WSAPoll and the port (a short timeout on
 * each) burns CPU while idle and adds latency to both. Zero-byte
 * overlapped reads report "readable" only, not "writable" or a listener's
 * pending connection, which is why overlapped mode keeps a poll set. */
#include <stdlib.h>
#include <string.h>

#include "win.h"

_Static_assert(POLLRDNORM == EVE__WSA_POLLRDNORM && POLLRDBAND == EVE__WSA_POLLRDBAND &&
                   POLLPRI == EVE__WSA_POLLPRI && POLLWRNORM == EVE__WSA_POLLWRNORM &&
                   POLLWRBAND == EVE__WSA_POLLWRBAND && POLLERR == EVE__WSA_POLLERR &&
                   POLLHUP == EVE__WSA_POLLHUP && POLLNVAL == EVE__WSA_POLLNVAL,
               "poller_int.h's EVE__WSA_POLL* are <winsock2.h>'s values");

/* How long the loop waits for the helper before sending another datagram,
 * in case one was lost: a safety net, not a time slice. */
#define INTERRUPT_RETRY_MS 1000

/* A socket closed while still registered: Windows' WSAPoll reports it as
 * POLLNVAL ("an invalid socket was used", the WSAPOLLFD page,
 * learn.microsoft.com/windows/win32/api/winsock2/ns-winsock2-wsapollfd),
 * but Wine 8's fails the whole call with WSAENOTSOCK. Do what
 * Windows does, so one stale registration reads as that socket's error
 * (the owner then unregisters it) instead of failing every wait. */
static void mark_closed(eve__registry_t *r) {
  for (size_t i = 0; i < r->socks_count; i++) {
    int type = 0;
    int len = (int)sizeof type;
    bool open = getsockopt(r->pollfds[i].fd, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0;
    r->pollfds[i].revents = open ? 0 : POLLNVAL;
  }
}

/* What WSAPoll said about entry i, with the failed-connect fix applied. */
static int16_t entry_revents(eve__registry_t *r, size_t i) {
  eve__registration_t *reg = &r->socks[i];
  int16_t revents = r->pollfds[i].revents;
  if (reg->connecting) {
    revents = eve__connect_fix((SOCKET)reg->handle, revents, true);
    /* Writable or failed: the connect is over either way. */
    if (revents != 0) reg->connecting = false;
  }
  return revents;
}

static bool any_connecting(const eve__registry_t *r) {
  for (size_t i = 0; i < r->socks_count; i++)
    if (r->socks[i].connecting) return true;
  return false;
}

/* Overlapped mode: every poll-set entry belongs to a sock, which gathers
 * the news with what its receive says and is reported from the ready list.
 * sock.c never changes the poll set from here, so the indexes hold. */
static void route_to_socks(eve_poller_t *poller, bool polled) {
  eve__registry_t *r = &poller->registry;
  for (size_t i = 0; i < r->socks_count; i++) {
    if (!polled) r->pollfds[i].revents = 0;
    int16_t revents = entry_revents(r, i);
    if (revents != 0) eve__sock_polled(poller, r->socks[i].state, revents);
  }
}

/* One WSAPoll over the poll set, plus the control socket in the slot after
 * it when `control` is valid. Returns how many registered sockets WSAPoll
 * marked (a closed one counts as marked), or a negative error. */
static int poll_set(eve_poller_t *poller, SOCKET control, DWORD timeout_ms, bool *control_ready) {
  eve__registry_t *r = &poller->registry;
  size_t count = r->socks_count;
  WSAPOLLFD alone;
  WSAPOLLFD *fds = count > 0 ? r->pollfds : &alone;
  size_t total = count;
  /* registry.c keeps a spare slot after the poll set for this. */
  if (control != INVALID_SOCKET) fds[total++] = (WSAPOLLFD){control, POLLRDNORM, 0};
  eve__count(&poller->counters.waits);
  int rc = WSAPoll(fds, (ULONG)total, timeout_ms == INFINITE ? -1 : (INT)timeout_ms);
  if (rc == SOCKET_ERROR) {
    int error = WSAGetLastError();
    if (error != WSAENOTSOCK) return eve_error_from_os(error);
    mark_closed(r);
    return 1;
  }
  *control_ready = control != INVALID_SOCKET && fds[count].revents != 0;
  return rc - (*control_ready ? 1 : 0);
}

static int report_polled(eve_poller_t *poller, bool polled, eve_native_event_t *events,
                         size_t max) {
  eve__registry_t *r = &poller->registry;
  size_t count = r->socks_count;
  if (poller->mode == EVE_MODE_OVERLAPPED) {
    route_to_socks(poller, polled);
    return 0;
  }
  if (count == 0 || (!polled && !any_connecting(r))) return 0;
  /* Reporting starts where the last full batch stopped, so a small events
   * array cannot starve the sockets at the end of the table. */
  size_t n = 0, start = r->cursor % count, last = start;
  for (size_t k = 0; k < count && n < max; k++) {
    size_t i = (start + k) % count;
    if (!polled) r->pollfds[i].revents = 0;
    int16_t revents = entry_revents(r, i);
    if (revents == 0) continue;
    events[n].events = eve__to_epoll_mask(revents);
    events[n].data.u64 = r->socks[i].user_data;
    events[n].completion = NULL;
    n++;
    last = i;
  }
  r->cursor = (n == max) ? last + 1 : 0;
  return (int)n;
}

int eve__poll_now(eve_poller_t *poller, eve_native_event_t *events, size_t max) {
  if (poller->registry.socks_count == 0 || max == 0) return 0;
  bool control_ready = false;
  int rc = poll_set(poller, INVALID_SOCKET, 0, &control_ready);
  if (rc < 0) return rc;
  return report_polled(poller, rc != 0, events, max);
}

int eve__poll_block(eve_poller_t *poller, eve_native_event_t *events, size_t max,
                    DWORD timeout_ms) {
  eve__watcher_t *w = &poller->watcher;
  if (any_connecting(&poller->registry) && timeout_ms > EVE__CONNECT_RECHECK_MS)
    timeout_ms = EVE__CONNECT_RECHECK_MS;
  /* Posts from other threads set their flag before they poke: one set
   * before in_poll was found nobody to poke, so look after setting it. */
  if (!eve__watcher_enter_poll(w) || atomic_load(&poller->wakeup_pending) ||
      atomic_load(&poller->shutting_down))
    timeout_ms = 0;
  bool control_ready = false;
  int rc = poll_set(poller, w->control, timeout_ms, &control_ready);
  eve__watcher_leave_poll(w, control_ready);
  if (rc < 0) return rc;
  return report_polled(poller, rc != 0, events, max);
}

static void post_ready(eve__helper_t *h) {
  /* If this post fails the port is gone (dispose) or memory is exhausted;
   * the loop's own interrupt still ends its wait, so nothing hangs. */
  PostQueuedCompletionStatus(h->port, 0, (ULONG_PTR)EVE__KEY_POLL_READY,
                             (LPOVERLAPPED)(uintptr_t)h->generation);
}

/* One arming: poll until a registered socket is ready (tell the loop) or
 * the loop cancels. A control datagram alone is either the cancel or a
 * stale one from an earlier arming: drained, and polling goes on unless
 * cancel is set. */
static void poll_until_done(eve__helper_t *h) {
  for (;;) {
    int rc = WSAPoll(h->fds, (ULONG)h->fds_count, (INT)h->timeout_ms);
    if (rc == SOCKET_ERROR) {
      h->error = WSAGetLastError();
      post_ready(h);
      return;
    }
    /* A connect may have failed silently: the loop asks SO_ERROR. */
    if (rc == 0) {
      post_ready(h);
      return;
    }
    for (size_t i = 1; i < h->fds_count; i++) {
      if (h->fds[i].revents != 0) {
        post_ready(h);
        return;
      }
    }
    if (h->fds[0].revents != 0) eve__control_drain(h->control);
    if (atomic_load(&h->cancel)) return;
  }
}

static DWORD WINAPI helper_main(LPVOID arg) {
  eve__helper_t *h = arg;
  for (;;) {
    WaitForSingleObject(h->start_event, INFINITE);
    if (h->stop) return 0;
    poll_until_done(h);
    SetEvent(h->idle_event);
  }
}

static int helper_start(eve_poller_t *poller) {
  eve__helper_t *h = &poller->helper;
  h->port = poller->port;
  int rc = eve__control_open(&h->control);
  if (rc < 0) return rc;
  h->start_event = CreateEventW(NULL, FALSE, FALSE, NULL);
  h->idle_event = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (h->start_event != NULL && h->idle_event != NULL)
    h->thread = CreateThread(NULL, 64 * 1024, helper_main, h,
                             STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
  if (h->thread == NULL) {
    rc = eve_error_from_os((long)GetLastError());
    eve__helper_stop(h);
    return rc;
  }
  return EVE_OK;
}

void eve__helper_stop(eve__helper_t *h) {
  if (h->thread != NULL) {
    /* Disarmed first (dispose, or a failed start), so it is parked in
     * WaitForSingleObject(start_event) here. */
    h->stop = true;
    SetEvent(h->start_event);
    WaitForSingleObject(h->thread, INFINITE);
    CloseHandle(h->thread);
  }
  if (h->start_event != NULL) CloseHandle(h->start_event);
  if (h->idle_event != NULL) CloseHandle(h->idle_event);
  if (h->control != 0 && h->control != INVALID_SOCKET) closesocket(h->control);
  free(h->fds);
  memset(h, 0, sizeof *h);
}

static int helper_arm(eve_poller_t *poller) {
  eve__helper_t *h = &poller->helper;
  eve__registry_t *r = &poller->registry;
  if (h->thread == NULL) {
    int rc = helper_start(poller);
    if (rc < 0) return rc;
  }
  size_t need = r->socks_count + 1;
  if (h->fds_size < need) {
    WSAPOLLFD *fds = realloc(h->fds, need * sizeof *fds);
    if (fds == NULL) return EVE_ENOMEM;
    h->fds = fds;
    h->fds_size = need;
  }
  h->fds[0] = (WSAPOLLFD){h->control, POLLRDNORM, 0};
  memcpy(h->fds + 1, r->pollfds, r->socks_count * sizeof *h->fds);
  for (size_t i = 1; i < need; i++) h->fds[i].revents = 0;
  h->fds_count = need;
  h->error = 0;
  h->timeout_ms = any_connecting(r) ? EVE__CONNECT_RECHECK_MS : INFINITE;
  h->version = r->version;
  h->generation++;
  atomic_store(&h->cancel, false);
  h->armed = true;
  SetEvent(h->start_event);
  return EVE_OK;
}

void eve__helper_disarm(eve_poller_t *poller, bool helper_reported) {
  eve__helper_t *h = &poller->helper;
  if (!h->armed) return;
  if (!helper_reported) atomic_store(&h->cancel, true);
  for (;;) {
    /* If the helper was already on its way out, this datagram is left over;
     * the next arming drains it and keeps polling. */
    if (!helper_reported) send(h->control, "w", 1, 0);
    DWORD ms = helper_reported ? INFINITE : INTERRUPT_RETRY_MS;
    if (WaitForSingleObject(h->idle_event, ms) == WAIT_OBJECT_0) break;
  }
  h->armed = false;
}

int eve__helper_watch(eve_poller_t *poller) {
  eve__helper_t *h = &poller->helper;
  if (h->armed && h->version == poller->registry.version) return EVE_OK;
  eve__helper_disarm(poller, false);
  return helper_arm(poller);
}

bool eve__helper_watching(const eve_poller_t *poller) {
  return poller->helper.armed && poller->helper.version == poller->registry.version;
}
