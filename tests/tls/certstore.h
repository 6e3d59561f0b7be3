/* What the certificate store tests and eved_certstore.exe do to
 * CurrentUser\My: import a PFX with a non-exportable key, try to export a
 * key, remove a certificate and its key. Windows only. */
#ifndef EVED_TESTS_CERTSTORE_H_
#define EVED_TESTS_CERTSTORE_H_

#include <stdbool.h>
#include <stddef.h>

#include <windows.h>

/* Imports the PFX's certificate that has a key into CurrentUser\My, its
 * key into the user's key set, WITHOUT CRYPT_EXPORTABLE unless
 * `exportable` (the tests' control case); thumbprint gets the SHA-1
 * thumbprint as 40 upper-case hex digits. 0, or the Win32 error (error
 * says which step). */
DWORD certstore_import(const char *pfx_path, const char *password, bool exportable,
                       char thumbprint[41], char *error, size_t size);
/* Adds a certificate (DER file) alone, without a key, to the store
 * CurrentUser\<store> ("My", "CA"). */
DWORD certstore_add_der(const wchar_t *store, const char *der_path, char thumbprint[41],
                        char *error, size_t size);
/* Tries to export the certificate's private key as CryptoAPI's
 * PRIVATEKEYBLOB or CNG's BCRYPT_RSAFULLPRIVATE_BLOB, as a thief would:
 * 1 if the key came out, 0 if the provider refused (*code: its error),
 * -1 if the key could not even be opened (*code, error). */
int certstore_export_key(const char *thumbprint, DWORD *code, char *error, size_t size);
/* Removes the certificate from CurrentUser\<store> and deletes its key
 * container. 0, or the Win32 error (CRYPT_E_NOT_FOUND: no such
 * certificate). */
DWORD certstore_remove(const wchar_t *store, const char *thumbprint, char *error, size_t size);

#endif /* EVED_TESTS_CERTSTORE_H_ */
