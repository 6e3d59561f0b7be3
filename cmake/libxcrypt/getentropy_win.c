/* getentropy(3) for libxcrypt on Windows (config.h says it exists): the
 * system-preferred generator through BCryptGenRandom
 * (https://learn.microsoft.com/windows/win32/api/bcrypt/nf-bcrypt-bcryptgenrandom).
 * getentropy takes at most 256 bytes and sets errno on failure. */
#include <windows.h>

#include <bcrypt.h>
#include <errno.h>

#include "config.h"

int getentropy(void *buf, size_t len) {
  if (len > 256) {
    errno = EIO;
    return -1;
  }
  if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
    errno = EIO;
    return -1;
  }
  return 0;
}
