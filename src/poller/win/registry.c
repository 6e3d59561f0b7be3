/* The registration table. In WSAPoll mode sockets are watched for readiness
 * with WSAPoll, so their WSAPOLLFDs sit in one dense array (the poll set)
 * that goes to WSAPoll as it is. Everything else sits in the others table:
 * pipes and files, which complete through the port and only need to be
 * known (and associated with the port); events and consoles (waitable.c);
 * and, in overlapped mode, sockets (sock.c), which use the poll set only
 * while WSAPoll has to watch them. Tables start small and grow up to the
 * poller's capacity; removal moves the last entry into the gap, as nginx's
 * win32 poll module does, and whoever points at the moved entry (the
 * handle map, or a sock's poll_index) is patched. */
#include <stdlib.h>

#include "win.h"

#define TABLE_MIN 16u

enum { TABLE_BITS = 1, TABLE_POLL = 0, TABLE_OTHERS = 1 };

static size_t map_value(size_t index, unsigned table) {
  return (index << TABLE_BITS) | (size_t)table;
}

void eve__registry_free(eve__registry_t *registry) {
  eve__handle_map_free(&registry->map);
  free(registry->socks);
  free(registry->pollfds);
  free(registry->others);
  *registry = (eve__registry_t){0};
}

static size_t next_size(size_t size, size_t capacity) {
  size_t next = size ? size * 2 : TABLE_MIN;
  return next > capacity ? capacity : next;
}

static int reserve_socks(eve__registry_t *r, size_t capacity) {
  if (r->socks_count < r->socks_size) return EVE_OK;
  size_t size = next_size(r->socks_size, capacity);
  if (size <= r->socks_size) return EVE_ELIMIT;
  eve__registration_t *socks = realloc(r->socks, size * sizeof *socks);
  if (socks == NULL) return EVE_ENOMEM;
  r->socks = socks;
  /* One slot more than the table: WSAPoll mode's blocking poll puts the
   * watcher's control socket after the last entry (wsapoll.c). */
  WSAPOLLFD *pollfds = realloc(r->pollfds, (size + 1) * sizeof *pollfds);
  if (pollfds == NULL) return EVE_ENOMEM;
  r->pollfds = pollfds;
  r->socks_size = size;
  return EVE_OK;
}

static int reserve_others(eve__registry_t *r, size_t capacity) {
  if (r->others_count < r->others_size) return EVE_OK;
  size_t size = next_size(r->others_size, capacity);
  if (size <= r->others_size) return EVE_ELIMIT;
  eve__registration_t *others = realloc(r->others, size * sizeof *others);
  if (others == NULL) return EVE_ENOMEM;
  r->others = others;
  r->others_size = size;
  return EVE_OK;
}

/* Pipes and files complete on the port, so they must be associated with
 * it. A handle can be associated once in its life: ERROR_INVALID_PARAMETER
 * here means the caller already did (eve_poller_associate_handle, with a
 * key of its choice), which is what a caller who wants its own key does. */
static int associate(eve_poller_t *poller, HANDLE handle) {
  if (CreateIoCompletionPort(handle, poller->port, 0, 0) != NULL) return EVE_OK;
  DWORD error = GetLastError();
  return error == ERROR_INVALID_PARAMETER ? EVE_OK : eve_error_from_os((long)error);
}

int eve__pollset_add(eve_poller_t *poller, eve__registration_t reg, size_t *index) {
  eve__registry_t *r = &poller->registry;
  int rc = reserve_socks(r, poller->capacity);
  if (rc < 0) return rc;
  *index = r->socks_count;
  r->socks[*index] = reg;
  r->pollfds[*index] = (WSAPOLLFD){(SOCKET)reg.handle, eve__to_native_mask(reg.interest), 0};
  r->socks_count++;
  r->version++;
  return EVE_OK;
}

void eve__pollset_remove(eve_poller_t *poller, size_t index) {
  eve__registry_t *r = &poller->registry;
  size_t last = --r->socks_count;
  r->version++;
  if (index == last) return;
  r->socks[index] = r->socks[last];
  r->pollfds[index] = r->pollfds[last];
  if (r->socks[index].state != NULL)
    ((eve__sock_t *)r->socks[index].state)->poll_index = index;
  else
    eve__handle_map_put(&r->map, r->socks[index].handle, map_value(index, TABLE_POLL));
}

void eve__pollset_set_events(eve_poller_t *poller, size_t index, eve_interest_t interest,
                             bool connecting) {
  eve__registry_t *r = &poller->registry;
  r->socks[index].interest = interest;
  r->socks[index].connecting = connecting;
  r->pollfds[index].events = eve__to_native_mask(interest);
  r->version++;
}

/* Only a socket asked about writability can be waiting for its connect;
 * the question costs a getpeername, so it is asked only then. */
static bool may_be_connecting(eve__registration_t *reg, eve_interest_t interest) {
  return (interest & EVE_INTEREST_WRITE) != 0 &&
         eve__socket_may_be_connecting((SOCKET)reg->handle);
}

static int add_wsapoll_socket(eve_poller_t *poller, eve__registration_t reg) {
  eve__registry_t *r = &poller->registry;
  size_t index;
  int rc = eve__pollset_add(poller, reg, &index);
  if (rc < 0) return rc;
  rc = eve__handle_map_put(&r->map, reg.handle, map_value(index, TABLE_POLL));
  if (rc < 0) {
    r->socks_count--;
    return rc;
  }
  eve__pollset_set_events(poller, index, reg.interest, may_be_connecting(&reg, reg.interest));
  return EVE_OK;
}

/* Inserts into the others table; room was reserved, so only the map can
 * fail (EVE_ENOMEM). */
static int insert_other(eve__registry_t *r, eve__registration_t reg) {
  int rc = eve__handle_map_put(&r->map, reg.handle, map_value(r->others_count, TABLE_OTHERS));
  if (rc < 0) return rc;
  r->others[r->others_count++] = reg;
  return EVE_OK;
}

static int add_other(eve_poller_t *poller, eve__registration_t reg) {
  eve__registry_t *r = &poller->registry;
  int rc = reserve_others(r, poller->capacity);
  if (rc < 0) return rc;
  switch (reg.type) {
    case EVE_HANDLE_SOCKET:
      rc = eve__sock_register(poller, &reg);
      if (rc < 0) return rc;
      rc = insert_other(r, reg);
      if (rc < 0) eve__sock_unregister(poller, reg.state);
      return rc;
    case EVE_HANDLE_EVENT:
    case EVE_HANDLE_CONSOLE:
      rc = eve__waitable_register(poller, &reg);
      if (rc < 0) return rc;
      rc = insert_other(r, reg);
      if (rc < 0) eve__waitable_unregister(poller, reg.state);
      return rc;
    default:
      rc = associate(poller, (HANDLE)reg.handle);
      if (rc < 0) return rc;
      return insert_other(r, reg);
  }
}

static void count_changed(eve_poller_t *poller) {
  atomic_store_explicit(&poller->registrations, poller->registry.count, memory_order_relaxed);
}

int eve_poller_register(eve_poller_t *poller, eve_handle_t handle,
                        eve_interest_t interest, uint64_t user_data) {
  if (poller == NULL) return EVE_EINVAL;
  if (!eve_handle_is_valid(handle) || handle.raw == 0 || handle.raw == (uintptr_t)poller->port)
    return EVE_EBADF;
  eve__registry_t *r = &poller->registry;
  size_t ignored;
  if (eve__handle_map_get(&r->map, handle.raw, &ignored)) return EVE_EEXIST;
  if (r->count >= poller->capacity) {
    eve__count(&poller->counters.capacity_hits);
    return EVE_ELIMIT;
  }
  eve__registration_t reg = {handle.raw, eve_handle_classify(handle), interest, user_data, NULL,
                             false};
  int rc;
  switch (reg.type) {
    case EVE_HANDLE_SOCKET:
      rc = poller->mode == EVE_MODE_WSAPOLL ? add_wsapoll_socket(poller, reg)
                                            : add_other(poller, reg);
      break;
    case EVE_HANDLE_PIPE:
    case EVE_HANDLE_FILE:
    case EVE_HANDLE_EVENT:
    case EVE_HANDLE_CONSOLE:
      rc = add_other(poller, reg);
      if (rc == EVE_OK) r->overlapped++;
      break;
    default:
      /* UNKNOWN: a guess would watch the wrong way; refuse plainly. */
      return EVE_EBADF;
  }
  if (rc == EVE_ELIMIT) eve__count(&poller->counters.capacity_hits);
  if (rc < 0) return rc;
  r->count++;
  count_changed(poller);
  return EVE_OK;
}

static eve__registration_t *lookup(eve__registry_t *r, eve_handle_t handle, size_t *index,
                                   unsigned *table) {
  size_t value;
  if (!eve__handle_map_get(&r->map, handle.raw, &value)) return NULL;
  *index = value >> TABLE_BITS;
  *table = (unsigned)(value & 1u);
  return *table == TABLE_POLL ? &r->socks[*index] : &r->others[*index];
}

int eve_poller_modify(eve_poller_t *poller, eve_handle_t handle,
                      eve_interest_t interest, uint64_t user_data) {
  if (poller == NULL) return EVE_EINVAL;
  if (!eve_handle_is_valid(handle)) return EVE_EBADF;
  size_t index;
  unsigned table;
  eve__registration_t *reg = lookup(&poller->registry, handle, &index, &table);
  if (reg == NULL) return EVE_ENOENT;
  reg->interest = interest;
  reg->user_data = user_data;
  if (table == TABLE_POLL) {
    eve__pollset_set_events(poller, index, interest, may_be_connecting(reg, interest));
  } else if (reg->type == EVE_HANDLE_SOCKET) {
    eve__sock_t *sock = reg->state;
    sock->interest = interest;
    sock->user_data = user_data;
    return eve__sock_modify(poller, sock);
  } else if (reg->state != NULL) {
    eve__waitable_t *waitable = reg->state;
    waitable->interest = interest;
    waitable->user_data = user_data;
    eve__waitable_modify(poller, waitable);
  }
  return EVE_OK;
}

int eve_poller_unregister(eve_poller_t *poller, eve_handle_t handle) {
  if (poller == NULL) return EVE_EINVAL;
  if (!eve_handle_is_valid(handle)) return EVE_EBADF;
  eve__registry_t *r = &poller->registry;
  size_t index;
  unsigned table;
  eve__registration_t *reg = lookup(r, handle, &index, &table);
  if (reg == NULL) return EVE_ENOENT;
  eve__handle_map_remove(&r->map, handle.raw);
  if (table == TABLE_POLL) {
    eve__pollset_remove(poller, index);
  } else {
    if (reg->type == EVE_HANDLE_SOCKET)
      eve__sock_unregister(poller, reg->state);
    else if (reg->state != NULL)
      eve__waitable_unregister(poller, reg->state);
    if (reg->type != EVE_HANDLE_SOCKET) r->overlapped--;
    /* A pipe or file stays associated with the port until it is closed:
     * Windows has no documented way to undo an association. Its later
     * completions still arrive, through its pool entries. */
    size_t last = --r->others_count;
    if (index != last) {
      r->others[index] = r->others[last];
      eve__handle_map_put(&r->map, r->others[index].handle, map_value(index, TABLE_OTHERS));
    }
  }
  r->count--;
  count_changed(poller);
  return EVE_OK;
}

size_t eve_poller_registration_count(const eve_poller_t *poller) {
  return poller ? poller->registry.count : 0;
}

size_t eve_poller_overlapped_count(const eve_poller_t *poller) {
  return poller ? poller->registry.overlapped : 0;
}
