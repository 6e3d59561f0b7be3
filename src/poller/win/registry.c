/* The registration table. Sockets are watched for readiness with WSAPoll,
 * so their WSAPOLLFDs sit in one dense array that goes to WSAPoll as it is;
 * pipes and files complete through the port instead and only need to be
 * known (and associated with the port). Tables start small and grow up to
 * the poller's capacity; removal moves the last entry into the gap, as
 * nginx's win32 poll module does, and the handle map is patched for it. */
#include <stdlib.h>

#include "win.h"

#define TABLE_MIN 16u

enum { MODEL_BITS = 1 };

static size_t map_value(size_t index, eve_io_model_t model) {
  return (index << MODEL_BITS) | (size_t)model;
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
  eve__registration_t *socks = realloc(r->socks, size * sizeof *socks);
  if (socks == NULL) return EVE_ENOMEM;
  r->socks = socks;
  WSAPOLLFD *pollfds = realloc(r->pollfds, size * sizeof *pollfds);
  if (pollfds == NULL) return EVE_ENOMEM;
  r->pollfds = pollfds;
  r->socks_size = size;
  return EVE_OK;
}

static int reserve_others(eve__registry_t *r, size_t capacity) {
  if (r->others_count < r->others_size) return EVE_OK;
  size_t size = next_size(r->others_size, capacity);
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

static int add_socket(eve_poller_t *poller, eve__registration_t reg) {
  eve__registry_t *r = &poller->registry;
  int rc = reserve_socks(r, poller->capacity);
  if (rc < 0) return rc;
  rc = eve__handle_map_put(&r->map, reg.handle, map_value(r->socks_count, EVE_IO_MODEL_POLL));
  if (rc < 0) return rc;
  r->socks[r->socks_count] = reg;
  r->pollfds[r->socks_count] =
      (WSAPOLLFD){(SOCKET)reg.handle, eve__to_native_mask(reg.interest), 0};
  r->socks_count++;
  return EVE_OK;
}

static int add_other(eve_poller_t *poller, eve__registration_t reg) {
  eve__registry_t *r = &poller->registry;
  int rc = reserve_others(r, poller->capacity);
  if (rc < 0) return rc;
  rc = associate(poller, (HANDLE)reg.handle);
  if (rc < 0) return rc;
  rc = eve__handle_map_put(&r->map, reg.handle, map_value(r->others_count, EVE_IO_MODEL_OVERLAPPED));
  if (rc < 0) return rc;
  r->others[r->others_count++] = reg;
  return EVE_OK;
}

int eve_poller_register(eve_poller_t *poller, eve_handle_t handle,
                        eve_interest_t interest, uint64_t user_data) {
  if (poller == NULL) return EVE_EINVAL;
  if (!eve_handle_is_valid(handle) || handle.raw == 0 || handle.raw == (uintptr_t)poller->port)
    return EVE_EBADF;
  eve__registry_t *r = &poller->registry;
  size_t ignored;
  if (eve__handle_map_get(&r->map, handle.raw, &ignored)) return EVE_EEXIST;
  if (r->socks_count + r->others_count >= poller->capacity) {
    eve__count(&poller->counters.capacity_hits);
    return EVE_ELIMIT;
  }
  eve__registration_t reg = {handle.raw, eve_handle_classify(handle), interest, user_data};
  int rc;
  switch (reg.type) {
    case EVE_HANDLE_SOCKET:
      rc = add_socket(poller, reg);
      break;
    case EVE_HANDLE_PIPE:
    case EVE_HANDLE_FILE:
      rc = add_other(poller, reg);
      break;
    case EVE_HANDLE_CONSOLE:
    case EVE_HANDLE_EVENT:
      /* Waitable objects need their own watcher (a later issue). */
      return EVE_ENOTSUP;
    default:
      return EVE_EBADF;
  }
  if (rc == EVE_OK)
    atomic_store_explicit(&poller->registrations, r->socks_count + r->others_count,
                          memory_order_relaxed);
  return rc;
}

static eve__registration_t *lookup(eve__registry_t *r, eve_handle_t handle,
                                   size_t *index, eve_io_model_t *model) {
  size_t value;
  if (!eve__handle_map_get(&r->map, handle.raw, &value)) return NULL;
  *index = value >> MODEL_BITS;
  *model = (eve_io_model_t)(value & 1u);
  return *model == EVE_IO_MODEL_POLL ? &r->socks[*index] : &r->others[*index];
}

int eve_poller_modify(eve_poller_t *poller, eve_handle_t handle,
                      eve_interest_t interest, uint64_t user_data) {
  if (poller == NULL) return EVE_EINVAL;
  if (!eve_handle_is_valid(handle)) return EVE_EBADF;
  size_t index;
  eve_io_model_t model;
  eve__registration_t *reg = lookup(&poller->registry, handle, &index, &model);
  if (reg == NULL) return EVE_ENOENT;
  reg->interest = interest;
  reg->user_data = user_data;
  if (model == EVE_IO_MODEL_POLL)
    poller->registry.pollfds[index].events = eve__to_native_mask(interest);
  return EVE_OK;
}

int eve_poller_unregister(eve_poller_t *poller, eve_handle_t handle) {
  if (poller == NULL) return EVE_EINVAL;
  if (!eve_handle_is_valid(handle)) return EVE_EBADF;
  eve__registry_t *r = &poller->registry;
  size_t index;
  eve_io_model_t model;
  if (lookup(r, handle, &index, &model) == NULL) return EVE_ENOENT;
  eve__handle_map_remove(&r->map, handle.raw);
  /* An overlapped handle stays associated with the port until it is
   * closed: Windows has no documented way to undo an association. Its
   * later completions still arrive, through its pool entries. */
  if (model == EVE_IO_MODEL_POLL) {
    size_t last = --r->socks_count;
    if (index != last) {
      r->socks[index] = r->socks[last];
      r->pollfds[index] = r->pollfds[last];
      eve__handle_map_put(&r->map, r->socks[index].handle, map_value(index, model));
    }
  } else {
    size_t last = --r->others_count;
    if (index != last) {
      r->others[index] = r->others[last];
      eve__handle_map_put(&r->map, r->others[index].handle, map_value(index, model));
    }
  }
  atomic_store_explicit(&poller->registrations, r->socks_count + r->others_count,
                        memory_order_relaxed);
  return EVE_OK;
}

size_t eve_poller_registration_count(const eve_poller_t *poller) {
  return poller ? poller->registry.socks_count + poller->registry.others_count : 0;
}

size_t eve_poller_overlapped_count(const eve_poller_t *poller) {
  return poller ? poller->registry.others_count : 0;
}
