/* libFuzzer target: one client connection's bytes through eved's real
 * connection state machine (conn.c, http.c, router.c, response.c) over the
 * in-memory transport of fake_net.c, with the events a level-triggered
 * poller would deliver. The first three input bytes shape the run (how
 * the input arrives, how fast the client reads, which bounds are small,
 * how the client leaves); the rest is what the client sends. Beyond the
 * sanitizers' checks, what eved sent must be whole HTTP/1.1 responses,
 * none after one that says Connection: close, and the counters must agree
 * with each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "fake_net.h"
#include "fuzz_server.h"

#define CHECK FUZZ_CHECK

/* Steps a run may take: every step delivers input or time, so a bound far
 * above any input's need only stops a connection that never ends. */
#define MAX_STEPS 100000

static eved_server_t *server;

/* The run's shape, from the first three bytes. */
typedef struct shape {
  size_t recv_step; /* 0: everything at once */
  size_t send_step; /* 0: the client reads everything */
  bool peer_eof, peer_reset, tick, draining;
} shape_t;

static shape_t shape_of(const uint8_t *b, eved_config_t *config) {
  shape_t s = {0};
  s.recv_step = (b[0] & 0x40) ? 0 : (size_t)(b[0] & 0x3f) + 1;
  s.peer_eof = (b[0] & 0x80) != 0;
  s.send_step = (size_t)(b[1] & 0x7f) * 37;
  s.tick = (b[1] & 0x80) != 0;
  eved_config_defaults(config);
  config->max_connections = 1;
  if (b[2] & 0x01) config->max_requests_per_connection = (uint32_t)(b[2] >> 5) + 1;
  if (b[2] & 0x02) config->max_header_bytes = 256;
  if (b[2] & 0x04) config->max_output_bytes = 4096;
  s.draining = (b[2] & 0x08) != 0;
  s.peer_reset = (b[2] & 0x10) != 0;
  return s;
}

static bool alive(void) { return server->slots[0] != NULL; }

static void deliver(eve_ready_t ready) {
  if (alive()) eved__conn_on_event(server->slots[0], ready);
}

/* What a level-triggered poller reports for the connection now. */
static void poll_once(size_t send_step) {
  if (!alive()) return;
  eve_interest_t want = server->slots[0]->interest;
  bool input_waiting = fake_net.consumed < fake_net.readable ||
                       (fake_net.peer_eof && fake_net.readable == fake_net.input_len);
  if ((want & EVE_INTEREST_READ) && input_waiting) deliver(EVE_READY_READABLE);
  if (alive() && (server->slots[0]->interest & EVE_INTEREST_WRITE)) {
    fake_net.send_budget = send_step ? send_step : SIZE_MAX;
    deliver(EVE_READY_WRITABLE);
  }
}

static void tick(uint32_t ms) {
  server->now_ms += ms;
  if (alive()) eved__conn_check_timers(server->slots[0]);
}

/* eved's output must be whole responses: a status line, a head with a
 * Content-Length, and that many body bytes (none after a HEAD). A cut-off
 * last response is allowed only for a connection eved aborted. */
static size_t header_length(const char *head, size_t len) {
  static const char key[] = "\r\nContent-Length: ";
  for (size_t i = 0; i + sizeof key - 1 < len; i++) {
    if (memcmp(head + i, key, sizeof key - 1) == 0)
      return (size_t)strtoul(head + i + sizeof key - 1, NULL, 10);
  }
  CHECK(!"a response without Content-Length");
  return 0;
}

static bool at_response(const uint8_t *p, size_t left) {
  return left == 0 || (left >= 9 && memcmp(p, "HTTP/1.1 ", 9) == 0);
}

static bool says_close(const uint8_t *head, size_t len) {
  static const char key[] = "\r\nConnection: close\r\n";
  for (size_t i = 0; i + sizeof key - 1 <= len; i++) {
    if (memcmp(head + i, key, sizeof key - 1) == 0) return true;
  }
  return false;
}

static void check_output(void) {
  const uint8_t *p = fake_net.output;
  size_t left = fake_net.output_len;
  bool whole = fake_net.output_total == fake_net.output_len;
  bool closed = false;
  while (left > 0) {
    /* An answer that says close is the last one (docs/http.md). */
    CHECK(!closed);
    if (left < 9) {
      CHECK(!whole || fake_net.aborted);
      return;
    }
    CHECK(memcmp(p, "HTTP/1.1 ", 9) == 0);
    const uint8_t *end = NULL;
    for (size_t i = 0; i + 4 <= left; i++) {
      if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
        end = p + i + 4;
        break;
      }
    }
    if (end == NULL) {
      CHECK(!whole || fake_net.aborted);
      return;
    }
    size_t head = (size_t)(end - p);
    closed = says_close(p, head);
    size_t body = header_length((const char *)p, head);
    if (head + body <= left && at_response(p + head + body, left - head - body)) {
      head += body;
    } else if (!at_response(p + head, left - head)) {
      CHECK(!whole || fake_net.aborted);
      return;
    }
    p += head;
    left -= head;
  }
}

static void check_counters(void) {
  const eved_counters_t *c = &server->counters;
  uint64_t by_status = 0;
  for (int i = 0; i < EVED_STATUS_COUNT; i++) by_status += c->by_status[i];
  CHECK(by_status == c->requests_total);
  CHECK(c->connections_active == 0);
  CHECK(c->bytes_sent == fake_net.output_total);
  CHECK(c->bytes_received == fake_net.consumed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  server = fuzz_server();
  if (size < 3) return 0;
  shape_t shape = shape_of(data, &server->config);
  fake_net_reset(data + 3, size - 3);
  memset(&server->counters, 0, sizeof server->counters);
  server->draining = shape.draining;
  server->now_ms = server->started_ms = 1000000;

  /* A descriptor the real poller accepts, standing in for the socket. */
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  CHECK(fd >= 0);
  eve_handle_t sock = eve_handle_from_fd(fd);
  server->free_count = 0;
  eved_conn_t *c = eved__conn_create(server, sock, 0);
  CHECK(c != NULL);
  CHECK(eve_poller_register(server->poller, sock, EVE_INTEREST_READ, eved__conn_user_data(c)) ==
        EVE_OK);
  c->interest = EVE_INTEREST_READ;
  server->slots[0] = c;
  server->counters.connections_accepted++;
  server->counters.connections_active++;

  uint32_t step_ms = server->config.header_timeout_ms / 3 + 1;
  int steps = 0;
  while (alive() && fake_net.readable < fake_net.input_len && steps++ < MAX_STEPS) {
    size_t left = fake_net.input_len - fake_net.readable;
    size_t n = shape.recv_step == 0 || shape.recv_step > left ? left : shape.recv_step;
    fake_net.readable += n;
    poll_once(shape.send_step);
    if (shape.tick) tick(step_ms);
  }
  if (shape.peer_reset && alive()) {
    /* A reset is reported whatever the interest (EPOLLERR, POLLERR). */
    fake_net.peer_reset = true;
    deliver(EVE_READY_ERROR | EVE_READY_HANGUP);
  }
  fake_net.peer_eof = shape.peer_eof;
  /* The rest of the connection's life: the client reads, time passes, and
   * every connection ends by itself (timeouts bound each state). */
  for (int end_steps = 0; alive() && steps++ < MAX_STEPS; end_steps++) {
    /* A slow reader that stays slow could take long to get a big backlog;
     * after a while it reads all there is. */
    poll_once(end_steps < 1000 ? shape.send_step : 0);
    tick(step_ms);
  }
  CHECK(!alive());
  server->free_count = 0;
  check_output();
  check_counters();
  return 0;
}
