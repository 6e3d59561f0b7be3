/* The admin client's link on Windows: the named pipe, opened for
 * identification-only impersonation (SECURITY_SQOS_PRESENT |
 * SECURITY_IDENTIFICATION), so the server can tell who asks but can never
 * act as the caller. Blocking I/O: one request, one answer. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "admin_client.h"

/* All instances busy: how long to wait for one, and how often to retry. */
#define BUSY_WAIT_MS 5000
#define BUSY_TRIES 3

struct eved_admin_link {
  HANDLE pipe;
};

const char *eved_admin_link_target(const eved_config_t *config) { return config->admin_pipe; }

static HANDLE open_pipe(const wchar_t *name, DWORD *error) {
  for (int i = 0; i < BUSY_TRIES; i++) {
    HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                           SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
    if (h != INVALID_HANDLE_VALUE) return h;
    *error = GetLastError();
    if (*error != ERROR_PIPE_BUSY) return INVALID_HANDLE_VALUE;
    if (!WaitNamedPipeW(name, BUSY_WAIT_MS)) {
      *error = GetLastError() == ERROR_SEM_TIMEOUT ? ERROR_PIPE_BUSY : GetLastError();
      if (*error != ERROR_PIPE_BUSY) return INVALID_HANDLE_VALUE;
    }
  }
  return INVALID_HANDLE_VALUE;
}

int eved_admin_link_open(const eved_config_t *config, eved_admin_link_t **out, char *error,
                         size_t size) {
  wchar_t name[EVED_PATH_MAX];
  if (MultiByteToWideChar(CP_UTF8, 0, config->admin_pipe, -1, name, EVED_PATH_MAX) <= 0) {
    snprintf(error, size, "bad pipe name %s", config->admin_pipe);
    return EVE_EINVAL;
  }
  DWORD os_error = 0;
  HANDLE h = open_pipe(name, &os_error);
  if (h == INVALID_HANDLE_VALUE) {
    const char *why = os_error == ERROR_FILE_NOT_FOUND
                          ? "no such pipe (is eved running with admin.enabled?)"
                      : os_error == ERROR_ACCESS_DENIED
                          ? "access denied (admin.sddl admits SYSTEM and Administrators by "
                            "default: run elevated)"
                      : os_error == ERROR_PIPE_BUSY ? "every instance is busy (admin.max_clients)"
                                                    : eve_strerror(eve_error_from_os((long)os_error));
    snprintf(error, size, "cannot open %s: %s", config->admin_pipe, why);
    return eve_error_from_os((long)os_error);
  }
  eved_admin_link_t *link = malloc(sizeof *link);
  if (link == NULL) {
    CloseHandle(h);
    snprintf(error, size, "out of memory");
    return EVE_ENOMEM;
  }
  link->pipe = h;
  *out = link;
  return EVE_OK;
}

int eved_admin_link_send(eved_admin_link_t *link, const char *data, size_t len) {
  while (len > 0) {
    DWORD n = 0;
    if (!WriteFile(link->pipe, data, (DWORD)len, &n, NULL))
      return eve_error_from_os((long)GetLastError());
    data += n;
    len -= n;
  }
  return EVE_OK;
}

int eved_admin_link_recv(eved_admin_link_t *link, char *buf, size_t len, size_t *got) {
  DWORD n = 0;
  if (!ReadFile(link->pipe, buf, (DWORD)len, &n, NULL)) {
    DWORD error = GetLastError();
    return error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED
               ? EVE_EOF_
               : eve_error_from_os((long)error);
  }
  if (n == 0) return EVE_EOF_;
  *got = n;
  return EVE_OK;
}

void eved_admin_link_close(eved_admin_link_t *link) {
  CloseHandle(link->pipe);
  free(link);
}
