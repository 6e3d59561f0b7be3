/* A TCP echo server on eve, written as a program outside eve's tree would
 * be: it knows only the installed package (<eve/eve_poller.h>, found with
 * find_package(eve) or pkg-config eve).
 *
 *   echo [PORT]     listens on 127.0.0.1:PORT (default 0: any free port)
 *
 * It prints "listening on N", then echoes every byte a client sends, with
 * two lines of its own: "wakeups?" is answered "wakeups N" (the wake-ups
 * the loop has consumed, from eve_poller_stats: a second thread posts one
 * with eve_poller_post_wakeup shortly after start, as a worker thread
 * hands a result to its loop), and "quit" is answered "bye" and ends the
 * server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eve/eve_poller.h>
#include <eve/eve_version.h>

#include "echo_os.h"

#define MAX_CLIENTS 64
#define LISTENER_ID 0u

typedef struct echo_server {
  eve_poller_t *poller;
  eve_handle_t listener;
  eve_handle_t clients[MAX_CLIENTS]; /* slot i has user data i + 1 */
  int running;
} echo_server_t;

/* The second thread: what a worker does when it has news for the loop. */
static void post_one_wakeup(void *arg) {
  echo_sleep_ms(50);
  eve_poller_post_wakeup((eve_poller_t *)arg);
}

static void drop_client(echo_server_t *s, size_t slot) {
  eve_poller_unregister(s->poller, s->clients[slot]);
  echo_close(s->clients[slot]);
  s->clients[slot] = eve_handle_from_raw(EVE_HANDLE_INVALID_RAW);
}

static void accept_clients(echo_server_t *s) {
  for (;;) {
    eve_handle_t c = echo_accept(s->listener);
    if (!eve_handle_is_valid(c)) return;
    size_t slot = 0;
    while (slot < MAX_CLIENTS && eve_handle_is_valid(s->clients[slot])) slot++;
    if (slot == MAX_CLIENTS ||
        eve_poller_register(s->poller, c, EVE_INTEREST_READ, slot + 1) != EVE_OK) {
      echo_close(c);
      continue;
    }
    s->clients[slot] = c;
  }
}

/* The replies are a few bytes on a socket with an empty send buffer, so a
 * short send only happens to a client that stopped reading: it is dropped. */
static int reply(echo_server_t *s, size_t slot, const char *buf, size_t len) {
  if (echo_send(s->clients[slot], buf, len) == (long)len) return 0;
  drop_client(s, slot);
  return -1;
}

static void serve_client(echo_server_t *s, size_t slot) {
  char buf[4096];
  long n = echo_recv(s->clients[slot], buf, sizeof buf);
  if (n == ECHO_WOULD_BLOCK) return;
  if (n <= 0) {
    drop_client(s, slot);
    return;
  }
  if (n == 9 && memcmp(buf, "wakeups?\n", 9) == 0) {
    eve_poller_stats_t stats;
    eve_poller_stats(s->poller, &stats);
    char line[48];
    int len = snprintf(line, sizeof line, "wakeups %llu\n", (unsigned long long)stats.wakeups);
    reply(s, slot, line, (size_t)len);
  } else if (n == 5 && memcmp(buf, "quit\n", 5) == 0) {
    if (reply(s, slot, "bye\n", 4) == 0) drop_client(s, slot);
    s->running = 0;
  } else {
    reply(s, slot, buf, (size_t)n);
  }
}

static int run(echo_server_t *s) {
  eve_native_event_t events[16];
  while (s->running) {
    int n = eve_poller_wait(s->poller, events, 16, -1);
    if (n < 0) {
      fprintf(stderr, "echo: wait: %s\n", eve_strerror(n));
      return 1;
    }
    for (int i = 0; i < n; i++) {
      eve_os_event_t ev = eve_poller_translate(&events[i]);
      if (ev.user_data == LISTENER_ID) {
        accept_clients(s);
      } else if (ev.user_data <= MAX_CLIENTS &&
                 eve_handle_is_valid(s->clients[ev.user_data - 1])) {
        serve_client(s, (size_t)(ev.user_data - 1));
      }
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  unsigned short port = argc > 1 ? (unsigned short)atoi(argv[1]) : 0;
  echo_server_t s = {.running = 1};
  for (size_t i = 0; i < MAX_CLIENTS; i++) s.clients[i] = eve_handle_from_raw(EVE_HANDLE_INVALID_RAW);
  if (echo_os_init() != 0) return 1;
  s.listener = echo_listen(port, &port);
  if (!eve_handle_is_valid(s.listener)) {
    fprintf(stderr, "echo: cannot listen on 127.0.0.1:%u\n", (unsigned)port);
    return 1;
  }
  int rc = eve_poller_create(&s.poller, NULL);
  if (rc == EVE_OK) rc = eve_poller_register(s.poller, s.listener, EVE_INTEREST_READ, LISTENER_ID);
  if (rc != EVE_OK) {
    fprintf(stderr, "echo: %s\n", eve_strerror(rc));
    return 1;
  }
  printf("eve %d.%d.%d, backend %s: listening on %u\n", EVE_VERSION_MAJOR, EVE_VERSION_MINOR,
         EVE_VERSION_PATCH, eve_poller_backend_name(s.poller), (unsigned)port);
  fflush(stdout);

  echo_thread_t waker;
  if (echo_thread_start(&waker, post_one_wakeup, s.poller) != 0) return 1;
  rc = run(&s);
  echo_thread_join(&waker);
  for (size_t i = 0; i < MAX_CLIENTS; i++)
    if (eve_handle_is_valid(s.clients[i])) drop_client(&s, i);
  eve_poller_unregister(s.poller, s.listener);
  echo_close(s.listener);
  eve_poller_dispose(s.poller);
  return rc;
}
