/* The account eved's service runs as, and what that account is granted.
 *
 * By default `eved install` registers the service as its virtual account,
 * "NT SERVICE\<name>", with no password: Windows manages the account, and
 * it holds no more than what is granted to it ("Service Accounts",
 * Microsoft Learn: virtual accounts are named NT SERVICE\<service name>
 * and take an empty password in CreateService/ChangeServiceConfig).
 *
 * Grants go to the service SID, not to the account: with
 * SERVICE_SID_TYPE_UNRESTRICTED the SCM adds the service SID to the
 * service's token whatever account it runs as (SERVICE_SID_INFO,
 * winsvc.h), and for the virtual account it is the account itself. So the
 * same grants serve `--account LocalSystem` or a managed account.
 *
 * The service SID is derived from the name, so install can grant it
 * before the service exists: S-1-5-80 followed by the SHA-1 of the
 * upper-cased name in UTF-16LE, as five little-endian 32-bit
 * sub-authorities (the SID LookupAccountName returns for
 * "NT SERVICE\<name>"; e.g. TrustedInstaller's is
 * S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464, which
 * tests/service checks against this same derivation). */
#include <windows.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <sddl.h>

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "account_win.h"

#define SHA1_BYTES 20

bool eved__account_is_local_system(const wchar_t *account) {
  return account == NULL || _wcsicmp(account, L"LocalSystem") == 0 ||
         _wcsicmp(account, L".\\LocalSystem") == 0 ||
         _wcsicmp(account, L"NT AUTHORITY\\SYSTEM") == 0;
}

bool eved__account_virtual(const wchar_t *name, wchar_t *out, size_t size) {
  int n = swprintf(out, size, L"NT SERVICE\\%ls", name);
  return n > 0 && (size_t)n < size;
}

static DWORD sha1(const BYTE *data, ULONG len, BYTE out[SHA1_BYTES]) {
  BCRYPT_ALG_HANDLE alg = NULL;
  BCRYPT_HASH_HANDLE hash = NULL;
  NTSTATUS st = BCryptOpenAlgorithmProvider(&alg, BCRYPT_SHA1_ALGORITHM, NULL, 0);
  if (BCRYPT_SUCCESS(st)) st = BCryptCreateHash(alg, &hash, NULL, 0, NULL, 0, 0);
  if (BCRYPT_SUCCESS(st)) st = BCryptHashData(hash, (PUCHAR)data, len, 0);
  if (BCRYPT_SUCCESS(st)) st = BCryptFinishHash(hash, out, SHA1_BYTES, 0);
  if (hash != NULL) BCryptDestroyHash(hash);
  if (alg != NULL) BCryptCloseAlgorithmProvider(alg, 0);
  return BCRYPT_SUCCESS(st) ? ERROR_SUCCESS : ERROR_INTERNAL_ERROR;
}

DWORD eved__service_sid(const wchar_t *name, wchar_t *out, size_t size) {
  wchar_t upper[EVED_ACCOUNT_MAX];
  size_t len = wcslen(name);
  if (len == 0 || len >= EVED_ACCOUNT_MAX) return ERROR_INVALID_NAME;
  /* The SCM upper-cases the name the way the file system compares names:
   * the invariant locale's mapping. */
  if (LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, name, (int)len, upper,
                    EVED_ACCOUNT_MAX, NULL, NULL, 0) != (int)len)
    return GetLastError();
  BYTE digest[SHA1_BYTES];
  /* UTF-16LE is wchar_t's layout on Windows. */
  DWORD e = sha1((const BYTE *)upper, (ULONG)(len * sizeof(wchar_t)), digest);
  if (e != ERROR_SUCCESS) return e;
  DWORD sub[5];
  for (int i = 0; i < 5; i++)
    sub[i] = (DWORD)digest[4 * i] | (DWORD)digest[4 * i + 1] << 8 |
             (DWORD)digest[4 * i + 2] << 16 | (DWORD)digest[4 * i + 3] << 24;
  int n = swprintf(out, size, L"S-1-5-80-%lu-%lu-%lu-%lu-%lu", (unsigned long)sub[0],
                   (unsigned long)sub[1], (unsigned long)sub[2], (unsigned long)sub[3],
                   (unsigned long)sub[4]);
  return n > 0 && (size_t)n < size ? ERROR_SUCCESS : ERROR_INSUFFICIENT_BUFFER;
}

/* The DACL of a security descriptor as SDDL. */
static DWORD dacl_text(PSECURITY_DESCRIPTOR sd, wchar_t *out, size_t size) {
  LPWSTR text = NULL;
  DWORD e = ERROR_SUCCESS;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                            DACL_SECURITY_INFORMATION, &text, NULL))
    e = GetLastError();
  else if (wcslen(text) >= size)
    e = ERROR_INSUFFICIENT_BUFFER;
  else
    wcscpy(out, text);
  LocalFree(text);
  return e;
}

/* An explicit allow ACE for the SID merged into `old` by SetEntriesInAcl,
 * which keeps the other ACEs (inherited ones marked as such) in the order
 * Windows expects (SetEntriesInAcl, aclapi.h). */
static DWORD merge(PACL old, PSID sid, DWORD access, DWORD inheritance, PACL *out) {
  EXPLICIT_ACCESS_W ea;
  memset(&ea, 0, sizeof ea);
  ea.grfAccessPermissions = access;
  ea.grfAccessMode = GRANT_ACCESS;
  ea.grfInheritance = inheritance;
  ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  ea.Trustee.TrusteeType = TRUSTEE_IS_WELL_KNOWN_GROUP;
  ea.Trustee.ptstrName = (LPWSTR)sid;
  return SetEntriesInAclW(1, &ea, old, out);
}

/* `sd` with `dacl` in place of its own, as SDDL (DACL part only). */
static DWORD text_with_dacl(PACL dacl, wchar_t *out, size_t size) {
  SECURITY_DESCRIPTOR sd;
  if (!InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION) ||
      !SetSecurityDescriptorDacl(&sd, TRUE, dacl, FALSE))
    return GetLastError();
  return dacl_text(&sd, out, size);
}

DWORD eved__grant_sddl(const wchar_t *sddl, const wchar_t *sid_text, DWORD access, wchar_t *out,
                       size_t size) {
  PSID sid = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL new_dacl = NULL;
  DWORD e = ERROR_SUCCESS;
  if (!ConvertStringSidToSidW(sid_text, &sid) ||
      !ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, NULL))
    e = GetLastError();
  BOOL present = FALSE, defaulted = FALSE;
  PACL old = NULL;
  if (e == ERROR_SUCCESS && !GetSecurityDescriptorDacl(sd, &present, &old, &defaulted))
    e = GetLastError();
  if (e == ERROR_SUCCESS) e = merge(present ? old : NULL, sid, access, NO_INHERITANCE, &new_dacl);
  if (e == ERROR_SUCCESS) e = text_with_dacl(new_dacl, out, size);
  LocalFree(new_dacl);
  LocalFree(sd);
  LocalFree(sid);
  return e;
}

/* Sets the merged DACL with SetNamedSecurityInfo, which also carries an
 * inheritable ACE down to what a folder already holds (SetNamedSecurityInfo,
 * Remarks), and says what was set (`sddl`) and what the file reads back
 * with afterwards (`readback`). Windows keeps the DACL with the file;
 * Debian's Wine 8 wineserver is built without extended-attribute support,
 * so it keeps only the Unix mode bits it derives from the DACL and reads
 * back a DACL made from them (without the SID): install compares and
 * warns. */
DWORD eved__grant_file(const wchar_t *path, const wchar_t *sid_text, DWORD access,
                       DWORD inheritance, wchar_t *sddl, wchar_t *readback, size_t size) {
  PSID sid = NULL;
  if (!ConvertStringSidToSidW(sid_text, &sid)) return GetLastError();
  PACL old_dacl = NULL, new_dacl = NULL, unused = NULL;
  PSECURITY_DESCRIPTOR sd = NULL, after = NULL;
  DWORD e = GetNamedSecurityInfoW(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                                  &old_dacl, NULL, &sd);
  if (e == ERROR_SUCCESS) e = merge(old_dacl, sid, access, inheritance, &new_dacl);
  if (e == ERROR_SUCCESS) e = text_with_dacl(new_dacl, sddl, size);
  if (e == ERROR_SUCCESS)
    e = SetNamedSecurityInfoW((LPWSTR)path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                              new_dacl, NULL);
  if (e == ERROR_SUCCESS)
    e = GetNamedSecurityInfoW(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &unused,
                              NULL, &after);
  if (e == ERROR_SUCCESS) e = dacl_text(after, readback, size);
  LocalFree(after);
  LocalFree(new_dacl);
  LocalFree(sd);
  LocalFree(sid);
  return e;
}
