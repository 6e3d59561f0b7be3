/* perf.native.no_allocation_per_request: eved serves keep-alive requests
 * without touching the heap once warm. eved's server runs on a thread of
 * this process; the main thread is its client, over loopback. This program
 * links malloc_counter.c, which defines malloc, calloc and realloc, so
 * every allocation in the process (eved, llhttp, cJSON's shared library,
 * libc) comes through them and is counted. The client allocates
 * nothing while it measures, so the count is eved's. A count, not a time:
 * the test fails if 10,000 requests after warm-up allocate anything.
 * The host collectors are on with min_interval_ms 0, so every /metrics
 * and /stats really collects, on the collectors' threads, which are
 * counted as well. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "log.h"
#include "malloc_counter.h"
#include "server.h"
#include "stats.h"

#define WARMUP_REQUESTS 2000
#define MEASURED_REQUESTS 10000

static unsigned long count_now(void) {
  return atomic_load_explicit(&eve_malloc_counter, memory_order_relaxed);
}

/* Every kind of answer eved gives on a kept-alive connection. */
static const char *const requests[] = {
    "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n",
    /* Prometheus 3's Accept: OpenMetrics, and the process_* figures. */
    "GET /metrics HTTP/1.1\r\nHost: t\r\nAccept: application/openmetrics-text;version=1.0.0;"
    "escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;"
    "version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: t\r\n\r\n",
    "GET /nowhere?q=1 HTTP/1.1\r\nHost: t\r\nUser-Agent: alloc-count\r\n\r\n",
    "HEAD /stats HTTP/1.1\r\nHost: t\r\n\r\n",
    "DELETE /stats HTTP/1.1\r\nHost: t\r\n\r\n",
};
#define REQUEST_KINDS (sizeof requests / sizeof requests[0])

static void fail(const char *what) {
  fprintf(stderr, "alloc_count: %s\n", what);
  exit(1);
}

static void send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) fail("send failed");
    data += n;
    len -= (size_t)n;
  }
}

/* What the client has read and not yet consumed (pipelined responses
 * can arrive in one read). */
static char in[EVED_BODY_MAX + 4096];
static size_t in_len;

static void fill(int fd) {
  if (in_len == sizeof in - 1) fail("response too long");
  ssize_t n = recv(fd, in + in_len, sizeof in - 1 - in_len, 0);
  if (n <= 0) fail("connection closed mid-response");
  in_len += (size_t)n;
  in[in_len] = '\0';
}

/* Consumes one response: its head, then Content-Length bytes unless HEAD.
 * The OpenMetrics request must have been answered in OpenMetrics, or the
 * count says nothing of that rendering. */
static void read_response(int fd, bool head_only, bool openmetrics) {
  char *end;
  while ((end = strstr(in, "\r\n\r\n")) == NULL) fill(fd);
  const char *om = strstr(in, "Content-Type: application/openmetrics-text; version=1.0.0");
  if ((om != NULL && om < end) != openmetrics) fail("the wrong format for /metrics");
  const char *cl = strstr(in, "Content-Length: ");
  if (cl == NULL || cl > end) fail("no Content-Length");
  size_t total = (size_t)(end + 4 - in) + (head_only ? 0 : strtoul(cl + 16, NULL, 10));
  while (in_len < total) fill(fd);
  memmove(in, in + total, in_len - total);
  in_len -= total;
  in[in_len] = '\0';
}

/* One request of each kind in turn; every 50th round two pipelined. */
static void run_requests(int fd, unsigned count) {
  for (unsigned i = 0; i < count; i++) {
    const char *req = requests[i % REQUEST_KINDS];
    bool head_only = strncmp(req, "HEAD", 4) == 0;
    bool openmetrics = strstr(req, "Accept: application/openmetrics-text") != NULL;
    send_all(fd, req, strlen(req));
    if (i % 50 == 0) send_all(fd, requests[0], strlen(requests[0]));
    read_response(fd, head_only, openmetrics);
    if (i % 50 == 0) read_response(fd, false, false);
  }
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    fail("no free port");
  close(fd);
  return ntohs(a.sin_port);
}

static int connect_to(int port) {
  for (int attempt = 0; attempt < 500; attempt++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
    if (fd >= 0) close(fd);
    usleep(10000);
  }
  fail("eved did not start");
  return -1;
}

static void *serve(void *arg) {
  eved_run_options_t options = {.config = arg};
  static int status;
  status = eved_server_run(&options);
  return &status;
}

int main(void) {
  static eved_config_t config;
  eved_config_defaults(&config);
  char listen[32], error[256];
  int port = free_port();
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  if (eved_config_set_listen(&config, listen, error, sizeof error) != 0) fail(error);
  config.max_requests_per_connection = 1000000;
  /* Every /metrics and /stats runs the host collectors (all of this OS's,
   * the default) afresh: their threads' work is counted too. */
  config.collectors_min_interval_ms = 0;
  /* The textfile collector with files to read, a bad one among them
   * (skipped and reported on every run): its reads, parses and merges
   * are counted too. */
  char textfile_dir[] = "/tmp/eved-alloc-textfile-XXXXXX";
  if (mkdtemp(textfile_dir) == NULL) fail("mkdtemp");
  static const char *const files[][2] = {
      {"a.prom", "# HELP app_jobs_total Jobs.\n# TYPE app_jobs_total counter\n"
                 "app_jobs_total{queue=\"a\"} 3\napp_jobs_total{queue=\"b\"} 4\n"},
      {"b.prom", "app_temp{x=\"\\\"q\\\"\"} -1.5\n"},
      {"c.prom", "app_bad 1 1700000000000\n"}};
  char path[256];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", textfile_dir, files[i][0]);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(files[i][1], f) < 0 || fclose(f) != 0) fail("cannot write a textfile");
  }
  snprintf(config.textfile_dir, sizeof config.textfile_dir, "%s", textfile_dir);
  eved_log_open(EVED_LOG_WARN, NULL);

  pthread_t thread;
  if (pthread_create(&thread, NULL, serve, &config) != 0) fail("no server thread");
  int fd = connect_to(port);
  unsigned long start = count_now();
  run_requests(fd, WARMUP_REQUESTS);
  unsigned long warm = count_now();
  run_requests(fd, MEASURED_REQUESTS);
  unsigned long done = count_now();
  close(fd);
  eved_control_post(EVED_CONTROL_STOP);
  void *status = NULL;
  pthread_join(thread, &status);

  printf("allocations: %lu during warm-up (%d requests), %lu during %d requests after it\n",
         warm - start, WARMUP_REQUESTS, done - warm, MEASURED_REQUESTS);
  /* The counter must see eved's first allocations (the connection, the
   * /stats document), or it counts nothing and proves nothing. */
  if (warm == start) fail("no allocation counted during warm-up: the counter is not wired in");
  if (status == NULL || *(int *)status != EVED_EXIT_OK) fail("eved did not exit cleanly");
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", textfile_dir, files[i][0]);
    unlink(path);
  }
  rmdir(textfile_dir);
  return done == warm ? 0 : 1;
}
