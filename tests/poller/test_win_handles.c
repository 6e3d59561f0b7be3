/* Windows: keys, handle kinds and the registration table. */
#ifdef _WIN32
#include "poller_int.h"
#include "sockets.h"
#include "support.h"
#include "test.h"
#include "test_win_util.h"

TEST_IMPL(reserved_keys_refused) {
  /* The spec's values, which packets already in flight may carry. */
  CHECK_EQ(EVE__KEY_WAKEUP, 0xFFFFFFFEu);
  CHECK_EQ(EVE__KEY_TIMER, 0xFFFFFFFDu);
  CHECK_EQ(EVE__KEY_SHUTDOWN, 0xFFFFFFFCu);
  CHECK_EQ(EVE__MAX_OVERLAPPED_ENTRIES, 64);
  eve_poller_t *poller = test_poller(mode);
  test_pipe_t pipe = test_pipe_create();
  const uint64_t reserved[] = {EVE__KEY_WAKEUP, EVE__KEY_TIMER, EVE__KEY_SHUTDOWN};
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    CHECK_EQ(eve_poller_associate_handle(poller, pipe.server, reserved[i]), EVE_EINVAL);
  CHECK_EQ(eve_poller_associate_handle(poller, INVALID_HANDLE_VALUE, 5), EVE_EBADF);
  /* Refused keys left the handle free: an ordinary key still works. */
  CHECK_OK(eve_poller_associate_handle(poller, pipe.server, 5));
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(classify_handle_types) {
  (void)mode;
  test_socket_t s = test_socket_open();
  CHECK_EQ(eve_handle_classify(test_handle(s)), EVE_HANDLE_SOCKET);
  test_close(s);

  test_pipe_t pipe = test_pipe_create();
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw((uintptr_t)pipe.server)), EVE_HANDLE_PIPE);
  test_pipe_close(&pipe);

  wchar_t dir[MAX_PATH], path[MAX_PATH];
  CHECK(GetTempPathW(MAX_PATH, dir) > 0);
  CHECK(GetTempFileNameW(dir, L"eve", 0, path) != 0);
  HANDLE file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                            FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, NULL);
  CHECK(file != INVALID_HANDLE_VALUE);
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw((uintptr_t)file)), EVE_HANDLE_FILE);
  CloseHandle(file);

  HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(event != NULL);
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw((uintptr_t)event)), EVE_HANDLE_EVENT);
  /* A mutex is waitable too, but not an event. */
  HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
  CHECK(mutex != NULL);
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw((uintptr_t)mutex)), EVE_HANDLE_UNKNOWN);
  CloseHandle(mutex);
  /* A closed handle is no longer anything. */
  CloseHandle(event);
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw((uintptr_t)event)), EVE_HANDLE_UNKNOWN);

  CHECK_EQ(eve_handle_classify(eve_handle_from_raw(0x7ffff00cu)), EVE_HANDLE_UNKNOWN);
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw(0)), EVE_HANDLE_UNKNOWN);
  CHECK_EQ(eve_handle_classify(eve_handle_from_raw(EVE_HANDLE_INVALID_RAW)), EVE_HANDLE_UNKNOWN);
}

TEST_IMPL(register_unknown_is_error) {
  eve_poller_t *poller = test_poller(mode);
  CHECK_EQ(eve_poller_register(poller, eve_handle_from_raw(EVE_HANDLE_INVALID_RAW),
                               EVE_INTEREST_READ, 1),
           EVE_EBADF);
  CHECK_EQ(eve_poller_register(poller, eve_handle_from_raw(0x7ffff00cu), EVE_INTEREST_READ, 1),
           EVE_EBADF);
  CHECK_EQ(eve_poller_register(poller, eve_handle_from_raw(0), EVE_INTEREST_READ, 1), EVE_EBADF);
  CHECK_EQ(eve_poller_register(poller, eve_poller_handle(poller), EVE_INTEREST_READ, 1),
           EVE_EBADF);
  /* A mutex is waitable but none of the kinds: UNKNOWN, refused. */
  HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
  CHECK(mutex != NULL);
  CHECK_EQ(eve_poller_register(poller, eve_handle_from_raw((uintptr_t)mutex), EVE_INTEREST_READ, 1),
           EVE_EBADF);
  CloseHandle(mutex);
  CHECK_EQ(eve_poller_modify(poller, eve_handle_from_raw(0x7ffff00cu), EVE_INTEREST_READ, 1),
           EVE_ENOENT);
  CHECK_EQ(eve_poller_unregister(poller, eve_handle_from_raw(0x7ffff00cu)), EVE_ENOENT);
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  /* Nothing half-registered is left to report. */
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(register_pipe_is_overlapped) {
  eve_poller_t *poller = test_poller(mode);
  test_pipe_t pipe = test_pipe_create();
  eve_handle_t handle = eve_handle_from_raw((uintptr_t)pipe.server);
  test_socket_t s = test_socket_open();
  CHECK_OK(eve_poller_register(poller, test_handle(s), EVE_INTEREST_READ, 1));
  CHECK_OK(eve_poller_register(poller, handle, EVE_INTEREST_READ, 2));
  CHECK_EQ(eve_poller_registration_count(poller), 2);
  CHECK_EQ(eve_poller_overlapped_count(poller), 1);
  CHECK_EQ(eve_poller_register(poller, handle, EVE_INTEREST_READ, 2), EVE_EEXIST);
  CHECK_OK(eve_poller_modify(poller, handle, EVE_INTEREST_WRITE, 3));
  /* Registering associated the pipe with the port: its operations complete
   * through wait. */
  eve_overlapped_entry_t *entry = test_entry(poller, pipe.server, EVE_IO_CONNECT, 77);
  CHECK(!ConnectNamedPipe(pipe.server, &entry->overlapped));
  CHECK_EQ(GetLastError(), ERROR_IO_PENDING);
  pipe.client = CreateFileW(pipe.name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
  CHECK(pipe.client != INVALID_HANDLE_VALUE);
  CHECK_EQ(test_wait_completion(poller, entry).data.u64, 77);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), entry);

  CHECK_OK(eve_poller_unregister(poller, handle));
  CHECK_EQ(eve_poller_unregister(poller, handle), EVE_ENOENT);
  CHECK_EQ(eve_poller_overlapped_count(poller), 0);
  CHECK_EQ(eve_poller_registration_count(poller), 1);
  /* The socket kept its registration through the moves. */
  CHECK_EQ(eve_poller_register(poller, test_handle(s), EVE_INTEREST_READ, 1), EVE_EEXIST);
  CHECK_OK(eve_poller_unregister(poller, test_handle(s)));
  test_close(s);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(capacity_reached_is_limit) {
  eve_poller_options_t options = {mode, 3};
  eve_poller_t *poller = NULL;
  CHECK_OK(eve_poller_create(&poller, &options));
  test_socket_t s[4];
  for (int i = 0; i < 4; i++) s[i] = test_socket_open();
  for (int i = 0; i < 3; i++) CHECK_OK(eve_poller_register(poller, test_handle(s[i]), 1, (uint64_t)i));
  CHECK_EQ(eve_poller_register(poller, test_handle(s[3]), EVE_INTEREST_READ, 3), EVE_ELIMIT);
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.capacity_hits, 1);
  CHECK_EQ(stats.capacity, 3);
  CHECK_EQ(stats.registrations, 3);
  /* A slot freed is a slot usable. */
  CHECK_OK(eve_poller_unregister(poller, test_handle(s[0])));
  CHECK_OK(eve_poller_register(poller, test_handle(s[3]), EVE_INTEREST_READ, 3));
  CHECK_OK(eve_poller_dispose(poller));
  for (int i = 0; i < 4; i++) test_close(s[i]);
}

/* Many registrations, removed out of order: every lookup still finds the
 * right entry after the moves that fill each gap, and readiness reports
 * the right user data. */
TEST_IMPL(registry_grows_and_shrinks) {
  enum { COUNT = 150 };
  eve_poller_t *poller = test_poller(mode);
  static test_socket_t socks[COUNT];
  for (int i = 0; i < COUNT; i++) {
    socks[i] = test_socket_open();
    CHECK_OK(eve_poller_register(poller, test_handle(socks[i]), EVE_INTEREST_READ, (uint64_t)i));
  }
  CHECK_EQ(eve_poller_registration_count(poller), COUNT);
  for (int i = 0; i < COUNT; i += 3) CHECK_OK(eve_poller_unregister(poller, test_handle(socks[i])));
  for (int i = 0; i < COUNT; i++) {
    int rc = eve_poller_modify(poller, test_handle(socks[i]), EVE_INTEREST_READ, (uint64_t)i + 1000);
    CHECK_EQ(rc, i % 3 == 0 ? EVE_ENOENT : EVE_OK);
  }
  CHECK_EQ(eve_poller_registration_count(poller), COUNT - (COUNT + 2) / 3);

  /* One connected pair among them: only its user data is reported. */
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 4242));
  test_send_all(pair.a, "x", 1);
  /* Unconnected sockets may report hang-up, filling small batches; the
   * rotation through the table must still come round to the pair. */
  bool seen = false;
  for (int round = 0; round < 2 * COUNT && !seen; round++) {
    eve_native_event_t events[8];
    int n = eve_poller_wait(poller, events, 8, -1);
    CHECK(n >= 1);
    for (int i = 0; i < n; i++) {
      uint64_t data = events[i].data.u64;
      CHECK(data == 4242 || (data >= 1000 && data < 1000 + COUNT && (data - 1000) % 3 != 0));
      if (data == 4242) seen = (events[i].events & EVE_EV_IN) != 0;
    }
  }
  CHECK(seen);
  for (int i = 0; i < COUNT; i++) {
    if (i % 3 != 0) CHECK_OK(eve_poller_unregister(poller, test_handle(socks[i])));
    test_close(socks[i]);
  }
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.b)));
  CHECK_EQ(eve_poller_registration_count(poller), 0);
  test_pair_close(pair);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(error_codes_translate) {
  (void)mode;
  CHECK_EQ(eve_error_from_os(0), EVE_OK);
  CHECK_EQ(eve_error_from_os(WSAECONNREFUSED), EVE_ECONNREFUSED);
  CHECK_EQ(eve_error_from_os(WSAECONNRESET), EVE_ECONNRESET);
  CHECK_EQ(eve_error_from_os(ERROR_BROKEN_PIPE), EVE_EPIPE);
  CHECK_EQ(eve_error_from_os(ERROR_PIPE_CONNECTED), EVE_OK);
  CHECK_EQ(eve_error_from_os(ERROR_OPERATION_ABORTED), EVE_ECANCELED);
  CHECK_EQ(eve_error_from_os(ERROR_HANDLE_EOF), EVE_EOF_);
  CHECK_EQ(eve_error_from_os(ERROR_INVALID_HANDLE), EVE_EBADF);
  CHECK_EQ(eve_error_from_os(WSAENOTSOCK), EVE_EBADF);
  CHECK_EQ(eve_error_from_os(ERROR_NOT_ENOUGH_MEMORY), EVE_ENOMEM);
  CHECK_EQ(eve_error_from_os(WSAEWOULDBLOCK), EVE_EAGAIN);
  CHECK_EQ(eve_error_from_os(ERROR_IO_PENDING), EVE_EPENDING);
  CHECK_EQ(eve_error_from_os(WSAEINPROGRESS), EVE_EPENDING);
  CHECK_EQ(eve_error_from_os(WSAEADDRINUSE), EVE_EADDRINUSE);
  CHECK_EQ(eve_error_from_os(ERROR_ACCESS_DENIED), EVE_EACCES);
  CHECK_EQ(eve_error_from_os(123456), EVE_EUNKNOWN);
}
/* A socket closed while registered reads as that socket's error (Windows'
 * POLLNVAL), not as a failure of every wait; unregistering it still works. */
TEST_IMPL(socket_closed_while_registered_is_error) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 2));
  test_close(pair.a);
  eve_native_event_t events[4];
  int n = eve_poller_wait(poller, events, 4, -1);
  CHECK(n >= 1);
  bool closed_seen = false;
  for (int i = 0; i < n; i++)
    if (events[i].data.u64 == 1) closed_seen = (events[i].events & EVE_EV_ERR) != 0;
  CHECK(closed_seen);
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.a)));
  /* The other registration is untouched: its peer's close is news to it. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 1);
  CHECK_EQ(events[0].data.u64, 2);
  CHECK(eve_poller_translate(&events[0]).ready & (EVE_READY_HANGUP | EVE_READY_READABLE));
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.b)));
  test_close(pair.b);
  CHECK_OK(eve_poller_dispose(poller));
}

/* The header's rule for a socket closed while registered, when a new
 * socket takes its value: register() refuses the newcomer with EVE_EEXIST
 * until the stale entry is unregistered, and after that the newcomer is
 * watched like any other socket. Windows hands a freed value out again at
 * once (Wine too); the test gives up only if 64 sockets never reuse it. */
TEST_IMPL(reused_value_refused_until_unregistered) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t old = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(old.a), EVE_INTEREST_READ, 1));
  test_socket_t stale_socket = old.a;
  eve_handle_t stale = test_handle(old.a);
  test_close(old.a);
  test_pair_t pairs[64];
  size_t opened = 0, reuse = SIZE_MAX;
  while (opened < 64 && reuse == SIZE_MAX) {
    pairs[opened] = test_pair_open();
    if (pairs[opened].a == stale_socket) reuse = opened;
    opened++;
  }
  CHECK(reuse != SIZE_MAX);
  test_pair_t fresh = pairs[reuse];
  CHECK_EQ(eve_poller_register(poller, test_handle(fresh.a), EVE_INTEREST_READ, 2), EVE_EEXIST);
  CHECK_OK(eve_poller_unregister(poller, stale));
  CHECK_OK(eve_poller_register(poller, test_handle(fresh.a), EVE_INTEREST_READ, 2));
  test_send_all(fresh.b, "x", 1);
  CHECK(test_expect_ready(poller, 2) & EVE_READY_READABLE);
  CHECK_OK(eve_poller_unregister(poller, test_handle(fresh.a)));
  for (size_t i = 0; i < opened; i++) test_pair_close(pairs[i]);
  test_close(old.b);
  CHECK_OK(eve_poller_dispose(poller));
}
#endif
