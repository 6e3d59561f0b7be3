/* What libxcrypt's configure would find for mingw-w64, for the bcrypt
 * part eved compiles for Windows (cmake/Dependencies.cmake). Only the
 * macros that part's files read: crypt-port.h, crypt.c, crypt-bcrypt.c
 * and the util-*.c files listed there. */
#ifndef EVED_LIBXCRYPT_CONFIG_H_
#define EVED_LIBXCRYPT_CONFIG_H_

#include <stddef.h>

#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_MAX_ALIGN_T 1
/* mingw-w64's assert.h defines static_assert in C11. */
#define HAVE_STATIC_ASSERT_IN_ASSERT_H 1
#define alignof _Alignof
#define alignas _Alignas
#define ENDIANNESS_IS_LITTLE 1
/* util-get-random-bytes.c's source: getentropy_win.c, over
 * BCryptGenRandom. Verification never calls it; crypt_gensalt would. */
#define HAVE_GETENTROPY 1
int getentropy(void *buf, size_t len);

#endif /* EVED_LIBXCRYPT_CONFIG_H_ */
