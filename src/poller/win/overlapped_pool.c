/* OVERLAPPED entries for I/O in flight. The kernel writes into an
 * OVERLAPPED until its operation completes, so an entry must never move:
 * the pool grows by whole chunks (64 entries, the spec's initial size) up
 * to the poller's capacity and never reallocates one. Chunks are kept
 * sorted by address so a completion's OVERLAPPED pointer is matched to its
 * entry by binary search, and a pointer that is not ours is refused. */
#include <stdlib.h>
#include <string.h>

#include "win.h"

#define CHUNK EVE__MAX_OVERLAPPED_ENTRIES

void eve_overlapped_entry_reset(eve_overlapped_entry_t *entry) {
  if (entry == NULL) return;
  memset(&entry->overlapped, 0, sizeof entry->overlapped);
  entry->bytes_transferred = 0;
  entry->status = 0;
}

static int add_chunk(eve_overlapped_pool_t *pool) {
  size_t length = pool->capacity - pool->allocated;
  if (length > CHUNK) length = CHUNK;
  if (length == 0) return EVE_ELIMIT;
  /* The free list can hold every entry allocated so far. */
  eve_overlapped_entry_t **free_list =
      realloc(pool->free_list, (pool->allocated + length) * sizeof *free_list);
  if (free_list == NULL) return EVE_ENOMEM;
  pool->free_list = free_list;
  eve_overlapped_entry_t *chunk = calloc(length, sizeof *chunk);
  if (chunk == NULL) return EVE_ENOMEM;
  /* Every chunk ever added fits, so these arrays are sized once. */
  size_t index = pool->chunk_count;
  while (index > 0 && pool->chunks[index - 1] > chunk) {
    pool->chunks[index] = pool->chunks[index - 1];
    pool->chunk_lengths[index] = pool->chunk_lengths[index - 1];
    index--;
  }
  pool->chunks[index] = chunk;
  pool->chunk_lengths[index] = length;
  pool->chunk_count++;
  /* Hand out low addresses first: the stack pops its top. */
  for (size_t i = length; i > 0; i--) pool->free_list[pool->free_count++] = &chunk[i - 1];
  pool->allocated += length;
  return EVE_OK;
}

int eve__pool_init(eve_overlapped_pool_t *pool, size_t capacity, eve__counters_t *counters) {
  memset(pool, 0, sizeof *pool);
  pool->capacity = capacity;
  pool->capacity_hits = &counters->capacity_hits;
  pool->releases_refused = &counters->releases_refused;
  pool->chunk_slots = (capacity + CHUNK - 1) / CHUNK;
  pool->chunks = calloc(pool->chunk_slots, sizeof *pool->chunks);
  pool->chunk_lengths = calloc(pool->chunk_slots, sizeof *pool->chunk_lengths);
  if (pool->chunks == NULL || pool->chunk_lengths == NULL ||
      add_chunk(pool) < 0) {
    eve__pool_free(pool);
    return EVE_ENOMEM;
  }
  return EVE_OK;
}

void eve__pool_free(eve_overlapped_pool_t *pool) {
  for (size_t i = 0; pool->chunks != NULL && i < pool->chunk_count; i++) free(pool->chunks[i]);
  free(pool->chunks);
  free(pool->chunk_lengths);
  free(pool->free_list);
  memset(pool, 0, sizeof *pool);
}

/* The kernel is done with an OVERLAPPED once its status leaves
 * STATUS_PENDING (the I/O manager stores the final status before it queues
 * the completion packet). */
static bool in_flight(const eve_overlapped_entry_t *entry) {
  return entry->in_use && entry->overlapped.Internal == (ULONG_PTR)STATUS_PENDING;
}

size_t eve__pool_free_settled(eve_overlapped_pool_t *pool) {
  size_t kept = 0;
  for (size_t c = 0; c < pool->chunk_count; c++) {
    size_t busy = 0;
    for (size_t i = 0; i < pool->chunk_lengths[c]; i++) busy += in_flight(&pool->chunks[c][i]);
    if (busy == 0) {
      free(pool->chunks[c]);
    }
    /* Otherwise the chunk is left allocated on purpose: freeing it would let
     * the kernel write into memory that is reused. */
    kept += busy;
  }
  pool->chunk_count = 0;
  eve__pool_free(pool);
  return kept;
}

void eve__pool_for_each_active(eve_overlapped_pool_t *pool,
                               void (*fn)(eve_overlapped_entry_t *entry, void *arg),
                               void *arg) {
  for (size_t c = 0; c < pool->chunk_count; c++)
    for (size_t i = 0; i < pool->chunk_lengths[c]; i++)
      if (pool->chunks[c][i].in_use) fn(&pool->chunks[c][i], arg);
}

eve_overlapped_entry_t *eve_overlapped_pool_acquire(eve_overlapped_pool_t *pool) {
  if (pool == NULL) return NULL;
  if (pool->free_count == 0 && add_chunk(pool) < 0) {
    eve__count(pool->capacity_hits);
    return NULL;
  }
  eve_overlapped_entry_t *entry = pool->free_list[--pool->free_count];
  memset(entry, 0, sizeof *entry);
  entry->in_use = true;
  atomic_fetch_add_explicit(&pool->active, 1, memory_order_relaxed);
  return entry;
}

eve_overlapped_entry_t *eve_overlapped_pool_find_by_overlapped(
    eve_overlapped_pool_t *pool, const OVERLAPPED *overlapped) {
  if (pool == NULL || overlapped == NULL) return NULL;
  uintptr_t address = (uintptr_t)overlapped;
  size_t low = 0, high = pool->chunk_count;
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    uintptr_t start = (uintptr_t)pool->chunks[mid];
    uintptr_t end = start + pool->chunk_lengths[mid] * sizeof(eve_overlapped_entry_t);
    if (address < start) {
      high = mid;
    } else if (address >= end) {
      low = mid + 1;
    } else {
      size_t offset = address - start;
      /* `overlapped` is the entry's first member: only an entry's start counts. */
      if (offset % sizeof(eve_overlapped_entry_t) != 0) return NULL;
      eve_overlapped_entry_t *entry = &pool->chunks[mid][offset / sizeof(eve_overlapped_entry_t)];
      return entry->in_use ? entry : NULL;
    }
  }
  return NULL;
}

void eve_overlapped_pool_release(eve_overlapped_pool_t *pool, eve_overlapped_entry_t *entry) {
  if (pool == NULL || entry == NULL) return;
  /* Only our own in-use entries: a double release is ignored, not a
   * corrupted free list. */
  if (eve_overlapped_pool_find_by_overlapped(pool, &entry->overlapped) != entry) return;
  /* The kernel still owns the OVERLAPPED: the next acquire would clear it
   * under the I/O, and the completion would name an entry reused for
   * something else. Refused, and counted where /stats shows it; the
   * caller releases it once its completion has been reported (cancel it
   * first to hurry that). */
  if (in_flight(entry)) {
    eve__count(pool->releases_refused);
    return;
  }
  entry->in_use = false;
  entry->operation = EVE_IO_NONE;
  pool->free_list[pool->free_count++] = entry;
  atomic_fetch_sub_explicit(&pool->active, 1, memory_order_relaxed);
}

size_t eve_overlapped_pool_active_count(const eve_overlapped_pool_t *pool) {
  return pool ? atomic_load_explicit(&pool->active, memory_order_relaxed) : 0;
}

bool eve_overlapped_pool_has_available(const eve_overlapped_pool_t *pool) {
  return pool != NULL && eve_overlapped_pool_active_count(pool) < pool->capacity;
}
