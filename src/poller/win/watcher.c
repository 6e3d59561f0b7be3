/* WSAPoll mode's port watcher: how a loop that blocks in WSAPoll still
 * hears the completion port.
 *
 * Why the loop blocks in WSAPoll and not on the port. A WSAPoll-mode
 * socket's news only exists as WSAPoll's answer. If the loop blocked on the
 * port, every blocking wait would have to hand the poll set to a thread
 * that blocks in WSAPoll and posts a packet, then take it back before
 * returning (the overlapped mode's helper in wsapoll.c). Under Wine 8 that
 * hand-off costs about a dozen wineserver requests per wait, more than the
 * recv and send of the request that ended it; a bare WSAPoll costs one
 * ioctl and the wait itself. So in WSAPoll mode the loop blocks in one
 * WSAPoll over its sockets plus the control socket, a loopback UDP socket
 * connected to itself, and the rare news that comes as packets (wake-ups,
 * overlapped completions of pipes and files, waitables, a shutdown) reaches
 * it through this thread:
 *   - the watcher blocks in GetQueuedCompletionStatusEx for good, copies
 *     each packet into a bounded ring, and if the loop is inside WSAPoll,
 *     sends one datagram on the control socket ("poke");
 *   - the loop takes the ring's packets at the start of every wait (memory
 *     only, no system call) and handles them as if it had dequeued them;
 *   - a post from another thread pokes the loop itself: a wake-up is a flag
 *     and one datagram, with no packet at all (port.c), and a shutdown's
 *     packet is only for the record.
 * Never blocking with packets waiting is a two-flag handshake: the loop
 * sets in_poll and then looks at the ring; the watcher fills the ring and
 * then looks at in_poll. Sequentially consistent atomics let at most one of
 * them miss the other. `signalled` keeps it to one datagram per poll: it is
 * cleared only after the loop has drained the control socket.
 *
 * The ring's bound: when it is full the watcher stops taking packets until
 * the loop makes room; they wait on the port meanwhile, and nothing is
 * lost. */
#include <string.h>

#include "win.h"

/* Packets taken per GetQueuedCompletionStatusEx. */
#define WATCHER_BATCH 64
/* Stale datagrams read per drain at most; more just end the next poll. */
#define CONTROL_DRAIN_MAX 64

static int last_socket_error(void) { return eve_error_from_os(WSAGetLastError()); }

int eve__control_open(SOCKET *out) {
  SOCKET s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return last_socket_error();
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = (int)sizeof addr;
  u_long nonblocking = 1;
  if (bind(s, (struct sockaddr *)&addr, len) != 0 ||
      getsockname(s, (struct sockaddr *)&addr, &len) != 0 ||
      connect(s, (struct sockaddr *)&addr, len) != 0 ||
      ioctlsocket(s, FIONBIO, &nonblocking) != 0) {
    int rc = last_socket_error();
    closesocket(s);
    return rc;
  }
  *out = s;
  return EVE_OK;
}

void eve__control_drain(SOCKET control) {
  char bytes[16];
  for (int i = 0; i < CONTROL_DRAIN_MAX; i++)
    if (recv(control, bytes, (int)sizeof bytes, 0) == SOCKET_ERROR) return;
}

void eve__watcher_poke(eve__watcher_t *w) {
  /* A failed send leaves `signalled` set: the loop's next drain clears it,
   * and until then the loop looks at the ring before every blocking poll. */
  if (atomic_load(&w->in_poll) && !atomic_exchange(&w->signalled, true))
    send(w->control, "p", 1, 0);
}

/* Waits until the ring has room; false when the watcher must stop. */
static bool wait_for_room(eve__watcher_t *w, ULONG *room) {
  for (;;) {
    AcquireSRWLockExclusive(&w->lock);
    size_t used = atomic_load(&w->count);
    w->waiting_for_room = used == EVE__WATCHER_RING;
    ReleaseSRWLockExclusive(&w->lock);
    if (atomic_load(&w->stop)) return false;
    if (used < EVE__WATCHER_RING) {
      size_t free_slots = EVE__WATCHER_RING - used;
      *room = (ULONG)(free_slots < WATCHER_BATCH ? free_slots : WATCHER_BATCH);
      return true;
    }
    WaitForSingleObject(w->room_event, INFINITE);
  }
}

static void ring_push(eve__watcher_t *w, const OVERLAPPED_ENTRY *packets, ULONG got) {
  AcquireSRWLockExclusive(&w->lock);
  size_t used = atomic_load(&w->count);
  for (ULONG i = 0; i < got; i++)
    w->ring[(w->head + used + i) % EVE__WATCHER_RING] = packets[i];
  atomic_store(&w->count, used + got);
  ReleaseSRWLockExclusive(&w->lock);
}

static DWORD WINAPI watcher_main(LPVOID arg) {
  eve__watcher_t *w = arg;
  OVERLAPPED_ENTRY packets[WATCHER_BATCH];
  ULONG room = 0;
  while (wait_for_room(w, &room)) {
    ULONG got = 0;
    if (!GetQueuedCompletionStatusEx(w->port, packets, room, &got, INFINITE, FALSE)) {
      /* The port is closed only after this thread has stopped; anything
       * else is a transient failure, so wait again. */
      continue;
    }
    ULONG keep = 0;
    for (ULONG i = 0; i < got; i++)
      if ((uint64_t)packets[i].lpCompletionKey != EVE__KEY_WATCHER_STOP) packets[keep++] = packets[i];
    if (keep > 0) {
      ring_push(w, packets, keep);
      eve__watcher_poke(w);
    }
  }
  return 0;
}

int eve__watcher_start(eve__watcher_t *w, HANDLE port) {
  if (w->thread != NULL) return EVE_OK;
  w->port = port;
  InitializeSRWLock(&w->lock);
  int rc = eve__control_open(&w->control);
  if (rc < 0) return rc;
  w->room_event = CreateEventW(NULL, FALSE, FALSE, NULL);
  if (w->room_event != NULL)
    w->thread = CreateThread(NULL, 64 * 1024, watcher_main, w,
                             STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
  if (w->thread == NULL) {
    rc = eve_error_from_os((long)GetLastError());
    eve__watcher_stop(w);
    return rc;
  }
  return EVE_OK;
}

void eve__watcher_stop(eve__watcher_t *w) {
  if (w->thread != NULL) {
    atomic_store(&w->stop, true);
    SetEvent(w->room_event);
    /* If this post fails the watcher is not in the port's wait (it is
     * waiting for room, and the event above ends that). */
    PostQueuedCompletionStatus(w->port, 0, (ULONG_PTR)EVE__KEY_WATCHER_STOP, NULL);
    WaitForSingleObject(w->thread, INFINITE);
    CloseHandle(w->thread);
    w->thread = NULL;
  }
  if (w->room_event != NULL) CloseHandle(w->room_event);
  w->room_event = NULL;
  if (w->control != 0 && w->control != INVALID_SOCKET) closesocket(w->control);
  w->control = INVALID_SOCKET;
  /* The ring keeps what the watcher took: the loop still handles it. */
}

bool eve__watcher_has_packets(eve__watcher_t *w) { return atomic_load(&w->count) > 0; }

size_t eve__watcher_take(eve__watcher_t *w, OVERLAPPED_ENTRY *out, size_t max) {
  if (atomic_load(&w->count) == 0) return 0;
  AcquireSRWLockExclusive(&w->lock);
  size_t used = atomic_load(&w->count);
  size_t n = used < max ? used : max;
  for (size_t i = 0; i < n; i++) out[i] = w->ring[(w->head + i) % EVE__WATCHER_RING];
  w->head = (w->head + n) % EVE__WATCHER_RING;
  atomic_store(&w->count, used - n);
  bool wake = w->waiting_for_room && n > 0;
  if (wake) w->waiting_for_room = false;
  ReleaseSRWLockExclusive(&w->lock);
  if (wake) SetEvent(w->room_event);
  return n;
}

bool eve__watcher_enter_poll(eve__watcher_t *w) {
  atomic_store(&w->in_poll, true);
  return atomic_load(&w->count) == 0;
}

void eve__watcher_leave_poll(eve__watcher_t *w, bool control_readable) {
  atomic_store(&w->in_poll, false);
  if (!control_readable) return;
  eve__control_drain(w->control);
  atomic_store(&w->signalled, false);
}
