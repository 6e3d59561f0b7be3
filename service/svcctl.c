/* svcctl: sends one control to a service and waits for the state it
 * leads to. Wine's sc.exe has no pause, continue or paramchange verbs;
 * this has, for the tests (tests/service) and for people.
 *
 *   svcctl pause|continue|paramchange|interrogate|query NAME
 *   svcctl config NAME
 *
 * Prints "NAME: STATE"; exit 0 when the control was accepted and the
 * expected state reached (PAUSED, RUNNING; paramchange and interrogate
 * expect the state not to change), 1 otherwise. `config` prints the
 * account the service runs as (QueryServiceConfig), its service SID type
 * and its required privileges (QueryServiceConfig2), one "key: value" per
 * line. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "service_state_win.h"

#define SETTLE_MS 20000
#define POLL_MS 100

static int fail(const char *what) {
  fprintf(stderr, "svcctl: %s failed: error %lu\n", what, (unsigned long)GetLastError());
  return 1;
}

/* Both queries are asked for their size first, as their documentation
 * says to (ERROR_INSUFFICIENT_BUFFER, then pcbBytesNeeded). */
static int config(const char *name) {
  SC_HANDLE scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
  if (scm == NULL) return fail("OpenSCManager");
  SC_HANDLE s = OpenServiceA(scm, name, SERVICE_QUERY_CONFIG);
  if (s == NULL) return fail("OpenService");
  DWORD needed = 0;
  QueryServiceConfigW(s, NULL, 0, &needed);
  QUERY_SERVICE_CONFIGW *qc = malloc(needed ? needed : 1);
  if (qc == NULL || !QueryServiceConfigW(s, qc, needed, &needed)) {
    free(qc);
    return fail("QueryServiceConfig");
  }
  printf("account: %ls\n", qc->lpServiceStartName ? qc->lpServiceStartName : L"(none)");
  printf("binary: %ls\n", qc->lpBinaryPathName ? qc->lpBinaryPathName : L"(none)");
  free(qc);
  SERVICE_SID_INFO sid;
  if (QueryServiceConfig2W(s, SERVICE_CONFIG_SERVICE_SID_INFO, (BYTE *)&sid, sizeof sid, &needed))
    printf("sid type: %lu\n", (unsigned long)sid.dwServiceSidType);
  else
    printf("sid type: unavailable (error %lu)\n", (unsigned long)GetLastError());
  /* The required privileges, a multi-string, as one comma-separated line. */
  BYTE buffer[4096];
  if (QueryServiceConfig2W(s, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, buffer, sizeof buffer,
                           &needed)) {
    const wchar_t *p = ((SERVICE_REQUIRED_PRIVILEGES_INFOW *)buffer)->pmszRequiredPrivileges;
    printf("privileges:");
    for (; p != NULL && *p != L'\0'; p += wcslen(p) + 1) printf(" %ls", p);
    printf("\n");
  } else {
    printf("privileges: unavailable (error %lu)\n", (unsigned long)GetLastError());
  }
  CloseServiceHandle(s);
  CloseServiceHandle(scm);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fputs("usage: svcctl pause|continue|paramchange|interrogate|query|config NAME\n", stderr);
    return 2;
  }
  if (strcmp(argv[1], "config") == 0) return config(argv[2]);
  static const struct {
    const char *verb;
    DWORD control; /* 0: query only */
    DWORD want;    /* 0: the state before */
  } verbs[] = {{"pause", SERVICE_CONTROL_PAUSE, SERVICE_PAUSED},
               {"continue", SERVICE_CONTROL_CONTINUE, SERVICE_RUNNING},
               {"paramchange", SERVICE_CONTROL_PARAMCHANGE, 0},
               {"interrogate", SERVICE_CONTROL_INTERROGATE, 0},
               {"query", 0, 0}};
  size_t v = 0;
  while (v < sizeof verbs / sizeof verbs[0] && strcmp(verbs[v].verb, argv[1]) != 0) v++;
  if (v == sizeof verbs / sizeof verbs[0]) return fail("unknown verb");
  SC_HANDLE scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
  if (scm == NULL) return fail("OpenSCManager");
  SC_HANDLE s = OpenServiceA(scm, argv[2],
                             SERVICE_PAUSE_CONTINUE | SERVICE_INTERROGATE | SERVICE_QUERY_STATUS);
  if (s == NULL) return fail("OpenService");
  SERVICE_STATUS st;
  if (!QueryServiceStatus(s, &st)) return fail("QueryServiceStatus");
  DWORD want = verbs[v].want ? verbs[v].want : st.dwCurrentState;
  if (verbs[v].control != 0 && !ControlService(s, verbs[v].control, &st))
    return fail("ControlService");
  for (DWORD waited = 0; waited < SETTLE_MS && st.dwCurrentState != want; waited += POLL_MS) {
    Sleep(POLL_MS);
    if (!QueryServiceStatus(s, &st)) return fail("QueryServiceStatus");
  }
  printf("%s: %s\n", argv[2], eved__service_state_name(st.dwCurrentState));
  CloseServiceHandle(s);
  CloseServiceHandle(scm);
  return st.dwCurrentState == want ? 0 : 1;
}
