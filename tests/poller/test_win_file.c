/* Windows: FILE handles, overlapped reads and writes through the pool. */
#ifdef _WIN32
#include <string.h>

#include "test.h"
#include "test_win_util.h"

static void temp_path(wchar_t *path) {
  wchar_t dir[MAX_PATH];
  CHECK(GetTempPathW(MAX_PATH, dir) > 0);
  CHECK(GetTempFileNameW(dir, L"eve", 0, path) != 0);
}

static HANDLE open_overlapped(const wchar_t *path) {
  HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                            OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
  CHECK(file != INVALID_HANDLE_VALUE);
  return file;
}

/* Plain, synchronous access to the same file, to check what was written. */
static void plain_write(const wchar_t *path, const char *text) {
  HANDLE file = CreateFileW(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            CREATE_ALWAYS, 0, NULL);
  CHECK(file != INVALID_HANDLE_VALUE);
  DWORD done = 0;
  CHECK(WriteFile(file, text, (DWORD)strlen(text), &done, NULL));
  CHECK_EQ(done, strlen(text));
  CloseHandle(file);
}

static size_t plain_read(const wchar_t *path, char *buffer, size_t size) {
  HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            OPEN_EXISTING, 0, NULL);
  CHECK(file != INVALID_HANDLE_VALUE);
  DWORD done = 0;
  CHECK(ReadFile(file, buffer, (DWORD)size, &done, NULL));
  CloseHandle(file);
  return done;
}

TEST_IMPL(file_read_completes) {
  wchar_t path[MAX_PATH];
  temp_path(path);
  plain_write(path, "0123456789abcdef");
  eve_poller_t *poller = test_poller(mode);
  HANDLE file = open_overlapped(path);
  eve_handle_t handle = eve_handle_from_raw((uintptr_t)file);
  CHECK_EQ(eve_handle_classify(handle), EVE_HANDLE_FILE);
  /* Registering associates the file with the port. */
  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_READ, 1));
  CHECK_EQ(eve_poller_overlapped_count(poller), 1);

  static char in[32];
  eve_overlapped_entry_t *read = test_entry(poller, file, EVE_IO_READ, 808);
  read->overlapped.Offset = 10; /* files are read at an offset, not a cursor */
  test_start_read(read, in, sizeof in);
  eve_native_event_t event = test_wait_completion(poller, read);
  CHECK_EQ(event.events, EVE_EV_IN);
  CHECK_EQ(event.data.u64, 808);
  CHECK_EQ(read->status, 0);
  CHECK_EQ(read->bytes_transferred, 6);
  CHECK(memcmp(in, "abcdef", 6) == 0);
  CHECK_EQ(eve_poller_translate(&event).ready, EVE_READY_READABLE);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), read);
  /* Reported once: nothing left over. */
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);

  CHECK_OK(eve_poller_unregister(poller, handle));
  CloseHandle(file);
  CHECK_OK(eve_poller_dispose(poller));
  CHECK(DeleteFileW(path));
}

TEST_IMPL(file_write_completes) {
  wchar_t path[MAX_PATH];
  temp_path(path);
  eve_poller_t *poller = test_poller(mode);
  HANDLE file = open_overlapped(path);
  CHECK_OK(eve_poller_associate_handle(poller, file, 42));
  eve_overlapped_pool_t *pool = eve_poller_overlapped_pool(poller);

  /* Two writes in flight at once, at their own offsets. */
  static const char first[] = "hello ", second[] = "file";
  eve_overlapped_entry_t *a = test_entry(poller, file, EVE_IO_WRITE, 1);
  eve_overlapped_entry_t *b = test_entry(poller, file, EVE_IO_WRITE, 2);
  b->overlapped.Offset = 6;
  test_start_write(a, first, 6);
  test_start_write(b, second, 4);
  bool seen[3] = {false};
  for (int got = 0; got < 2;) {
    eve_native_event_t events[4];
    int n = eve_poller_wait(poller, events, 4, -1);
    CHECK(n >= 0);
    for (int i = 0; i < n; i++) {
      eve_overlapped_entry_t *entry = events[i].completion;
      CHECK(entry == a || entry == b);
      CHECK_EQ(events[i].events, EVE_EV_OUT);
      CHECK_EQ(entry->status, 0);
      CHECK_EQ(entry->bytes_transferred, entry == a ? 6 : 4);
      CHECK(!seen[events[i].data.u64]);
      seen[events[i].data.u64] = true;
      got++;
    }
  }
  eve_overlapped_pool_release(pool, a);
  eve_overlapped_pool_release(pool, b);
  CHECK_EQ(eve_overlapped_pool_active_count(pool), 0);
  CloseHandle(file);
  char back[32] = {0};
  CHECK_EQ(plain_read(path, back, sizeof back), 10);
  CHECK(memcmp(back, "hello file", 10) == 0);
  CHECK_OK(eve_poller_dispose(poller));
  CHECK(DeleteFileW(path));
}

/* What classification cannot place is UNKNOWN, and UNKNOWN is refused,
 * never guessed at: a mutex, a thread, a closed handle, garbage. */
TEST_IMPL(classify_unknown_refused) {
  eve_poller_t *poller = test_poller(mode);
  HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
  HANDLE semaphore = CreateSemaphoreW(NULL, 0, 1, NULL);
  HANDLE closed = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(mutex != NULL && semaphore != NULL && closed != NULL);
  CloseHandle(closed);
  HANDLE unknown[] = {mutex, semaphore, GetCurrentThread(), closed, (HANDLE)(uintptr_t)0x7ffff00cu};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    eve_handle_t handle = eve_handle_from_raw((uintptr_t)unknown[i]);
    CHECK_EQ(eve_handle_classify(handle), EVE_HANDLE_UNKNOWN);
    CHECK_EQ(eve_poller_register(poller, handle, EVE_INTEREST_READ, 1), EVE_EBADF);
  }
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.capacity_hits, 0);
  CloseHandle(mutex);
  CloseHandle(semaphore);
  CHECK_OK(eve_poller_dispose(poller));
}
#endif
