/* The cache of successful verifications (auth_cache.h). */
#include "auth_cache.h"

#include <string.h>

#include "auth_header.h"
#include "config.h"
#include "random.h"
#include "secret.h"
#include "siphash.h"

int eved_auth_cache_init(eved_auth_cache_t *c) {
  memset(c, 0, sizeof *c);
  return eved_random_bytes(c->key, sizeof c->key);
}

void eved_auth_cache_clear(eved_auth_cache_t *c) {
  eved_secret_wipe(c->digests, sizeof c->digests);
  memset(c->used, 0, sizeof c->used);
  c->count = 0;
}

static size_t put(unsigned char *buf, size_t at, const char *text) {
  size_t len = strlen(text) + 1; /* with its NUL: the parts cannot run together */
  memcpy(buf + at, text, len);
  return at + len;
}

void eved_auth_cache_digest(const eved_auth_cache_t *c, const char *user, const char *hash,
                            const char *password, unsigned char out[EVED_AUTH_DIGEST_SIZE]) {
  unsigned char buf[EVED_AUTH_CREDENTIALS_MAX + EVED_AUTH_HASH_LEN + 4];
  size_t len = put(buf, 0, hash);
  /* user and password come from one credentials text: they fit together. */
  len = put(buf, len, user);
  len = put(buf, len, password);
  uint64_t a = eved_siphash24(c->key, buf, len), b = eved_siphash24(c->key + 16, buf, len);
  for (int i = 0; i < 8; i++) {
    out[i] = (unsigned char)(a >> (8 * i));
    out[8 + i] = (unsigned char)(b >> (8 * i));
  }
  eved_secret_wipe(buf, sizeof buf);
}

bool eved_auth_cache_find(eved_auth_cache_t *c, const unsigned char digest[EVED_AUTH_DIGEST_SIZE]) {
  size_t found = EVED_AUTH_CACHE_MAX;
  for (size_t i = 0; i < c->count; i++)
    if (eved_secret_equal(c->digests[i], digest, EVED_AUTH_DIGEST_SIZE)) found = i;
  if (found == EVED_AUTH_CACHE_MAX) return false;
  c->used[found] = ++c->clock;
  return true;
}

bool eved_auth_cache_add(eved_auth_cache_t *c, const unsigned char digest[EVED_AUTH_DIGEST_SIZE]) {
  if (eved_auth_cache_find(c, digest)) return false;
  size_t at = c->count;
  bool dropped = false;
  if (at == EVED_AUTH_CACHE_MAX) {
    at = 0;
    for (size_t i = 1; i < EVED_AUTH_CACHE_MAX; i++)
      if (c->used[i] < c->used[at]) at = i;
    dropped = true;
  } else {
    c->count++;
  }
  memcpy(c->digests[at], digest, EVED_AUTH_DIGEST_SIZE);
  c->used[at] = ++c->clock;
  return dropped;
}
