/* Named pipes and completions for the Windows-only tests. */
#ifdef _WIN32
#include "test_win_util.h"

#include <wchar.h>

#include "test.h"

test_pipe_t test_pipe_create(void) {
  static unsigned serial;
  test_pipe_t pipe = {0};
  swprintf(pipe.name, sizeof pipe.name / sizeof pipe.name[0], L"\\\\.\\pipe\\eve-test-%lu-%u",
           (unsigned long)GetCurrentProcessId(), serial++);
  pipe.server = CreateNamedPipeW(pipe.name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                                 PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096,
                                 0, NULL);
  CHECK(pipe.server != INVALID_HANDLE_VALUE);
  return pipe;
}

eve_overlapped_entry_t *test_entry(eve_poller_t *poller, HANDLE handle,
                                   eve_io_operation_t operation, uint64_t user_data) {
  eve_overlapped_entry_t *entry = eve_overlapped_pool_acquire(eve_poller_overlapped_pool(poller));
  CHECK(entry != NULL);
  entry->handle = handle;
  entry->operation = operation;
  entry->user_data = user_data;
  return entry;
}

static void check_started(BOOL done) {
  if (!done) CHECK_EQ(GetLastError(), ERROR_IO_PENDING);
}

void test_start_read(eve_overlapped_entry_t *entry, void *buffer, size_t size) {
  entry->buffer = buffer;
  entry->buffer_size = size;
  check_started(ReadFile(entry->handle, buffer, (DWORD)size, NULL, &entry->overlapped));
}

void test_start_write(eve_overlapped_entry_t *entry, const void *buffer, size_t size) {
  entry->buffer = (void *)buffer;
  entry->buffer_size = size;
  check_started(WriteFile(entry->handle, buffer, (DWORD)size, NULL, &entry->overlapped));
}

void test_pipe_connect(eve_poller_t *poller, test_pipe_t *pipe) {
  CHECK_OK(eve_poller_associate_handle(poller, pipe->server, 7));
  /* A pipe server waiting for its client is an accept, as eved labels it. */
  eve_overlapped_entry_t *entry = test_entry(poller, pipe->server, EVE_IO_ACCEPT, 1001);
  CHECK(!ConnectNamedPipe(pipe->server, &entry->overlapped));
  CHECK_EQ(GetLastError(), ERROR_IO_PENDING);
  pipe->client = CreateFileW(pipe->name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
                             NULL);
  CHECK(pipe->client != INVALID_HANDLE_VALUE);
  eve_native_event_t event = test_wait_completion(poller, entry);
  CHECK_EQ(event.events, EVE_EV_IN);
  CHECK_EQ(event.data.u64, 1001);
  CHECK_EQ(entry->status, 0);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), entry);
}

void test_pipe_close(test_pipe_t *pipe) {
  if (pipe->client != NULL) CHECK(CloseHandle(pipe->client));
  CHECK(CloseHandle(pipe->server));
  pipe->client = pipe->server = NULL;
}

eve_native_event_t test_wait_completion(eve_poller_t *poller, eve_overlapped_entry_t *entry) {
  /* Bounded: each round is a wait(-1) that returned something. */
  for (int round = 0; round < 100; round++) {
    eve_native_event_t events[8];
    int n = eve_poller_wait(poller, events, 8, -1);
    CHECK(n >= 0);
    for (int i = 0; i < n; i++) {
      CHECK(events[i].completion != NULL);
      if (events[i].completion == entry) return events[i];
    }
  }
  CHECK(!"the completion never came");
  return (eve_native_event_t){0};
}
#endif
