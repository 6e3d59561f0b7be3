/* The OS half of the test helpers: the only test file that knows whether it
 * runs on Winsock or on POSIX sockets. */
#include "sockets.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "poller_int.h"
#include "test.h"

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#endif

/* Bounds the retry loops below: long enough for a slow Wine prefix, short
 * enough that a broken helper fails well inside ctest's 60 s. */
#define TEST_RETRY_LIMIT 5000

#ifdef _WIN32
#define TEST_INVALID_SOCKET INVALID_SOCKET
static bool would_block(void) { return WSAGetLastError() == WSAEWOULDBLOCK; }
static bool connect_in_progress(void) { return WSAGetLastError() == WSAEWOULDBLOCK; }
#else
#define TEST_INVALID_SOCKET (-1)
static bool would_block(void) { return errno == EAGAIN || errno == EWOULDBLOCK; }
static bool connect_in_progress(void) { return errno == EINPROGRESS; }
#endif

void test_sockets_init(void) {
#ifdef _WIN32
  WSADATA data;
  CHECK_EQ(WSAStartup(MAKEWORD(2, 2), &data), 0);
#endif
}

void test_sockets_cleanup(void) {
#ifdef _WIN32
  WSACleanup();
#endif
}

eve_handle_t test_handle(test_socket_t s) {
#ifdef _WIN32
  return eve_handle_from_raw((uintptr_t)s);
#else
  return eve_handle_from_fd(s);
#endif
}

static void set_nonblocking(test_socket_t s) {
#ifdef _WIN32
  u_long on = 1;
  CHECK_EQ(ioctlsocket(s, FIONBIO, &on), 0);
#else
  int flags = fcntl(s, F_GETFL);
  CHECK(flags >= 0);
  CHECK_EQ(fcntl(s, F_SETFL, flags | O_NONBLOCK), 0);
#endif
}

static struct sockaddr_in loopback(uint16_t port) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

test_socket_t test_socket_open(void) {
  test_socket_t s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  CHECK(s != TEST_INVALID_SOCKET);
  set_nonblocking(s);
  return s;
}

/* Binds to 127.0.0.1 at a port the OS picks and returns that port. */
static uint16_t bind_any_port(test_socket_t s) {
  struct sockaddr_in addr = loopback(0);
  CHECK_EQ(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
  socklen_t len = sizeof addr;
  CHECK_EQ(getsockname(s, (struct sockaddr *)&addr, &len), 0);
  return ntohs(addr.sin_port);
}

test_socket_t test_listener_open(uint16_t *port) {
  test_socket_t s = test_socket_open();
  *port = bind_any_port(s);
  CHECK_EQ(listen(s, SOMAXCONN), 0);
  return s;
}

test_socket_t test_accept(test_socket_t listener) {
  /* The handshake can finish a moment after the connecting side saw it
   * finish, so an empty queue is retried for a bounded while. */
  for (int i = 0; i < TEST_RETRY_LIMIT; i++) {
    test_socket_t s = accept(listener, NULL, NULL);
    if (s != TEST_INVALID_SOCKET) {
      set_nonblocking(s);
      return s;
    }
    CHECK(would_block());
    test_sleep_ms(1);
  }
  CHECK(!"no connection to accept");
  return TEST_INVALID_SOCKET;
}

test_socket_t test_connect_start(uint16_t port) {
  test_socket_t s = test_socket_open();
  struct sockaddr_in addr = loopback(port);
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
    CHECK(connect_in_progress());
  }
  return s;
}

void test_pairs_open(test_pair_t *pairs, size_t count) {
  uint16_t port;
  test_socket_t listener = test_listener_open(&port);
  for (size_t i = 0; i < count; i++) {
    pairs[i].a = test_connect_start(port);
    pairs[i].b = test_accept(listener);
  }
  test_close(listener);
}

test_pair_t test_pair_open(void) {
  test_pair_t pair;
  test_pairs_open(&pair, 1);
  return pair;
}

void test_pair_close(test_pair_t pair) {
  test_close(pair.a);
  test_close(pair.b);
}

uint16_t test_refused_port(test_socket_t *holder) {
  *holder = test_socket_open();
  return bind_any_port(*holder);
}

long test_send(test_socket_t s, const void *buf, size_t len) {
#ifdef _WIN32
  return send(s, (const char *)buf, (int)len, 0);
#else
  return (long)send(s, buf, len, MSG_NOSIGNAL);
#endif
}

long test_recv(test_socket_t s, void *buf, size_t len) {
#ifdef _WIN32
  return recv(s, (char *)buf, (int)len, 0);
#else
  return (long)recv(s, buf, len, 0);
#endif
}

long test_recv_wait(test_socket_t s, void *buf, size_t len) {
  long n = -1;
  for (int i = 0; i < TEST_RETRY_LIMIT; i++) {
    n = test_recv(s, buf, len);
    if (n >= 0 || !would_block()) return n;
    test_sleep_ms(1);
  }
  return n;
}

test_socket_t test_udp_open(uint16_t *port) {
  test_socket_t s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  CHECK(s != TEST_INVALID_SOCKET);
  set_nonblocking(s);
  *port = bind_any_port(s);
  return s;
}

void test_udp_connect(test_socket_t s, uint16_t port) {
  struct sockaddr_in addr = loopback(port);
  CHECK_EQ(connect(s, (struct sockaddr *)&addr, sizeof addr), 0);
}

void test_udp_send_to(test_socket_t s, uint16_t port, const void *buf, size_t len) {
  struct sockaddr_in addr = loopback(port);
#ifdef _WIN32
  CHECK_EQ(sendto(s, (const char *)buf, (int)len, 0, (struct sockaddr *)&addr, sizeof addr),
           (long)len);
#else
  CHECK_EQ(sendto(s, buf, len, 0, (struct sockaddr *)&addr, sizeof addr), (long)len);
#endif
}

void test_send_all(test_socket_t s, const void *buf, size_t len) {
  CHECK_EQ(test_send(s, buf, len), (long)len);
}

size_t test_drain(test_socket_t s) {
  char buf[4096];
  size_t total = 0;
  for (;;) {
    long n = test_recv(s, buf, sizeof buf);
    if (n <= 0) return total;
    total += (size_t)n;
  }
}

void test_close(test_socket_t s) {
#ifdef _WIN32
  CHECK_EQ(closesocket(s), 0);
#else
  CHECK_EQ(close(s), 0);
#endif
}

void test_shutdown_write(test_socket_t s) {
#ifdef _WIN32
  CHECK_EQ(shutdown(s, SD_SEND), 0);
#else
  CHECK_EQ(shutdown(s, SHUT_WR), 0);
#endif
}

void test_set_linger_zero(test_socket_t s) {
  struct linger linger = {1, 0};
  CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&linger, sizeof linger), 0);
}

#ifdef _WIN32
/* Handle values are multiples of 4, and Wine hands out the lowest free
 * slot, so the few hundred a test holds sit far below this bound. */
#define HANDLE_VALUE_LIMIT 0x10000u

static long count_own_handles(void) {
  long count = 0;
  DWORD flags;
  for (uintptr_t value = 4; value < HANDLE_VALUE_LIMIT; value += 4) {
    if (GetHandleInformation((HANDLE)value, &flags)) count++;
  }
  return count;
}
#endif

long test_open_handle_count(void) {
#ifdef _WIN32
  /* Wine 8's GetProcessHandleCount is a stub that reports 0, which no real
   * Windows process can (it always holds handles). Under Wine the handle
   * values are probed one by one instead; its system handle table
   * (NtQuerySystemInformation) was tried and crashed wineserver when other
   * Wine processes started and exited meanwhile. */
  DWORD count = 0;
  CHECK(GetProcessHandleCount(GetCurrentProcess(), &count));
  if (count > 0) return (long)count;
  return count_own_handles();
#else
  /* The directory stream's own fd is counted too, the same each time. */
  DIR *dir = opendir("/proc/self/fd");
  CHECK(dir != NULL);
  long count = 0;
  for (struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
    if (entry->d_name[0] != '.') count++;
  }
  closedir(dir);
  return count;
#endif
}

void test_sleep_ms(unsigned ms) {
#ifdef _WIN32
  Sleep(ms);
#else
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
#endif
}

uint64_t test_now_us(void) {
#ifdef _WIN32
  static LARGE_INTEGER frequency;
  if (frequency.QuadPart == 0) QueryPerformanceFrequency(&frequency);
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  return (uint64_t)(now.QuadPart / frequency.QuadPart) * 1000000u +
         (uint64_t)(now.QuadPart % frequency.QuadPart) * 1000000u / (uint64_t)frequency.QuadPart;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
#endif
}

struct test_thread {
  void (*fn)(void *arg);
  void *arg;
#ifdef _WIN32
  HANDLE handle;
#else
  pthread_t id;
#endif
};

#ifdef _WIN32
static DWORD WINAPI thread_main(LPVOID param) {
  test_thread_t *thread = param;
  thread->fn(thread->arg);
  return 0;
}
#else
static void *thread_main(void *param) {
  test_thread_t *thread = param;
  thread->fn(thread->arg);
  return NULL;
}
#endif

test_thread_t *test_thread_start(void (*fn)(void *arg), void *arg) {
  test_thread_t *thread = calloc(1, sizeof *thread);
  CHECK(thread != NULL);
  thread->fn = fn;
  thread->arg = arg;
#ifdef _WIN32
  thread->handle = CreateThread(NULL, 0, thread_main, thread, 0, NULL);
  CHECK(thread->handle != NULL);
#else
  CHECK_EQ(pthread_create(&thread->id, NULL, thread_main, thread), 0);
#endif
  return thread;
}

void test_thread_join(test_thread_t *thread) {
#ifdef _WIN32
  CHECK_EQ(WaitForSingleObject(thread->handle, INFINITE), WAIT_OBJECT_0);
  CloseHandle(thread->handle);
#else
  CHECK_EQ(pthread_join(thread->id, NULL), 0);
#endif
  free(thread);
}

struct test_stray {
  eve_poller_t *poller;
  _Atomic bool stop;
  test_thread_t *thread;
#ifndef _WIN32
  pthread_t target;
#endif
};

#ifndef _WIN32
static void stray_signal(int signo) { (void)signo; }
#endif

static void stray_main(void *arg) {
  test_stray_t *stray = arg;
  while (!atomic_load(&stray->stop)) {
#ifdef _WIN32
    PostQueuedCompletionStatus((HANDLE)eve_poller_handle(stray->poller).raw, 0,
                               (ULONG_PTR)EVE__KEY_TIMER, NULL);
    Sleep(1);
#else
    pthread_kill(stray->target, SIGUSR1);
    struct timespec ts = {0, 200000L};
    nanosleep(&ts, NULL);
#endif
  }
}

test_stray_t *test_stray_start(eve_poller_t *poller) {
  test_stray_t *stray = calloc(1, sizeof *stray);
  CHECK(stray != NULL);
  stray->poller = poller;
#ifndef _WIN32
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = stray_signal; /* no SA_RESTART: epoll_wait sees EINTR */
  CHECK_EQ(sigaction(SIGUSR1, &action, NULL), 0);
  stray->target = pthread_self();
#endif
  stray->thread = test_thread_start(stray_main, stray);
  return stray;
}

void test_stray_stop(test_stray_t *stray) {
  atomic_store(&stray->stop, true);
  test_thread_join(stray->thread);
  free(stray);
}

test_socket_t test_socket_move_lowest(test_socket_t s) {
#ifdef _WIN32
  return s;
#else
  CHECK_EQ(dup2(s, 0), 0);
  test_close(s);
  return 0;
#endif
}
