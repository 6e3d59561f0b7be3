/* The little the benchmarks need from the OS: a monotonic clock and room
 * for many sockets. */
#ifndef EVE_BENCH_OS_H_
#define EVE_BENCH_OS_H_

#include <stdint.h>

uint64_t bench_now_ns(void);
/* Raises the soft open-file limit to the hard one (POSIX); no-op on Windows. */
void bench_raise_fd_limit(void);

#endif /* EVE_BENCH_OS_H_ */
