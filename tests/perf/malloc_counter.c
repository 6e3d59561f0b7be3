/* See malloc_counter.h. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "malloc_counter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

atomic_ulong eve_malloc_counter;

void *malloc(size_t size) {
  atomic_fetch_add_explicit(&eve_malloc_counter, 1, memory_order_relaxed);
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  atomic_fetch_add_explicit(&eve_malloc_counter, 1, memory_order_relaxed);
  return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size) {
  atomic_fetch_add_explicit(&eve_malloc_counter, 1, memory_order_relaxed);
  return __libc_realloc(ptr, size);
}
