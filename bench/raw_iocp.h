/* The floor for cross-thread wake-up on Windows: PostQueuedCompletionStatus
 * to a thread blocked in GetQueuedCompletionStatusEx, with no eve code in
 * between. Compare eve's wake-up latency with this, in the same run. */
#ifndef EVE_BENCH_RAW_IOCP_H_
#define EVE_BENCH_RAW_IOCP_H_

#include <stddef.h>
#include <stdint.h>

/* Fills latency_ns[0..rounds) with post-to-return times; returns 0, or -1
 * where there is no IOCP (not Windows). */
int bench_raw_iocp_wakeup(uint64_t *latency_ns, size_t rounds);

#endif /* EVE_BENCH_RAW_IOCP_H_ */
