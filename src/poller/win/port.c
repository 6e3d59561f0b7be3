/* The poller's life: the completion port, Winsock's reference count,
 * cross-thread posts, handle association, accessors and stats.
 *
 * Dispose with I/O in flight. The caller owns every handle and every
 * buffer; the poller owns the pool's OVERLAPPED memory, which the kernel
 * writes to until an operation completes. So dispose cancels each in-use
 * entry's operation (CancelIoEx on entry->handle with that OVERLAPPED) and
 * drains the port until every cancelled operation has reported its end,
 * then frees everything. Entries become invalid with the poller, completed
 * or not; their operations end with ERROR_OPERATION_ABORTED, which nobody
 * will see. If an operation does not end within DISPOSE_DRAIN_MS (its
 * entry->handle was not set, or a driver ignores cancellation) the chunk
 * holding it is deliberately leaked rather than freed under the kernel. */
#include <stdlib.h>

#include "win.h"

#define DISPOSE_DRAIN_MS 2000
#define DISPOSE_DRAIN_STEP_MS 20

/* WSAStartup/WSACleanup for the pollers alive in this process. Winsock
 * counts too, but counting here makes the first create the only one that
 * pays for WSAStartup, and the last dispose clean up. */
static SRWLOCK winsock_lock = SRWLOCK_INIT;
static size_t winsock_users;

static int winsock_acquire(void) {
  int rc = EVE_OK;
  AcquireSRWLockExclusive(&winsock_lock);
  if (winsock_users == 0) {
    WSADATA data;
    int error = WSAStartup(MAKEWORD(2, 2), &data);
    if (error != 0) rc = eve_error_from_os(error);
  }
  if (rc == EVE_OK) winsock_users++;
  ReleaseSRWLockExclusive(&winsock_lock);
  return rc;
}

static void winsock_release(void) {
  AcquireSRWLockExclusive(&winsock_lock);
  if (winsock_users > 0 && --winsock_users == 0) WSACleanup();
  ReleaseSRWLockExclusive(&winsock_lock);
}

bool eve__key_is_reserved(uint64_t key) {
  return key == EVE__KEY_WAKEUP || key == EVE__KEY_TIMER || key == EVE__KEY_SHUTDOWN ||
         key == EVE__KEY_POLL_READY || key == EVE__KEY_SOCK || key == EVE__KEY_WAITABLE ||
         key == EVE__KEY_WATCHER_STOP;
}

int eve_poller_create(eve_poller_t **out, const eve_poller_options_t *options) {
  if (out == NULL) return EVE_EINVAL;
  *out = NULL;
  eve_poller_mode_t mode = options ? options->mode : EVE_MODE_DEFAULT;
  /* The default is overlapped mode: O(ready) per wait, where WSAPoll mode
   * pays for every registered socket (sock.c says why, with measurements). */
  if (mode == EVE_MODE_DEFAULT) mode = EVE_MODE_OVERLAPPED;
  if (mode != EVE_MODE_WSAPOLL && mode != EVE_MODE_OVERLAPPED) return EVE_ENOTSUP;

  eve_poller_t *poller = calloc(1, sizeof *poller);
  if (poller == NULL) return EVE_ENOMEM;
  poller->mode = mode;
  eve__list_init(&poller->ready_list);
  eve__list_init(&poller->rearm_list);
  eve__list_init(&poller->hot_list);
  poller->capacity =
      (options && options->capacity) ? options->capacity : EVE_POLLER_DEFAULT_CAPACITY;
  poller->queue.bound = poller->capacity;
  int rc = winsock_acquire();
  if (rc < 0) goto fail_winsock;
  poller->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
  if (poller->port == NULL) {
    rc = eve_error_from_os((long)GetLastError());
    goto fail_port;
  }
  rc = eve__pool_init(&poller->pool, poller->capacity, &poller->counters);
  if (rc < 0) goto fail_pool;
  *out = poller;
  return EVE_OK;

fail_pool:
  CloseHandle(poller->port);
fail_port:
  winsock_release();
fail_winsock:
  free(poller);
  return rc;
}

static void cancel_entry(eve_overlapped_entry_t *entry, void *arg) {
  (void)arg;
  /* ERROR_NOT_FOUND: nothing in flight (never started, or already done). */
  if (entry->handle != NULL && entry->handle != INVALID_HANDLE_VALUE &&
      entry->overlapped.Internal == (ULONG_PTR)STATUS_PENDING)
    CancelIoEx(entry->handle, &entry->overlapped);
}

static void count_in_flight(eve_overlapped_entry_t *entry, void *arg) {
  if (entry->overlapped.Internal == (ULONG_PTR)STATUS_PENDING) ++*(size_t *)arg;
}

/* Waits, within a bound, for every cancelled operation to end, and for
 * the packets that free unregistered socks and waitables (the zombies).
 * Dequeuing matters under Wine: an operation's final status is written by
 * the process's own threads while they wait in the server, not by a
 * kernel. */
static void settle_in_flight(eve_poller_t *poller) {
  eve__socks_cancel_all(poller);
  eve__pool_for_each_active(&poller->pool, cancel_entry, NULL);
  for (int waited = 0; waited < DISPOSE_DRAIN_MS; waited += DISPOSE_DRAIN_STEP_MS) {
    size_t pending = 0;
    eve__pool_for_each_active(&poller->pool, count_in_flight, &pending);
    if (pending == 0 && poller->zombies == 0) return;
    /* Completions of pool entries go to the queue, which is freed next;
     * a full queue leaves them on the port, which is closed next. */
    if (eve__port_take(poller, DISPOSE_DRAIN_STEP_MS) < 0) return;
  }
  /* Left allocated on purpose: the kernel may still write into them. */
}

int eve_poller_dispose(eve_poller_t *poller) {
  if (poller == NULL) return EVE_EINVAL;
  eve__helper_disarm(poller, false);
  eve__helper_stop(&poller->helper);
  /* From here the loop thread takes packets itself: first what the
   * watcher left in its ring, then straight from the port. */
  eve__watcher_stop(&poller->watcher);
  settle_in_flight(poller);
  eve__pool_free_settled(&poller->pool);
  int rc = EVE_OK;
  if (!CloseHandle(poller->port)) rc = eve_error_from_os((long)GetLastError());
  eve__registry_free(&poller->registry);
  /* Socks and waitables left for the kernel stay allocated; the sets that
   * knew them go with the poller, as their packets can no longer come. */
  eve__handle_map_free(&poller->watches);
  eve__handle_map_free(&poller->associated);
  eve__queue_free(&poller->queue);
  winsock_release();
  free(poller);
  return rc;
}

bool eve_poller_is_valid(const eve_poller_t *poller) {
  return poller != NULL && poller->port != NULL;
}

eve_handle_t eve_poller_handle(const eve_poller_t *poller) {
  return eve_handle_from_raw(poller ? (uintptr_t)poller->port : EVE_HANDLE_INVALID_RAW);
}

eve_poller_mode_t eve_poller_mode(const eve_poller_t *poller) {
  return poller ? poller->mode : EVE_MODE_DEFAULT;
}

const char *eve_poller_backend_name(const eve_poller_t *poller) {
  (void)poller;
  return "iocp";
}

eve_overlapped_pool_t *eve_poller_overlapped_pool(eve_poller_t *poller) {
  return poller ? &poller->pool : NULL;
}

void eve_poller_stats(const eve_poller_t *poller, eve_poller_stats_t *out) {
  if (poller == NULL || out == NULL) return;
  out->waits = eve__read(&poller->counters.waits);
  out->wakeups = eve__read(&poller->counters.wakeups);
  out->wakeups_posted = eve__read(&poller->counters.wakeups_posted);
  out->capacity_hits = eve__read(&poller->counters.capacity_hits);
  out->releases_refused = eve__read(&poller->counters.releases_refused);
  out->registrations = atomic_load_explicit(&poller->registrations, memory_order_relaxed);
  out->capacity = poller->capacity;
  out->overlapped_active = eve_overlapped_pool_active_count(&poller->pool);
}

bool eve_poller_post_wakeup(eve_poller_t *poller) {
  if (poller == NULL) return false;
  /* Only the first post since the waiter took the last packet posts: a
   * thousand posts cost one packet and one wake-up. */
  if (atomic_exchange(&poller->wakeup_pending, true)) return true;
  /* A WSAPoll-mode loop blocks in WSAPoll, not on the port: the flag tells
   * it why and a datagram on its control socket ends its wait (watcher.c).
   * A packet would only wake the port watcher, which competes with the
   * loop for the CPU: under Wine it moved the wake-up's p50 from 220 to
   * 310 us. An overlapped-mode loop blocks on the port: the packet it is. */
  if (poller->mode == EVE_MODE_WSAPOLL) {
    eve__watcher_poke(&poller->watcher);
  } else if (!PostQueuedCompletionStatus(poller->port, 0, (ULONG_PTR)EVE__KEY_WAKEUP, NULL)) {
    atomic_store(&poller->wakeup_pending, false);
    return false;
  }
  eve__count(&poller->counters.wakeups_posted);
  return true;
}

bool eve_poller_post_shutdown(eve_poller_t *poller) {
  if (poller == NULL) return false;
  /* The flag answers every later wait; the packet ends a blocked one. */
  if (atomic_exchange(&poller->shutting_down, true)) return true;
  if (poller->mode == EVE_MODE_WSAPOLL) eve__watcher_poke(&poller->watcher);
  return PostQueuedCompletionStatus(poller->port, 0, (ULONG_PTR)EVE__KEY_SHUTDOWN, NULL) != 0;
}

int eve_poller_associate_handle(eve_poller_t *poller, HANDLE handle, uint64_t completion_key) {
  if (poller == NULL || eve__key_is_reserved(completion_key)) return EVE_EINVAL;
  if (handle == NULL || handle == INVALID_HANDLE_VALUE) return EVE_EBADF;
  if (CreateIoCompletionPort(handle, poller->port, (ULONG_PTR)completion_key, 0) == NULL)
    return eve_error_from_os((long)GetLastError());
  return EVE_OK;
}
