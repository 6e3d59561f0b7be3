/* Counting every heap allocation of a process: malloc, calloc and realloc
 * defined here, counted, then handed to glibc's allocator (__libc_malloc
 * and friends, which glibc exports for exactly this). Linked into
 * perf.native.no_allocation_per_request's executable (tests/perf), and
 * into the LD_PRELOAD library that make bench's HTTPS section loads into
 * eved (bench/http/malloc_count.c). glibc only; no sanitizer (it replaces
 * malloc too). */
#ifndef EVE_MALLOC_COUNTER_H_
#define EVE_MALLOC_COUNTER_H_

#include <stdatomic.h>

/* Allocations so far, from any thread. 8 bytes on LP64 Linux, which the
 * bench reads through /proc/<pid>/mem. */
extern atomic_ulong eve_malloc_counter;

#endif /* EVE_MALLOC_COUNTER_H_ */
