/* random.h over getrandom(2), which blocks only until the kernel's pool
 * is first seeded (early boot). */
#include <errno.h>
#include <sys/random.h>

#include "random.h"

int eved_random_bytes(void *buf, size_t len) {
  if (len > 256) return -1;
  for (;;) {
    ssize_t got = getrandom(buf, len, 0);
    if (got == (ssize_t)len) return 0;
    /* Up to 256 bytes come whole once the pool is seeded (getrandom(2));
     * a signal before that is the one reason to try again. */
    if (got < 0 && errno == EINTR) continue;
    return -1;
  }
}
