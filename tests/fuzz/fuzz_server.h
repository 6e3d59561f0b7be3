/* The one eved_server_t the in-process fuzzers run against: defaults, a
 * real poller, room for one connection; created on first use and kept
 * for the whole run (as eved keeps its server). */
#ifndef EVE_FUZZ_SERVER_H_
#define EVE_FUZZ_SERVER_H_

#include <stdio.h>
#include <stdlib.h>

#include "server_int.h"

#define FUZZ_CHECK(cond)                                                             \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "fuzz: check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

eved_server_t *fuzz_server(void);

#endif /* EVE_FUZZ_SERVER_H_ */
