/* The Windows baseline for `make bench`: the smallest honest WSAPoll server,
 * one thread, keep-alive, answering every request head with the same bytes.
 * eved.exe under Wine is measured against it in the same run.
 *
 *   wsapoll_loop PORT BODY_FILE
 *
 * It is deliberately plain: a fixed table, one recv and at most one send per
 * readable event, no parser beyond finding the blank line that ends a head.
 * That is what a hand-written loop costs; eved must do at least as well. */
#include <winsock2.h>
#include <ws2tcpip.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS 12000
#define IN_SIZE 4096

typedef struct client {
  char in[IN_SIZE];
  size_t in_len;
} client_t;

static WSAPOLLFD fds[MAX_CLIENTS + 1];
static client_t *clients[MAX_CLIENTS + 1];
static char response[8192];
static size_t response_len;

static int load_response(const char *path) {
  static char body[6144];
  FILE *file = fopen(path, "rb");
  if (file == NULL) return -1;
  size_t len = fread(body, 1, sizeof body, file);
  fclose(file);
  int n = snprintf(response, sizeof response,
                   "HTTP/1.1 200 OK\r\nServer: wsapoll-loop\r\nContent-Type: application/json\r\n"
                   "Content-Length: %zu\r\n\r\n",
                   len);
  if (n < 0 || (size_t)n + len > sizeof response) return -1;
  memcpy(response + n, body, len);
  response_len = (size_t)n + len;
  return 0;
}

static SOCKET listen_on(unsigned short port) {
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return s;
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  u_long on = 1;
  if (bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, SOMAXCONN) != 0 ||
      ioctlsocket(s, FIONBIO, &on) != 0) {
    closesocket(s);
    return INVALID_SOCKET;
  }
  return s;
}

static void drop(ULONG *count, ULONG i) {
  closesocket(fds[i].fd);
  free(clients[i]);
  (*count)--;
  fds[i] = fds[*count];
  clients[i] = clients[*count];
}

/* Answers every complete head in the buffer; false when the client is gone. */
static int serve(client_t *client, SOCKET s) {
  int got = recv(s, client->in + client->in_len, (int)(IN_SIZE - client->in_len), 0);
  if (got <= 0) return 0;
  client->in_len += (size_t)got;
  for (;;) {
    char *end = NULL;
    for (size_t i = 3; i < client->in_len; i++) {
      if (memcmp(client->in + i - 3, "\r\n\r\n", 4) == 0) {
        end = client->in + i + 1;
        break;
      }
    }
    if (end == NULL) return client->in_len < IN_SIZE;
    if (send(s, response, (int)response_len, 0) != (int)response_len) return 0;
    size_t used = (size_t)(end - client->in);
    memmove(client->in, end, client->in_len - used);
    client->in_len -= used;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: wsapoll_loop PORT BODY_FILE\n");
    return 2;
  }
  WSADATA data;
  if (WSAStartup(MAKEWORD(2, 2), &data) != 0 || load_response(argv[2]) != 0) return 1;
  SOCKET listener = listen_on((unsigned short)atoi(argv[1]));
  if (listener == INVALID_SOCKET) return 1;
  fds[0].fd = listener;
  fds[0].events = POLLRDNORM;
  ULONG count = 1;
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    if (WSAPoll(fds, count, -1) < 0) return 1;
    if (fds[0].revents & POLLRDNORM) {
      SOCKET s;
      while (count <= MAX_CLIENTS && (s = accept(listener, NULL, NULL)) != INVALID_SOCKET) {
        u_long on = 1;
        ioctlsocket(s, FIONBIO, &on);
        clients[count] = calloc(1, sizeof(client_t));
        fds[count].fd = s;
        fds[count].events = POLLRDNORM;
        fds[count].revents = 0;
        count++;
      }
    }
    for (ULONG i = count; i-- > 1;) {
      if (fds[i].revents == 0) continue;
      if (!serve(clients[i], fds[i].fd)) drop(&count, i);
    }
  }
}
