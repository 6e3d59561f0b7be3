/* handle -> registration index in O(1). SOCKET and HANDLE values are
 * pointer-sized and sparse (kernel handles step by 4), so they cannot index
 * a table directly as fds do on Linux. Open addressing keeps the map in two
 * flat arrays; deletion shifts later entries of the probe run back instead
 * of leaving tombstones, so lookups never slow down with churn. */
#include <stdlib.h>

#include "win.h"

#define MAP_MIN_SLOTS 64u

static size_t slot_of(const eve__handle_map_t *map, uintptr_t key) {
  /* Fibonacci hashing spreads the low zero bits of handle values. */
  uint64_t h = (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15);
  return (size_t)(h >> 32) & (map->slots - 1);
}

void eve__handle_map_free(eve__handle_map_t *map) {
  free(map->keys);
  free(map->values);
  *map = (eve__handle_map_t){0};
}

bool eve__handle_map_get(const eve__handle_map_t *map, uintptr_t key, size_t *value) {
  if (map->slots == 0) return false;
  for (size_t i = slot_of(map, key);; i = (i + 1) & (map->slots - 1)) {
    if (map->keys[i] == EVE_HANDLE_INVALID_RAW) return false;
    if (map->keys[i] == key) {
      *value = map->values[i];
      return true;
    }
  }
}

static void insert(eve__handle_map_t *map, uintptr_t key, size_t value) {
  size_t i = slot_of(map, key);
  while (map->keys[i] != EVE_HANDLE_INVALID_RAW && map->keys[i] != key)
    i = (i + 1) & (map->slots - 1);
  if (map->keys[i] == EVE_HANDLE_INVALID_RAW) map->used++;
  map->keys[i] = key;
  map->values[i] = value;
}

static int grow(eve__handle_map_t *map) {
  size_t slots = map->slots ? map->slots * 2 : MAP_MIN_SLOTS;
  eve__handle_map_t bigger = {malloc(slots * sizeof(uintptr_t)),
                              malloc(slots * sizeof(size_t)), slots, 0};
  if (bigger.keys == NULL || bigger.values == NULL) {
    eve__handle_map_free(&bigger);
    return EVE_ENOMEM;
  }
  for (size_t i = 0; i < slots; i++) bigger.keys[i] = EVE_HANDLE_INVALID_RAW;
  for (size_t i = 0; i < map->slots; i++)
    if (map->keys[i] != EVE_HANDLE_INVALID_RAW) insert(&bigger, map->keys[i], map->values[i]);
  eve__handle_map_free(map);
  *map = bigger;
  return EVE_OK;
}

int eve__handle_map_put(eve__handle_map_t *map, uintptr_t key, size_t value) {
  size_t existing;
  /* Overwriting never grows, so it cannot fail. */
  if (!eve__handle_map_get(map, key, &existing) && (map->used + 1) * 2 > map->slots) {
    int rc = grow(map);
    if (rc < 0) return rc;
  }
  insert(map, key, value);
  return EVE_OK;
}

void eve__handle_map_remove(eve__handle_map_t *map, uintptr_t key) {
  if (map->slots == 0) return;
  size_t mask = map->slots - 1;
  size_t i = slot_of(map, key);
  while (map->keys[i] != key) {
    if (map->keys[i] == EVE_HANDLE_INVALID_RAW) return;
    i = (i + 1) & mask;
  }
  /* Backward shift: an entry later in the run moves into the hole when its
   * home slot does not lie (cyclically) between the hole and itself. */
  for (size_t j = (i + 1) & mask; map->keys[j] != EVE_HANDLE_INVALID_RAW; j = (j + 1) & mask) {
    size_t home = slot_of(map, map->keys[j]);
    bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    map->keys[i] = map->keys[j];
    map->values[i] = map->values[j];
    i = j;
  }
  map->keys[i] = EVE_HANDLE_INVALID_RAW;
  map->used--;
}
