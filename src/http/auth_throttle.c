/* Failed logins per client (auth_throttle.h). */
#include "auth_throttle.h"

#include <string.h>

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 client it
 * maps, not a /64 shared with every other IPv4 client. */
static void key_of(const eve_net_address_t *a, uint8_t key[9]) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  memset(key, 0, 9);
  if (a->family == 6 && memcmp(a->bytes, mapped, sizeof mapped) == 0) {
    key[0] = 4;
    memcpy(key + 1, a->bytes + 12, 4);
  } else if (a->family == 6) {
    key[0] = 6;
    memcpy(key + 1, a->bytes, 8);
  } else {
    key[0] = 4;
    memcpy(key + 1, a->bytes, 4);
  }
}

static eved_auth_client_t *find(eved_auth_throttle_t *t, const uint8_t key[9]) {
  for (size_t i = 0; i < t->count; i++)
    if (memcmp(t->clients[i].key, key, 9) == 0) return &t->clients[i];
  return NULL;
}

uint32_t eved_auth_throttle_wait_s(eved_auth_throttle_t *t, const eve_net_address_t *peer,
                                   int64_t now_ms) {
  uint8_t key[9];
  key_of(peer, key);
  const eved_auth_client_t *c = find(t, key);
  if (c == NULL) return 0;
  /* Failing now would put the bucket's full time beyond the burst. */
  int64_t over = c->full_at_ms - now_ms - (int64_t)(EVED_AUTH_FAILURE_BURST - 1) * EVED_AUTH_FAILURE_REFILL_MS;
  if (over <= 0) return 0;
  return (uint32_t)((over + 999) / 1000);
}

bool eved_auth_throttle_fail(eved_auth_throttle_t *t, const eve_net_address_t *peer,
                             int64_t now_ms) {
  uint8_t key[9];
  key_of(peer, key);
  eved_auth_client_t *c = find(t, key);
  bool dropped = false;
  if (c == NULL) {
    /* A free entry (full again by now) first; else the closest to full. */
    size_t at = t->count;
    if (at == EVED_AUTH_CLIENTS_MAX) {
      at = 0;
      for (size_t i = 1; i < t->count; i++)
        if (t->clients[i].full_at_ms < t->clients[at].full_at_ms) at = i;
      dropped = t->clients[at].full_at_ms > now_ms;
    } else {
      t->count++;
    }
    c = &t->clients[at];
    memcpy(c->key, key, 9);
    c->full_at_ms = now_ms;
  }
  if (c->full_at_ms < now_ms) c->full_at_ms = now_ms;
  c->full_at_ms += EVED_AUTH_FAILURE_REFILL_MS;
  return dropped;
}
