/* store_win.c's CNG signing (sign() with an NCRYPT_KEY_HANDLE), under
 * Wine. Wine 8 never hands a certificate's key to store_open as a CNG
 * handle (CryptAcquireCertificatePrivateKey gives its PFX keys as
 * CryptoAPI providers, and its key storage provider cannot reopen a
 * persisted key: NCryptOpenKey answers NTE_NOT_SUPPORTED), but its
 * NCryptSignHash works on a key made in-process: so this program includes
 * store_win.c to call sign() on such a key, and verifies each signature
 * with Mbed TLS against the key's public half. The rest of the store
 * (thread, callbacks, CryptoAPI) is store_unit's. */
#include "store_win.c" /* NOLINT(bugprone-suspicious-include): the file under test's statics */

#include <mbedtls/rsa.h>

#include "check.h"

uint64_t eved__tls_owner(const mbedtls_ssl_context *ssl) { return (uint64_t)(uintptr_t)ssl; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  NCRYPT_PROV_HANDLE provider;
  NCRYPT_KEY_HANDLE key;
  SECURITY_STATUS status = NCryptOpenStorageProvider(&provider, MS_KEY_STORAGE_PROVIDER, 0);
  CHECK(status == ERROR_SUCCESS, "NCryptOpenStorageProvider: 0x%08lx", (unsigned long)status);
  if (status != ERROR_SUCCESS) return 1;
  /* An ephemeral key (no name), 2048 bits. */
  status = NCryptCreatePersistedKey(provider, &key, BCRYPT_RSA_ALGORITHM, NULL, 0, 0);
  DWORD bits = 2048;
  if (status == ERROR_SUCCESS)
    status = NCryptSetProperty(key, NCRYPT_LENGTH_PROPERTY, (PBYTE)&bits, sizeof bits, 0);
  if (status == ERROR_SUCCESS) status = NCryptFinalizeKey(key, 0);
  CHECK(status == ERROR_SUCCESS, "key: 0x%08lx", (unsigned long)status);
  if (status != ERROR_SUCCESS) return 1;

  /* The public half: BCRYPT_RSAKEY_BLOB, then e and n big-endian
   * (https://learn.microsoft.com/windows/win32/api/bcrypt/ns-bcrypt-bcrypt_rsakey_blob). */
  unsigned char blob[1024];
  DWORD len = 0;
  status = NCryptExportKey(key, 0, BCRYPT_RSAPUBLIC_BLOB, NULL, blob, sizeof blob, &len, 0);
  CHECK(status == ERROR_SUCCESS, "public blob: 0x%08lx", (unsigned long)status);
  if (status != ERROR_SUCCESS) return 1;
  BCRYPT_RSAKEY_BLOB head;
  memcpy(&head, blob, sizeof head);
  const unsigned char *e = blob + sizeof head, *n = e + head.cbPublicExp;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  int ret = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  if (ret == 0)
    ret = mbedtls_rsa_import_raw(mbedtls_pk_rsa(pk), n, head.cbModulus, NULL, 0, NULL, 0, NULL, 0,
                                 e, head.cbPublicExp);
  if (ret == 0) ret = mbedtls_rsa_complete(mbedtls_pk_rsa(pk));
  CHECK(ret == 0 && mbedtls_pk_get_bitlen(&pk) == 2048, "public key: -0x%04x", (unsigned)-ret);

  static eved_tls_store_t store;
  static job_t job;
  eved_tls_store_t *s = &store;
  job_t *j = &job;
  s->ncrypt = key;
  static const struct {
    mbedtls_md_type_t md;
    size_t len;
  } hashes[] = {{MBEDTLS_MD_SHA1, 20},
                {MBEDTLS_MD_SHA256, 32},
                {MBEDTLS_MD_SHA384, 48},
                {MBEDTLS_MD_SHA512, 64}};
  for (size_t h = 0; h < sizeof hashes / sizeof hashes[0]; h++) {
    j->md = hashes[h].md;
    j->hash_len = hashes[h].len;
    for (size_t i = 0; i < j->hash_len; i++) j->hash[i] = (unsigned char)(i * 13 + h);
    j->sig_len = 0;
    bool ok = sign(s, j);
    CHECK(ok && j->sig_len == 256, "sign md %d: %d, %zu bytes", (int)j->md, ok, j->sig_len);
    ret = mbedtls_pk_verify(&pk, j->md, j->hash, j->hash_len, j->sig, j->sig_len);
    CHECK(ret == 0, "md %d: the CNG signature does not verify: -0x%04x", (int)j->md,
          (unsigned)-ret);
    j->hash[0] ^= 1;
    CHECK(mbedtls_pk_verify(&pk, j->md, j->hash, j->hash_len, j->sig, j->sig_len) != 0,
          "md %d: a signature verifies another hash", (int)j->md);
  }
  /* SHA-224: no CNG name, refused before CNG is asked. */
  j->md = MBEDTLS_MD_SHA224;
  j->hash_len = 28;
  CHECK(!sign(s, j), "SHA-224 signed");
  printf("CNG: NCryptSignHash signatures verify (SHA-1, SHA-256, SHA-384, SHA-512)\n");
  mbedtls_pk_free(&pk);
  NCryptFreeObject(key);
  NCryptFreeObject(provider);
  printf("ncrypt: %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
