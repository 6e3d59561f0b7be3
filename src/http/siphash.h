/* SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input
 * PRF", 2012): a keyed 64-bit hash. The auth cache keys its entries with
 * it, so the cache never holds a password. */
#ifndef EVED_SIPHASH_H_
#define EVED_SIPHASH_H_

#include <stddef.h>
#include <stdint.h>

/* The 64-bit tag of data[0..len) under a 16-byte key. */
uint64_t eved_siphash24(const unsigned char key[16], const void *data, size_t len);

#endif /* EVED_SIPHASH_H_ */
