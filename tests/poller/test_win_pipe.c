/* Windows: overlapped named-pipe operations completing through wait. */
#ifdef _WIN32
#include <string.h>

#include "sockets.h"
#include "test.h"
#include "test_win_util.h"

static void client_write(HANDLE client, const char *text) {
  DWORD done = 0;
  CHECK(WriteFile(client, text, (DWORD)strlen(text), &done, NULL));
  CHECK_EQ(done, strlen(text));
}

TEST_IMPL(pipe_connect_read_write_complete) {
  eve_poller_t *poller = test_poller(mode);
  eve_overlapped_pool_t *pool = eve_poller_overlapped_pool(poller);
  test_pipe_t pipe = test_pipe_create();
  test_pipe_connect(poller, &pipe);

  char in[32] = {0};
  eve_overlapped_entry_t *read = test_entry(poller, pipe.server, EVE_IO_READ, 2002);
  test_start_read(read, in, sizeof in);
  client_write(pipe.client, "hello");
  eve_native_event_t event = test_wait_completion(poller, read);
  CHECK_EQ(event.events, EVE_EV_IN);
  CHECK_EQ(event.data.u64, 2002);
  CHECK_EQ(read->status, 0);
  CHECK_EQ(read->bytes_transferred, 5);
  CHECK(memcmp(in, "hello", 5) == 0);
  eve_os_event_t os = eve_poller_translate(&event);
  CHECK_EQ(os.ready, EVE_READY_READABLE);
  CHECK(os.completion == read);
  eve_overlapped_pool_release(pool, read);

  static const char out[] = "world";
  eve_overlapped_entry_t *write = test_entry(poller, pipe.server, EVE_IO_WRITE, 3003);
  test_start_write(write, out, 5);
  event = test_wait_completion(poller, write);
  CHECK_EQ(event.events, EVE_EV_OUT);
  CHECK_EQ(write->status, 0);
  CHECK_EQ(write->bytes_transferred, 5);
  eve_overlapped_pool_release(pool, write);
  char got[8] = {0};
  DWORD done = 0;
  CHECK(ReadFile(pipe.client, got, 5, &done, NULL));
  CHECK_EQ(done, 5);
  CHECK(memcmp(got, "world", 5) == 0);

  CHECK_EQ(eve_overlapped_pool_active_count(pool), 0);
  /* Every completion was reported once: nothing is left over. */
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(pipe_broken_reports_error) {
  eve_poller_t *poller = test_poller(mode);
  test_pipe_t pipe = test_pipe_create();
  test_pipe_connect(poller, &pipe);
  char in[16];
  eve_overlapped_entry_t *read = test_entry(poller, pipe.server, EVE_IO_READ, 4004);
  test_start_read(read, in, sizeof in);
  CHECK(CloseHandle(pipe.client));
  pipe.client = NULL;
  eve_native_event_t event = test_wait_completion(poller, read);
  CHECK_EQ(event.events, EVE_EV_IN | EVE_EV_ERR);
  CHECK(read->status == EVE_EPIPE || read->status == EVE_EOF_);
  CHECK_EQ(read->bytes_transferred, 0);
  CHECK(eve_poller_translate(&event).ready & EVE_READY_ERROR);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), read);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

typedef struct writer {
  eve_poller_t *poller;
  HANDLE client;          /* writes "ping" here, if set */
  test_socket_t socket;   /* else sends "ping" here */
  uint64_t waits_before;
} writer_t;

/* Acts once the loop thread has entered its blocking call (the waits
 * counter moved), so the wait is blocked, or about to be, when news comes. */
static void write_when_blocked(void *arg) {
  writer_t *w = arg;
  eve_poller_stats_t stats;
  for (int i = 0; i < 5000; i++) {
    eve_poller_stats(w->poller, &stats);
    if (stats.waits > w->waits_before) break;
    test_sleep_ms(1);
  }
  test_sleep_ms(50);
  if (w->client != NULL)
    client_write(w->client, "ping");
  else
    test_send_all(w->socket, "ping", 4);
}

static uint64_t waits_now(eve_poller_t *poller) {
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  return stats.waits;
}

TEST_IMPL(completion_ends_infinite_wait) {
  eve_poller_t *poller = test_poller(mode);
  test_pipe_t pipe = test_pipe_create();
  test_pipe_connect(poller, &pipe);
  char in[16];
  eve_overlapped_entry_t *read = test_entry(poller, pipe.server, EVE_IO_READ, 5005);
  test_start_read(read, in, sizeof in);
  writer_t w = {poller, pipe.client, 0, waits_now(poller)};
  test_thread_t *thread = test_thread_start(write_when_blocked, &w);
  eve_native_event_t events[4];
  int n = eve_poller_wait(poller, events, 4, -1);
  CHECK_EQ(n, 1);
  CHECK(events[0].completion == read);
  CHECK_EQ(read->bytes_transferred, 4);
  test_thread_join(thread);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), read);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Sockets registered, so the helper thread is in WSAPoll when the pipe
 * completes: the wait returns the completion, and the helper has let go
 * of the sockets by then (closing one right away is safe). */
TEST_IMPL(completion_ends_wait_watching_sockets) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 4242));
  test_pipe_t pipe = test_pipe_create();
  test_pipe_connect(poller, &pipe);
  char in[16];
  eve_overlapped_entry_t *read = test_entry(poller, pipe.server, EVE_IO_READ, 6006);
  test_start_read(read, in, sizeof in);
  writer_t w = {poller, pipe.client, 0, waits_now(poller) + 1};
  test_thread_t *thread = test_thread_start(write_when_blocked, &w);
  eve_native_event_t events[4];
  int n = eve_poller_wait(poller, events, 4, -1);
  CHECK_EQ(n, 1);
  CHECK(events[0].completion == read);
  test_thread_join(thread);
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.b)));
  test_pair_close(pair);
  /* The socket is gone; the next waits poll nothing stale. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  CHECK_EQ(eve_poller_wait(poller, events, 4, 1), 0);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), read);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

/* The other way round: an overlapped read pending, a socket gets data. */
TEST_IMPL(socket_ends_wait_with_io_pending) {
  eve_poller_t *poller = test_poller(mode);
  test_pair_t pair = test_pair_open();
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 4242));
  test_pipe_t pipe = test_pipe_create();
  test_pipe_connect(poller, &pipe);
  char in[16];
  eve_overlapped_entry_t *read = test_entry(poller, pipe.server, EVE_IO_READ, 7007);
  test_start_read(read, in, sizeof in);
  writer_t w = {poller, NULL, pair.a, waits_now(poller) + 1};
  test_thread_t *thread = test_thread_start(write_when_blocked, &w);
  eve_native_event_t events[4];
  int n = eve_poller_wait(poller, events, 4, -1);
  CHECK_EQ(n, 1);
  CHECK(events[0].completion == NULL);
  CHECK_EQ(events[0].data.u64, 4242);
  CHECK(events[0].events & EVE_EV_IN);
  test_thread_join(thread);
  /* Level-triggered: still readable until drained. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 1);
  CHECK_EQ(test_drain(pair.b), 4);
  /* Then the pipe read finishes it. */
  client_write(pipe.client, "pong");
  CHECK_EQ(test_wait_completion(poller, read).data.u64, 7007);
  CHECK_EQ(read->bytes_transferred, 4);
  eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), read);
  CHECK_OK(eve_poller_unregister(poller, test_handle(pair.b)));
  test_pair_close(pair);
  test_pipe_close(&pipe);
  CHECK_OK(eve_poller_dispose(poller));
}

/* Completions beyond the caller's array wait in the poller for the next
 * call; none is lost or reported twice. */
TEST_IMPL(completions_kept_when_events_full) {
  enum { PIPES = 4 };
  eve_poller_t *poller = test_poller(mode);
  test_pipe_t pipes[PIPES];
  eve_overlapped_entry_t *reads[PIPES];
  char in[PIPES][8];
  for (int i = 0; i < PIPES; i++) {
    pipes[i] = test_pipe_create();
    test_pipe_connect(poller, &pipes[i]);
    reads[i] = test_entry(poller, pipes[i].server, EVE_IO_READ, 100 + (uint64_t)i);
    test_start_read(reads[i], in[i], sizeof in[i]);
  }
  for (int i = 0; i < PIPES; i++) client_write(pipes[i].client, "data");
  /* Let the port gather them, so one wait takes several off it. */
  eve_poller_check_pending_iocp_events(poller);
  bool seen[PIPES] = {false};
  for (int got = 0; got < PIPES;) {
    eve_native_event_t event;
    int n = eve_poller_wait(poller, &event, 1, -1);
    if (n == 0) continue; /* not a completion; cannot happen more than PIPES times */
    CHECK_EQ(n, 1);
    int i = (int)(event.data.u64 - 100);
    CHECK(i >= 0 && i < PIPES);
    CHECK(event.completion == reads[i]);
    CHECK(!seen[i]);
    seen[i] = true;
    got++;
  }
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  for (int i = 0; i < PIPES; i++) {
    eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), reads[i]);
    test_pipe_close(&pipes[i]);
  }
  CHECK_OK(eve_poller_dispose(poller));
}

/* A burst of completions far beyond one batch of packets (64) and beyond
 * WSAPoll mode's watcher ring (256): every one is reported, once, with its
 * own byte count. Posted straight to the port, as a driver would. */
TEST_IMPL(completion_burst_all_reported_once) {
  enum { BURST = 1000 };
  eve_poller_t *poller = test_poller(mode);
  HANDLE port = (HANDLE)eve_poller_handle(poller).raw;
  static eve_overlapped_entry_t *entries[BURST];
  static bool seen[BURST];
  memset(seen, 0, sizeof seen);
  eve_native_event_t events[64];
  /* A first wait starts whatever takes packets off the port (WSAPoll
   * mode's watcher), and the pause lets it take all it can before the
   * loop takes any: its ring fills up. */
  CHECK_EQ(eve_poller_wait(poller, events, 64, 0), 0);
  for (int i = 0; i < BURST; i++) {
    entries[i] = test_entry(poller, NULL, EVE_IO_READ, 10000 + (uint64_t)i);
    entries[i]->overlapped.Internal = 0;
    CHECK(PostQueuedCompletionStatus(port, (DWORD)i, 0, &entries[i]->overlapped));
  }
  test_sleep_ms(300);
  for (int got = 0; got < BURST;) {
    int n = eve_poller_wait(poller, events, 64, -1);
    CHECK(n >= 0);
    for (int k = 0; k < n; k++) {
      int i = (int)(events[k].data.u64 - 10000);
      CHECK(i >= 0 && i < BURST);
      CHECK(events[k].completion == entries[i]);
      CHECK_EQ(entries[i]->bytes_transferred, i);
      CHECK(!seen[i]);
      seen[i] = true;
      got++;
    }
  }
  CHECK_EQ(eve_poller_wait(poller, events, 64, 0), 0);
  for (int i = 0; i < BURST; i++)
    eve_overlapped_pool_release(eve_poller_overlapped_pool(poller), entries[i]);
  CHECK_OK(eve_poller_dispose(poller));
}

TEST_IMPL(check_pending_takes_wakeup) {
  eve_poller_t *poller = test_poller(mode);
  for (int i = 0; i < 3; i++) CHECK(eve_poller_post_wakeup(poller));
  eve_poller_check_pending_iocp_events(poller);
  /* The packet left the port, so a new post must post again. */
  CHECK(eve_poller_post_wakeup(poller));
  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.wakeups_posted, 2);
  CHECK_EQ(stats.wakeups, 0);
  eve_native_event_t events[4];
  /* An infinite wait returns at once: the taken wake-up is reported. */
  CHECK_EQ(eve_poller_wait(poller, events, 4, -1), 0);
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.wakeups, 1);
  CHECK_EQ(eve_poller_wait(poller, events, 4, 0), 0);
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.wakeups, 1);
  CHECK_OK(eve_poller_dispose(poller));
}

/* One poller's life with everything outstanding at dispose: registrations,
 * the helper thread started, a ConnectNamedPipe and a ReadFile pending. */
static void busy_life(eve_poller_mode_t mode, test_pair_t pair) {
  eve_poller_t *poller = test_poller(mode);
  CHECK_OK(eve_poller_register(poller, test_handle(pair.a), EVE_INTEREST_READ, 1));
  CHECK_OK(eve_poller_register(poller, test_handle(pair.b), EVE_INTEREST_READ, 2));
  eve_native_event_t events[4];
  CHECK_EQ(eve_poller_wait(poller, events, 4, 1), 0);

  test_pipe_t waiting = test_pipe_create();
  CHECK_OK(eve_poller_register(poller, eve_handle_from_raw((uintptr_t)waiting.server),
                               EVE_INTEREST_READ, 3));
  eve_overlapped_entry_t *connect = test_entry(poller, waiting.server, EVE_IO_CONNECT, 3);
  CHECK(!ConnectNamedPipe(waiting.server, &connect->overlapped));
  CHECK_EQ(GetLastError(), ERROR_IO_PENDING);

  test_pipe_t reading = test_pipe_create();
  test_pipe_connect(poller, &reading);
  static char in[16];
  test_start_read(test_entry(poller, reading.server, EVE_IO_READ, 4), in, sizeof in);

  eve_poller_stats_t stats;
  eve_poller_stats(poller, &stats);
  CHECK_EQ(stats.overlapped_active, 2);
  CHECK_EQ(stats.registrations, 3);
  CHECK_EQ(eve_poller_overlapped_count(poller), 1);
  CHECK_OK(eve_poller_dispose(poller));
  /* The handles stay the caller's and still work. */
  client_write(reading.client, "late");
  test_pipe_close(&reading);
  test_pipe_close(&waiting);
}

TEST_IMPL(dispose_with_pending_io_leaks_nothing) {
  test_pair_t pair = test_pair_open();
  /* The first life lets Winsock and Wine make what they keep per process. */
  busy_life(mode, pair);
  long before = test_open_handle_count();
  for (int i = 0; i < 3; i++) busy_life(mode, pair);
  CHECK_EQ(test_open_handle_count(), before);
  test_pair_close(pair);
}
#endif
