/* The certificate store's key used where it lives (src/tls/store_win.c),
 * under Wine. store_test.sh makes the key and certificates with openssl
 * and runs:
 *
 *   store_unit sign PFX PASSWORD   imports the PFX into CurrentUser\My with
 *       a non-exportable key, shows that the key does not export, opens it
 *       by thumbprint, signs through Mbed TLS's asynchronous callbacks (and
 *       their refusals, cancel), then runs a whole TLS 1.2 handshake
 *       in-process against an Mbed TLS client that verifies the
 *       certificate and the signature; removes the certificate at the end.
 *   store_unit errors NOKEY_DER EC_DER   wrong and malformed thumbprints,
 *       a certificate without a private key, an ECDSA one, bad store
 *       names.
 *   store_unit chain PFX PASSWORD INTERMEDIATE_DER ROOT_DER   a leaf
 *       issued by an intermediate: the intermediate is served, the root
 *       is not, and a client trusting the root alone completes.
 *
 * Exit 0 when every check holds; each failure is printed. */
#include <windows.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <eve/eve_error.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>

#include "certstore.h"
#include "store.h"
#include "tls_int.h"

#include "check.h"

/* The lead's session.c gives the connection's owner; here the context's
 * address is the owner, so each check knows whom a wake-up names. */
uint64_t eved__tls_owner(const mbedtls_ssl_context *ssl) { return (uint64_t)(uintptr_t)ssl; }

static HANDLE woken; /* an auto-reset event the signer thread sets */
static volatile LONG wakes;

static void wake(void *arg) {
  InterlockedIncrement(&wakes);
  SetEvent((HANDLE)arg);
}

/* Waits for the signer thread's wake-up: 30 s is a hang, not a slow key. */
static bool wait_wake(void) { return WaitForSingleObject(woken, 30000) == WAIT_OBJECT_0; }

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static void server_conf(mbedtls_ssl_config *conf) {
  mbedtls_ssl_config_init(conf);
  mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                              MBEDTLS_SSL_PRESET_DEFAULT);
  mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
}

/* Waits until take_ready names ssl, once. A wake-up may be left over
 * from a job canceled after it finished: it names nobody, and the next
 * one comes. */
static void wait_owner(eved_tls_store_t *store, const mbedtls_ssl_context *ssl) {
  uint64_t owners[4];
  size_t n = 0;
  for (int wait = 0; wait < 10 && n == 0; wait++) {
    if (!wait_wake()) break;
    n = eved_tls_store_take_ready(store, owners, 4);
  }
  CHECK(n == 1 && owners[0] == (uint64_t)(uintptr_t)ssl, "take_ready gave %zu owners", n);
  CHECK(eved_tls_store_take_ready(store, owners, 4) == 0, "an owner reported twice");
}

/* One signature through the callbacks as Mbed TLS makes them: start
 * (queued), the wake-up naming this context, resume. Returns resume's
 * answer; the signature is in sig. */
static int sign_once(mbedtls_ssl_config *conf, mbedtls_ssl_context *ssl, mbedtls_x509_crt *cert,
                     eved_tls_store_t *store, mbedtls_md_type_t md, const unsigned char *hash,
                     size_t hash_len, unsigned char *sig, size_t *sig_len, size_t sig_size) {
  int ret = conf->f_async_sign_start(ssl, cert, md, hash, hash_len);
  if (ret != MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS) return ret;
  wait_owner(store, ssl);
  ret = conf->f_async_resume(ssl, sig, sig_len, sig_size);
  mbedtls_ssl_set_async_operation_data(ssl, NULL); /* as Mbed TLS does after a final answer */
  return ret;
}

static void check_callbacks(mbedtls_ssl_config *conf, mbedtls_x509_crt *chain,
                            eved_tls_store_t *store) {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  CHECK(mbedtls_ssl_setup(&ssl, conf) == 0, "ssl_setup");
  unsigned char hash[64], sig[1024];
  size_t sig_len = 0;
  static const struct {
    mbedtls_md_type_t md;
    size_t len;
  } hashes[] = {{MBEDTLS_MD_SHA256, 32}, {MBEDTLS_MD_SHA384, 48}, {MBEDTLS_MD_SHA512, 64}};
  for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++) {
    for (size_t i = 0; i < sizeof hash; i++) hash[i] = (unsigned char)(i * 7 + h);
    int ret = sign_once(conf, &ssl, chain, store, hashes[h].md, hash, hashes[h].len, sig,
                        &sig_len, sizeof sig);
    CHECK(ret == 0, "sign md %d: -0x%04x", (int)hashes[h].md, (unsigned)-ret);
    CHECK(sig_len == mbedtls_pk_get_len(&chain->pk), "signature of %zu bytes", sig_len);
    ret = mbedtls_pk_verify(&chain->pk, hashes[h].md, hash, hashes[h].len, sig, sig_len);
    CHECK(ret == 0, "the signature (md %d) does not verify: -0x%04x", (int)hashes[h].md,
          (unsigned)-ret);
    hash[0] ^= 1;
    CHECK(mbedtls_pk_verify(&chain->pk, hashes[h].md, hash, hashes[h].len, sig, sig_len) != 0,
          "a signature verifies another hash");
  }
  /* SHA-224 (neither CryptoAPI nor CNG has it) and a hash of the wrong
   * length are refused at once. */
  CHECK(conf->f_async_sign_start(&ssl, chain, MBEDTLS_MD_SHA224, hash, 28) ==
            MBEDTLS_ERR_SSL_HW_ACCEL_FAILED,
        "SHA-224 accepted");
  CHECK(conf->f_async_sign_start(&ssl, chain, MBEDTLS_MD_SHA256, hash, 20) ==
            MBEDTLS_ERR_SSL_HW_ACCEL_FAILED,
        "a 20-byte SHA-256 accepted");
  /* A signature that does not fit the record is an error, not an overflow. */
  int ret = sign_once(conf, &ssl, chain, store, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len, 100);
  CHECK(ret == MBEDTLS_ERR_SSL_HW_ACCEL_FAILED, "a 100-byte output took the signature: %d", ret);
  /* A finished job canceled before the loop looked: nobody is named. */
  CHECK(conf->f_async_sign_start(&ssl, chain, MBEDTLS_MD_SHA256, hash, 32) ==
            MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS,
        "start");
  CHECK(wait_wake(), "no wake-up");
  conf->f_async_cancel(&ssl);
  mbedtls_ssl_set_async_operation_data(&ssl, NULL);
  uint64_t owners[4];
  CHECK(eved_tls_store_take_ready(store, owners, 4) == 0, "a canceled job reported");
  /* Cancel right after start (queued or running): the slot comes back,
   * which 70 rounds through a 64-job table show. */
  for (int i = 0; i < 70; i++) {
    ret = conf->f_async_sign_start(&ssl, chain, MBEDTLS_MD_SHA256, hash, 32);
    CHECK(ret == MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS, "start %d: %d", i, ret);
    conf->f_async_cancel(&ssl);
    mbedtls_ssl_set_async_operation_data(&ssl, NULL);
    if (ret != MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS) break;
  }
  /* The store still signs. */
  ret = sign_once(conf, &ssl, chain, store, MBEDTLS_MD_SHA256, hash, 32, sig, &sig_len,
                  sizeof sig);
  CHECK(ret == 0 && mbedtls_pk_verify(&chain->pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) == 0,
        "no valid signature after cancels: -0x%04x", (unsigned)-ret);
  /* The bound: 64 jobs wait at once (finished ones too, until resumed),
   * the 65th is refused; then each of the 64 gives a valid signature.
   * After a signature made since the cancels: the thread, which takes
   * jobs in order, has let go of any canceled one by then. */
  void *jobs[64];
  size_t queued = 0;
  for (; queued < 64; queued++) {
    hash[0] = (unsigned char)queued;
    if (conf->f_async_sign_start(&ssl, chain, MBEDTLS_MD_SHA256, hash, 32) !=
        MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS)
      break;
    jobs[queued] = mbedtls_ssl_get_async_operation_data(&ssl);
  }
  CHECK(queued == 64, "only %zu jobs queued", queued);
  CHECK(conf->f_async_sign_start(&ssl, chain, MBEDTLS_MD_SHA256, hash, 32) ==
            MBEDTLS_ERR_SSL_HW_ACCEL_FAILED,
        "a 65th job accepted");
  size_t verified = 0;
  for (size_t i = 0; i < queued; i++) {
    mbedtls_ssl_set_async_operation_data(&ssl, jobs[i]);
    for (int wait = 0; wait < 100; wait++) {
      ret = conf->f_async_resume(&ssl, sig, &sig_len, sizeof sig);
      if (ret != MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS) break;
      wait_wake();
      eved_tls_store_take_ready(store, owners, 4);
    }
    hash[0] = (unsigned char)i;
    if (ret == 0 &&
        mbedtls_pk_verify(&chain->pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) == 0)
      verified++;
  }
  mbedtls_ssl_set_async_operation_data(&ssl, NULL);
  CHECK(verified == 64, "%zu of 64 queued signatures verify", verified);
  while (eved_tls_store_take_ready(store, owners, 4) > 0) continue;
  mbedtls_ssl_free(&ssl);
}

/* ---- a whole handshake in memory ---- */

typedef struct pipe {
  unsigned char data[65536];
  size_t len;
} pipe_t;

typedef struct end {
  pipe_t *in, *out;
} end_t;

static int mem_send(void *ctx, const unsigned char *buf, size_t len) {
  end_t *e = ctx;
  size_t room = sizeof e->out->data - e->out->len;
  if (room == 0) return MBEDTLS_ERR_SSL_WANT_WRITE;
  if (len > room) len = room;
  memcpy(e->out->data + e->out->len, buf, len);
  e->out->len += len;
  return (int)len;
}

static int mem_recv(void *ctx, unsigned char *buf, size_t len) {
  end_t *e = ctx;
  if (e->in->len == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  if (len > e->in->len) len = e->in->len;
  memcpy(buf, e->in->data, len);
  memmove(e->in->data, e->in->data + len, e->in->len - len);
  e->in->len -= len;
  return (int)len;
}

static pipe_t to_server, to_client;

/* A handshake whose client trusts `trusted` alone (DER) and checks the
 * name `host`. */
static void check_handshake(mbedtls_ssl_config *sconf, const mbedtls_x509_crt *trusted,
                            const char *host, eved_tls_store_t *store) {
  mbedtls_ssl_config cconf;
  mbedtls_ssl_config_init(&cconf);
  mbedtls_ssl_config_defaults(&cconf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                              MBEDTLS_SSL_PRESET_DEFAULT);
  mbedtls_ssl_conf_rng(&cconf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_min_version(&cconf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  /* The handshake completes only if the certificate chains to `trusted`
   * and the ServerKeyExchange signature verifies. */
  mbedtls_x509_crt ca;
  mbedtls_x509_crt_init(&ca);
  CHECK(mbedtls_x509_crt_parse_der(&ca, trusted->raw.p, trusted->raw.len) == 0, "CA");
  mbedtls_ssl_conf_ca_chain(&cconf, &ca, NULL);
  mbedtls_ssl_conf_authmode(&cconf, MBEDTLS_SSL_VERIFY_REQUIRED);
  /* A suite whose ServerKeyExchange the server's key signs. */
  static const int suites[] = {MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0};
  mbedtls_ssl_conf_ciphersuites(&cconf, suites);

  mbedtls_ssl_context client, server;
  mbedtls_ssl_init(&client);
  mbedtls_ssl_init(&server);
  CHECK(mbedtls_ssl_setup(&client, &cconf) == 0, "client setup");
  CHECK(mbedtls_ssl_setup(&server, sconf) == 0, "server setup");
  mbedtls_ssl_set_hostname(&client, host);
  end_t cend = {&to_client, &to_server}, send_ = {&to_server, &to_client};
  mbedtls_ssl_set_bio(&client, &cend, mem_send, mem_recv, NULL);
  mbedtls_ssl_set_bio(&server, &send_, mem_send, mem_recv, NULL);
  int cret = 1, sret = 1, async = 0;
  for (int round = 0; round < 100 && (cret != 0 || sret != 0); round++) {
    if (cret != 0) {
      cret = mbedtls_ssl_handshake(&client);
      if (cret == MBEDTLS_ERR_SSL_WANT_READ || cret == MBEDTLS_ERR_SSL_WANT_WRITE) cret = 1;
    }
    if (sret != 0) {
      sret = mbedtls_ssl_handshake(&server);
      if (sret == MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS) {
        async++;
        wait_owner(store, &server);
        sret = 1;
      } else if (sret == MBEDTLS_ERR_SSL_WANT_READ || sret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        sret = 1;
      }
    }
    if (cret < 0 || sret < 0) break;
  }
  CHECK(cret == 0 && sret == 0, "handshake: client -0x%04x, server -0x%04x", (unsigned)-cret,
        (unsigned)-sret);
  CHECK(async == 1, "the server's signature went through the signer thread %d times", async);
  if (cret == 0 && sret == 0) {
    CHECK(strcmp(mbedtls_ssl_get_ciphersuite(&client), "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256") ==
              0,
          "suite %s", mbedtls_ssl_get_ciphersuite(&client));
    CHECK(mbedtls_ssl_get_verify_result(&client) == 0, "client verify result");
    CHECK(mbedtls_ssl_write(&client, (const unsigned char *)"ping", 4) == 4, "client write");
    unsigned char buf[16];
    int got = mbedtls_ssl_read(&server, buf, sizeof buf);
    CHECK(got == 4 && memcmp(buf, "ping", 4) == 0, "server read %d", got);
    printf("handshake: %s with the store's key, signed off the loop\n",
           mbedtls_ssl_get_ciphersuite(&client));
  }
  mbedtls_ssl_free(&client);
  mbedtls_ssl_free(&server);
  mbedtls_ssl_config_free(&cconf);
  mbedtls_x509_crt_free(&ca);
}

/* Opens the certificate of CurrentUser\\My with this thumbprint into a
 * fresh conf and chain, as eved does; the caller frees both, and closes
 * the store when the answer is EVE_OK. */
static int open_my(const char *thumbprint, mbedtls_ssl_config *conf, mbedtls_x509_crt *chain,
                   eved_tls_store_t **store, char *error, size_t size) {
  server_conf(conf);
  mbedtls_x509_crt_init(chain);
  *store = NULL;
  return eved_tls_store_open("CurrentUser\\My", thumbprint, conf, chain, wake, woken, store, error,
                             size);
}

/* A store closed while a job is queued or running: close returns at
 * once, and the thread, finishing alone, wakes nobody afterwards. */
static void check_close_busy(const char *thumbprint) {
  mbedtls_ssl_config conf;
  mbedtls_x509_crt chain;
  eved_tls_store_t *store;
  char error[512] = "";
  int ret = open_my(thumbprint, &conf, &chain, &store, error, sizeof error);
  CHECK(ret == EVE_OK, "open: %s", error);
  if (ret != EVE_OK) return;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  CHECK(mbedtls_ssl_setup(&ssl, &conf) == 0, "ssl_setup");
  unsigned char hash[32] = {1, 2, 3};
  for (int i = 0; i < 8; i++)
    CHECK(conf.f_async_sign_start(&ssl, &chain, MBEDTLS_MD_SHA256, hash, 32) ==
              MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS,
          "start %d", i);
  mbedtls_ssl_set_async_operation_data(&ssl, NULL);
  eved_tls_store_close(store);
  LONG after_close = wakes;
  /* Time for the thread to finish a running signature (milliseconds for
   * RSA-2048): a wake-up now would name a freed store's owner. */
  Sleep(500);
  CHECK(wakes == after_close, "%ld wake-up(s) after close", (long)(wakes - after_close));
  mbedtls_ssl_free(&ssl);
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crt_free(&chain);
}

static int test_sign(const char *pfx, const char *password) {
  char error[512] = "", thumbprint[41] = "";
  /* The control: imported exportable, the same key does come out, so the
   * refusal below is the flag's doing and the check can fail. */
  DWORD rc = certstore_import(pfx, password, true, thumbprint, error, sizeof error);
  CHECK(rc == 0, "import (exportable): %s", error);
  if (rc != 0) return 1;
  DWORD code = 0;
  int exported = certstore_export_key(thumbprint, &code, error, sizeof error);
  CHECK(exported == 1, "export of the exportable key: %d (%s)", exported, error);
  printf("control: imported exportable, the key exports (%s)\n", error);
  rc = certstore_remove(L"My", thumbprint, error, sizeof error);
  CHECK(rc == 0, "remove: %s", error);
  rc = certstore_import(pfx, password, false, thumbprint, error, sizeof error);
  CHECK(rc == 0, "import: %s", error);
  if (rc != 0) return 1;
  printf("imported %s into CurrentUser\\My, key not exportable\n", thumbprint);
  /* The key must not come out: the point of using it where it lives. */
  exported = certstore_export_key(thumbprint, &code, error, sizeof error);
  CHECK(exported == 0, "export of the non-exportable key: %d (%s)", exported, error);
  printf("export refused: %s\n", error);

  mbedtls_ssl_config conf;
  mbedtls_x509_crt chain;
  eved_tls_store_t *store;
  /* The thumbprint in lower case: any case is the same certificate. */
  char lower[41];
  for (int i = 0; i < 41; i++)
    lower[i] = (char)(thumbprint[i] >= 'A' && thumbprint[i] <= 'F' ? thumbprint[i] + 32
                                                                    : thumbprint[i]);
  int ret = open_my(lower, &conf, &chain, &store, error, sizeof error);
  CHECK(ret == EVE_OK, "open: %d %s", ret, error);
  if (ret == EVE_OK) {
    CHECK(mbedtls_pk_get_type(&chain.pk) == MBEDTLS_PK_RSA, "not RSA");
    CHECK(chain.next == NULL, "a self-signed certificate has no intermediates");
    check_callbacks(&conf, &chain, store);
    check_handshake(&conf, &chain, "eved-store-test", store);
    eved_tls_store_close(store);
    check_close_busy(thumbprint);
  }
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crt_free(&chain);
  rc = certstore_remove(L"My", thumbprint, error, sizeof error);
  CHECK(rc == 0, "remove: %s", error);
  /* Gone: found no more. */
  ret = open_my(thumbprint, &conf, &chain, &store, error, sizeof error);
  CHECK(ret == EVE_ENOENT, "after remove: %d %s", ret, error);
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crt_free(&chain);
  return failures == 0 ? 0 : 1;
}

/* A leaf issued by an intermediate CA, both CAs in CurrentUser\CA:
 * store_open appends the intermediate Windows finds, not the root, and a
 * client that trusts only the root completes the handshake. */
static int test_chain(const char *pfx, const char *password, const char *inter_der,
                      const char *root_der) {
  char error[512] = "", leaf[41] = "", inter[41] = "", root[41] = "";
  DWORD rc = certstore_import(pfx, password, false, leaf, error, sizeof error);
  CHECK(rc == 0, "import: %s", error);
  rc = certstore_add_der(L"CA", inter_der, inter, error, sizeof error);
  CHECK(rc == 0, "add the intermediate: %s", error);
  rc = certstore_add_der(L"CA", root_der, root, error, sizeof error);
  CHECK(rc == 0, "add the root: %s", error);
  if (failures == 0) {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt chain;
    eved_tls_store_t *store;
    int ret = open_my(leaf, &conf, &chain, &store, error, sizeof error);
    CHECK(ret == EVE_OK, "open: %d %s", ret, error);
    if (ret == EVE_OK) {
      int count = 0;
      char names[3][128] = {"", "", ""};
      for (const mbedtls_x509_crt *c = &chain; c != NULL; c = c->next, count++)
        if (count < 3) mbedtls_x509_dn_gets(names[count], sizeof names[count], &c->subject);
      printf("chain: %d certificates: %s | %s | %s\n", count, names[0], names[1], names[2]);
      CHECK(count == 2, "%d certificates in the chain, wanted the leaf and the intermediate",
            count);
      CHECK(strcmp(names[0], "CN=eved-store-leaf") == 0, "first: %s", names[0]);
      CHECK(strcmp(names[1], "CN=eved-store-inter") == 0, "second: %s", names[1]);
      mbedtls_x509_crt trusted;
      mbedtls_x509_crt_init(&trusted);
      DWORD len = 0;
      unsigned char der[4096];
      FILE *f = fopen(root_der, "rb");
      if (f != NULL) {
        len = (DWORD)fread(der, 1, sizeof der, f);
        fclose(f);
      }
      CHECK(mbedtls_x509_crt_parse_der(&trusted, der, len) == 0, "root %s", root_der);
      check_handshake(&conf, &trusted, "eved-store-leaf", store);
      mbedtls_x509_crt_free(&trusted);
      eved_tls_store_close(store);
    }
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&chain);
  }
  if (leaf[0] != 0) CHECK(certstore_remove(L"My", leaf, error, sizeof error) == 0, "%s", error);
  if (inter[0] != 0) CHECK(certstore_remove(L"CA", inter, error, sizeof error) == 0, "%s", error);
  if (root[0] != 0) CHECK(certstore_remove(L"CA", root, error, sizeof error) == 0, "%s", error);
  return failures == 0 ? 0 : 1;
}

/* store_open must fail with `want` and say something. */
static void expect_open(const char *store_name, const char *thumbprint, int want,
                        const char *needle) {
  mbedtls_ssl_config conf;
  server_conf(&conf);
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  eved_tls_store_t *store = NULL;
  char error[512] = "";
  int ret = eved_tls_store_open(store_name, thumbprint, &conf, &chain, wake, woken, &store, error,
                                sizeof error);
  CHECK(ret == want, "open(%s, %s): %d, wanted %d (%s)", store_name, thumbprint, ret, want, error);
  CHECK(store == NULL, "a store despite the error");
  CHECK(strstr(error, needle) != NULL, "open(%s, %s): \"%s\" lacks \"%s\"", store_name, thumbprint,
        error, needle);
  CHECK(conf.f_async_sign_start == NULL, "the conf was set up despite the error");
  printf("open(\"%s\", %s): %s (%s)\n", store_name, thumbprint, eve_error_name(ret), error);
  if (store != NULL) eved_tls_store_close(store);
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crt_free(&chain);
}

static int test_errors(const char *nokey_der, const char *ec_der) {
  char error[512] = "", thumbprint[41] = "";
  const char *absent = "00112233445566778899AABBCCDDEEFF00112233";
  expect_open("CurrentUser\\My", absent, EVE_ENOENT, "no such certificate");
  expect_open("CurrentUser\\My", "0011", EVE_EINVAL, "not 40 hexadecimal digits");
  expect_open("CurrentUser\\My", "0011223344556677889gAABBCCDDEEFF00112233", EVE_EINVAL,
              "not 40 hexadecimal digits");
  expect_open("Nowhere\\My", absent, EVE_EINVAL, "not LocalMachine");
  expect_open("CurrentUser", absent, EVE_EINVAL, "not LocalMachine");
  expect_open("CurrentUser\\", absent, EVE_EINVAL, "not LocalMachine");
  expect_open("CurrentUser\\My\\Sub", absent, EVE_EINVAL, "not LocalMachine");
  /* Well formed, but no such store: CERT_STORE_OPEN_EXISTING_FLAG. */
  expect_open("CurrentUser\\NoSuchStore", absent, EVE_ENOENT, "cannot be opened");
  DWORD rc = certstore_add_der(L"My", nokey_der, thumbprint, error, sizeof error);
  CHECK(rc == 0, "add: %s", error);
  if (rc == 0) {
    expect_open("currentuser\\my", thumbprint, EVE_EINVAL, "no private key");
    rc = certstore_remove(L"My", thumbprint, error, sizeof error);
    CHECK(rc == 0, "remove: %s", error);
  }
  /* An ECDSA certificate: refused for its key type before its key is
   * looked for. */
  rc = certstore_add_der(L"My", ec_der, thumbprint, error, sizeof error);
  CHECK(rc == 0, "add: %s", error);
  if (rc == 0) {
    expect_open("CurrentUser\\My", thumbprint, EVE_EINVAL, "is EC; only RSA keys are supported");
    rc = certstore_remove(L"My", thumbprint, error, sizeof error);
    CHECK(rc == 0, "remove: %s", error);
  }
  return failures == 0 ? 0 : 1;
}

/* Two certificates imported one after the other. Windows gives each PFX
 * its own key container; Wine 8 keeps one per user, and the second
 * import replaces the first's key there. Either way the first
 * certificate must never be served with a key that is not its own: it
 * opens and its handshake's signature verifies (Windows), or it is
 * refused for a key that does not match (Wine). Before the key was
 * matched by its public key, Wine's guessed key spec picked the second
 * certificate's key, and the handshake failed with a bad signature. */
static int test_replaced(const char *pfx, const char *other_pfx, const char *password) {
  char error[512] = "", thumbprint[41] = "", other[41] = "";
  DWORD rc = certstore_import(pfx, password, false, thumbprint, error, sizeof error);
  CHECK(rc == 0, "import: %s", error);
  if (rc != 0) return 1;
  rc = certstore_import(other_pfx, password, false, other, error, sizeof error);
  CHECK(rc == 0, "import of the second: %s", error);
  mbedtls_ssl_config conf;
  mbedtls_x509_crt chain;
  eved_tls_store_t *store;
  int ret = open_my(thumbprint, &conf, &chain, &store, error, sizeof error);
  if (ret == EVE_OK) {
    printf("the first certificate kept its key: its handshake must verify\n");
    check_handshake(&conf, &chain, "eved-store-test", store);
    eved_tls_store_close(store);
  } else {
    CHECK(ret == EVE_EINVAL && strstr(error, "no key matching the certificate") != NULL,
          "open after the second import: %d (%s)", ret, error);
    printf("refused, the key is another's: %s (%s)\n", eve_error_name(ret), error);
  }
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crt_free(&chain);
  if (other[0] != '\0') certstore_remove(L"My", other, error, sizeof error);
  certstore_remove(L"My", thumbprint, error, sizeof error);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  woken = CreateEventW(NULL, FALSE, FALSE, NULL);
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  if (woken == NULL ||
      mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0) {
    printf("FAIL: setup\n");
    return 1;
  }
  int rc = 2;
  if (argc == 4 && strcmp(argv[1], "sign") == 0) rc = test_sign(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "errors") == 0) rc = test_errors(argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "replaced") == 0) rc = test_replaced(argv[2], argv[3], argv[4]);
  if (argc == 6 && strcmp(argv[1], "chain") == 0) rc = test_chain(argv[2], argv[3], argv[4], argv[5]);
  if (rc == 2)
    printf("usage: store_unit sign PFX PASSWORD | errors NOKEY_DER EC_DER | chain PFX PASSWORD "
           "INTERMEDIATE_DER ROOT_DER\n");
  printf("%s: %d failure(s)\n", argc > 1 ? argv[1] : "?", failures);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return rc;
}
