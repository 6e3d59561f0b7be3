/* Sockets, threads and handle counts for the contract tests, one shape on
 * both OSes. Every socket here is TCP over 127.0.0.1 and non-blocking; a
 * helper that cannot do its job fails the test (CHECK) rather than return
 * an error the test would have to look at. */
#ifndef EVE_TEST_SOCKETS_H_
#define EVE_TEST_SOCKETS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eve/eve_poller.h>

#ifdef _WIN32
typedef SOCKET test_socket_t;
#else
typedef int test_socket_t;
#endif

/* WSAStartup on Windows; nothing on Linux. The runner calls these. */
void test_sockets_init(void);
void test_sockets_cleanup(void);

eve_handle_t test_handle(test_socket_t s);

/* A fresh TCP socket, neither bound nor connected. */
test_socket_t test_socket_open(void);

/* Both ends of one accepted loopback connection. */
typedef struct test_pair {
  test_socket_t a; /* the connecting end */
  test_socket_t b; /* the accepted end */
} test_pair_t;

test_pair_t test_pair_open(void);
/* Many pairs through one listener: fewer sockets for the OS to create and
 * tear down than one listener per pair (Wine's server pays for each). */
void test_pairs_open(test_pair_t *pairs, size_t count);
void test_pair_close(test_pair_t pair);

/* Listens on 127.0.0.1 at a port the OS picked; *port receives it. */
test_socket_t test_listener_open(uint16_t *port);
/* Takes a pending connection from a listener; CHECKs there was one. */
test_socket_t test_accept(test_socket_t listener);

/* Starts a non-blocking connect to 127.0.0.1:port; it is usually still in
 * progress when this returns. */
test_socket_t test_connect_start(uint16_t port);

/* A port on 127.0.0.1 where a connect is refused: a socket is bound to it
 * but does not listen, which also keeps anyone else from listening there
 * while the test runs. Close *holder afterwards. */
uint16_t test_refused_port(test_socket_t *holder);

/* Bytes moved, 0 at end of stream, -1 on error or would-block. */
long test_send(test_socket_t s, const void *buf, size_t len);
long test_recv(test_socket_t s, void *buf, size_t len);
/* recv, retried (1 ms apart, bounded) while it would block: for datagrams
 * that are on their way. Returns what recv last returned. */
long test_recv_wait(test_socket_t s, void *buf, size_t len);

/* A non-blocking UDP socket bound to 127.0.0.1 at a port the OS picked. */
test_socket_t test_udp_open(uint16_t *port);
/* Connects a UDP socket to 127.0.0.1:port (sets its only peer). */
void test_udp_connect(test_socket_t s, uint16_t port);
/* Sends one datagram to 127.0.0.1:port from an unconnected socket. */
void test_udp_send_to(test_socket_t s, uint16_t port, const void *buf, size_t len);
/* Sends all of a short message; CHECKs it went out. */
void test_send_all(test_socket_t s, const void *buf, size_t len);
/* Reads whatever has arrived until the socket would block; returns the
 * byte count (the end of the stream stops it too). */
size_t test_drain(test_socket_t s);

void test_close(test_socket_t s);
/* Moves a socket to the lowest handle value the OS hands out and returns
 * it there: descriptor 0 on Linux (stdin, which the tests never read, is
 * closed for it). A daemon that closed its standard streams gets sockets
 * at 0, 1 and 2. Windows has no such numbering (a SOCKET is an opaque
 * kernel handle, never 0): the socket is returned as it is. */
test_socket_t test_socket_move_lowest(test_socket_t s);
void test_shutdown_write(test_socket_t s);
/* SO_LINGER 0: the next close sends a reset instead of a FIN. */
void test_set_linger_zero(test_socket_t s);

/* The OS objects this process holds: fds in /proc/self/fd on Linux,
 * GetProcessHandleCount on Windows. */
long test_open_handle_count(void);

void test_sleep_ms(unsigned ms);
/* A precise monotonic clock (CLOCK_MONOTONIC, QueryPerformanceCounter), in
 * microseconds: what a test measures a wait's length with. */
uint64_t test_now_us(void);

/* A thread running fn(arg); join waits for it and frees it. */
typedef struct test_thread test_thread_t;
test_thread_t *test_thread_start(void (*fn)(void *arg), void *arg);
void test_thread_join(test_thread_t *thread);

/* Disturbs the calling thread's waits on `poller` about every millisecond
 * without giving them anything to report: on Windows, packets under the
 * reserved timer key, which a wait takes and ignores (as it does a stale
 * helper packet); on Linux, signals without SA_RESTART, which interrupt
 * epoll_wait with EINTR. */
typedef struct test_stray test_stray_t;
test_stray_t *test_stray_start(eve_poller_t *poller);
void test_stray_stop(test_stray_t *stray);

#endif /* EVE_TEST_SOCKETS_H_ */
