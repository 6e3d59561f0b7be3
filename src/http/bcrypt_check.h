/* One bcrypt verification, through libxcrypt's crypt_rn: Debian's
 * libcrypt natively, the bcrypt part of Debian's libxcrypt source package
 * for Windows (scripts/fetch-libxcrypt-source.sh). Slow by design (cost
 * 10 is tens of milliseconds): only the verifier's threads call it. */
#ifndef EVED_BCRYPT_CHECK_H_
#define EVED_BCRYPT_CHECK_H_

#include <stdbool.h>
#include <stddef.h>

/* bcrypt reads at most this many bytes of a password; a longer one could
 * match with any tail, so it is refused unverified (Go's x/crypto bcrypt,
 * which exporter-toolkit uses, refuses it too). */
#define EVED_BCRYPT_PASSWORD_MAX 72

/* crypt_rn's work area (struct crypt_data, 32 KiB): one per thread. */
typedef struct eved_bcrypt eved_bcrypt_t;

eved_bcrypt_t *eved_bcrypt_create(void); /* NULL when out of memory */
void eved_bcrypt_destroy(eved_bcrypt_t *b);
/* Whether password (NUL-terminated, at most EVED_BCRYPT_PASSWORD_MAX
 * bytes) hashes to hash (a 60-character bcrypt hash,
 * eved_config_bcrypt_hash_valid), compared in constant time. The work
 * area is wiped after. */
bool eved_bcrypt_verify(eved_bcrypt_t *b, const char *password, const char *hash);

#endif /* EVED_BCRYPT_CHECK_H_ */
