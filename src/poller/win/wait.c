/* eve_poller_wait, and the completion port's packets.
 *
 * Overlapped mode (wait_on_port): one round is
 *   1. report completions already taken off the port (the queue);
 *   2. re-arm what the last wait reported or what was modified since
 *      (sock.c's zero-byte receives, waitable.c's waits), which may find
 *      news at once;
 *   3. a zero-timeout WSAPoll over the poll set (wsapoll.c): the few
 *      sockets that need it in overlapped mode;
 *   4. report the ready list (sockets, events, consoles);
 *   5. one GetQueuedCompletionStatusEx: without blocking when the steps
 *      before found something (it still picks up wake-ups and completions,
 *      so a busy socket cannot starve the port), otherwise blocking for what
 *      is left of the timeout, with the helper thread watching the poll set.
 *
 * WSAPoll mode (wait_in_poll): the port's packets arrive through the port
 * watcher (watcher.c), so a round takes them from its ring and then makes
 * one WSAPoll over the sockets, blocking unless something was found.
 *
 * Fairness: completions and readiness take turns at the front of the
 * caller's events array, one wait each (readiness_first flips on every
 * wait), so with a small max_events neither source starves the other; a
 * wait that puts readiness first reports the completions after it, in
 * whatever room is left. Within each source the order is FIFO (the queue,
 * the ready list) or rotates (WSAPoll mode's cursor, wsapoll.c).
 *
 * In both, a round that found nothing to report and was ended only by a
 * stale packet, a stray datagram, or the helper's "ready" (the sockets are
 * then read inline by the next round) goes round again: the caller never
 * sees a spurious 0. `waits` counts each WSAPoll and each
 * GetQueuedCompletionStatusEx made on the loop thread, so an idle infinite
 * wait shows no progress. */
#include <limits.h>
#include <winternl.h>

#include "test_hooks.h"
#include "win.h"

/* Packets taken per GetQueuedCompletionStatusEx that does not block. Wine
 * makes one server call per packet anyway; on Windows this is one call for
 * a burst.
 *
 * A blocking one asks for a single packet (BLOCKING_BATCH). Wine 8's
 * NtRemoveIoCompletionEx asks the server for packets one remove_completion
 * at a time until one fails: blocked, it makes one that finds nothing,
 * waits, takes the packet that ended the wait, and makes one more that
 * finds nothing, unless the packet filled the caller's array. So with room
 * for one the third request is saved: three remove_completion per blocking
 * wait became two (bench/http/wine_counts.py, docs/performance.md). On
 * Windows one call "retrieves multiple completion port entries
 * simultaneously", up to the count asked for
 * (learn.microsoft.com/windows/win32/fileio/getqueuedcompletionstatusex-func);
 * a burst that reaches a blocked loop is then taken one packet per wait,
 * and the waits after the first return at once, since their packets are
 * already there. Waits that do not block (a busy loop) still take batches. */
#define PORT_BATCH 64
#define BLOCKING_BATCH 1

typedef struct round_result {
  bool shutdown;
  bool helper_ready; /* the helper's packet for the current arming */
} round_result_t;

/* A finished write or connect is "writable", as epoll reports a connected
 * socket; a read or an accept (a pipe server's client arrived) is
 * "readable", as epoll reports a listener. A partial message
 * (EVE_EMSGSIZE) filled the buffer: data, not a failure. */
static uint32_t completion_mask(const eve_overlapped_entry_t *entry) {
  bool out = entry->operation == EVE_IO_WRITE || entry->operation == EVE_IO_CONNECT;
  uint32_t mask = out ? EVE_EV_OUT : EVE_EV_IN;
  bool failed = entry->status < 0 && entry->status != EVE_EMSGSIZE;
  return failed ? mask | EVE_EV_ERR : mask;
}

static void complete_entry(eve_poller_t *poller, const OVERLAPPED_ENTRY *packet) {
  eve_overlapped_entry_t *entry =
      eve_overlapped_pool_find_by_overlapped(&poller->pool, packet->lpOverlapped);
  /* An OVERLAPPED that is not one of the pool's in-use entries has no
   * entry to report it with; the caller that started it gets nothing. */
  if (entry == NULL) return;
  entry->bytes_transferred = packet->dwNumberOfBytesTransferred;
  NTSTATUS status = (NTSTATUS)entry->overlapped.Internal;
  entry->status = status == 0 ? 0 : eve_error_from_os((long)RtlNtStatusToDosError(status));
  /* Room was reserved before the packets were taken. */
  eve__queue_push(&poller->queue, entry);
}

/* WSAPoll mode: a wake-up is the flag alone (no packet, port.c says why);
 * the next post after this one is taken pokes again. */
static void take_wakeup(eve_poller_t *poller) {
  if (atomic_exchange(&poller->wakeup_pending, false)) {
    EVE__TEST_HOOK(inside_take_wakeup, poller);
    poller->wakeup_taken = true;
  }
}

static void take_packet(eve_poller_t *poller, const OVERLAPPED_ENTRY *packet,
                        round_result_t *result) {
  switch ((uint64_t)packet->lpCompletionKey) {
    case EVE__KEY_WAKEUP:
      /* Cleared after the packet left the port and before the wait
       * returns: a post in between is coalesced into this wake-up (the
       * waiter is returning anyway), a post after it posts again. The
       * reverse order would lose a packet (epoll.c's take_wakeup). */
      EVE__TEST_HOOK(inside_take_wakeup, poller);
      atomic_store(&poller->wakeup_pending, false);
      poller->wakeup_taken = true;
      return;
    case EVE__KEY_SHUTDOWN:
      result->shutdown = true;
      return;
    case EVE__KEY_TIMER:
      return;
    case EVE__KEY_SOCK:
      /* The caller's own overlapped operation on a socket we associated
       * carries our key; its OVERLAPPED is a pool entry, not a sock.
       * Anything else is used only if it is one of our socks (watch_set.c):
       * the key alone proves nothing. */
      if (eve_overlapped_pool_find_by_overlapped(&poller->pool, packet->lpOverlapped) != NULL)
        complete_entry(poller, packet);
      else if (eve__watch_is_own(poller, packet->lpOverlapped, EVE__WATCH_SOCK))
        eve__sock_completed(poller, (eve__sock_t *)(void *)packet->lpOverlapped);
      return;
    case EVE__KEY_WAITABLE:
      if (eve__watch_is_own(poller, packet->lpOverlapped, EVE__WATCH_WAITABLE))
        eve__waitable_fired(poller, (eve__waitable_t *)(void *)packet->lpOverlapped);
      return;
    case EVE__KEY_POLL_READY:
      /* A packet from an earlier arming is stale: the helper was already
       * interrupted and the sockets were (or will be) polled inline. */
      if (poller->helper.armed &&
          (uint32_t)(uintptr_t)packet->lpOverlapped == poller->helper.generation)
        result->helper_ready = true;
      return;
    default:
      complete_entry(poller, packet);
      return;
  }
}

/* One batch of packets, from the port watcher's ring while it runs (or
 * still holds some after it stopped), else from one
 * GetQueuedCompletionStatusEx; they go to the queue and flags. Returns how
 * many packets it took, or a negative error. */
static int take_packets(eve_poller_t *poller, DWORD timeout_ms, ULONG batch,
                        round_result_t *result) {
  ULONG room = (ULONG)eve__queue_reserve(&poller->queue, batch);
  /* A full queue means there are completions to report: report them first
   * and leave the port's packets where they are. */
  if (room == 0) return poller->queue.count > 0 ? 0 : EVE_ENOMEM;
  OVERLAPPED_ENTRY packets[PORT_BATCH];
  ULONG got = 0;
  if (poller->watcher.thread != NULL || eve__watcher_has_packets(&poller->watcher)) {
    got = (ULONG)eve__watcher_take(&poller->watcher, packets, room);
  } else {
    eve__count(&poller->counters.waits);
    if (!GetQueuedCompletionStatusEx(poller->port, packets, room, &got, timeout_ms, FALSE)) {
      DWORD error = GetLastError();
      return error == WAIT_TIMEOUT ? 0 : eve_error_from_os((long)error);
    }
  }
  for (ULONG i = 0; i < got; i++) take_packet(poller, &packets[i], result);
  return (int)got;
}

int eve__port_drain(eve_poller_t *poller) {
  round_result_t result = {0};
  if (poller->mode == EVE_MODE_WSAPOLL) take_wakeup(poller);
  /* Bounded: each call takes up to PORT_BATCH, and the queue caps the total. */
  for (int i = 0; i < 64; i++) {
    int rc = take_packets(poller, 0, PORT_BATCH, &result);
    if (rc <= 0) return rc;
  }
  return EVE_OK;
}

int eve__port_take(eve_poller_t *poller, DWORD timeout_ms) {
  round_result_t result = {0};
  return take_packets(poller, timeout_ms, PORT_BATCH, &result);
}

void eve_poller_check_pending_iocp_events(eve_poller_t *poller) {
  if (poller != NULL) eve__port_drain(poller);
}

static size_t report_queued(eve_poller_t *poller, eve_native_event_t *events, size_t max) {
  size_t n = 0;
  eve_overlapped_entry_t *entry;
  while (n < max && (entry = eve__queue_pop(&poller->queue)) != NULL) {
    events[n].events = completion_mask(entry);
    events[n].data.u64 = entry->user_data;
    events[n].completion = entry;
    n++;
  }
  return n;
}

/* What is left of the timeout (clock.c: precise, rounded up, so a wait
 * never ends before its deadline). */
static DWORD remaining_ms(int timeout_ms, uint64_t deadline_us) {
  if (timeout_ms < 0) return INFINITE;
  return timeout_ms == 0 ? 0 : eve__ms_until(deadline_us);
}

/* Every return of events or of a wake-up consumes the wake-up taken. */
static int finish(eve_poller_t *poller, size_t n) {
  if (poller->wakeup_taken) {
    poller->wakeup_taken = false;
    eve__count(&poller->counters.wakeups);
  }
  return (int)n;
}

/* Whether a packet can be on the port that this poller would report:
 * a receive or a pool entry's operation in flight, a waitable armed, the
 * helper polling, a socket or waitable awaiting its last packet, a
 * wake-up or a shutdown posted (their flags are set before their
 * packets). Otherwise only stale packets can be there, or a wake-up whose
 * poster set its flag after this look, which the next wait takes. A
 * zero-timeout look at an empty port costs two wineserver requests under
 * Wine 8 (NtRemoveIoCompletionEx makes a remove_completion and then a
 * zero-timeout wait), and a busy wait with none of these in flight (a
 * new connection's first requests, served from the poll set and inline
 * receives) made three or four such looks per connection. */
static bool port_may_hold_news(eve_poller_t *poller) {
  return poller->receives_pending > 0 || poller->zombies > 0 || poller->registry.overlapped > 0 ||
         eve_overlapped_pool_active_count(&poller->pool) > 0 || poller->helper.armed ||
         atomic_load(&poller->wakeup_pending) || atomic_load(&poller->shutting_down);
}

static int wait_on_port(eve_poller_t *poller, eve_native_event_t *events, size_t max_events,
                        int timeout_ms, uint64_t deadline) {
  for (;;) {
    size_t n = poller->readiness_first ? 0 : report_queued(poller, events, max_events);
    eve__rearm(poller);
    /* While the helper polls the poll set as it is, anything ready there
     * is its to report: an inline poll would cost a system call for
     * nothing. */
    int rc = eve__helper_watching(poller) ? 0 : eve__poll_now(poller, events + n, max_events - n);
    /* Completions already taken from the queue are reported, not dropped;
     * a lasting error shows again on the next wait. */
    if (rc < 0) return n > 0 ? finish(poller, n) : rc;
    n += (size_t)rc;
    n += eve__report_ready(poller, events + n, max_events - n);

    bool found = n > 0 || poller->queue.count > 0 || poller->wakeup_taken;
    DWORD block = found ? 0 : remaining_ms(timeout_ms, deadline);
    /* A blocked loop hears only the port: hot sockets still quiet get
     * their receive now, and one that finds data ends the wait at once. */
    if (block != 0 && eve__park_hot(poller)) {
      n += eve__report_ready(poller, events + n, max_events - n);
      if (n > 0) block = 0;
    }
    bool polling_needed = poller->registry.socks_count > 0;
    round_result_t result = {0};
    bool looked_first = false;
    if (block != 0 && polling_needed && !eve__helper_watching(poller)) {
      /* Arming the helper costs a thread hand-off (a dozen server requests
       * under Wine). In overlapped mode news mostly comes as packets that
       * are already on the port when a busy loop gets here, so look there
       * first and arm only if it is empty. */
      rc = take_packets(poller, 0, PORT_BATCH, &result);
      if (rc < 0) return rc;
      looked_first = rc > 0;
      if (looked_first) block = 0;
    }
    /* The helper stays in WSAPoll across waits while the poll set does not
     * change (wsapoll.c says why that is safe), so a wait ended by a
     * completion costs it nothing. */
    if (block != 0 && polling_needed) {
      rc = eve__helper_watch(poller);
      if (rc < 0) return rc;
    } else if (!polling_needed) {
      eve__helper_disarm(poller, false);
    }
    if (block == 0 && !port_may_hold_news(poller))
      rc = 0;
    else
      rc = take_packets(poller, block, block == 0 ? PORT_BATCH : BLOCKING_BATCH, &result);
    if (result.helper_ready) eve__helper_disarm(poller, true);
    if (rc < 0) return n > 0 ? finish(poller, n) : rc;
    /* WSAENOTSOCK (a socket closed while registered) is the inline poll's
     * to report, as that socket's error; anything else ends the wait. */
    if (result.helper_ready && poller->helper.error != 0 &&
        poller->helper.error != WSAENOTSOCK)
      return eve_error_from_os(poller->helper.error);

    n += report_queued(poller, events + n, max_events - n);
    n += eve__report_ready(poller, events + n, max_events - n);
    if (n > 0) return finish(poller, n);
    if (result.shutdown || atomic_load(&poller->shutting_down)) return EVE_ESHUTDOWN;
    if (poller->wakeup_taken) return finish(poller, 0);
    /* Packets that told nothing (stale, or news nobody asked for) did not
     * end a wait that may block: go round again. */
    if (result.helper_ready || looked_first) continue;
    if (block == 0 || remaining_ms(timeout_ms, deadline) == 0) return 0;
  }
}

static int wait_in_poll(eve_poller_t *poller, eve_native_event_t *events, size_t max_events,
                        int timeout_ms, uint64_t deadline) {
  int rc = eve__watcher_start(&poller->watcher, poller->port);
  if (rc < 0) return rc;
  /* The sockets were polled just now and had nothing: news found next
   * (what ended that poll) is returned without polling them again. */
  bool just_polled = false;
  for (;;) {
    round_result_t result = {0};
    rc = take_packets(poller, 0, PORT_BATCH, &result);
    if (rc < 0) return rc;
    take_wakeup(poller);
    bool readiness_first = poller->readiness_first;
    size_t n = readiness_first ? 0 : report_queued(poller, events, max_events);
    eve__rearm(poller);
    n += eve__report_ready(poller, events + n, max_events - n);
    bool stop = result.shutdown || atomic_load(&poller->shutting_down);
    bool found = n > 0 || poller->queue.count > 0 || poller->wakeup_taken || stop;
    if (!(found && just_polled) && n < max_events) {
      DWORD block = found ? 0 : remaining_ms(timeout_ms, deadline);
      rc = eve__poll_block(poller, events + n, max_events - n, block);
      /* Completions already taken are reported, not dropped; a lasting
       * error shows again on the next wait. */
      if (rc < 0) return n > 0 ? finish(poller, n) : rc;
      n += (size_t)rc;
      if (n == 0 && !found && block != 0 && remaining_ms(timeout_ms, deadline) != 0) {
        just_polled = true;
        continue;
      }
    }
    if (readiness_first) n += report_queued(poller, events + n, max_events - n);
    if (n > 0) return finish(poller, n);
    if (stop) return EVE_ESHUTDOWN;
    return finish(poller, 0);
  }
}

int eve_poller_wait(eve_poller_t *poller, eve_native_event_t *events, size_t max_events,
                    int timeout_ms) {
  if (poller == NULL || events == NULL || max_events == 0 || timeout_ms < -1)
    return EVE_EINVAL;
  if (atomic_load(&poller->shutting_down)) return EVE_ESHUTDOWN;
  EVE__TEST_HOOK(wait_entered, poller);
  poller->readiness_first = !poller->readiness_first;
  uint64_t deadline = timeout_ms > 0 ? eve__now_us() + (uint64_t)timeout_ms * 1000u : 0;
  if (max_events > INT_MAX) max_events = INT_MAX;
  if (poller->mode == EVE_MODE_WSAPOLL)
    return wait_in_poll(poller, events, max_events, timeout_ms, deadline);
  return wait_on_port(poller, events, max_events, timeout_ms, deadline);
}
