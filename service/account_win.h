/* account_win.c: the service's account and its service SID, and the
 * grants install makes to that SID. */
#ifndef EVED_ACCOUNT_WIN_H_
#define EVED_ACCOUNT_WIN_H_

#include <stdbool.h>
#include <stddef.h>
#include <windows.h>
#include <aclapi.h> /* NO_INHERITANCE, SUB_CONTAINERS_AND_OBJECTS_INHERIT */

/* Long enough for "NT SERVICE\" + a service name (256 at most) and for a
 * service SID in text. */
#define EVED_ACCOUNT_MAX 300

/* NULL, "LocalSystem", ".\LocalSystem", "NT AUTHORITY\SYSTEM". */
bool eved__account_is_local_system(const wchar_t *account);
/* "NT SERVICE\<name>"; false if it does not fit. */
bool eved__account_virtual(const wchar_t *name, wchar_t *out, size_t size);
/* The service SID of NAME as text ("S-1-5-80-..."). */
DWORD eved__service_sid(const wchar_t *name, wchar_t *out, size_t size);
/* Adds an explicit allow ACE with `access` for the SID to the file's (or
 * folder's) DACL; `inheritance` as EXPLICIT_ACCESS's grfInheritance
 * (NO_INHERITANCE for a file). `sddl` gets the DACL set, `readback` the
 * DACL the file reads back with afterwards (each `size` characters). */
DWORD eved__grant_file(const wchar_t *path, const wchar_t *sid, DWORD access, DWORD inheritance,
                       wchar_t *sddl, wchar_t *readback, size_t size);
/* The same merge on a descriptor given as SDDL, for tests: `out` is the
 * DACL eved would set on a file whose DACL is `sddl`. */
DWORD eved__grant_sddl(const wchar_t *sddl, const wchar_t *sid, DWORD access, wchar_t *out,
                       size_t size);

#endif /* EVED_ACCOUNT_WIN_H_ */
