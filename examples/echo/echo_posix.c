/* echo_os.h on POSIX: BSD sockets and pthreads. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "echo_os.h"

int echo_os_init(void) { return 0; }

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

eve_handle_t echo_listen(unsigned short port, unsigned short *bound) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return eve_handle_from_raw(EVE_HANDLE_INVALID_RAW);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
      set_nonblocking(fd) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    close(fd);
    return eve_handle_from_raw(EVE_HANDLE_INVALID_RAW);
  }
  *bound = ntohs(a.sin_port);
  return eve_handle_from_fd(fd);
}

eve_handle_t echo_accept(eve_handle_t listener) {
  int fd = accept((int)listener.raw, NULL, NULL);
  if (fd >= 0 && set_nonblocking(fd) != 0) {
    close(fd);
    fd = -1;
  }
  return fd < 0 ? eve_handle_from_raw(EVE_HANDLE_INVALID_RAW) : eve_handle_from_fd(fd);
}

static long result(ssize_t n) {
  if (n >= 0) return (long)n;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? ECHO_WOULD_BLOCK : ECHO_FAILED;
}

long echo_recv(eve_handle_t sock, char *buf, size_t len) {
  return result(recv((int)sock.raw, buf, len, 0));
}

long echo_send(eve_handle_t sock, const char *buf, size_t len) {
  return result(send((int)sock.raw, buf, len, MSG_NOSIGNAL));
}

void echo_close(eve_handle_t sock) { close((int)sock.raw); }

typedef struct start {
  void (*fn)(void *);
  void *arg;
} start_t;

static void *trampoline(void *p) {
  start_t s = *(start_t *)p;
  free(p);
  s.fn(s.arg);
  return NULL;
}

int echo_thread_start(echo_thread_t *thread, void (*fn)(void *), void *arg) {
  start_t *s = malloc(sizeof *s);
  pthread_t t;
  if (!s) return -1;
  s->fn = fn;
  s->arg = arg;
  if (pthread_create(&t, NULL, trampoline, s) != 0) {
    free(s);
    return -1;
  }
  thread->os = (uintptr_t)t;
  return 0;
}

void echo_thread_join(echo_thread_t *thread) { pthread_join((pthread_t)thread->os, NULL); }

void echo_sleep_ms(unsigned ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}
