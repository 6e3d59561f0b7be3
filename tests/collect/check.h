/* The check of collect/'s unit programs (collect_unit.c, textfile_unit.c,
 * jobs_unit.c): a failed condition is printed with its place and counted,
 * and the test goes on, so one run shows every failure. */
#ifndef EVED_COLLECT_TEST_CHECK_H_
#define EVED_COLLECT_TEST_CHECK_H_

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#endif /* EVED_COLLECT_TEST_CHECK_H_ */
