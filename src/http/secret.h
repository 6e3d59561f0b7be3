/* Handling secrets (passwords, hashes, digests): comparisons whose time
 * does not depend on where the inputs differ, and wiping that the
 * compiler cannot drop as a dead store. */
#ifndef EVED_SECRET_H_
#define EVED_SECRET_H_

#include <stdbool.h>
#include <stddef.h>

/* Whether a[0..len) equals b[0..len), reading every byte of both. */
bool eved_secret_equal(const void *a, const void *b, size_t len);
/* Zeroes p[0..len) through a volatile pointer. */
void eved_secret_wipe(void *p, size_t len);

#endif /* EVED_SECRET_H_ */
