/* The contract suite's test framework: a test is a function of the mode it
 * runs on; a failed check prints where and why and ends the process, so
 * ctest sees one failing entry named for the behaviour. Checks are always
 * on, in every build type. */
#ifndef EVE_TEST_H_
#define EVE_TEST_H_

#include <stdio.h>
#include <stdlib.h>

#include <eve/eve_poller.h>

#define TEST_IMPL(name) void test_##name(eve_poller_mode_t mode)

#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) {                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                   \
      exit(1);                                                          \
    }                                                                   \
  } while (0)

#define CHECK_EQ(a, b)                                                      \
  do {                                                                      \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);         \
    if (check_a_ != check_b_) {                                             \
      fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n",     \
              __FILE__, __LINE__, #a, #b, check_a_, check_b_);              \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

/* An eve call that must succeed; prints the eve error otherwise. */
#define CHECK_OK(expr)                                                      \
  do {                                                                      \
    int check_rc_ = (expr);                                                 \
    if (check_rc_ < 0) {                                                    \
      fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__,    \
              #expr, eve_error_name(check_rc_), eve_strerror(check_rc_));   \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

/* A poller in the mode under test, with default options. */
eve_poller_t *test_poller(eve_poller_mode_t mode);

#define TEST_SHARED(name) TEST_IMPL(name);
#define TEST_WINDOWS(name) TEST_IMPL(name);
#include "test_list.h"
#include "test_list_windows.h"
#undef TEST_SHARED
#undef TEST_WINDOWS

#endif /* EVE_TEST_H_ */
