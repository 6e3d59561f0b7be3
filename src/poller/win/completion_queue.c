/* Completions taken off the port but not yet handed to the caller: the
 * caller's events array may be full, or check_pending took them. A ring of
 * entry pointers that grows on demand up to a bound (the poller's
 * capacity, the most entries that can be in flight). The port is only
 * drained into the room that is left, so at the bound packets stay on the
 * port rather than being lost. */
#include <stdlib.h>

#include "win.h"

#define QUEUE_MIN 64u

void eve__queue_free(eve__completion_queue_t *queue) {
  free(queue->ring);
  size_t bound = queue->bound;
  *queue = (eve__completion_queue_t){0};
  queue->bound = bound;
}

static int grow(eve__completion_queue_t *queue) {
  size_t size = queue->size ? queue->size * 2 : QUEUE_MIN;
  if (size > queue->bound) size = queue->bound;
  eve_overlapped_entry_t **ring = malloc(size * sizeof *ring);
  if (ring == NULL) return EVE_ENOMEM;
  for (size_t i = 0; i < queue->count; i++)
    ring[i] = queue->ring[(queue->head + i) % queue->size];
  free(queue->ring);
  queue->ring = ring;
  queue->size = size;
  queue->head = 0;
  return EVE_OK;
}

size_t eve__queue_reserve(eve__completion_queue_t *queue, size_t want) {
  while (queue->size - queue->count < want && queue->size < queue->bound) {
    if (grow(queue) < 0) break;
  }
  size_t room = queue->size - queue->count;
  return room < want ? room : want;
}

int eve__queue_push(eve__completion_queue_t *queue, eve_overlapped_entry_t *entry) {
  if (queue->count == queue->bound) return EVE_ELIMIT;
  if (queue->count == queue->size) {
    int rc = grow(queue);
    if (rc < 0) return rc;
  }
  queue->ring[(queue->head + queue->count) % queue->size] = entry;
  queue->count++;
  return EVE_OK;
}

eve_overlapped_entry_t *eve__queue_pop(eve__completion_queue_t *queue) {
  if (queue->count == 0) return NULL;
  eve_overlapped_entry_t *entry = queue->ring[queue->head];
  queue->head = (queue->head + 1) % queue->size;
  queue->count--;
  return entry;
}
