/* The Windows certificate store (store.h): the certificate found by its
 * thumbprint, its key used where it lives. The server's signature is
 * made by CryptoAPI or CNG on one signer thread; the loop hands it jobs
 * through Mbed TLS's asynchronous private key callbacks and a job table
 * (jobs.h): sign_start publishes a job, sign_resume takes its signature,
 * sign_cancel drops it when the handshake ends first. The finished jobs
 * not yet reported are the ready list: bounded by the table, and drained
 * by eved_tls_store_take_ready on the loop.
 *
 * The key handles are the thread's once the store is open; the structure
 * is freed by the last of the loop and the thread to let go (refs), so a
 * signature still running at close (a smart card waiting) finishes alone. */
#include <windows.h>
/* After windows.h, which they need. */
#include <ncrypt.h>
#include <wincrypt.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eve/eve_error.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "jobs.h"
#include "store.h"
#include "thread.h"
#include "tls_int.h"

/* Handshakes waiting for a signature at once; one more fails with
 * MBEDTLS_ERR_SSL_HW_ACCEL_FAILED, which the handshake counts (reason
 * "signing"). */
#define STORE_JOBS EVED_JOBS_MAX
/* An RSA signature is as long as the modulus: up to 8192 bits here. */
#define SIG_MAX 1024
#define HASH_MAX MBEDTLS_MD_MAX_SIZE
#define STORE_NAME_MAX 64

typedef struct job {
  bool reported; /* the loop's: take_ready named the owner already */
  uint64_t owner;
  mbedtls_md_type_t md;
  size_t hash_len;
  unsigned char hash[HASH_MAX];
  size_t sig_len;          /* the thread's result: 0 when signing failed */
  unsigned char sig[SIG_MAX];
} job_t;

struct eved_tls_store {
  atomic_bool quit;
  atomic_int refs;
  eved_tls_wake_fn wake;
  void *wake_arg;
  HCERTSTORE cert_store;
  PCCERT_CONTEXT cert;
  /* Exactly one of the two is set: the key's CryptoAPI provider (and
   * which of its container's keys: AT_KEYEXCHANGE or AT_SIGNATURE), or
   * its CNG handle. */
  HCRYPTPROV prov;
  DWORD key_spec;
  NCRYPT_KEY_HANDLE ncrypt;
  bool free_key; /* the handle is ours, not the certificate's */
  size_t sig_len; /* the modulus' length in bytes */
  eved_gate_t *go;
  eved_thread_t *thread;
  eved_jobs_t table;
  job_t jobs[STORE_JOBS];
};

/* ---- the signer thread ---- */

static void release(eved_tls_store_t *s) {
  if (atomic_fetch_sub(&s->refs, 1) != 1) return;
  if (s->free_key && s->ncrypt != 0) NCryptFreeObject(s->ncrypt);
  if (s->free_key && s->prov != 0) CryptReleaseContext(s->prov, 0);
  if (s->cert != NULL) CertFreeCertificateContext(s->cert);
  if (s->cert_store != NULL) CertCloseStore(s->cert_store, 0);
  eved_gate_destroy(s->go);
  SecureZeroMemory(s->jobs, sizeof s->jobs);
  free(s);
}

/* CryptoAPI's and CNG's names of a TLS 1.2 signature hash. SHA-224 has
 * neither (https://learn.microsoft.com/windows/win32/seccrypto/alg-id,
 * https://learn.microsoft.com/windows/win32/seccng/cng-algorithm-identifiers):
 * store_open keeps it out of the handshake (mbedtls_ssl_conf_sig_hashes). */
static bool hash_names(mbedtls_md_type_t md, ALG_ID *alg, LPCWSTR *cng) {
  switch (md) {
  case MBEDTLS_MD_SHA1:
    *alg = CALG_SHA1, *cng = BCRYPT_SHA1_ALGORITHM;
    return true;
  case MBEDTLS_MD_SHA256:
    *alg = CALG_SHA_256, *cng = BCRYPT_SHA256_ALGORITHM;
    return true;
  case MBEDTLS_MD_SHA384:
    *alg = CALG_SHA_384, *cng = BCRYPT_SHA384_ALGORITHM;
    return true;
  case MBEDTLS_MD_SHA512:
    *alg = CALG_SHA_512, *cng = BCRYPT_SHA512_ALGORITHM;
    return true;
  default:
    return false;
  }
}

/* A PKCS#1 v1.5 signature of the job's hash into job->sig (RFC 8017
 * 8.2.1, what mbedtls_rsa_pkcs1_sign makes); false when the key refuses. */
static bool sign(eved_tls_store_t *s, job_t *j) {
  ALG_ID alg;
  LPCWSTR cng;
  if (!hash_names(j->md, &alg, &cng)) return false;
  if (s->ncrypt != 0) {
    /* NCryptSignHash pads with PKCS#1 v1.5 and the DigestInfo of pszAlgId
     * (BCRYPT_PKCS1_PADDING_INFO), and writes the signature big-endian,
     * as TLS sends it
     * (https://learn.microsoft.com/windows/win32/api/ncrypt/nf-ncrypt-ncryptsignhash).
     * NCRYPT_SILENT_FLAG: a key that would ask the user (a smart card's
     * PIN) fails instead; nobody is there to answer a service's dialog. */
    BCRYPT_PKCS1_PADDING_INFO padding = {.pszAlgId = cng};
    DWORD len = 0;
    SECURITY_STATUS status =
        NCryptSignHash(s->ncrypt, &padding, j->hash, (DWORD)j->hash_len, j->sig, sizeof j->sig,
                       &len, NCRYPT_PAD_PKCS1_FLAG | NCRYPT_SILENT_FLAG);
    if (status != ERROR_SUCCESS) return false;
    j->sig_len = len;
    return true;
  }
  /* CryptoAPI signs a hash object, not bytes: one made with the hash's
   * ALG_ID and given the finished value (HP_HASHVAL, whose length is the
   * algorithm's:
   * https://learn.microsoft.com/windows/win32/api/wincrypt/nf-wincrypt-cryptsethashparam). */
  HCRYPTHASH hash;
  if (!CryptCreateHash(s->prov, alg, 0, 0, &hash)) return false;
  DWORD len = sizeof j->sig;
  bool ok = CryptSetHashParam(hash, HP_HASHVAL, j->hash, 0) &&
            CryptSignHashW(hash, s->key_spec, NULL, 0, j->sig, &len);
  CryptDestroyHash(hash);
  if (!ok) return false;
  /* CryptSignHash writes the signature little-endian, as CryptoAPI keeps
   * every big number ("the signature is in little-endian byte order" in
   * the RSA/Schannel provider's docs:
   * https://learn.microsoft.com/windows/win32/seccrypto/signing-data and
   * https://learn.microsoft.com/windows/win32/api/wincrypt/nf-wincrypt-cryptsignhashw);
   * TLS wants it big-endian. */
  for (DWORD i = 0; i < len / 2; i++) {
    unsigned char t = j->sig[i];
    j->sig[i] = j->sig[len - 1 - i];
    j->sig[len - 1 - i] = t;
  }
  j->sig_len = len;
  return true;
}

static void wake(void *arg) {
  eved_tls_store_t *s = arg;
  if (s->wake != NULL) s->wake(s->wake_arg);
}

static void signer_main(void *arg) {
  eved_tls_store_t *s = arg;
  for (;;) {
    eved_gate_wait(s->go);
    long i;
    while (!atomic_load(&s->quit) && (i = eved_jobs_claim(&s->table)) >= 0) {
      job_t *j = &s->jobs[i];
      /* A signature of another length is not this certificate's key's. */
      if (!sign(s, j) || j->sig_len != s->sig_len) j->sig_len = 0;
      eved_jobs_finish(&s->table, (size_t)i, wake, s);
    }
    if (atomic_load(&s->quit)) break;
  }
  release(s);
}

/* ---- Mbed TLS's callbacks (the loop's) ---- */

static int sign_start(mbedtls_ssl_context *ssl, mbedtls_x509_crt *cert, mbedtls_md_type_t md,
                      const unsigned char *hash, size_t hash_len) {
  (void)cert; /* always the store's certificate: eved sets no SNI callback */
  eved_tls_store_t *s = mbedtls_ssl_conf_get_async_config_data(ssl->conf);
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
  ALG_ID alg;
  LPCWSTR cng;
  /* TLS 1.2 signs a hash named by the peer's signature_algorithms (RFC
   * 5246 7.4.1.4.1); TLS 1.0's MD5+SHA-1 (md NONE) is never served. */
  if (info == NULL || mbedtls_md_get_size(info) != hash_len || hash_len > HASH_MAX ||
      !hash_names(md, &alg, &cng))
    return MBEDTLS_ERR_SSL_HW_ACCEL_FAILED;
  long i = eved_jobs_reserve(&s->table);
  if (i < 0) return MBEDTLS_ERR_SSL_HW_ACCEL_FAILED; /* the table is full */
  job_t *j = &s->jobs[i];
  j->reported = false;
  j->owner = eved__tls_owner(ssl);
  j->md = md;
  j->hash_len = hash_len;
  memcpy(j->hash, hash, hash_len);
  j->sig_len = 0;
  eved_jobs_publish(&s->table, (size_t)i);
  mbedtls_ssl_set_async_operation_data(ssl, j);
  eved_gate_open(s->go);
  return MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS;
}

static int sign_resume(mbedtls_ssl_context *ssl, unsigned char *output, size_t *output_len,
                       size_t output_size) {
  eved_tls_store_t *s = mbedtls_ssl_conf_get_async_config_data(ssl->conf);
  job_t *j = mbedtls_ssl_get_async_operation_data(ssl);
  if (j == NULL) return MBEDTLS_ERR_SSL_HW_ACCEL_FAILED;
  size_t i = (size_t)(j - s->jobs);
  if (!eved_jobs_is_done(&s->table, i)) return MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS;
  /* Mbed TLS forgets the job on any answer but "in progress". */
  int ret = MBEDTLS_ERR_SSL_HW_ACCEL_FAILED;
  if (j->sig_len > 0 && j->sig_len <= output_size) {
    memcpy(output, j->sig, j->sig_len);
    *output_len = j->sig_len;
    ret = 0;
  }
  eved_jobs_release(&s->table, i);
  return ret;
}

static void sign_cancel(mbedtls_ssl_context *ssl) {
  eved_tls_store_t *s = mbedtls_ssl_conf_get_async_config_data(ssl->conf);
  job_t *j = mbedtls_ssl_get_async_operation_data(ssl);
  if (j != NULL) eved_jobs_cancel(&s->table, (size_t)(j - s->jobs));
}

/* ---- opening ---- */

/* Win32's message for an error code, after the code itself. */
static void win_error(DWORD code, char *text, size_t size) {
  int n = snprintf(text, size, "0x%08lx", (unsigned long)code);
  if (n < 0 || (size_t)n + 3 >= size) return;
  char message[256];
  DWORD len = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             code, 0, message, sizeof message, NULL);
  while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == '\r' ||
                     message[len - 1] == ' ' || message[len - 1] == '.'))
    len--;
  if (len > 0) snprintf(text + n, size - (size_t)n, " (%.*s)", (int)len, message);
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool parse_thumbprint(const char *text, BYTE out[20]) {
  if (strlen(text) != 40) return false;
  for (size_t i = 0; i < 20; i++) {
    int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (BYTE)(hi << 4 | lo);
  }
  return true;
}

/* "Location\\Name": the two system store locations a service may open
 * (https://learn.microsoft.com/windows/win32/seccrypto/system-store-locations)
 * and a store name of letters, digits, spaces and "_-." ("My", "Root",
 * "WebHosting", "Remote Desktop"). */
static bool parse_store_name(const char *text, DWORD *location, WCHAR name[STORE_NAME_MAX]) {
  const char *slash = strchr(text, '\\');
  if (slash == NULL) return false;
  size_t loc_len = (size_t)(slash - text);
  if (loc_len == 12 && _strnicmp(text, "LocalMachine", 12) == 0) {
    *location = CERT_SYSTEM_STORE_LOCAL_MACHINE;
  } else if (loc_len == 11 && _strnicmp(text, "CurrentUser", 11) == 0) {
    *location = CERT_SYSTEM_STORE_CURRENT_USER;
  } else {
    return false;
  }
  const char *p = slash + 1;
  size_t len = strlen(p);
  if (len == 0 || len >= STORE_NAME_MAX) return false;
  for (size_t i = 0; i < len; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == ' ' || c == '_' || c == '-' || c == '.'))
      return false;
    name[i] = (WCHAR)c;
  }
  name[len] = 0;
  return true;
}

/* Appends the certificates Windows finds between the leaf and its root
 * (CertGetCertificateChain, from the system stores and the one the leaf
 * is in) to chain, so clients that know only the root can verify. A chain
 * Windows cannot build leaves the leaf alone: the client's verdict is
 * what counts. */
static void append_intermediates(PCCERT_CONTEXT cert, mbedtls_x509_crt *chain) {
  CERT_CHAIN_PARA para = {.cbSize = sizeof para};
  PCCERT_CHAIN_CONTEXT built = NULL;
  /* From what the machine has: the chain engine would otherwise fetch a
   * missing intermediate from its AIA URL, and a reload runs on the loop
   * thread (CertGetCertificateChain, CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL). */
  if (!CertGetCertificateChain(NULL, cert, NULL, cert->hCertStore, &para,
                               CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL, NULL, &built))
    return;
  if (built->cChain > 0) {
    const CERT_SIMPLE_CHAIN *simple = built->rgpChain[0];
    for (DWORD i = 1; i < simple->cElement; i++) {
      const CERT_CHAIN_ELEMENT *e = simple->rgpElement[i];
      if (e->TrustStatus.dwInfoStatus & CERT_TRUST_IS_SELF_SIGNED) break; /* the root */
      if (mbedtls_x509_crt_parse_der(chain, e->pCertContext->pbCertEncoded,
                                     e->pCertContext->cbCertEncoded) != 0)
        break;
    }
  }
  CertFreeCertificateChain(built);
}

/* Whether the CryptoAPI provider can hash with SHA-256. Microsoft's
 * PROV_RSA_FULL providers (the Base and Enhanced ones, where PFX imports
 * and old tools put keys) cannot: SHA-2 is only in the PROV_RSA_AES
 * provider (https://learn.microsoft.com/windows/win32/seccrypto/microsoft-enhanced-rsa-and-aes-cryptographic-provider).
 * Wine 8's PFX import puts keys in its Enhanced provider, which has no
 * SHA-256 either (seen here): the reopening below runs under Wine. */
static bool can_sha256(HCRYPTPROV prov) {
  HCRYPTHASH hash;
  if (!CryptCreateHash(prov, CALG_SHA_256, 0, 0, &hash)) return false;
  CryptDestroyHash(hash);
  return true;
}

/* The key's container opened again with the Enhanced RSA and AES
 * provider, which reads the keys of Microsoft's other software RSA
 * providers (their containers are shared: same link as can_sha256) and
 * has SHA-2. 0 when that fails (a smart card's own CSP, for one). */
static HCRYPTPROV reopen_aes(PCCERT_CONTEXT cert) {
  DWORD size = 0;
  if (!CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size))
    return 0;
  CRYPT_KEY_PROV_INFO *info = malloc(size);
  if (info == NULL) return 0;
  HCRYPTPROV prov = 0;
  if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, info, &size) &&
      !CryptAcquireContextW(&prov, info->pwszContainerName, MS_ENH_RSA_AES_PROV_W, PROV_RSA_AES,
                            CRYPT_SILENT | (info->dwFlags & CRYPT_MACHINE_KEYSET)))
    prov = 0;
  free(info);
  return prov;
}

/* Which of the container's two keys is the certificate's. Windows says
 * in the key's CRYPT_KEY_PROV_INFO, AT_KEYEXCHANGE or AT_SIGNATURE
 * (https://learn.microsoft.com/windows/win32/api/wincrypt/ns-wincrypt-crypt_key_prov_info),
 * and CryptAcquireCertificatePrivateKey passes it on; Wine 8's
 * PFXImportCertStore records 3 (both bits), which CryptGetUserKey and
 * CryptSignHash refuse (NTE_NO_KEY): then the key there is the one. */
/* Whether the container's key of this spec is the certificate's: the two
 * public keys as CryptoAPI blobs (BLOBHEADER, RSAPUBKEY, modulus), compared
 * past the header, whose ALG_ID says exchange or signature. A public key
 * always exports, a non-exportable key too (CryptExportKey,
 * PUBLICKEYBLOB). */
static bool key_matches(HCRYPTPROV prov, DWORD spec, PCCERT_CONTEXT cert) {
  HCRYPTKEY key;
  if (!CryptGetUserKey(prov, spec, &key)) return false;
  BYTE mine[1100], theirs[1100];
  DWORD mine_len = sizeof mine, theirs_len = sizeof theirs;
  const CRYPT_BIT_BLOB *pub = &cert->pCertInfo->SubjectPublicKeyInfo.PublicKey;
  bool ok = CryptExportKey(key, 0, PUBLICKEYBLOB, 0, mine, &mine_len) &&
            CryptDecodeObjectEx(X509_ASN_ENCODING, RSA_CSP_PUBLICKEYBLOB, pub->pbData, pub->cbData,
                                0, NULL, theirs, &theirs_len) &&
            mine_len == theirs_len && mine_len > sizeof(BLOBHEADER) &&
            memcmp(mine + sizeof(BLOBHEADER), theirs + sizeof(BLOBHEADER),
                   mine_len - sizeof(BLOBHEADER)) == 0;
  CryptDestroyKey(key);
  return ok;
}

/* Which of the container's keys is the certificate's. Wine 8's PFX import
 * records a key spec of 3, which CryptGetUserKey refuses, and keeps every
 * imported key in one container per user, where a later import replaces
 * an earlier one's key of the same spec and leaves the other: so the spec
 * is found by matching the public key, never guessed, and a container
 * whose keys are all another certificate's is an error rather than bad
 * signatures. */
static int find_key_spec(HCRYPTPROV prov, PCCERT_CONTEXT cert, DWORD *spec) {
  static const DWORD specs[] = {AT_KEYEXCHANGE, AT_SIGNATURE};
  for (size_t i = 0; i < 2; i++) {
    if ((*spec == AT_KEYEXCHANGE || *spec == AT_SIGNATURE) && *spec != specs[i]) continue;
    if (key_matches(prov, specs[i], cert)) {
      *spec = specs[i];
      return EVE_OK;
    }
  }
  return EVE_EINVAL;
}

/* The certificate's private key, for signing only and never exported. */
static int open_key(eved_tls_store_t *s, const char *what, char *error, size_t size) {
  /* SILENT: a service has no desktop to show a PIN dialog on; a key that
   * needs one fails here (NTE_SILENT_CONTEXT) instead of hanging. PREFER
   * NCRYPT: CNG reads the keys of Microsoft's legacy software providers
   * too and hashes with SHA-2 whatever the key's provider type
   * (https://learn.microsoft.com/windows/win32/api/wincrypt/nf-wincrypt-cryptacquirecertificateprivatekey).
   * Under Wine 8 the PFX-imported key comes as a CryptoAPI provider
   * (seen here): the CNG path below runs only on Windows. No CACHE flag: the
   * handle is ours, freed by release(). */
  HCRYPTPROV_OR_NCRYPT_KEY_HANDLE handle = 0;
  DWORD spec = 0;
  BOOL caller_frees = FALSE;
  int rc;
  if (!CryptAcquireCertificatePrivateKey(
          s->cert, CRYPT_ACQUIRE_SILENT_FLAG | CRYPT_ACQUIRE_PREFER_NCRYPT_KEY_FLAG, NULL, &handle,
          &spec, &caller_frees)) {
    DWORD code = GetLastError();
    char text[300];
    win_error(code, text, sizeof text);
    if (code == (DWORD)CRYPT_E_NO_KEY_PROPERTY) {
      snprintf(error, size, "%s: the certificate has no private key: %s", what, text);
    } else {
      /* Wine 8 fails here for keys imported into the machine key set
       * (CRYPT_MACHINE_KEYSET: 0x8009200b or NTE_BAD_KEYSET), which
       * Windows opens for a service running as LocalSystem. */
      snprintf(error, size, "%s: the private key cannot be opened: %s", what, text);
    }
    return EVE_EINVAL;
  }
  /* caller_frees is FALSE only when the certificate carries the handle
   * (CERT_KEY_CONTEXT_PROP_ID, or CRYPT_ACQUIRE_CACHE_FLAG, not used
   * here): it then lives as long as s->cert, and release() leaves it. */
  s->free_key = caller_frees;
  s->key_spec = spec;
  if (spec == CERT_NCRYPT_KEY_SPEC) {
    s->ncrypt = handle;
    WCHAR group[16] = {0};
    DWORD len = 0;
    if (NCryptGetProperty(s->ncrypt, NCRYPT_ALGORITHM_GROUP_PROPERTY, (PBYTE)group,
                          sizeof group - sizeof(WCHAR), &len, 0) != ERROR_SUCCESS ||
        wcscmp(group, NCRYPT_RSA_ALGORITHM_GROUP) != 0) {
      snprintf(error, size, "%s: the private key is not RSA (%ls)", what, group);
      return EVE_EINVAL;
    }
    return EVE_OK;
  }
  s->prov = (HCRYPTPROV)handle;
  if ((rc = find_key_spec(s->prov, s->cert, &s->key_spec)) != EVE_OK) {
    snprintf(error, size,
             "%s: the key's container holds no key matching the certificate (another "
             "certificate's key replaced it?)",
             what);
    return rc;
  }
  if (!can_sha256(s->prov)) {
    HCRYPTPROV aes = reopen_aes(s->cert);
    if (aes == 0 || !can_sha256(aes)) {
      if (aes != 0) CryptReleaseContext(aes, 0);
      snprintf(error, size,
               "%s: the key's CryptoAPI provider cannot sign SHA-256 hashes (TLS 1.2 needs them) "
               "and its container does not open with the RSA and AES provider",
               what);
      return EVE_EINVAL;
    }
    if (s->free_key) CryptReleaseContext(s->prov, 0);
    s->prov = aes;
    s->free_key = true;
  }
  return EVE_OK;
}

/* What TLS 1.2 may ask the key to sign: the hashes CryptoAPI and CNG have
 * (no SHA-224). SHA-1 stays out as Mbed TLS's default leaves it out
 * (MBEDTLS_TLS_DEFAULT_ALLOW_SHA1_IN_KEY_EXCHANGE). */
static const int store_sig_hashes[] = {MBEDTLS_MD_SHA512, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA256,
                                       MBEDTLS_MD_NONE};

int eved_tls_store_open(const char *store_name, const char *thumbprint, mbedtls_ssl_config *conf,
                        mbedtls_x509_crt *chain, eved_tls_wake_fn wake, void *arg,
                        eved_tls_store_t **out, char *error, size_t size) {
  *out = NULL;
  char what[160];
  snprintf(what, sizeof what, "tls.cert_thumbprint %.40s in tls.cert_store \"%.64s\"", thumbprint,
           store_name);
  BYTE hash[20];
  if (!parse_thumbprint(thumbprint, hash)) {
    snprintf(error, size, "tls.cert_thumbprint \"%.60s\": not 40 hexadecimal digits", thumbprint);
    return EVE_EINVAL;
  }
  DWORD location;
  WCHAR name[STORE_NAME_MAX];
  if (!parse_store_name(store_name, &location, name)) {
    snprintf(error, size,
             "tls.cert_store \"%.64s\": not LocalMachine\\<store> or CurrentUser\\<store> (e.g. "
             "LocalMachine\\My)",
             store_name);
    return EVE_EINVAL;
  }
  eved_tls_store_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(error, size, "%s: out of memory", what);
    return EVE_ENOMEM;
  }
  atomic_init(&s->quit, false);
  atomic_init(&s->refs, 1);
  eved_jobs_init(&s->table, STORE_JOBS);
  s->wake = wake;
  s->wake_arg = arg;
  int rc = EVE_EINVAL;
  char text[300];
  /* READONLY: eved never changes the store; OPEN_EXISTING: a misspelt
   * store name fails instead of creating an empty store
   * (https://learn.microsoft.com/windows/win32/api/wincrypt/nf-wincrypt-certopenstore). */
  s->cert_store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                                location | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG,
                                name);
  if (s->cert_store == NULL) {
    DWORD code = GetLastError();
    win_error(code, text, sizeof text);
    snprintf(error, size, "tls.cert_store \"%.64s\" cannot be opened: %s", store_name, text);
    rc = code == ERROR_FILE_NOT_FOUND ? EVE_ENOENT : EVE_EINVAL;
    goto fail;
  }
  CRYPT_HASH_BLOB blob = {.cbData = sizeof hash, .pbData = hash};
  s->cert = CertFindCertificateInStore(s->cert_store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                       CERT_FIND_SHA1_HASH, &blob, NULL);
  if (s->cert == NULL) {
    snprintf(error, size, "%s: no such certificate", what);
    rc = EVE_ENOENT;
    goto fail;
  }
  int ret = mbedtls_x509_crt_parse_der(chain, s->cert->pbCertEncoded, s->cert->cbCertEncoded);
  if (ret != 0) {
    snprintf(error, size, "%s: Mbed TLS cannot read the certificate (-0x%04x)", what,
             (unsigned)-ret);
    goto fail;
  }
  /* RSA only. Mbed TLS 2.28's TLS 1.2 server could take an ECDSA
   * signature from the callbacks too (DER Ecdsa-Sig-Value: RFC 4492 5.4),
   * and CNG makes ECDSA signatures (r||s, to be DER-encoded), but that is
   * not done here, nor tested; CryptoAPI has no ECDSA at all. */
  if (mbedtls_pk_get_type(&chain->pk) != MBEDTLS_PK_RSA) {
    snprintf(error, size,
             "%s: the certificate's key is %s; only RSA keys are supported from the certificate "
             "store",
             what, mbedtls_pk_get_name(&chain->pk));
    goto fail;
  }
  s->sig_len = mbedtls_pk_get_len(&chain->pk);
  if (s->sig_len > SIG_MAX) {
    snprintf(error, size, "%s: the RSA key has %zu bits; at most %d are supported", what,
             mbedtls_pk_get_bitlen(&chain->pk), SIG_MAX * 8);
    goto fail;
  }
  if ((rc = open_key(s, what, error, size)) != EVE_OK) goto fail;
  append_intermediates(s->cert, chain);
  rc = EVE_ENOMEM;
  if ((s->go = eved_gate_create()) == NULL) {
    snprintf(error, size, "%s: out of memory", what);
    goto fail;
  }
  atomic_fetch_add(&s->refs, 1);
  if ((s->thread = eved_thread_start(signer_main, s)) == NULL) {
    atomic_fetch_sub(&s->refs, 1);
    snprintf(error, size, "%s: the signer thread cannot start", what);
    goto fail;
  }
  /* The public key only: a signature Mbed TLS would make itself fails
   * (there is no private part), so the callbacks make every one. No
   * decrypt callback: the RSA key exchange (no forward secrecy) fails. */
  if ((ret = mbedtls_ssl_conf_own_cert(conf, chain, &chain->pk)) != 0) {
    snprintf(error, size, "%s: Mbed TLS refuses the certificate (-0x%04x)", what, (unsigned)-ret);
    eved_tls_store_close(s);
    return EVE_ENOMEM;
  }
  mbedtls_ssl_conf_async_private_cb(conf, sign_start, NULL, sign_resume, sign_cancel, s);
  mbedtls_ssl_conf_sig_hashes(conf, store_sig_hashes);
  *out = s;
  return EVE_OK;

fail:
  release(s);
  return rc;
}

size_t eved_tls_store_take_ready(eved_tls_store_t *s, uint64_t *owners, size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < STORE_JOBS && n < max; i++) {
    job_t *j = &s->jobs[i];
    if (!j->reported && eved_jobs_is_done(&s->table, i)) {
      j->reported = true;
      owners[n++] = j->owner;
    }
  }
  return n;
}

void eved_tls_store_close(eved_tls_store_t *s) {
  if (s == NULL) return;
  atomic_store(&s->quit, true);
  /* A signature in progress may take long (a smart card waiting): it is
   * canceled and its thread detached, never waited for. */
  bool busy = eved_jobs_cancel_all(&s->table);
  eved_jobs_quiesce(&s->table);
  eved_gate_open(s->go);
  if (busy) {
    eved_thread_detach(s->thread);
  } else {
    eved_thread_join(s->thread);
  }
  release(s);
}
