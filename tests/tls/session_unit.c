/* tls.native.renegotiation_keeps_records: a client's renegotiation
 * (refused: eved's server config leaves it off, so Mbed TLS answers the
 * ClientHello with a no_renegotiation alert from inside mbedtls_ssl_read,
 * RFC 5246 7.2.2) neither sends a response record twice nor loses one
 * (session.c's flush_stray).
 *
 * eved's session (eved_tls_conn_t, src/tls/session.c) runs on one end of
 * an AF_UNIX socket pair with a small send buffer; an Mbed TLS client with
 * renegotiation enabled, driven by hand in the same thread, on the other.
 * The client asks for 512-byte records (max_fragment_length, RFC 6066 4),
 * so every record is one small write the kernel takes whole or not at all
 * and the two states below can be arranged exactly:
 *   duplicate  a record of the response waits in Mbed TLS (the socket was
 *              full) when the ClientHello comes; reading it flushes that
 *              record, and the next eved_tls_send must count it as sent,
 *              not encrypt its bytes again.
 *   lost       nothing of eved's waits in Mbed TLS but the socket is full,
 *              so the alert itself cannot go out; the next response must
 *              still be encrypted and sent, not taken as sent when only
 *              the alert went.
 * Each scenario checks the arrangement through the session's fields
 * (tls_int.h) before it checks the bytes, so a kernel that buffers
 * differently fails as "could not arrange", never as a false pass.
 * The key and self-signed certificate are made here, at run time. Every
 * loop has a cap. Usage: tls_session_unit [duplicate|lost] (none: both). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "config.h"
#include "stats.h"
#include "tls.h"
#include "tls_int.h"

/* The response of the duplicate scenario and the first of the lost one. */
#define RESPONSE_LEN (64 * 1024)
/* Everything the client may receive; more is itself a failure. */
#define GOT_MAX (2 * RESPONSE_LEN)
/* The kernel doubles it (socket(7)); a few 512-byte records fill it. */
#define SERVER_SNDBUF 4096
#define ROUNDS_MAX 2000
#define READS_MAX 10000

static void fail(const char *scenario, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  printf("FAIL %s: ", scenario);
  vprintf(format, ap);
  printf("\n");
  va_end(ap);
}

static const char *mbedtls_why(int rc, char *buf, size_t size) {
  mbedtls_strerror(rc, buf, size);
  return buf;
}

typedef struct rng {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
} rng_t;

/* ---- credentials: a P-256 key and its self-signed certificate as PEM
 * files in a fresh temporary directory ---- */

typedef struct creds_files {
  char dir[256];
  char cert[300];
  char key[300];
} creds_files_t;

static int write_file(const char *path, const unsigned char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  size_t len = strlen((const char *)text);
  int rc = fwrite(text, 1, len, f) == len ? 0 : -1;
  if (fclose(f) != 0) rc = -1;
  return rc;
}

static int make_creds(rng_t *rng, creds_files_t *files) {
  const char *tmp = getenv("TMPDIR");
  snprintf(files->dir, sizeof files->dir, "%s/eved-tls-unit-XXXXXX",
           tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  if (mkdtemp(files->dir) == NULL) {
    fail("setup", "mkdtemp %s: %s", files->dir, strerror(errno));
    return -1;
  }
  snprintf(files->cert, sizeof files->cert, "%s/cert.pem", files->dir);
  snprintf(files->key, sizeof files->key, "%s/key.pem", files->dir);

  mbedtls_pk_context key;
  mbedtls_x509write_cert crt;
  mbedtls_mpi serial;
  mbedtls_pk_init(&key);
  mbedtls_x509write_crt_init(&crt);
  mbedtls_mpi_init(&serial);
  static unsigned char key_pem[4096], cert_pem[4096];
  int rc = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0)
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbedtls_ctr_drbg_random,
                             &rng->drbg);
  if (rc == 0) rc = mbedtls_pk_write_key_pem(&key, key_pem, sizeof key_pem);
  if (rc == 0) rc = mbedtls_mpi_lset(&serial, 1);
  if (rc == 0) {
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    rc = mbedtls_x509write_crt_set_serial(&crt, &serial);
  }
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_name(&crt, "CN=eved session_unit");
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&crt, "CN=eved session_unit");
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&crt, "20200101000000", "20991231235959");
  if (rc == 0)
    rc = mbedtls_x509write_crt_pem(&crt, cert_pem, sizeof cert_pem, mbedtls_ctr_drbg_random,
                                   &rng->drbg);
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&crt);
  mbedtls_pk_free(&key);
  if (rc != 0) {
    char why[128];
    fail("setup", "key and certificate: %s", mbedtls_why(rc, why, sizeof why));
    return -1;
  }
  if (write_file(files->key, key_pem) != 0 || write_file(files->cert, cert_pem) != 0) {
    fail("setup", "writing %s: %s", files->dir, strerror(errno));
    return -1;
  }
  return 0;
}

static void remove_creds(const creds_files_t *files) {
  (void)unlink(files->cert);
  (void)unlink(files->key);
  (void)rmdir(files->dir);
}

/* ---- the client: Mbed TLS on a plain non-blocking socket ---- */

typedef struct client {
  int fd;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  unsigned char got[GOT_MAX];
  size_t got_len;
  bool hold_input; /* read nothing from the socket (as if busy) */
} client_t;

static int client_send(void *ctx, const unsigned char *buf, size_t len) {
  const client_t *cl = ctx;
  ssize_t n = send(cl->fd, buf, len, MSG_NOSIGNAL);
  if (n >= 0) return (int)n;
  return errno == EAGAIN || errno == EWOULDBLOCK ? MBEDTLS_ERR_SSL_WANT_WRITE
                                                 : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int client_recv(void *ctx, unsigned char *buf, size_t len) {
  const client_t *cl = ctx;
  if (cl->hold_input) return MBEDTLS_ERR_SSL_WANT_READ;
  ssize_t n = recv(cl->fd, buf, len, 0);
  if (n >= 0) return (int)n;
  return errno == EAGAIN || errno == EWOULDBLOCK ? MBEDTLS_ERR_SSL_WANT_READ
                                                 : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int client_setup(client_t *cl, int fd, rng_t *rng) {
  cl->fd = fd;
  cl->got_len = 0;
  cl->hold_input = false;
  mbedtls_ssl_config_init(&cl->conf);
  mbedtls_ssl_init(&cl->ssl);
  int rc = mbedtls_ssl_config_defaults(&cl->conf, MBEDTLS_SSL_IS_CLIENT,
                                       MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc == 0) {
    mbedtls_ssl_conf_rng(&cl->conf, mbedtls_ctr_drbg_random, &rng->drbg);
    mbedtls_ssl_conf_authmode(&cl->conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_renegotiation(&cl->conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
    /* The server never answers the renegotiation with a ServerHello: the
     * client takes application records meanwhile, however many. */
    mbedtls_ssl_conf_renegotiation_enforced(&cl->conf, MBEDTLS_SSL_RENEGOTIATION_NOT_ENFORCED);
    rc = mbedtls_ssl_conf_max_frag_len(&cl->conf, MBEDTLS_SSL_MAX_FRAG_LEN_512);
  }
  if (rc == 0) rc = mbedtls_ssl_setup(&cl->ssl, &cl->conf);
  if (rc != 0) {
    char why[128];
    fail("setup", "client: %s", mbedtls_why(rc, why, sizeof why));
    return -1;
  }
  mbedtls_ssl_set_bio(&cl->ssl, cl, client_send, client_recv, NULL);
  return 0;
}

static void client_free(client_t *cl) {
  mbedtls_ssl_free(&cl->ssl);
  mbedtls_ssl_config_free(&cl->conf);
}

static bool client_input_waits(const client_t *cl) {
  unsigned char byte;
  return mbedtls_ssl_check_pending(&cl->ssl) ||
         recv(cl->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/* Reads application bytes into cl->got, at most `records` records (0: as
 * many as have arrived). Mbed TLS answers WANT_READ for a warning alert it
 * skipped (the no_renegotiation one) while more may be waiting, so that
 * stops only when the socket is empty. -1 on an error or overflow. */
static int client_read(client_t *cl, const char *scenario, size_t records) {
  size_t taken = 0;
  for (int i = 0; i < READS_MAX; i++) {
    if (cl->got_len == sizeof cl->got) {
      fail(scenario, "the client received more than %zu bytes", sizeof cl->got);
      return -1;
    }
    int rc = mbedtls_ssl_read(&cl->ssl, cl->got + cl->got_len, sizeof cl->got - cl->got_len);
    if (rc > 0) {
      cl->got_len += (size_t)rc;
      if (records > 0 && ++taken == records) return 0;
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (client_input_waits(cl)) continue;
      return 0;
    }
    char why[128];
    fail(scenario, "client read: -0x%04x %s", (unsigned)-rc, mbedtls_why(rc, why, sizeof why));
    return -1;
  }
  fail(scenario, "client read: still reading after %d calls", READS_MAX);
  return -1;
}

/* ---- the server: eved's session ---- */

/* Offers data[*off..len) as src/http/conn.c's flush does: again and again
 * from where it left, honouring *sent, until done or EVE_EAGAIN. */
static int server_send(eved_tls_conn_t *conn, const unsigned char *data, size_t len, size_t *off,
                       const char *scenario) {
  for (int i = 0; i < ROUNDS_MAX && *off < len; i++) {
    eve_net_buf_t piece = {data + *off, len - *off};
    size_t sent = 0;
    int rc = eved_tls_send(conn, &piece, 1, &sent);
    if (rc == EVE_EAGAIN) {
      if (sent != 0) fail(scenario, "eved_tls_send: EVE_EAGAIN with *sent %zu", sent);
      return sent != 0 ? -1 : EVE_EAGAIN;
    }
    if (rc != EVE_OK) {
      fail(scenario, "eved_tls_send: error %d", rc);
      return -1;
    }
    if (sent > len - *off) {
      fail(scenario, "eved_tls_send: *sent %zu of %zu offered", sent, len - *off);
      return -1;
    }
    *off += sent;
  }
  return *off == len ? EVE_OK : EVE_EAGAIN;
}

typedef struct pair {
  int fds[2]; /* [0] eved's, [1] the client's */
  eved_tls_conn_t *conn;
  client_t *client;
} pair_t;

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* A connected pair with both handshakes done. */
static int pair_open(pair_t *p, eved_tls_t *tls, client_t *client, rng_t *rng,
                     const char *scenario) {
  p->conn = NULL;
  p->client = NULL;
  p->fds[0] = p->fds[1] = -1;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, p->fds) != 0) {
    fail(scenario, "socketpair: %s", strerror(errno));
    return -1;
  }
  int sndbuf = SERVER_SNDBUF;
  if (setsockopt(p->fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0 ||
      set_nonblocking(p->fds[0]) != 0 || set_nonblocking(p->fds[1]) != 0) {
    fail(scenario, "socket options: %s", strerror(errno));
    return -1;
  }
  p->conn = eved_tls_conn_create(tls, eve_handle_from_fd(p->fds[0]), 1);
  if (p->conn == NULL) {
    fail(scenario, "eved_tls_conn_create: out of memory");
    return -1;
  }
  p->client = client;
  if (client_setup(client, p->fds[1], rng) != 0) return -1;
  bool server_done = false, client_done = false;
  for (int i = 0; i < ROUNDS_MAX && !(server_done && client_done); i++) {
    if (!server_done) {
      eve_interest_t want = EVE_INTEREST_NONE;
      int rc = eved_tls_handshake(p->conn, &want);
      if (rc == EVE_OK) {
        server_done = true;
      } else if (rc != EVE_EAGAIN) {
        fail(scenario, "server handshake: error %d", rc);
        return -1;
      }
    }
    if (!client_done) {
      int rc = mbedtls_ssl_handshake(&client->ssl);
      if (rc == 0) {
        client_done = true;
      } else if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
        char why[128];
        fail(scenario, "client handshake: %s", mbedtls_why(rc, why, sizeof why));
        return -1;
      }
    }
  }
  if (!(server_done && client_done)) {
    fail(scenario, "handshake unfinished after %d rounds", ROUNDS_MAX);
    return -1;
  }
  size_t record = (size_t)mbedtls_ssl_get_max_out_record_payload(&p->conn->ssl);
  if (record != 512) {
    fail(scenario, "the server's records carry %zu bytes, not the 512 asked for", record);
    return -1;
  }
  return 0;
}

static void pair_close(pair_t *p) {
  if (p->conn != NULL) eved_tls_conn_free(p->conn, false);
  if (p->client != NULL) client_free(p->client);
  if (p->fds[0] >= 0) (void)close(p->fds[0]);
  if (p->fds[1] >= 0) (void)close(p->fds[1]);
}

/* The client starts a renegotiation (its ClientHello goes out) and eved
 * reads it: no application bytes, EVE_EAGAIN. The client reads nothing
 * meanwhile: looking for the ServerHello it would take one of eved's
 * records off the socket, making room the scenario must not have. */
static int renegotiate(pair_t *p, const char *scenario, eve_interest_t *want) {
  p->client->hold_input = true;
  int rc = mbedtls_ssl_renegotiate(&p->client->ssl);
  p->client->hold_input = false;
  if (rc != MBEDTLS_ERR_SSL_WANT_READ) {
    char why[128];
    fail(scenario, "mbedtls_ssl_renegotiate: -0x%04x %s", (unsigned)-rc,
         mbedtls_why(rc, why, sizeof why));
    return -1;
  }
  unsigned char buf[256];
  size_t got = 0;
  rc = eved_tls_recv(p->conn, buf, sizeof buf, &got, want);
  if (rc != EVE_EAGAIN) {
    fail(scenario, "eved_tls_recv after the ClientHello: %d (got %zu), not EVE_EAGAIN", rc, got);
    return -1;
  }
  return 0;
}

/* Alternates: the client reads what has come, eved sends the rest of
 * data from *off; until everything is sent and read. */
static int finish(pair_t *p, const unsigned char *data, size_t len, size_t *off,
                  const char *scenario) {
  for (int i = 0; i < ROUNDS_MAX; i++) {
    size_t before_off = *off, before_got = p->client->got_len;
    if (client_read(p->client, scenario, 0) != 0) return -1;
    int rc = server_send(p->conn, data, len, off, scenario);
    if (rc != EVE_OK && rc != EVE_EAGAIN) return -1;
    if (rc == EVE_OK && p->conn->ssl.out_left == 0) return client_read(p->client, scenario, 0);
    if (*off == before_off && p->client->got_len == before_got && i > 0) {
      fail(scenario, "stalled: eved sent %zu of %zu, the client has %zu bytes", *off, len,
           p->client->got_len);
      return -1;
    }
  }
  fail(scenario, "unfinished after %d rounds", ROUNDS_MAX);
  return -1;
}

/* The client's bytes against what eved reported sent: exactly, once, in
 * order. */
static int check_bytes(const client_t *cl, const unsigned char *want, size_t len,
                       const char *scenario) {
  size_t same = 0;
  while (same < len && same < cl->got_len && cl->got[same] == want[same]) same++;
  if (cl->got_len == len && same == len) return 0;
  fail(scenario, "the client received %zu bytes where eved sent %zu; they agree up to offset %zu",
       cl->got_len, len, same);
  return -1;
}

static unsigned char response[RESPONSE_LEN + 512];
static unsigned char expected[GOT_MAX];

static void fill(unsigned char *buf, size_t len, unsigned seed) {
  /* A prime period, so no record of 512 bytes repeats another. */
  for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)((i + seed) % 251);
}

static int scenario_duplicate(eved_tls_t *tls, client_t *client, rng_t *rng) {
  const char *s = "duplicate";
  pair_t p;
  int result = -1;
  if (pair_open(&p, tls, client, rng, s) != 0) goto out;
  fill(response, RESPONSE_LEN, 0);
  size_t off = 0;
  if (server_send(p.conn, response, RESPONSE_LEN, &off, s) != EVE_EAGAIN) {
    fail(s, "the socket took the whole response (%zu bytes): nothing waits", off);
    goto out;
  }
  /* The socket drained, one of eved's records is still in Mbed TLS. */
  if (client_read(client, s, 0) != 0) goto out;
  if (p.conn->write_pending == 0 || p.conn->ssl.out_left == 0) {
    fail(s, "could not arrange: write_pending %zu, out_left %zu", p.conn->write_pending,
         p.conn->ssl.out_left);
    goto out;
  }
  eve_interest_t want = EVE_INTEREST_NONE;
  if (renegotiate(&p, s, &want) != 0) goto out;
  /* Answering the ClientHello sent the waiting record. */
  if (p.conn->write_pending == 0 || p.conn->ssl.out_left != 0) {
    fail(s, "could not arrange: after the ClientHello write_pending %zu, out_left %zu",
         p.conn->write_pending, p.conn->ssl.out_left);
    goto out;
  }
  if (finish(&p, response, RESPONSE_LEN, &off, s) != 0) goto out;
  if (check_bytes(client, response, RESPONSE_LEN, s) != 0) goto out;
  printf("ok duplicate: %zu bytes arrived once, in order\n", client->got_len);
  result = 0;
out:
  pair_close(&p);
  return result;
}

/* Response 1 fills the socket and ends with a record that went whole;
 * the client's ClientHello then gets an alert that cannot go out: it
 * waits in Mbed TLS's output buffer, nothing else of eved's does, and
 * eved_tls_recv asked for writability. *first_len: response 1's length
 * (in `response`). */
static int arrange_stuck_alert(pair_t *p, const char *s, size_t *first_len) {
  fill(response, RESPONSE_LEN, 0);
  size_t off = 0;
  if (server_send(p->conn, response, RESPONSE_LEN, &off, s) != EVE_EAGAIN) {
    fail(s, "the socket took the whole response (%zu bytes)", off);
    return -1;
  }
  /* The client takes one record (one write of the same size), which
   * makes room for exactly the waiting one: response 1 ends with it, and
   * the socket is full again with nothing of eved's left in Mbed TLS. */
  if (client_read(p->client, s, 1) != 0) return -1;
  *first_len = off + p->conn->write_pending;
  if (server_send(p->conn, response, *first_len, &off, s) != EVE_OK ||
      p->conn->write_pending != 0 || p->conn->ssl.out_left != 0) {
    fail(s, "could not arrange: the waiting record did not go (write_pending %zu, out_left %zu)",
         p->conn->write_pending, p->conn->ssl.out_left);
    return -1;
  }
  eve_interest_t want = EVE_INTEREST_NONE;
  if (renegotiate(p, s, &want) != 0) return -1;
  if (p->conn->write_pending != 0 || p->conn->ssl.out_left == 0 || want != EVE_INTEREST_WRITE) {
    fail(s, "could not arrange: after the ClientHello write_pending %zu, out_left %zu, want %d",
         p->conn->write_pending, p->conn->ssl.out_left, (int)want);
    return -1;
  }
  return 0;
}

static int scenario_lost(eved_tls_t *tls, client_t *client, rng_t *rng) {
  const char *s = "lost";
  pair_t p;
  int result = -1;
  size_t first_len = 0;
  if (pair_open(&p, tls, client, rng, s) != 0 || arrange_stuck_alert(&p, s, &first_len) != 0)
    goto out;
  /* Response 2, small, after the alert. */
  static unsigned char second[100];
  fill(second, sizeof second, 100);
  size_t off2 = 0;
  if (finish(&p, second, sizeof second, &off2, s) != 0) goto out;
  memcpy(expected, response, first_len);
  memcpy(expected + first_len, second, sizeof second);
  if (check_bytes(client, expected, first_len + sizeof second, s) != 0) goto out;
  printf("ok lost: both responses arrived, %zu + %zu bytes\n", first_len, sizeof second);
  result = 0;
out:
  pair_close(&p);
  return result;
}

/* The stuck alert goes when eved_tls_recv is called on writability (what
 * it asked for), with no response to push it: the client is told its
 * renegotiation is refused instead of waiting for a ServerHello. */
static int scenario_alert(eved_tls_t *tls, client_t *client, rng_t *rng) {
  const char *s = "alert";
  pair_t p;
  int result = -1;
  size_t first_len = 0;
  if (pair_open(&p, tls, client, rng, s) != 0 || arrange_stuck_alert(&p, s, &first_len) != 0)
    goto out;
  if (client_read(client, s, 0) != 0 || check_bytes(client, response, first_len, s) != 0)
    goto out;
  unsigned char buf[256];
  size_t got = 0;
  eve_interest_t want = EVE_INTEREST_NONE;
  int rc = eved_tls_recv(p.conn, buf, sizeof buf, &got, &want);
  int waiting = 0;
  if (ioctl(p.fds[1], FIONREAD, &waiting) != 0) {
    fail(s, "FIONREAD: %s", strerror(errno));
    goto out;
  }
  if (rc != EVE_EAGAIN || want != EVE_INTEREST_READ || waiting == 0) {
    fail(s, "with room on the socket eved_tls_recv gave %d, want %d (1 read, 2 write), and the "
            "client has %d bytes waiting: the alert did not go",
         rc, (int)want, waiting);
    goto out;
  }
  if (client_read(client, s, 0) != 0 || check_bytes(client, response, first_len, s) != 0) goto out;
  printf("ok alert: the refusal (%d bytes) went on the read side\n", waiting);
  result = 0;
out:
  pair_close(&p);
  return result;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *only = argc > 1 ? argv[1] : NULL;
  if (only != NULL && strcmp(only, "duplicate") != 0 && strcmp(only, "lost") != 0 &&
      strcmp(only, "alert") != 0) {
    fprintf(stderr, "usage: %s [duplicate|lost|alert]\n", argv[0]);
    return 2;
  }
  static rng_t rng;
  mbedtls_entropy_init(&rng.entropy);
  mbedtls_ctr_drbg_init(&rng.drbg);
  static const char personal[] = "eved session_unit";
  if (mbedtls_ctr_drbg_seed(&rng.drbg, mbedtls_entropy_func, &rng.entropy,
                            (const unsigned char *)personal, sizeof personal - 1) != 0) {
    fail("setup", "seeding the random generator");
    return 1;
  }
  creds_files_t files;
  int failed = 1;
  eved_tls_t *tls = NULL;
  if (make_creds(&rng, &files) == 0) {
    static eved_config_t config;
    eved_config_defaults(&config);
    config.tls_enabled = true;
    snprintf(config.tls_cert_file, sizeof config.tls_cert_file, "%s", files.cert);
    snprintf(config.tls_key_file, sizeof config.tls_key_file, "%s", files.key);
    static eved_counters_t counters;
    char error[512];
    /* No poller: PEM credentials never sign off the loop. */
    int rc = eved_tls_create(&config, NULL, &counters, &tls, error, sizeof error);
    if (rc != EVE_OK) {
      fail("setup", "eved_tls_create: %s", error);
    } else {
      static client_t client;
      failed = 0;
      if (only == NULL || strcmp(only, "duplicate") == 0)
        failed |= scenario_duplicate(tls, &client, &rng) != 0;
      if (only == NULL || strcmp(only, "lost") == 0)
        failed |= scenario_lost(tls, &client, &rng) != 0;
      if (only == NULL || strcmp(only, "alert") == 0)
        failed |= scenario_alert(tls, &client, &rng) != 0;
      eved_tls_destroy(tls);
    }
    remove_creds(&files);
  }
  mbedtls_ctr_drbg_free(&rng.drbg);
  mbedtls_entropy_free(&rng.entropy);
  return failed;
}
