/* secret.h. */
#include "secret.h"

bool eved_secret_equal(const void *a, const void *b, size_t len) {
  const volatile unsigned char *x = a, *y = b;
  unsigned char diff = 0;
  for (size_t i = 0; i < len; i++) diff |= (unsigned char)(x[i] ^ y[i]);
  return diff == 0;
}

void eved_secret_wipe(void *p, size_t len) {
  volatile unsigned char *b = p;
  for (size_t i = 0; i < len; i++) b[i] = 0;
}
