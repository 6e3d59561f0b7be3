/* Named pipes and completions for the Windows-only tests. */
#ifndef EVE_TEST_WIN_UTIL_H_
#define EVE_TEST_WIN_UTIL_H_

#ifdef _WIN32
#include <eve/eve_poller.h>

typedef struct test_pipe {
  wchar_t name[64];
  HANDLE server; /* overlapped, not yet associated */
  HANDLE client; /* synchronous; NULL until connected */
} test_pipe_t;

/* A fresh server instance on a name unique to this process and call. */
test_pipe_t test_pipe_create(void);
/* Associates the server with the poller (key 7), connects a client through
 * an overlapped ConnectNamedPipe, and checks the completion wait reports. */
void test_pipe_connect(eve_poller_t *poller, test_pipe_t *pipe);
void test_pipe_close(test_pipe_t *pipe);

/* An entry for `operation` on `handle`, user_data set to `user_data`. */
eve_overlapped_entry_t *test_entry(eve_poller_t *poller, HANDLE handle,
                                   eve_io_operation_t operation, uint64_t user_data);
/* Starts an overlapped read or write of `buffer` with the entry; CHECKs it is
 * pending or done (a completion packet is queued either way). */
void test_start_read(eve_overlapped_entry_t *entry, void *buffer, size_t size);
void test_start_write(eve_overlapped_entry_t *entry, const void *buffer, size_t size);

/* Waits (-1) until wait() reports `entry`; CHECKs that it comes, and that
 * nothing but completions is reported meanwhile. Returns its event. */
eve_native_event_t test_wait_completion(eve_poller_t *poller, eve_overlapped_entry_t *entry);
#endif

#endif /* EVE_TEST_WIN_UTIL_H_ */
