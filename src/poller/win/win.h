/* The Windows backend's internal contract: the poller's state and the calls
 * its files make to each other. This header owns the Windows includes, so
 * every file sees the same <winsock2.h>-before-<windows.h> order.
 *
 * Files, one concern each:
 *   port.c             create/dispose, WSAStartup refcount, posts, stats
 *   wait.c             eve_poller_wait and the completion port's packets
 *   registry.c         the registration table and its pollfd array
 *   handle_map.c       handle -> table index, O(1)
 *   wsapoll.c          WSAPoll: the loop's own, and overlapped mode's helper
 *   watcher.c          WSAPoll mode: the thread that hears the port for it
 *   connect_check.c    WSAPoll's silent failed connects (pre-2004 Windows)
 *   sock.c             overlapped mode: sockets watched by zero-byte receives
 *   sock_kind.c        which sockets a zero-byte receive may watch, and
 *                      which may skip the port on inline success
 *   waitable.c         EVENT and CONSOLE handles, through thread-pool waits
 *   watch_set.c        which socks and waitables a packet may point at
 *   completion_queue.c completions taken off the port, not yet reported
 *   overlapped_pool.c  OVERLAPPED entries that never move
 *   classify.c         what kind of object a HANDLE is
 *   clock.c            the precise clock wait deadlines are kept with */
#ifndef EVE_POLLER_WIN_H_
#define EVE_POLLER_WIN_H_

#include <winsock2.h>
#include <windows.h>

#include "poller_int.h"

/* The helper thread's "a socket is ready" packet. Not one of the spec's
 * three keys, and refused by eve_poller_associate_handle() like them. Its
 * OVERLAPPED pointer carries the arming generation, so a packet from an
 * earlier arming is told apart and ignored. */
#define EVE__KEY_POLL_READY ((uint64_t)0xFFFFFFFBu)
/* Overlapped mode's zero-byte receives: every socket it reads that way is
 * associated with the port under this key; the OVERLAPPED is an eve__sock_t's. */
#define EVE__KEY_SOCK ((uint64_t)0xFFFFFFFAu)
/* A thread-pool wait on an EVENT or CONSOLE handle fired; the OVERLAPPED
 * pointer is the eve__waitable_t. */
#define EVE__KEY_WAITABLE ((uint64_t)0xFFFFFFF9u)
/* Dispose's packet that ends WSAPoll mode's port watcher (watcher.c). */
#define EVE__KEY_WATCHER_STOP ((uint64_t)0xFFFFFFF8u)

bool eve__key_is_reserved(uint64_t key);

/* ---- handle_map.c: open addressing, linear probing, backward-shift delete */
typedef struct eve__handle_map {
  uintptr_t *keys;  /* EVE_HANDLE_INVALID_RAW marks an empty slot */
  size_t *values;
  size_t slots;     /* a power of two; at most half are used */
  size_t used;
} eve__handle_map_t;

void eve__handle_map_free(eve__handle_map_t *map);
bool eve__handle_map_get(const eve__handle_map_t *map, uintptr_t key, size_t *value);
/* Inserts (growing the map: EVE_ENOMEM on failure) or overwrites (never fails). */
int eve__handle_map_put(eve__handle_map_t *map, uintptr_t key, size_t value);
void eve__handle_map_remove(eve__handle_map_t *map, uintptr_t key);

/* ---- lists: intrusive, circular, with a head that is never an element --- */
typedef struct eve__link {
  struct eve__link *prev, *next;
} eve__link_t;

static inline void eve__list_init(eve__link_t *head) { head->prev = head->next = head; }
static inline bool eve__list_empty(const eve__link_t *head) { return head->next == head; }
static inline void eve__list_remove(eve__link_t *link) {
  link->prev->next = link->next;
  link->next->prev = link->prev;
  link->prev = link->next = link;
}
static inline void eve__list_push(eve__link_t *head, eve__link_t *link) {
  link->prev = head->prev;
  link->next = head;
  head->prev->next = link;
  head->prev = link;
}

/* What sits on the poller's ready and rearm lists: a sock or a waitable,
 * each at most on one list at a time. */
typedef enum eve__where { EVE__ON_NONE, EVE__ON_READY, EVE__ON_REARM, EVE__ON_HOT } eve__where_t;
typedef enum eve__watch_kind { EVE__WATCH_SOCK, EVE__WATCH_WAITABLE } eve__watch_kind_t;
typedef struct eve__watch {
  eve__link_t link; /* first: a list link is its watch */
  eve__where_t where;
  eve__watch_kind_t kind;
} eve__watch_t;

/* ---- sock.c: one socket in overlapped mode -------------------------------
 * Heap memory that never moves: the kernel writes into `overlapped` while a
 * zero-byte receive is pending, so an unregistered sock with a receive in
 * flight lives on (deleted) until that receive's packet arrives. */
typedef struct eve__sock {
  OVERLAPPED overlapped; /* the zero-byte receive */
  eve__watch_t watch;
  SOCKET socket;
  eve_interest_t interest;
  uint64_t user_data;
  uint32_t ready;       /* EVE_EV_* gathered since the last report */
  size_t poll_index;    /* in the registry's poll set, or SIZE_MAX */
  bool listening;       /* never connected: WSAPoll watches it for good */
  bool poll_only;       /* a receive cannot watch it (sock_kind.c): WSAPoll does */
  bool connected;       /* associated with the port; reads come by receive */
  bool skip_on_success; /* inline completions post no packet */
  bool hot;             /* its last re-arm found data at once: sock.c */
  bool recv_pending;
  bool deleted;
} eve__sock_t;

/* ---- waitable.c: an EVENT or CONSOLE handle ------------------------------ */
typedef struct eve__waitable {
  eve__watch_t watch;
  HANDLE handle;
  HANDLE wait;          /* the thread-pool wait, or NULL when disarmed */
  HANDLE port;
  eve_handle_type_t type;
  eve_interest_t interest;
  uint64_t user_data;
  uint32_t ready;
  _Atomic bool posted;  /* the callback's packet is on the port */
  _Atomic bool lost;    /* the callback ran but could not post: the wait is spent */
  bool deleted;
} eve__waitable_t;

/* ---- registry.c ---------------------------------------------------------- */
typedef struct eve__registration {
  uintptr_t handle;
  eve_handle_type_t type;
  eve_interest_t interest;
  uint64_t user_data;
  /* In the poll set: the overlapped-mode sock this entry watches for, or
   * NULL for a WSAPoll-mode registration. In the others table: the sock or
   * waitable that carries the registration, or NULL (pipes, files). */
  void *state;
  /* A connect may be in progress: see connect_check.c. Poll set only. */
  bool connecting;
} eve__registration_t;

/* Two dense tables. The poll set: sockets watched by WSAPoll, each with its
 * WSAPOLLFD at the same index so the array goes to WSAPoll as it is (every
 * socket in WSAPoll mode; in overlapped mode only listeners, sockets not yet
 * connected and sockets waiting to write). And the others: every handle
 * that is not a WSAPoll-mode socket. A removal moves the table's last entry
 * into the gap. The map's value is index * 2 + table (0 poll set, 1 others);
 * overlapped-mode sockets are found through the others table, their poll-set
 * entry through sock->poll_index. */
typedef struct eve__registry {
  eve__handle_map_t map;
  eve__registration_t *socks;
  WSAPOLLFD *pollfds;
  size_t socks_count, socks_size;
  eve__registration_t *others;
  size_t others_count, others_size;
  size_t count;          /* registrations, in both tables, counted once */
  size_t overlapped;     /* pipes, files, events, consoles */
  size_t cursor; /* where the next inline poll starts reporting: fairness */
  uint64_t version; /* moves on every change to the poll set */
} eve__registry_t;

void eve__registry_free(eve__registry_t *registry);
/* The poll set, for overlapped mode's socks: add returns the index. */
int eve__pollset_add(eve_poller_t *poller, eve__registration_t reg, size_t *index);
void eve__pollset_remove(eve_poller_t *poller, size_t index);
void eve__pollset_set_events(eve_poller_t *poller, size_t index, eve_interest_t interest,
                             bool connecting);

/* ---- overlapped_pool.c --------------------------------------------------- */
struct eve_overlapped_pool {
  eve_overlapped_entry_t **chunks; /* sorted by address, for lookups */
  size_t *chunk_lengths;
  size_t chunk_count, chunk_slots;
  eve_overlapped_entry_t **free_list; /* a stack of released entries */
  size_t free_count;
  size_t allocated, capacity;
  _Atomic size_t active;
  _Atomic uint64_t *capacity_hits;    /* the poller's counters */
  _Atomic uint64_t *releases_refused;
};

int eve__pool_init(eve_overlapped_pool_t *pool, size_t capacity,
                   eve__counters_t *counters);
void eve__pool_free(eve_overlapped_pool_t *pool);
/* Frees the pool's memory unless an in-use entry still has I/O in flight;
 * returns how many entries had to be left allocated for the kernel. */
size_t eve__pool_free_settled(eve_overlapped_pool_t *pool);
/* Calls fn on every in-use entry. */
void eve__pool_for_each_active(eve_overlapped_pool_t *pool,
                               void (*fn)(eve_overlapped_entry_t *entry, void *arg),
                               void *arg);

/* ---- completion_queue.c: a ring of completed entries, bounded ----------- */
typedef struct eve__completion_queue {
  eve_overlapped_entry_t **ring;
  size_t size, head, count, bound;
} eve__completion_queue_t;

void eve__queue_free(eve__completion_queue_t *queue);
/* Makes room for up to `want` pushes (growing within the bound); returns
 * how many pushes are now certain to succeed. */
size_t eve__queue_reserve(eve__completion_queue_t *queue, size_t want);
/* EVE_ENOMEM when the ring cannot grow; EVE_ELIMIT at the bound. */
int eve__queue_push(eve__completion_queue_t *queue, eve_overlapped_entry_t *entry);
eve_overlapped_entry_t *eve__queue_pop(eve__completion_queue_t *queue);

/* ---- wsapoll.c: the helper thread that blocks in WSAPoll ---------------- */
typedef struct eve__helper {
  HANDLE thread;       /* NULL until the first blocking wait with sockets */
  HANDLE start_event;  /* auto-reset: the loop armed the helper */
  HANDLE idle_event;   /* auto-reset: the helper left WSAPoll and is idle */
  SOCKET control;      /* loopback UDP socket connected to itself */
  HANDLE port;
  WSAPOLLFD *fds;      /* [0] is the control socket, then a snapshot */
  size_t fds_count, fds_size;
  _Atomic bool cancel; /* the loop wants WSAPoll abandoned */
  bool stop;           /* written before start_event is set */
  uint32_t generation; /* written by the loop while the helper is idle */
  int error;           /* the helper's last WSAPoll error, or 0 */
  bool armed;          /* polling, or reported and not yet taken back */
  uint64_t version;    /* the poll set's version it is polling */
  DWORD timeout_ms;    /* INFINITE, or a recheck interval: connect_check.c */
} eve__helper_t;

/* ---- watcher.c: WSAPoll mode's port watcher ------------------------------ */
#define EVE__WATCHER_RING 256u
typedef struct eve__watcher {
  HANDLE thread;          /* NULL until the first wait in WSAPoll mode */
  HANDLE port;
  HANDLE room_event;      /* auto-reset: the loop made room in a full ring */
  SOCKET control;         /* in the loop's WSAPoll: a datagram ends it */
  SRWLOCK lock;           /* the ring's head and contents */
  OVERLAPPED_ENTRY ring[EVE__WATCHER_RING];
  size_t head;
  _Atomic size_t count;   /* packets in the ring, read without the lock */
  bool waiting_for_room;  /* under the lock */
  _Atomic bool in_poll;   /* the loop is in (or entering) a blocking WSAPoll */
  _Atomic bool signalled; /* a datagram was sent and not yet drained */
  _Atomic bool stop;
} eve__watcher_t;

int eve__watcher_start(eve__watcher_t *watcher, HANDLE port);
/* Ends the thread; packets it took stay in the ring for the loop. */
void eve__watcher_stop(eve__watcher_t *watcher);
bool eve__watcher_has_packets(eve__watcher_t *watcher);
size_t eve__watcher_take(eve__watcher_t *watcher, OVERLAPPED_ENTRY *out, size_t max);
/* Any thread: ends the loop's blocking WSAPoll, if it is in one. */
void eve__watcher_poke(eve__watcher_t *watcher);
/* The loop, around a blocking WSAPoll that includes watcher->control:
 * enter returns false when packets are waiting (then do not block). */
bool eve__watcher_enter_poll(eve__watcher_t *watcher);
void eve__watcher_leave_poll(eve__watcher_t *watcher, bool control_readable);
/* A loopback UDP socket connected to itself, non-blocking: send() on it
 * makes it readable, which ends a WSAPoll that watches it. */
int eve__control_open(SOCKET *out);
void eve__control_drain(SOCKET control);

/* ---- the poller --------------------------------------------------------- */
struct eve_poller {
  HANDLE port;
  eve_poller_mode_t mode; /* EVE_MODE_WSAPOLL or EVE_MODE_OVERLAPPED */
  size_t capacity;
  eve__counters_t counters;
  _Atomic bool wakeup_pending; /* a wake-up packet is on the port */
  _Atomic bool shutting_down;  /* sticky: every wait returns EVE_ESHUTDOWN */
  bool wakeup_taken;           /* a wake-up left the port, not yet reported */
  bool readiness_first;        /* this wait reports readiness before completions */
  _Atomic size_t registrations; /* mirror for stats readers on other threads */
  eve__registry_t registry;
  eve__helper_t helper;   /* overlapped mode */
  eve__watcher_t watcher; /* WSAPoll mode */
  eve_overlapped_pool_t pool;
  eve__completion_queue_t queue;
  /* Overlapped mode and waitables: what the next wait reports, and what it
   * must re-arm first (reported last time, or modified). Hot socks found
   * quiet wait on hot_list, polled by every wait, until one blocks (sock.c). */
  eve__link_t ready_list, rearm_list, hot_list;
  size_t zombies; /* unregistered socks and waitables awaiting a packet */
  size_t receives_pending; /* socks' zero-byte receives whose packet is to come */
  /* Every sock and waitable allocated and not yet freed, by address: a
   * packet's pointer is checked here before it is used (watch_set.c). */
  eve__handle_map_t watches;
  /* Sockets this poller associated with its port, while registered: a
   * socket already associated that is not here is someone else's (sock.c). */
  eve__handle_map_t associated;
};

/* ---- watch_set.c --------------------------------------------------------- */
/* EVE_ENOMEM when the set cannot grow. */
int eve__watch_own(eve_poller_t *poller, const void *object, eve__watch_kind_t kind);
void eve__watch_disown(eve_poller_t *poller, const void *object);
bool eve__watch_is_own(const eve_poller_t *poller, const void *object, eve__watch_kind_t kind);

/* ---- connect_check.c ----------------------------------------------------- */
/* The decision, pure: the revents to report for a poll-set socket, given
 * what WSAPoll said, whether a connect may be in progress, and (only
 * consulted when eve__connect_needs_check said so) its SO_ERROR. */
bool eve__connect_needs_check(int16_t revents, bool connecting);
int16_t eve__connect_revents(int16_t revents, int so_error);
/* The impure half: asks the socket for SO_ERROR when needed. */
int16_t eve__connect_fix(SOCKET socket, int16_t revents, bool connecting);
/* Whether a socket not known to be connected may be connecting: not
 * listening and no peer yet. */
bool eve__socket_may_be_connecting(SOCKET socket);
/* How long the helper's WSAPoll may block while a connect is in progress. */
#define EVE__CONNECT_RECHECK_MS 500u

/* ---- sock.c -------------------------------------------------------------- */
/* The socket's protocol record (SO_PROTOCOL_INFOW); false if it has none. */
bool eve__sock_protocol(SOCKET socket, WSAPROTOCOL_INFOW *info);
/* Whether a zero-byte overlapped receive can watch the socket without
 * touching its data: an overlapped byte stream (sock_kind.c). `info` is its
 * protocol record if the caller has it, else NULL. */
bool eve__sock_receive_safe(SOCKET socket, const WSAPROTOCOL_INFOW *info);
/* Whether an inline completion on a socket can be trusted to post no
 * packet: the socket's protocol record (NULL if unknown) says an IFS
 * provider, and SetFileCompletionNotificationModes succeeded. */
bool eve__skip_on_success_safe(const WSAPROTOCOL_INFOW *info, bool mode_set);
/* Sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS where it can be trusted;
 * returns whether it did. `info` as for eve__sock_receive_safe. */
bool eve__sock_skip_on_success(SOCKET socket, const WSAPROTOCOL_INFOW *info);
int eve__sock_register(eve_poller_t *poller, eve__registration_t *reg);
int eve__sock_modify(eve_poller_t *poller, eve__sock_t *sock);
void eve__sock_unregister(eve_poller_t *poller, eve__sock_t *sock);
/* What WSAPoll said about a sock in the poll set. */
void eve__sock_polled(eve_poller_t *poller, eve__sock_t *sock, int16_t revents);
/* A packet with EVE__KEY_SOCK whose OVERLAPPED is this poller's sock
 * (the caller checked, eve__watch_is_own). */
void eve__sock_completed(eve_poller_t *poller, eve__sock_t *sock);
/* Re-arms what was reported or modified, and polls the hot socks; fills
 * the ready list. */
void eve__rearm(eve_poller_t *poller);
/* Before a wait blocks: gives every hot sock found quiet its receive, so
 * the port hears of it. Returns whether that found news (ready list). */
bool eve__park_hot(eve_poller_t *poller);
/* Moves up to max events off the ready list. */
size_t eve__report_ready(eve_poller_t *poller, eve_native_event_t *events, size_t max);
/* Dispose: unregisters every sock and waitable, cancelling what is in
 * flight; what cannot be freed yet waits for its packet (zombies). */
void eve__socks_cancel_all(eve_poller_t *poller);

/* ---- waitable.c ---------------------------------------------------------- */
int eve__waitable_register(eve_poller_t *poller, eve__registration_t *reg);
void eve__waitable_modify(eve_poller_t *poller, eve__waitable_t *waitable);
void eve__waitable_unregister(eve_poller_t *poller, eve__waitable_t *waitable);
/* A packet with EVE__KEY_WAITABLE for this poller's waitable (checked). */
void eve__waitable_fired(eve_poller_t *poller, eve__waitable_t *waitable);
void eve__waitable_rearm(eve_poller_t *poller, eve__waitable_t *waitable);
/* After a report: CONSOLE re-arms (level-triggered), EVENT waits for modify. */
void eve__waitable_reported(eve_poller_t *poller, eve__waitable_t *waitable);

/* Puts a sock or waitable on the ready or rearm list, or on none. */
void eve__watch_move(eve_poller_t *poller, eve__watch_t *watch, eve__where_t to);

/* Zero-timeout WSAPoll over the registered sockets; fills at most `max`
 * events. Returns the count or a negative error. Counts one wait. */
int eve__poll_now(eve_poller_t *poller, eve_native_event_t *events, size_t max);
/* WSAPoll mode's blocking wait: one WSAPoll over the registered sockets and
 * the watcher's control socket, for up to timeout_ms. Same returns. */
int eve__poll_block(eve_poller_t *poller, eve_native_event_t *events, size_t max,
                    DWORD timeout_ms);

/* Keeps the helper thread (started on first use) polling the current poll
 * set: arms it, or interrupts and re-arms it if the poll set changed. */
int eve__helper_watch(eve_poller_t *poller);
/* Whether the helper is polling the current poll set with nothing to say
 * yet: then an inline poll of it would find nothing. */
bool eve__helper_watching(const eve_poller_t *poller);
/* Returns once the helper is idle again; interrupts it unless it already
 * reported readiness. */
void eve__helper_disarm(eve_poller_t *poller, bool helper_reported);
void eve__helper_stop(eve__helper_t *helper);

/* ---- clock.c ------------------------------------------------------------- */
/* Microseconds of a precise monotonic clock (QueryPerformanceCounter). */
uint64_t eve__now_us(void);
/* Whole milliseconds until the deadline, rounded up; 0 once it is past. */
DWORD eve__ms_until(uint64_t deadline_us);

/* wait.c: takes the packets already on the port, without blocking. */
int eve__port_drain(eve_poller_t *poller);
/* wait.c: one GetQueuedCompletionStatusEx, packets dispatched (dispose). */
int eve__port_take(eve_poller_t *poller, DWORD timeout_ms);

#endif /* EVE_POLLER_WIN_H_ */
