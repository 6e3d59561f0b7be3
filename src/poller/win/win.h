/* The Windows backend's internal contract: the poller's state and the calls
 * its files make to each other. This header owns the Windows includes, so
 * every file sees the same <winsock2.h>-before-<windows.h> order.
 *
 * Files, one concern each:
 *   port.c             create/dispose, WSAStartup refcount, posts, stats
 *   wait.c             eve_poller_wait and the completion port's packets
 *   registry.c         the registration table and its pollfd array
 *   handle_map.c       handle -> table index, O(1)
 *   wsapoll.c          the inline WSAPoll and the WSAPoll helper thread
 *   completion_queue.c completions taken off the port, not yet reported
 *   overlapped_pool.c  OVERLAPPED entries that never move
 *   classify.c         what kind of object a HANDLE is */
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

/* ---- registry.c ---------------------------------------------------------- */
typedef struct eve__registration {
  uintptr_t handle;
  eve_handle_type_t type;
  eve_interest_t interest;
  uint64_t user_data;
} eve__registration_t;

/* Two dense tables: sockets (POLL model), each with its WSAPOLLFD at the same
 * index so the array goes to WSAPoll as it is, and overlapped handles. A
 * removal moves the table's last entry into the gap. The map's value is
 * index * 2 + model. */
typedef struct eve__registry {
  eve__handle_map_t map;
  eve__registration_t *socks;
  WSAPOLLFD *pollfds;
  size_t socks_count, socks_size;
  eve__registration_t *others;
  size_t others_count, others_size;
  size_t cursor; /* where the next inline poll starts reporting: fairness */
} eve__registry_t;

void eve__registry_free(eve__registry_t *registry);

/* ---- overlapped_pool.c --------------------------------------------------- */
struct eve_overlapped_pool {
  eve_overlapped_entry_t **chunks; /* sorted by address, for lookups */
  size_t *chunk_lengths;
  size_t chunk_count, chunk_slots;
  eve_overlapped_entry_t **free_list; /* a stack of released entries */
  size_t free_count;
  size_t allocated, capacity;
  _Atomic size_t active;
  _Atomic uint64_t *capacity_hits; /* the poller's counter */
};

int eve__pool_init(eve_overlapped_pool_t *pool, size_t capacity,
                   _Atomic uint64_t *capacity_hits);
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
  bool armed;
} eve__helper_t;

/* ---- the poller --------------------------------------------------------- */
struct eve_poller {
  HANDLE port;
  size_t capacity;
  eve__counters_t counters;
  _Atomic bool wakeup_pending; /* a wake-up packet is on the port */
  _Atomic bool shutting_down;  /* sticky: every wait returns EVE_ESHUTDOWN */
  bool wakeup_taken;           /* a wake-up left the port, not yet reported */
  _Atomic size_t registrations; /* mirror for stats readers on other threads */
  eve__registry_t registry;
  eve__helper_t helper;
  eve_overlapped_pool_t pool;
  eve__completion_queue_t queue;
};

/* Zero-timeout WSAPoll over the registered sockets; fills at most `max`
 * events. Returns the count or a negative error. Counts one wait. */
int eve__poll_now(eve_poller_t *poller, eve_native_event_t *events, size_t max);

/* Hands the pollfd array to the helper thread (started on first use). */
int eve__helper_arm(eve_poller_t *poller);
/* Returns once the helper is idle again; interrupts it unless it already
 * reported readiness. Afterwards the caller may close any socket. */
void eve__helper_disarm(eve_poller_t *poller, bool helper_reported);
void eve__helper_stop(eve__helper_t *helper);

/* wait.c: takes the packets already on the port, without blocking. */
int eve__port_drain(eve_poller_t *poller);

#endif /* EVE_POLLER_WIN_H_ */
