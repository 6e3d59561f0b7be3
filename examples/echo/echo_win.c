/* echo_os.h on Windows: Winsock and Win32 threads. socket() creates
 * overlapped-capable sockets, which eve's overlapped mode watches. */
#include <winsock2.h>
#include <windows.h>
#include <stdlib.h>

#include "echo_os.h"

int echo_os_init(void) {
  WSADATA wsa;
  return WSAStartup(MAKEWORD(2, 2), &wsa) == 0 ? 0 : -1;
}

static eve_handle_t invalid(void) { return eve_handle_from_raw(EVE_HANDLE_INVALID_RAW); }

eve_handle_t echo_listen(unsigned short port, unsigned short *bound) {
  struct sockaddr_in a = {0};
  int len = sizeof a;
  u_long on = 1;
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return invalid();
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0 ||
      ioctlsocket(s, FIONBIO, &on) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
    closesocket(s);
    return invalid();
  }
  *bound = ntohs(a.sin_port);
  return eve_handle_from_raw((uintptr_t)s);
}

eve_handle_t echo_accept(eve_handle_t listener) {
  u_long on = 1;
  SOCKET s = accept((SOCKET)listener.raw, NULL, NULL);
  if (s == INVALID_SOCKET) return invalid();
  if (ioctlsocket(s, FIONBIO, &on) != 0) {
    closesocket(s);
    return invalid();
  }
  return eve_handle_from_raw((uintptr_t)s);
}

static long result(int n) {
  if (n != SOCKET_ERROR) return n;
  return WSAGetLastError() == WSAEWOULDBLOCK ? ECHO_WOULD_BLOCK : ECHO_FAILED;
}

long echo_recv(eve_handle_t sock, char *buf, size_t len) {
  return result(recv((SOCKET)sock.raw, buf, (int)len, 0));
}

long echo_send(eve_handle_t sock, const char *buf, size_t len) {
  return result(send((SOCKET)sock.raw, buf, (int)len, 0));
}

void echo_close(eve_handle_t sock) { closesocket((SOCKET)sock.raw); }

typedef struct start {
  void (*fn)(void *);
  void *arg;
} start_t;

static DWORD WINAPI trampoline(LPVOID p) {
  start_t s = *(start_t *)p;
  free(p);
  s.fn(s.arg);
  return 0;
}

int echo_thread_start(echo_thread_t *thread, void (*fn)(void *), void *arg) {
  start_t *s = malloc(sizeof *s);
  if (!s) return -1;
  s->fn = fn;
  s->arg = arg;
  HANDLE h = CreateThread(NULL, 0, trampoline, s, 0, NULL);
  if (!h) {
    free(s);
    return -1;
  }
  thread->os = (uintptr_t)h;
  return 0;
}

void echo_thread_join(echo_thread_t *thread) {
  WaitForSingleObject((HANDLE)thread->os, INFINITE);
  CloseHandle((HANDLE)thread->os);
}

void echo_sleep_ms(unsigned ms) { Sleep(ms); }
