/* The check of the certificate store's unit programs (store_unit.c,
 * store_ncrypt_unit.c): a failed condition is printed with its place and
 * counted, and the program goes on, so one run shows every failure. */
#ifndef EVED_TLS_TEST_CHECK_H_
#define EVED_TLS_TEST_CHECK_H_

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                     \
  do {                                                       \
    if (!(cond)) {                                           \
      failures++;                                            \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      printf(__VA_ARGS__);                                   \
      printf("\n");                                          \
    }                                                        \
  } while (0)

#endif /* EVED_TLS_TEST_CHECK_H_ */
