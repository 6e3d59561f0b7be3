/* The little of the OS the echo example needs besides eve: a listening
 * socket, accept, recv and send on non-blocking sockets, and a thread.
 * echo_posix.c and echo_win.c implement it; echo.c is the same on both. */
#ifndef ECHO_OS_H_
#define ECHO_OS_H_

#include <stddef.h>
#include <stdint.h>

#include <eve/eve_poller.h>

/* recv/send results besides a byte count. */
#define ECHO_WOULD_BLOCK (-1)
#define ECHO_FAILED (-2)

/* Winsock on Windows; nothing elsewhere. 0 on success. */
int echo_os_init(void);
/* A non-blocking listening socket on 127.0.0.1:port (0 picks one; *bound
 * says which). An invalid handle on failure. */
eve_handle_t echo_listen(unsigned short port, unsigned short *bound);
/* An accepted, non-blocking socket, or an invalid handle when none waits. */
eve_handle_t echo_accept(eve_handle_t listener);
/* Bytes moved, 0 for end of stream (recv), ECHO_WOULD_BLOCK or ECHO_FAILED. */
long echo_recv(eve_handle_t sock, char *buf, size_t len);
long echo_send(eve_handle_t sock, const char *buf, size_t len);
void echo_close(eve_handle_t sock);

/* Runs fn(arg) on a new thread; echo_thread_join waits for it. */
typedef struct echo_thread {
  uintptr_t os;
} echo_thread_t;
int echo_thread_start(echo_thread_t *thread, void (*fn)(void *), void *arg);
void echo_thread_join(echo_thread_t *thread);
void echo_sleep_ms(unsigned ms);

#endif /* ECHO_OS_H_ */
