/* eve Layer 0 poller: the public API and its contract.
 * docs/poller-contract.md says the same at more length, with the mapping
 * from the spec (eve.backend.windows.iocp) to these names.
 *
 * Threads. One poller per event-loop thread (the loop thread). Every
 * function here is called from that thread, except:
 *   - eve_poller_post_wakeup() and eve_poller_post_shutdown(): any thread;
 *   - eve_poller_stats(): any thread (its counters are atomics).
 * eve_poller_dispose() must not run while any other thread is inside any
 * call on the same poller, posts included: the poller's memory goes.
 *
 * Semantics are level-triggered on every backend: a handle that is still
 * readable is reported again by the next wait (EVENT handles are the one
 * exception, see eve_poller_register). Error and hang-up are reported
 * whatever the interest, NONE included. Watching never consumes, reorders
 * or alters the data of a socket.
 *
 * Handle lifetime. The caller owns every handle; the poller never closes
 * one. Unregister a handle before closing it. If it is closed while
 * registered, the registration is stale: the poller touches no memory that
 * is not its own, but until the caller unregisters it (which succeeds),
 *   - epoll: its events stop (the kernel drops a closed descriptor; one
 *     that was dup()ed stays in the set and keeps reporting); registering
 *     a new descriptor with the same number replaces the stale entry;
 *   - Windows: it is reported as EVE_READY_ERROR (WSAPoll's POLLNVAL, or a
 *     cancelled receive), register() of a handle that reuses the value
 *     fails with EVE_EEXIST, and in overlapped mode a re-arm may issue a
 *     zero-byte receive on whatever object now has that value.
 *
 * Errors are negative codes from eve_error.h, translated once from the OS;
 * nothing in this library aborts on a recoverable error. Every function
 * that takes a poller returns EVE_EINVAL (or false, NULL, 0) for NULL. */
#ifndef EVE_POLLER_H_
#define EVE_POLLER_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eve_error.h"

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A socket, a HANDLE or a file descriptor. Windows SOCKET and HANDLE values
 * are pointer-sized; an fd is widened. All-ones is invalid on every OS
 * (-1, INVALID_SOCKET, INVALID_HANDLE_VALUE). */
typedef struct eve_handle {
  uintptr_t raw;
} eve_handle_t;

#define EVE_HANDLE_INVALID_RAW UINTPTR_MAX

static inline eve_handle_t eve_handle_from_fd(int fd) {
  eve_handle_t h = {(uintptr_t)(intptr_t)fd};
  return h;
}
static inline eve_handle_t eve_handle_from_raw(uintptr_t raw) {
  eve_handle_t h = {raw};
  return h;
}
static inline bool eve_handle_is_valid(eve_handle_t h) {
  return h.raw != EVE_HANDLE_INVALID_RAW;
}

/* What kind of object a handle is; values are the spec's. */
typedef enum eve_handle_type {
  EVE_HANDLE_UNKNOWN = 0,
  EVE_HANDLE_SOCKET = 1,
  EVE_HANDLE_CONSOLE = 2,
  EVE_HANDLE_PIPE = 3,
  EVE_HANDLE_FILE = 4,
  EVE_HANDLE_EVENT = 5
} eve_handle_type_t;

/* How a registered handle is watched. */
typedef enum eve_io_model {
  EVE_IO_MODEL_POLL = 0,      /* readiness (WSAPoll, epoll) */
  EVE_IO_MODEL_OVERLAPPED = 1 /* completions on the port */
} eve_io_model_t;

/* The operation an overlapped entry carries. */
typedef enum eve_io_operation {
  EVE_IO_NONE = 0,
  EVE_IO_READ = 1,
  EVE_IO_WRITE = 2,
  EVE_IO_ACCEPT = 3,
  EVE_IO_CONNECT = 4
} eve_io_operation_t;

/* Interest: what the caller wants to hear about. */
typedef unsigned eve_interest_t;
#define EVE_INTEREST_NONE 0u
#define EVE_INTEREST_READ 1u
#define EVE_INTEREST_WRITE 2u

/* Readiness: what happened. Error and hang-up are reported whatever the
 * interest, as epoll does. */
typedef unsigned eve_ready_t;
#define EVE_READY_READABLE 1u
#define EVE_READY_WRITABLE 2u
#define EVE_READY_ERROR 4u
#define EVE_READY_HANGUP 8u

/* Native event mask bits: the values of Linux's EPOLL* flags, on every OS,
 * so a native event means the same thing whichever backend produced it. */
#define EVE_EV_IN 0x001u
#define EVE_EV_PRI 0x002u
#define EVE_EV_OUT 0x004u
#define EVE_EV_ERR 0x008u
#define EVE_EV_HUP 0x010u
#define EVE_EV_RDHUP 0x2000u

typedef union eve_native_data {
  void *ptr;
  int fd;
  uint32_t u32;
  uint64_t u64;
} eve_native_data_t;

/* What eve_poller_wait() fills: an epoll_event's shape (mask and user-data
 * union), plus the completed overlapped entry on Windows. For a readiness
 * event `completion` is NULL and data.u64 is the registration's user data.
 * For a completion, `completion` is the eve_overlapped_entry_t that
 * completed, data.u64 is that entry's user_data, and events is EVE_EV_IN
 * (READ, ACCEPT, NONE) or EVE_EV_OUT (WRITE, CONNECT: a finished connect is
 * "writable", as epoll says it), with EVE_EV_ERR added when the operation
 * failed. entry->status is then the eve error; EVE_EMSGSIZE is not a
 * failure (no EVE_EV_ERR): a message larger than the buffer filled it,
 * bytes_transferred bytes arrived, and on a message-mode pipe the rest
 * waits for the next read. */
typedef struct eve_native_event {
  uint32_t events;
  eve_native_data_t data;
  void *completion;
} eve_native_event_t;

/* The shared Layer 0 event shape. */
typedef struct eve_os_event {
  eve_ready_t ready;
  uint64_t user_data;
  void *completion; /* eve_overlapped_entry_t * on Windows, else NULL */
} eve_os_event_t;

typedef enum eve_poller_mode {
  EVE_MODE_DEFAULT = 0, /* the best mode of this OS */
  EVE_MODE_EPOLL = 1,
  EVE_MODE_WSAPOLL = 2,
  EVE_MODE_OVERLAPPED = 3
} eve_poller_mode_t;

typedef struct eve_poller_options {
  eve_poller_mode_t mode;
  /* Ceiling on registrations and on overlapped pool entries; tables start
   * small and grow on demand up to it. 0 means EVE_POLLER_DEFAULT_CAPACITY. */
  size_t capacity;
} eve_poller_options_t;

#define EVE_POLLER_DEFAULT_CAPACITY 65536u

/* Counters for /stats. Sampled atomically; any thread may read them. */
typedef struct eve_poller_stats {
  uint64_t waits;          /* times the backend blocked in (or polled) the kernel */
  uint64_t wakeups;        /* wake-up packets consumed by wait */
  uint64_t wakeups_posted; /* wake-up packets actually posted (after coalescing) */
  uint64_t capacity_hits;  /* registrations or pool entries refused at the ceiling */
  uint64_t releases_refused; /* pool releases of an entry whose I/O was in flight */
  size_t registrations;
  size_t capacity;
  size_t overlapped_active;
} eve_poller_stats_t;

typedef struct eve_poller eve_poller_t;

/* Creates a poller. On Windows the first create calls WSAStartup and the
 * last dispose WSACleanup (reference-counted).
 * Errors: EVE_EINVAL (out is NULL); EVE_ENOTSUP (a mode this OS does not
 * have: EPOLL on Windows, WSAPOLL or OVERLAPPED on Linux); EVE_ENOMEM;
 * EVE_EMFILE and other OS errors from creating the epoll set, eventfd,
 * completion port, or from WSAStartup. */
EVE_API int eve_poller_create(eve_poller_t **out, const eve_poller_options_t *options);

/* Releases everything the poller owns, including outstanding registrations.
 * Registered handles themselves stay the caller's. Windows: operations in
 * flight on pool entries are cancelled and waited for (bounded); entries
 * are invalid afterwards, completed or not.
 * Errors: EVE_EINVAL (NULL); an OS error from closing the epoll fd or the
 * port (everything is freed all the same). */
EVE_API int eve_poller_dispose(eve_poller_t *poller);

EVE_API bool eve_poller_is_valid(const eve_poller_t *poller);
/* The epoll fd, or the IOCP handle. */
EVE_API eve_handle_t eve_poller_handle(const eve_poller_t *poller);
EVE_API size_t eve_poller_registration_count(const eve_poller_t *poller);
/* Registrations that use the overlapped model (not readiness). */
EVE_API size_t eve_poller_overlapped_count(const eve_poller_t *poller);
EVE_API eve_poller_mode_t eve_poller_mode(const eve_poller_t *poller);
EVE_API const char *eve_poller_backend_name(const eve_poller_t *poller); /* "epoll", "iocp" */
EVE_API const char *eve_poller_mode_name(eve_poller_mode_t mode);        /* "epoll", "wsapoll", ... */
/* Parses "epoll", "wsapoll", "overlapped", "default"; EVE_EINVAL otherwise. */
EVE_API int eve_poller_mode_parse(const char *name, eve_poller_mode_t *out);
EVE_API void eve_poller_stats(const eve_poller_t *poller, eve_poller_stats_t *out);

/* Registration. A handle is registered once; user_data comes back with
 * every event for it.
 *
 * What can be registered, and how it is watched:
 *   - Linux (epoll): any descriptor epoll accepts (sockets, pipes, ttys,
 *     eventfds...); regular files and directories are refused.
 *   - Windows, both modes: sockets of every kind (TCP listening, connecting
 *     or connected; UDP connected or not; made with or without
 *     WSA_FLAG_OVERLAPPED); PIPE and FILE handles, which are associated
 *     with the port and report the completions of operations started with
 *     pool entries (interest is not used); EVENT handles, reported
 *     READABLE once per arming: once signalled, not again until
 *     eve_poller_modify() re-arms it (an event is not consumed by being
 *     reported, so re-arming by itself would report a manual-reset event on
 *     every wait); CONSOLE input, level-triggered like a socket.
 *   - WSAPoll mode watches every socket with WSAPoll.
 *   - Overlapped mode (the default) watches a connected, overlapped TCP
 *     socket whose interest has READ with a zero-byte WSARecv on the port;
 *     such a socket is associated with this poller's port for its life
 *     (Windows cannot undo it), with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS
 *     when its provider is IFS: the caller's own overlapped operations on
 *     it complete on this port (with pool entries, they are reported as
 *     completions) and may complete inline without a packet. Every other
 *     socket is watched by WSAPoll (a helper thread while the loop blocks):
 *     listeners, sockets not yet connected, WRITE interest, interest
 *     without READ, datagram sockets, sockets made without
 *     WSA_FLAG_OVERLAPPED, and sockets already associated with a port by
 *     someone else (the caller, another poller, or this one in an earlier
 *     registration). The caller does not choose; the result is the same.
 *
 * register errors: EVE_EINVAL (NULL poller); EVE_EBADF (invalid handle, the
 * poller's own handle, or on Windows a handle of no watchable type);
 * EVE_EEXIST (already registered); EVE_ELIMIT (the capacity, counted in
 * capacity_hits); EVE_ENOMEM; EVE_ENOTSUP (epoll: a regular file or
 * directory); OS errors from epoll_ctl, CreateIoCompletionPort or
 * RegisterWaitForSingleObject.
 * modify errors: EVE_EINVAL; EVE_EBADF (invalid handle); EVE_ENOENT (not
 * registered); EVE_ENOMEM or EVE_ELIMIT (Windows: the socket must join the
 * poll set and it cannot grow); OS errors from epoll_ctl.
 * unregister errors: EVE_EINVAL; EVE_EBADF; EVE_ENOENT; an OS error from
 * epoll_ctl (the registration is removed all the same). */
EVE_API int eve_poller_register(eve_poller_t *poller, eve_handle_t handle,
                                eve_interest_t interest, uint64_t user_data);
EVE_API int eve_poller_modify(eve_poller_t *poller, eve_handle_t handle,
                              eve_interest_t interest, uint64_t user_data);
EVE_API int eve_poller_unregister(eve_poller_t *poller, eve_handle_t handle);

/* Wakes a thread blocked in eve_poller_wait(). Safe from any thread.
 * Coalesces: posts made before the waiter consumes the first one add
 * nothing. Returns false only if the wake-up could not be posted. */
EVE_API bool eve_poller_post_wakeup(eve_poller_t *poller);

/* Ends the current and every later eve_poller_wait() with EVE_ESHUTDOWN.
 * Safe from any thread. One rule on every backend: a wait that has already
 * found events when it sees the shutdown returns those events (so no
 * completion taken off the port is lost), and every wait after it returns
 * EVE_ESHUTDOWN without looking. */
EVE_API bool eve_poller_post_shutdown(eve_poller_t *poller);

/* Waits for events. timeout_ms: -1 infinite, 0 never blocks, >0 ms.
 * Returns the number of events stored (0 on timeout or wake-up),
 * EVE_ESHUTDOWN once a shutdown was posted, or another negative error.
 * A wait never returns before its timeout unless something happened
 * (events, a wake-up, a shutdown): the deadline is kept on a precise
 * monotonic clock (CLOCK_MONOTONIC; QueryPerformanceCounter). It may
 * return later, by up to the system timer's resolution (Windows:
 * typically 15.6 ms unless raised). Signals (EINTR) are resumed, not
 * returned. With a small max_events no source starves another: what did
 * not fit is reported by the next waits, and on Windows completions and
 * readiness take turns at the front.
 * Errors: EVE_EINVAL (NULL poller or events, max_events 0, timeout_ms
 * below -1); EVE_ESHUTDOWN; EVE_ENOMEM (Windows: the completion queue
 * cannot grow); OS errors from epoll_wait, WSAPoll or
 * GetQueuedCompletionStatusEx. */
EVE_API int eve_poller_wait(eve_poller_t *poller, eve_native_event_t *events,
                            size_t max_events, int timeout_ms);

/* Moves whatever the kernel already has (wake-ups, completions) into the
 * poller's own queue without blocking; the next wait reports it. */
EVE_API void eve_poller_check_pending_iocp_events(eve_poller_t *poller);

EVE_API eve_os_event_t eve_poller_translate(const eve_native_event_t *native_event);
EVE_API eve_ready_t eve_poller_translate_ready(uint32_t native_mask);

#ifdef _WIN32
/* One overlapped operation in flight. The OVERLAPPED must stay put until
 * the operation completes, so entries never move once the pool hands them
 * out. The buffer belongs to the caller. */
typedef struct eve_overlapped_entry {
  OVERLAPPED overlapped;
  uint64_t user_data;
  HANDLE handle;
  void *buffer;
  size_t buffer_size;
  eve_io_operation_t operation;
  bool in_use;
  size_t bytes_transferred; /* set on completion */
  int status;               /* set on completion: 0 or a negative eve error */
} eve_overlapped_entry_t;

/* Clears the OVERLAPPED and the completion fields for the next operation. */
EVE_API void eve_overlapped_entry_reset(eve_overlapped_entry_t *entry);

typedef struct eve_overlapped_pool eve_overlapped_pool_t;

/* NULL when the pool is at the poller's capacity (counted in capacity_hits). */
EVE_API eve_overlapped_entry_t *eve_overlapped_pool_acquire(eve_overlapped_pool_t *pool);
/* Returns an entry to the pool. Ignored for anything that is not one of
 * this pool's in-use entries (a double release). Refused while its
 * operation is in flight (the OVERLAPPED's status is still STATUS_PENDING:
 * the kernel owns it), counted in releases_refused: release it after wait()
 * has reported its completion; CancelIoEx hurries that. */
EVE_API void eve_overlapped_pool_release(eve_overlapped_pool_t *pool,
                                         eve_overlapped_entry_t *entry);
/* NULL if the OVERLAPPED is not one of this pool's in-use entries. */
EVE_API eve_overlapped_entry_t *eve_overlapped_pool_find_by_overlapped(
            eve_overlapped_pool_t *pool, const OVERLAPPED *overlapped);
EVE_API size_t eve_overlapped_pool_active_count(const eve_overlapped_pool_t *pool);
EVE_API bool eve_overlapped_pool_has_available(const eve_overlapped_pool_t *pool);

EVE_API eve_overlapped_pool_t *eve_poller_overlapped_pool(eve_poller_t *poller);

/* Associates a handle opened for overlapped I/O with the poller's port.
 * Operations started with pool entries then complete through wait().
 * Errors: EVE_EINVAL (NULL poller, a reserved internal key, or the handle
 * is already associated with a port: ERROR_INVALID_PARAMETER); EVE_EBADF
 * (NULL or INVALID_HANDLE_VALUE); other OS errors. A socket associated
 * here and then registered is watched by WSAPoll in overlapped mode. */
EVE_API int eve_poller_associate_handle(eve_poller_t *poller, HANDLE handle,
                                        uint64_t completion_key);

/* Classifies a handle (GetFileType and friends); UNKNOWN when unsure. */
EVE_API eve_handle_type_t eve_handle_classify(eve_handle_t handle);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVE_POLLER_H_ */
