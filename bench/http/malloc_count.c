/* An LD_PRELOAD counter of heap allocations for bench/http/tls_bench.py:
 * what a keep-alive request and a new connection over TLS allocate in the
 * whole eved process (eved and the Mbed TLS shared libraries, whose
 * mbedtls_calloc is calloc). malloc, calloc and realloc are counted, then
 * handed to glibc's allocator (__libc_malloc and friends, which glibc
 * exports for exactly this; tests/perf/alloc_count.c does the same inside
 * its own executable). The bench reads the counter through
 * /proc/<pid>/mem at the address this library writes, once, to the file
 * named by $MALLOC_COUNT_ADDR_FILE: no signal handler or thread of its own
 * changes the process it measures. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

/* 8 bytes on every target this is built for (LP64 Linux). */
static atomic_ulong allocations;

void *malloc(size_t size) {
  atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
  return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size) {
  atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
  return __libc_realloc(ptr, size);
}

__attribute__((constructor)) static void publish_address(void) {
  const char *path = getenv("MALLOC_COUNT_ADDR_FILE");
  if (path == NULL) return;
  FILE *f = fopen(path, "w");
  if (f == NULL) return;
  fprintf(f, "%p\n", (void *)&allocations);
  fclose(f);
}
