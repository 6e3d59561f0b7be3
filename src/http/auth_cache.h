/* Successful verifications, so a scraper sending the same credentials
 * every 15 s costs one bcrypt run, not one per scrape. An entry is the
 * 128-bit keyed digest (two SipHash-2-4 under a random 32-byte key) of
 * the user, the configured hash and the password: a changed password, a
 * changed hash or another user never finds it, and the cache holds no
 * password. Bounded (EVED_AUTH_CACHE_MAX); a full cache drops its least
 * recently used entry. The loop's alone. */
#ifndef EVED_AUTH_CACHE_H_
#define EVED_AUTH_CACHE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVED_AUTH_CACHE_MAX 128
#define EVED_AUTH_DIGEST_SIZE 16

typedef struct eved_auth_cache {
  unsigned char key[32];
  unsigned char digests[EVED_AUTH_CACHE_MAX][EVED_AUTH_DIGEST_SIZE];
  uint64_t used[EVED_AUTH_CACHE_MAX]; /* last found or added, by a counter */
  size_t count;
  uint64_t clock;
} eved_auth_cache_t;

/* Empties the cache under a new random key. -1 when the OS gave no
 * random bytes (the cache must then not be used). */
int eved_auth_cache_init(eved_auth_cache_t *cache);
/* Forgets every entry (a reload's new user table); the key stays. */
void eved_auth_cache_clear(eved_auth_cache_t *cache);
/* The digest of (user, hash, password), each NUL-terminated. */
void eved_auth_cache_digest(const eved_auth_cache_t *cache, const char *user, const char *hash,
                            const char *password, unsigned char out[EVED_AUTH_DIGEST_SIZE]);
/* Whether the digest is cached; every entry is compared in full, in
 * constant time. */
bool eved_auth_cache_find(eved_auth_cache_t *cache, const unsigned char digest[EVED_AUTH_DIGEST_SIZE]);
/* Adds a digest; true when that dropped another entry (the bound hit). */
bool eved_auth_cache_add(eved_auth_cache_t *cache, const unsigned char digest[EVED_AUTH_DIGEST_SIZE]);

#endif /* EVED_AUTH_CACHE_H_ */
