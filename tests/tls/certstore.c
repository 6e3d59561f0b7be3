/* certstore.h over crypt32, CryptoAPI and CNG. */
#include "certstore.h"

#include <windows.h>
/* After windows.h, which they need. */
#include <ncrypt.h>
#include <wincrypt.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENCODING (X509_ASN_ENCODING | PKCS_7_ASN_ENCODING)

static DWORD fail(const char *step, char *error, size_t size) {
  DWORD code = GetLastError();
  snprintf(error, size, "%s failed: 0x%08lx", step, (unsigned long)code);
  return code != 0 ? code : (DWORD)E_FAIL;
}

/* The whole file, or NULL (error says why). */
static BYTE *read_file(const char *path, DWORD *len, char *error, size_t size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(error, size, "cannot open %s", path);
    return NULL;
  }
  BYTE *data = malloc(65536);
  size_t n = data == NULL ? 0 : fread(data, 1, 65536, f);
  fclose(f);
  if (data == NULL || n == 0 || n == 65536) {
    snprintf(error, size, "%s: empty, unreadable or over 64 KiB", path);
    free(data);
    return NULL;
  }
  *len = (DWORD)n;
  return data;
}

static HCERTSTORE open_my(bool write) {
  DWORD flags = CERT_SYSTEM_STORE_CURRENT_USER | (write ? 0 : CERT_STORE_READONLY_FLAG);
  return CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, flags, L"My");
}

static void thumbprint_of(PCCERT_CONTEXT cert, char out[41]) {
  BYTE hash[20];
  DWORD len = sizeof hash;
  out[0] = 0;
  if (!CertGetCertificateContextProperty(cert, CERT_SHA1_HASH_PROP_ID, hash, &len) || len != 20)
    return;
  for (int i = 0; i < 20; i++) snprintf(out + 2 * i, 3, "%02X", hash[i]);
}

static bool parse_thumbprint(const char *text, BYTE out[20]) {
  if (strlen(text) != 40) return false;
  for (int i = 0; i < 20; i++) {
    unsigned v;
    if (sscanf(text + 2 * i, "%2x", &v) != 1) return false;
    out[i] = (BYTE)v;
  }
  return true;
}

static PCCERT_CONTEXT find(HCERTSTORE store, const char *thumbprint) {
  BYTE hash[20];
  if (!parse_thumbprint(thumbprint, hash)) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  CRYPT_HASH_BLOB blob = {.cbData = sizeof hash, .pbData = hash};
  return CertFindCertificateInStore(store, ENCODING, 0, CERT_FIND_SHA1_HASH, &blob, NULL);
}

DWORD certstore_import(const char *pfx_path, const char *password, bool exportable,
                       char thumbprint[41], char *error, size_t size) {
  DWORD len;
  BYTE *data = read_file(pfx_path, &len, error, size);
  if (data == NULL) return ERROR_FILE_NOT_FOUND;
  WCHAR wpassword[128];
  if (MultiByteToWideChar(CP_UTF8, 0, password, -1, wpassword, 128) == 0) {
    free(data);
    return fail("MultiByteToWideChar", error, size);
  }
  CRYPT_DATA_BLOB blob = {.cbData = len, .pbData = data};
  /* No CRYPT_EXPORTABLE: the key goes into its container marked
   * non-exportable, as administrators import server keys
   * (https://learn.microsoft.com/windows/win32/api/wincrypt/nf-wincrypt-pfximportcertstore).
   * CRYPT_USER_KEYSET: Wine 8 cannot use machine key set keys. */
  HCERTSTORE pfx =
      PFXImportCertStore(&blob, wpassword, CRYPT_USER_KEYSET | (exportable ? CRYPT_EXPORTABLE : 0));
  SecureZeroMemory(wpassword, sizeof wpassword);
  free(data);
  if (pfx == NULL) return fail("PFXImportCertStore", error, size);
  DWORD rc = 0;
  PCCERT_CONTEXT with_key = NULL;
  for (PCCERT_CONTEXT c = NULL; (c = CertEnumCertificatesInStore(pfx, c)) != NULL;) {
    DWORD prop = 0;
    if (CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &prop)) {
      with_key = CertDuplicateCertificateContext(c);
      CertFreeCertificateContext(c);
      break;
    }
  }
  if (with_key == NULL) {
    snprintf(error, size, "%s holds no certificate with a private key", pfx_path);
    CertCloseStore(pfx, 0);
    return (DWORD)CRYPT_E_NO_KEY_PROPERTY;
  }
  HCERTSTORE my = open_my(true);
  if (my == NULL) {
    rc = fail("CertOpenStore(CurrentUser\\My)", error, size);
  } else {
    /* The context's properties, the key's container among them, go
     * with it into the store. */
    if (!CertAddCertificateContextToStore(my, with_key, CERT_STORE_ADD_REPLACE_EXISTING, NULL))
      rc = fail("CertAddCertificateContextToStore", error, size);
    CertCloseStore(my, 0);
  }
  thumbprint_of(with_key, thumbprint);
  CertFreeCertificateContext(with_key);
  CertCloseStore(pfx, 0);
  return rc;
}

DWORD certstore_add_der(const wchar_t *store, const char *der_path, char thumbprint[41],
                        char *error, size_t size) {
  DWORD len;
  BYTE *data = read_file(der_path, &len, error, size);
  if (data == NULL) return ERROR_FILE_NOT_FOUND;
  HCERTSTORE my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, store);
  DWORD rc = 0;
  PCCERT_CONTEXT added = NULL;
  if (my == NULL) {
    rc = fail("CertOpenStore", error, size);
  } else {
    if (!CertAddEncodedCertificateToStore(my, X509_ASN_ENCODING, data, len,
                                          CERT_STORE_ADD_REPLACE_EXISTING, &added))
      rc = fail("CertAddEncodedCertificateToStore", error, size);
    CertCloseStore(my, 0);
  }
  free(data);
  if (added != NULL) {
    thumbprint_of(added, thumbprint);
    CertFreeCertificateContext(added);
  }
  return rc;
}

int certstore_export_key(const char *thumbprint, DWORD *code, char *error, size_t size) {
  HCERTSTORE my = open_my(false);
  if (my == NULL) {
    *code = fail("CertOpenStore(CurrentUser\\My)", error, size);
    return -1;
  }
  PCCERT_CONTEXT cert = find(my, thumbprint);
  if (cert == NULL) {
    *code = fail("CertFindCertificateInStore", error, size);
    CertCloseStore(my, 0);
    return -1;
  }
  HCRYPTPROV_OR_NCRYPT_KEY_HANDLE handle = 0;
  DWORD spec = 0;
  BOOL caller_frees = FALSE;
  int result = -1;
  if (!CryptAcquireCertificatePrivateKey(cert, CRYPT_ACQUIRE_SILENT_FLAG |
                                                   CRYPT_ACQUIRE_ALLOW_NCRYPT_KEY_FLAG,
                                         NULL, &handle, &spec, &caller_frees)) {
    *code = fail("CryptAcquireCertificatePrivateKey", error, size);
  } else if (spec == CERT_NCRYPT_KEY_SPEC) {
    DWORD len = 0;
    SECURITY_STATUS st =
        NCryptExportKey(handle, 0, BCRYPT_RSAFULLPRIVATE_BLOB, NULL, NULL, 0, &len, 0);
    BYTE *blob = st == ERROR_SUCCESS ? malloc(len) : NULL;
    if (blob != NULL)
      st = NCryptExportKey(handle, 0, BCRYPT_RSAFULLPRIVATE_BLOB, NULL, blob, len, &len, 0);
    *code = (DWORD)st;
    result = st == ERROR_SUCCESS && blob != NULL ? 1 : 0;
    snprintf(error, size, "NCryptExportKey(BCRYPT_RSAFULLPRIVATE_BLOB): 0x%08lx",
             (unsigned long)st);
    if (blob != NULL) SecureZeroMemory(blob, len);
    free(blob);
    if (caller_frees) NCryptFreeObject(handle);
  } else {
    HCRYPTKEY key;
    /* Wine 8's PFX import records key spec 3 (store_win.c's
     * find_key_spec): the key is one of the two. */
    if (spec != AT_KEYEXCHANGE && spec != AT_SIGNATURE)
      spec = CryptGetUserKey(handle, AT_KEYEXCHANGE, &key) ? (CryptDestroyKey(key), AT_KEYEXCHANGE)
                                                           : AT_SIGNATURE;
    if (!CryptGetUserKey(handle, spec, &key)) {
      *code = fail("CryptGetUserKey", error, size);
    } else {
      /* The size query alone may pass; the export itself is the test. */
      DWORD len = 0;
      BYTE *blob = NULL;
      bool ok = CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, NULL, &len) &&
                (blob = malloc(len)) != NULL &&
                CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, blob, &len);
      *code = ok ? 0 : GetLastError();
      result = ok ? 1 : 0;
      snprintf(error, size, "CryptExportKey(PRIVATEKEYBLOB): 0x%08lx", (unsigned long)*code);
      if (blob != NULL) SecureZeroMemory(blob, len);
      free(blob);
      CryptDestroyKey(key);
    }
    if (caller_frees) CryptReleaseContext(handle, 0);
  }
  CertFreeCertificateContext(cert);
  CertCloseStore(my, 0);
  return result;
}

DWORD certstore_remove(const wchar_t *store, const char *thumbprint, char *error, size_t size) {
  /* The registry store under CurrentUser\My, not the system store: Wine
   * 8 answers a deletion through the system store (a collection of
   * physical stores) with success and keeps the certificate, while
   * Windows deletes it from the registry store it came from
   * (https://learn.microsoft.com/windows/win32/seccrypto/system-store-locations).
   * Through the registry store both delete it. */
  HCERTSTORE my = CertOpenStore(CERT_STORE_PROV_SYSTEM_REGISTRY_W, 0, 0,
                                CERT_SYSTEM_STORE_CURRENT_USER, store);
  if (my == NULL) return fail("CertOpenStore", error, size);
  PCCERT_CONTEXT cert = find(my, thumbprint);
  if (cert == NULL) {
    DWORD rc = fail("CertFindCertificateInStore", error, size);
    CertCloseStore(my, 0);
    return rc;
  }
  /* The key's container goes too, so runs leave no key behind. */
  DWORD len = 0;
  CRYPT_KEY_PROV_INFO *info = NULL;
  if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &len) &&
      (info = malloc(len)) != NULL &&
      CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, info, &len)) {
    if (info->dwProvType == 0) {
      NCRYPT_PROV_HANDLE prov;
      NCRYPT_KEY_HANDLE key;
      if (NCryptOpenStorageProvider(&prov, info->pwszProvName, 0) == ERROR_SUCCESS) {
        if (NCryptOpenKey(prov, &key, info->pwszContainerName, 0, 0) == ERROR_SUCCESS)
          NCryptDeleteKey(key, 0);
        NCryptFreeObject(prov);
      }
    } else {
      HCRYPTPROV prov;
      CryptAcquireContextW(&prov, info->pwszContainerName, info->pwszProvName, info->dwProvType,
                           CRYPT_DELETEKEYSET | (info->dwFlags & CRYPT_MACHINE_KEYSET));
    }
  }
  free(info);
  DWORD rc = 0;
  /* Frees the context whatever it answers. */
  if (!CertDeleteCertificateFromStore(cert)) rc = fail("CertDeleteCertificateFromStore", error, size);
  CertCloseStore(my, 0);
  return rc;
}
