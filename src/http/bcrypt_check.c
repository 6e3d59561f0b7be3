/* bcrypt_check.h over crypt_rn (libxcrypt's crypt.h: the work area is the
 * caller's, so threads never share one, and it fails with NULL rather
 * than a hash-like string). */
#include "bcrypt_check.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "secret.h"

struct eved_bcrypt {
  struct crypt_data data;
};

eved_bcrypt_t *eved_bcrypt_create(void) { return calloc(1, sizeof(eved_bcrypt_t)); }

void eved_bcrypt_destroy(eved_bcrypt_t *b) {
  if (b == NULL) return;
  eved_secret_wipe(b, sizeof *b);
  free(b);
}

bool eved_bcrypt_verify(eved_bcrypt_t *b, const char *password, const char *hash) {
  if (strlen(password) > EVED_BCRYPT_PASSWORD_MAX) return false;
  const char *out = crypt_rn(password, hash, &b->data, (int)sizeof b->data);
  /* The output is the setting's 29 characters and 31 of hash: the hash's
   * length whenever it worked; its terminator is compared too. */
  bool ok = out != NULL && strlen(out) == EVED_AUTH_HASH_LEN &&
            eved_secret_equal(out, hash, EVED_AUTH_HASH_LEN + 1);
  eved_secret_wipe(&b->data, sizeof b->data);
  return ok;
}
