/* The Linux backend: level-triggered epoll, with an eventfd for wake-ups.
 *
 * epoll hands back whatever 64-bit value was stored with a descriptor, and
 * every 64-bit value is a valid user datum, so no value can be set aside to
 * mean "the wake-up eventfd". The epoll set therefore stores the descriptor
 * itself, and a table indexed by descriptor holds the caller's user data and
 * interest. The table also answers "already registered?" without a system
 * call and gives an exact registration count. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "poller_int.h"
#include "test_hooks.h"

_Static_assert(EPOLLIN == EVE_EV_IN && EPOLLPRI == EVE_EV_PRI &&
                   EPOLLOUT == EVE_EV_OUT && EPOLLERR == EVE_EV_ERR &&
                   EPOLLHUP == EVE_EV_HUP && EPOLLRDHUP == EVE_EV_RDHUP,
               "EVE_EV_* are epoll's own bits");

/* Events taken from the kernel per wait; more simply wait for the next call. */
#define EPOLL_BATCH 256

typedef struct registration {
  uint64_t user_data;
  eve_interest_t interest;
  bool active;
} registration_t;

struct eve_poller {
  int epfd;
  int wakefd;
  _Atomic int wake_pending;  /* a wake-up is posted and not yet consumed */
  _Atomic int shutting_down;
  bool wake_taken;           /* check_pending drained a wake-up for the next wait */
  registration_t *table;     /* indexed by descriptor */
  size_t table_size;
  /* Written by the loop thread only, read by eve_poller_stats() from any
   * thread: atomic, so such a read is not a data race. */
  _Atomic size_t registrations;
  size_t capacity;
  eve__counters_t counters;
  struct epoll_event batch[EPOLL_BATCH];
};

static int last_error(void) { return eve_error_from_os(errno); }

int eve_poller_create(eve_poller_t **out, const eve_poller_options_t *options) {
  if (out == NULL) return EVE_EINVAL;
  *out = NULL;
  eve_poller_mode_t mode = options ? options->mode : EVE_MODE_DEFAULT;
  if (mode != EVE_MODE_DEFAULT && mode != EVE_MODE_EPOLL) return EVE_ENOTSUP;

  eve_poller_t *poller = calloc(1, sizeof *poller);
  if (poller == NULL) return EVE_ENOMEM;
  poller->capacity = (options && options->capacity) ? options->capacity
                                                     : EVE_POLLER_DEFAULT_CAPACITY;
  int rc;
  poller->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (poller->epfd < 0) {
    rc = last_error();
    goto fail_epoll;
  }
  poller->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (poller->wakefd < 0) {
    rc = last_error();
    goto fail_eventfd;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)poller->wakefd};
  if (epoll_ctl(poller->epfd, EPOLL_CTL_ADD, poller->wakefd, &ev) < 0) {
    rc = last_error();
    goto fail_add;
  }
  *out = poller;
  return EVE_OK;

fail_add:
  close(poller->wakefd);
fail_eventfd:
  close(poller->epfd);
fail_epoll:
  free(poller);
  return rc;
}

int eve_poller_dispose(eve_poller_t *poller) {
  if (poller == NULL) return EVE_EINVAL;
  /* The registered descriptors stay the caller's; closing the epoll set
   * drops every registration with it. */
  int rc = EVE_OK;
  if (close(poller->wakefd) < 0) rc = last_error();
  if (close(poller->epfd) < 0) rc = last_error();
  free(poller->table);
  free(poller);
  return rc;
}

bool eve_poller_is_valid(const eve_poller_t *poller) {
  return poller != NULL && poller->epfd >= 0;
}

eve_handle_t eve_poller_handle(const eve_poller_t *poller) {
  return eve_handle_from_fd(poller ? poller->epfd : -1);
}

size_t eve_poller_registration_count(const eve_poller_t *poller) {
  return poller ? atomic_load_explicit(&poller->registrations, memory_order_relaxed) : 0;
}

size_t eve_poller_overlapped_count(const eve_poller_t *poller) {
  (void)poller;
  return 0;
}

eve_poller_mode_t eve_poller_mode(const eve_poller_t *poller) {
  (void)poller;
  return EVE_MODE_EPOLL;
}

const char *eve_poller_backend_name(const eve_poller_t *poller) {
  (void)poller;
  return "epoll";
}

void eve_poller_stats(const eve_poller_t *poller, eve_poller_stats_t *out) {
  if (poller == NULL || out == NULL) return;
  out->waits = eve__read(&poller->counters.waits);
  out->wakeups = eve__read(&poller->counters.wakeups);
  out->wakeups_posted = eve__read(&poller->counters.wakeups_posted);
  out->capacity_hits = eve__read(&poller->counters.capacity_hits);
  out->releases_refused = 0;
  out->registrations = atomic_load_explicit(&poller->registrations, memory_order_relaxed);
  out->capacity = poller->capacity;
  out->overlapped_active = 0;
}

/* A handle as a descriptor, or -1 if it cannot be one. */
static int handle_fd(eve_handle_t handle) {
  intptr_t value = (intptr_t)handle.raw;
  return (value < 0 || value > INT_MAX) ? -1 : (int)value;
}

static uint32_t interest_mask(eve_interest_t interest) {
  uint32_t mask = 0;
  /* RDHUP makes a peer's shutdown visible as hang-up, as WSAPoll's POLLHUP. */
  if (interest & EVE_INTEREST_READ) mask |= EPOLLIN | EPOLLRDHUP;
  if (interest & EVE_INTEREST_WRITE) mask |= EPOLLOUT;
  return mask;
}

/* Grows the table to hold `fd`. Descriptors are small and dense, so doubling
 * stays close to the process's own descriptor count. */
static int table_reserve(eve_poller_t *poller, int fd) {
  size_t need = (size_t)fd + 1;
  if (need <= poller->table_size) return EVE_OK;
  size_t size = poller->table_size ? poller->table_size : 64;
  while (size < need) size *= 2;
  registration_t *table = realloc(poller->table, size * sizeof *table);
  if (table == NULL) return EVE_ENOMEM;
  memset(table + poller->table_size, 0, (size - poller->table_size) * sizeof *table);
  poller->table = table;
  poller->table_size = size;
  return EVE_OK;
}

static registration_t *find(eve_poller_t *poller, int fd) {
  if (fd < 0 || (size_t)fd >= poller->table_size) return NULL;
  registration_t *reg = &poller->table[fd];
  return reg->active ? reg : NULL;
}

/* epoll refuses regular files and directories with EPERM: that is a handle
 * this backend cannot watch, not a permission problem. */
static int ctl_error(void) {
  return errno == EPERM ? EVE_ENOTSUP : last_error();
}

/* The table says the descriptor is registered. Either it truly is (a double
 * register), or it was closed without being unregistered, which dropped it
 * from the epoll set, and the number now names a new socket. Asking epoll
 * tells the two apart; the stale entry is then replaced. */
static int reregister_closed(eve_poller_t *poller, int fd, eve_interest_t interest,
                             uint64_t user_data) {
  struct epoll_event ev = {.events = interest_mask(interest), .data.u64 = (uint64_t)fd};
  if (epoll_ctl(poller->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    return errno == EEXIST ? EVE_EEXIST : ctl_error();
  poller->table[fd] = (registration_t){user_data, interest, true};
  return EVE_OK;
}

int eve_poller_register(eve_poller_t *poller, eve_handle_t handle,
                        eve_interest_t interest, uint64_t user_data) {
  if (poller == NULL) return EVE_EINVAL;
  int fd = handle_fd(handle);
  if (fd < 0 || fd == poller->wakefd || fd == poller->epfd) return EVE_EBADF;
  if (find(poller, fd) != NULL) return reregister_closed(poller, fd, interest, user_data);
  if (atomic_load_explicit(&poller->registrations, memory_order_relaxed) >= poller->capacity) {
    eve__count(&poller->counters.capacity_hits);
    return EVE_ELIMIT;
  }
  int rc = table_reserve(poller, fd);
  if (rc < 0) return rc;
  struct epoll_event ev = {.events = interest_mask(interest), .data.u64 = (uint64_t)fd};
  if (epoll_ctl(poller->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) return ctl_error();
  poller->table[fd] = (registration_t){user_data, interest, true};
  atomic_fetch_add_explicit(&poller->registrations, 1, memory_order_relaxed);
  return EVE_OK;
}

int eve_poller_modify(eve_poller_t *poller, eve_handle_t handle,
                      eve_interest_t interest, uint64_t user_data) {
  if (poller == NULL) return EVE_EINVAL;
  int fd = handle_fd(handle);
  if (fd < 0) return EVE_EBADF;
  registration_t *reg = find(poller, fd);
  if (reg == NULL) return EVE_ENOENT;
  if (reg->interest != interest) {
    struct epoll_event ev = {.events = interest_mask(interest), .data.u64 = (uint64_t)fd};
    if (epoll_ctl(poller->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) return ctl_error();
    reg->interest = interest;
  }
  reg->user_data = user_data;
  return EVE_OK;
}

int eve_poller_unregister(eve_poller_t *poller, eve_handle_t handle) {
  if (poller == NULL) return EVE_EINVAL;
  int fd = handle_fd(handle);
  if (fd < 0) return EVE_EBADF;
  registration_t *reg = find(poller, fd);
  if (reg == NULL) return EVE_ENOENT;
  /* A descriptor closed before it was unregistered has already left the
   * epoll set (EBADF/ENOENT); the registration still goes. */
  int rc = EVE_OK;
  if (epoll_ctl(poller->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF &&
      errno != ENOENT)
    rc = ctl_error();
  reg->active = false;
  atomic_fetch_sub_explicit(&poller->registrations, 1, memory_order_relaxed);
  return rc;
}

bool eve_poller_post_wakeup(eve_poller_t *poller) {
  if (poller == NULL) return false;
  /* Only the first post since the waiter last consumed one writes: a
   * thousand posts cost one system call and one wake-up. */
  if (atomic_exchange(&poller->wake_pending, 1)) return true;
  uint64_t one = 1;
  if (write(poller->wakefd, &one, sizeof one) != (ssize_t)sizeof one && errno != EAGAIN) {
    atomic_store(&poller->wake_pending, 0);
    return false;
  }
  eve__count(&poller->counters.wakeups_posted);
  return true;
}

bool eve_poller_post_shutdown(eve_poller_t *poller) {
  if (poller == NULL) return false;
  atomic_store(&poller->shutting_down, 1);
  uint64_t one = 1;
  /* EAGAIN means the counter is saturated: the waiter is woken anyway. */
  return write(poller->wakefd, &one, sizeof one) == (ssize_t)sizeof one || errno == EAGAIN;
}

/* Drains the eventfd, then clears the pending flag: in that order. A post
 * racing with the two steps either finds the flag still set (it is
 * coalesced into the wake-up this wait is about to report, which is what
 * it asked for) or finds it clear and writes again for the next wait.
 * Clearing first would let a post write between the steps, have its count
 * drained here, and leave the flag set with nothing in the eventfd: every
 * later post coalesced away and wait(-1) asleep for good. */
static bool take_wakeup(eve_poller_t *poller) {
  uint64_t value;
  bool taken = read(poller->wakefd, &value, sizeof value) == (ssize_t)sizeof value;
  EVE__TEST_HOOK(inside_take_wakeup, poller);
  atomic_store(&poller->wake_pending, 0);
  return taken;
}

void eve_poller_check_pending_iocp_events(eve_poller_t *poller) {
  if (poller != NULL && take_wakeup(poller)) poller->wake_taken = true;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whole milliseconds until the deadline, rounded up: rounded down, a wait
 * resumed after a signal near its end returned before its timeout. */
static int ms_until(int64_t deadline_ns) {
  int64_t left = deadline_ns - now_ns();
  return left > 0 ? (int)((left + 999999) / 1000000) : 0;
}

/* Calls epoll_wait, resuming after signals with what is left of the
 * timeout. epoll_wait itself rounds its timeout up, never down. */
static int epoll_wait_for(eve_poller_t *poller, int max, int timeout_ms) {
  int64_t deadline = timeout_ms > 0 ? now_ns() + (int64_t)timeout_ms * 1000000 : 0;
  for (;;) {
    eve__count(&poller->counters.waits);
    int n = epoll_wait(poller->epfd, poller->batch, max, timeout_ms);
    if (n >= 0) return n;
    if (errno != EINTR) return last_error();
    if (timeout_ms > 0) timeout_ms = ms_until(deadline);
  }
}

int eve_poller_wait(eve_poller_t *poller, eve_native_event_t *events,
                    size_t max_events, int timeout_ms) {
  if (poller == NULL || events == NULL || max_events == 0 || timeout_ms < -1)
    return EVE_EINVAL;
  if (atomic_load(&poller->shutting_down)) return EVE_ESHUTDOWN;
  EVE__TEST_HOOK(wait_entered, poller);
  bool woken = poller->wake_taken;
  poller->wake_taken = false;
  int max = max_events < EPOLL_BATCH ? (int)max_events : EPOLL_BATCH;
  int n = epoll_wait_for(poller, max, woken ? 0 : timeout_ms);
  if (n < 0) return n;

  int count = 0;
  for (int i = 0; i < n; i++) {
    int fd = (int)poller->batch[i].data.u64;
    if (fd == poller->wakefd) {
      woken |= take_wakeup(poller);
      continue;
    }
    registration_t *reg = find(poller, fd);
    if (reg == NULL) continue;
    events[count].events = poller->batch[i].events;
    events[count].data.u64 = reg->user_data;
    events[count].completion = NULL;
    count++;
  }
  /* The wait that sees the shutdown still returns what it found (the
   * header's rule, the same on every backend); the next one returns
   * EVE_ESHUTDOWN from its first check. */
  if (count == 0 && atomic_load(&poller->shutting_down)) return EVE_ESHUTDOWN;
  if (woken) eve__count(&poller->counters.wakeups);
  return count;
}
