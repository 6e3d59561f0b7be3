/* What the security tests read back under Wine, where no access check can
 * be exercised (every Wine process runs as one user): the descriptors and
 * SIDs themselves.
 *
 *   sd_probe file PATH    print the file's DACL as SDDL
 *   sd_probe sid NAME     print the service SID eved derives for NAME
 *                         (service/account_win.c)
 *   sd_probe grant SDDL SID read|readwrite
 *                         print the DACL eved's install would set on a file
 *                         whose DACL is SDDL (the merge install uses; Wine
 *                         keeps no file DACLs, so this is where the grant's
 *                         construction is checked)
 *
 * Exit 0 when it printed, 1 otherwise (the reason on standard error). */
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <stdio.h>
#include <string.h>

#include "account_win.h"

static int fail(const char *what, DWORD error) {
  fprintf(stderr, "sd_probe: %s: error %lu\n", what, (unsigned long)error);
  return 1;
}

static int file_dacl(const wchar_t *path) {
  PACL dacl = NULL;
  PSECURITY_DESCRIPTOR sd = NULL;
  DWORD e = GetNamedSecurityInfoW(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                                  &dacl, NULL, &sd);
  if (e != ERROR_SUCCESS) return fail("GetNamedSecurityInfo", e);
  LPWSTR text = NULL;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                            DACL_SECURITY_INFORMATION, &text, NULL))
    return fail("ConvertSecurityDescriptorToStringSecurityDescriptor", GetLastError());
  printf("%ls\n", text);
  LocalFree(text);
  LocalFree(sd);
  return 0;
}

static int grant(const char *sddl_a, const char *sid_a, const char *what) {
  wchar_t sddl[1024], sid[EVED_ACCOUNT_MAX], out[2048];
  DWORD access = strcmp(what, "read") == 0        ? FILE_GENERIC_READ
                 : strcmp(what, "readwrite") == 0 ? FILE_GENERIC_READ | FILE_GENERIC_WRITE
                                                  : 0;
  if (access == 0 || MultiByteToWideChar(CP_UTF8, 0, sddl_a, -1, sddl, 1024) <= 0 ||
      MultiByteToWideChar(CP_UTF8, 0, sid_a, -1, sid, EVED_ACCOUNT_MAX) <= 0) {
    fputs("usage: sd_probe grant SDDL SID read|readwrite\n", stderr);
    return 2;
  }
  DWORD e = eved__grant_sddl(sddl, sid, access, out, sizeof out / sizeof out[0]);
  if (e != ERROR_SUCCESS) return fail("eved__grant_sddl", e);
  printf("%ls\n", out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "grant") == 0) return grant(argv[2], argv[3], argv[4]);
  wchar_t arg[MAX_PATH];
  if (argc != 3 || MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, arg, MAX_PATH) <= 0) {
    fputs("usage: sd_probe file PATH | sid NAME | grant SDDL SID read|readwrite\n", stderr);
    return 2;
  }
  if (strcmp(argv[1], "file") == 0) return file_dacl(arg);
  if (strcmp(argv[1], "sid") == 0) {
    wchar_t sid[EVED_ACCOUNT_MAX];
    DWORD e = eved__service_sid(arg, sid, EVED_ACCOUNT_MAX);
    if (e != ERROR_SUCCESS) return fail("eved__service_sid", e);
    printf("%ls\n", sid);
    return 0;
  }
  fputs("usage: sd_probe file PATH | sid NAME | grant SDDL SID read|readwrite\n", stderr);
  return 2;
}
