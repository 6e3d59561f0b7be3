/* Bytes from the OS's cryptographic generator: getrandom(2) on Linux
 * (random_posix.c), BCryptGenRandom on Windows (random_win.c). */
#ifndef EVED_RANDOM_H_
#define EVED_RANDOM_H_

#include <stddef.h>

/* Fills buf with len (at most 256) random bytes. 0, or -1 when the OS
 * could not give them (the caller must not go on with buf). Any thread. */
int eved_random_bytes(void *buf, size_t len);

#endif /* EVED_RANDOM_H_ */
