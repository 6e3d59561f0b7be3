/* random.h over BCryptGenRandom with the system-preferred generator
 * (https://learn.microsoft.com/windows/win32/api/bcrypt/nf-bcrypt-bcryptgenrandom). */
#include <windows.h>

#include <bcrypt.h>

#include "random.h"

int eved_random_bytes(void *buf, size_t len) {
  if (len > 256) return -1;
  NTSTATUS rc = BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  return BCRYPT_SUCCESS(rc) ? 0 : -1;
}
