/* eved_certstore.exe: the certificate store steps of the end-to-end tests
 * (tests/server), under Wine:
 *
 *   eved_certstore import PFX PASSWORD   import into CurrentUser\My with a
 *                                        non-exportable key; prints the
 *                                        SHA-1 thumbprint; exit 0
 *   eved_certstore export-key THUMBPRINT try to export the private key:
 *                                        exit 0 if it came out, 3 if the
 *                                        provider refused (the error is
 *                                        printed), 1 if it could not try
 *   eved_certstore remove THUMBPRINT     remove the certificate and its key
 *
 * Other failures exit 1 with the Win32 error on stderr; usage errors 2. */
#include <stdio.h>
#include <string.h>

#include "certstore.h"

int main(int argc, char **argv) {
  char error[256] = "";
  if (argc == 4 && strcmp(argv[1], "import") == 0) {
    char thumbprint[41];
    if (certstore_import(argv[2], argv[3], false, thumbprint, error, sizeof error) != 0) {
      fprintf(stderr, "eved_certstore: import %s: %s\n", argv[2], error);
      return 1;
    }
    printf("%s\n", thumbprint);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "export-key") == 0) {
    DWORD code = 0;
    int r = certstore_export_key(argv[2], &code, error, sizeof error);
    if (r == 1) {
      printf("exported: %s\n", error);
      return 0;
    }
    if (r == 0) {
      printf("refused: %s\n", error);
      return 3;
    }
    fprintf(stderr, "eved_certstore: export-key %s: %s\n", argv[2], error);
    return 1;
  }
  if (argc == 3 && strcmp(argv[1], "remove") == 0) {
    if (certstore_remove(L"My", argv[2], error, sizeof error) != 0) {
      fprintf(stderr, "eved_certstore: remove %s: %s\n", argv[2], error);
      return 1;
    }
    return 0;
  }
  fprintf(stderr, "usage: eved_certstore import PFX PASSWORD | export-key THUMBPRINT | "
                  "remove THUMBPRINT\n");
  return 2;
}
