/* An LD_PRELOAD counter of heap allocations for bench/http/tls_bench.py:
 * what a keep-alive request and a new connection over TLS allocate in the
 * whole eved process (eved and the Mbed TLS shared libraries, whose
 * mbedtls_calloc is calloc), counted by tests/perf/malloc_counter.c, the
 * counter perf.native.no_allocation_per_request links. The bench reads the counter through
 * /proc/<pid>/mem at the address this library writes, once, to the file
 * named by $MALLOC_COUNT_ADDR_FILE: no signal handler or thread of its own
 * changes the process it measures. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "malloc_counter.h"

__attribute__((constructor)) static void publish_address(void) {
  const char *path = getenv("MALLOC_COUNT_ADDR_FILE");
  if (path == NULL) return;
  FILE *f = fopen(path, "w");
  if (f == NULL) return;
  fprintf(f, "%p\n", (void *)&eve_malloc_counter);
  fclose(f);
}
