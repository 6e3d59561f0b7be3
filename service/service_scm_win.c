/* eved's service verbs: install, uninstall, start, stop, status,
 * configure, each a short conversation with the Service Control Manager.
 * This file parses them, runs start, stop and status, and holds what the
 * verbs share (opening the SCM and the service, waiting for a state, the
 * recovery actions and the token settings); service_install_win.c installs,
 * uninstalls and configures. Every call's result is checked; the messages
 * name the usual causes (not elevated, already installed, not
 * installed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "config.h"
#include "server.h"
#include "service.h"
#include "service_verbs_win.h"
#include "service_win.h"

/* How long start/stop/uninstall wait for the service to settle. */
#define SETTLE_MS 60000
#define POLL_MS 100

int eved__svc_usage(void) {
  fputs("usage: eved install [--config FILE] [--start auto|delayed|manual] [--no-start] "
        "[--name NAME]\n"
        "                    [--account ACCOUNT] [--firewall [--remote-addr LIST]]\n"
        "       eved uninstall|start|stop|status [--name NAME]\n"
        "       eved configure [--name NAME] [--data-dir DIR] [--firewall --listen HOST:PORT "
        "[--remote-addr LIST]]\n"
        "       eved configure [--name NAME] --remove-firewall\n",
        stderr);
  return EVED_SVC_USAGE;
}

int eved__svc_os_failure(const char *what, DWORD error) {
  if (error == ERROR_ACCESS_DENIED) {
    fprintf(stderr, "eved: %s: access denied: not elevated (run from an administrator prompt)\n",
            what);
    return EVED_SVC_NOT_ELEVATED;
  }
  fprintf(stderr, "eved: %s failed: %s (error %lu)\n", what,
          eve_strerror(eve_error_from_os((long)error)), (unsigned long)error);
  return EVED_SVC_FAILED;
}

static int parse(int argc, char **argv, args_t *a) {
  memset(a, 0, sizeof *a);
  a->verb = argv[0];
  wcscpy(a->name, L"eved");
  a->start_type = SERVICE_AUTO_START;
  bool configure = strcmp(a->verb, "configure") == 0;
  bool install = strcmp(a->verb, "install") == 0;
  for (int i = 1; i < argc; i++) {
    bool value = i + 1 < argc;
    if (strcmp(argv[i], "--name") == 0 && value) {
      if (MultiByteToWideChar(CP_UTF8, 0, argv[++i], -1, a->name, EVED_SERVICE_NAME_MAX) <= 0)
        return eved__svc_usage();
    } else if (install && strcmp(argv[i], "--config") == 0 && value) {
      a->config = argv[++i];
    } else if (install && strcmp(argv[i], "--no-start") == 0) {
      a->no_start = true;
    } else if (install && strcmp(argv[i], "--account") == 0 && value) {
      a->account = argv[++i];
    } else if ((install || configure) && strcmp(argv[i], "--firewall") == 0) {
      a->firewall = true;
    } else if ((install || configure) && strcmp(argv[i], "--remote-addr") == 0 && value) {
      a->remote_addr = argv[++i];
    } else if (configure && strcmp(argv[i], "--data-dir") == 0 && value) {
      a->data_dir = argv[++i];
    } else if (configure && strcmp(argv[i], "--listen") == 0 && value) {
      a->listen = argv[++i];
    } else if (configure && strcmp(argv[i], "--remove-firewall") == 0) {
      a->remove_firewall = true;
    } else if (install && strcmp(argv[i], "--start") == 0 && value) {
      const char *s = argv[++i];
      if (strcmp(s, "auto") == 0) {
        a->start_type = SERVICE_AUTO_START;
      } else if (strcmp(s, "delayed") == 0) {
        a->start_type = SERVICE_AUTO_START;
        a->delayed = true;
      } else if (strcmp(s, "manual") == 0) {
        a->start_type = SERVICE_DEMAND_START;
      } else {
        return eved__svc_usage();
      }
    } else {
      fprintf(stderr, "eved %s: unexpected argument \"%s\"\n", a->verb, argv[i]);
      return eved__svc_usage();
    }
  }
  if (a->remote_addr != NULL && !a->firewall) {
    fprintf(stderr, "eved %s: --remote-addr goes with --firewall\n", a->verb);
    return eved__svc_usage();
  }
  if (configure && a->firewall && a->listen == NULL) {
    fputs("eved configure: --firewall needs --listen (the port the rule opens)\n", stderr);
    return eved__svc_usage();
  }
  return EVED_SVC_OK;
}

SC_HANDLE eved__svc_open_scm(DWORD access, int *status) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, access);
  if (scm == NULL) *status = eved__svc_os_failure("OpenSCManager", GetLastError());
  return scm;
}

SC_HANDLE eved__svc_open_service(SC_HANDLE scm, const args_t *a, DWORD access, int *status) {
  SC_HANDLE s = OpenServiceW(scm, a->name, access);
  if (s != NULL) return s;
  DWORD error = GetLastError();
  if (error == ERROR_SERVICE_DOES_NOT_EXIST) {
    fprintf(stderr, "eved %s: service \"%ls\" is not installed\n", a->verb, a->name);
    *status = EVED_SVC_NOT_INSTALLED;
  } else {
    *status = eved__svc_os_failure("OpenService", error);
  }
  return NULL;
}

bool eved__svc_query(SC_HANDLE s, SERVICE_STATUS_PROCESS *out) {
  DWORD needed;
  return QueryServiceStatusEx(s, SC_STATUS_PROCESS_INFO, (BYTE *)out, sizeof *out, &needed) != 0;
}

/* Polls until the state is `want` or STOPPED (or the time is up). */
static bool settle(SC_HANDLE s, DWORD want, SERVICE_STATUS_PROCESS *st) {
  for (DWORD waited = 0; waited <= SETTLE_MS; waited += POLL_MS) {
    if (!eved__svc_query(s, st)) return false;
    if (st->dwCurrentState == want || st->dwCurrentState == SERVICE_STOPPED) return true;
    Sleep(POLL_MS);
  }
  return false;
}

static void print_status(const args_t *a, const SERVICE_STATUS_PROCESS *st) {
  printf("%ls: %s", a->name, eved__service_state_name(st->dwCurrentState));
  if (st->dwCurrentState != SERVICE_STOPPED) {
    printf(" (pid %lu)\n", (unsigned long)st->dwProcessId);
  } else if (st->dwWin32ExitCode == ERROR_SERVICE_SPECIFIC_ERROR) {
    printf(" (exit code %lu: see eved's log or the Application event log)\n",
           (unsigned long)st->dwServiceSpecificExitCode);
  } else {
    printf(" (win32 exit code %lu)\n", (unsigned long)st->dwWin32ExitCode);
  }
}

int eved__svc_start_and_wait(SC_HANDLE s, const args_t *a) {
  SERVICE_STATUS_PROCESS st;
  if (!StartServiceW(s, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
    return eved__svc_os_failure("StartService", GetLastError());
  if (!settle(s, SERVICE_RUNNING, &st)) return eved__svc_os_failure("waiting for RUNNING", GetLastError());
  print_status(a, &st);
  return st.dwCurrentState == SERVICE_RUNNING ? EVED_SVC_OK : EVED_SVC_FAILED;
}

int eved__svc_stop_and_wait(SC_HANDLE s, const args_t *a) {
  SERVICE_STATUS plain;
  SERVICE_STATUS_PROCESS st;
  if (!ControlService(s, SERVICE_CONTROL_STOP, &plain)) {
    DWORD error = GetLastError();
    if (error != ERROR_SERVICE_NOT_ACTIVE) return eved__svc_os_failure("ControlService(STOP)", error);
  }
  if (!settle(s, SERVICE_STOPPED, &st)) return eved__svc_os_failure("waiting for STOPPED", GetLastError());
  print_status(a, &st);
  return EVED_SVC_OK;
}

/* One ChangeServiceConfig2 level. An SCM that does not know the level
 * (ERROR_INVALID_LEVEL: Wine 8's services.exe for the failure-actions
 * flag) gets a warning, not a failed install: the service runs the same,
 * only without that recovery setting. Any other error fails. */
static DWORD config2(SC_HANDLE s, DWORD level, void *info, const char *what) {
  if (ChangeServiceConfig2W(s, level, info)) return ERROR_SUCCESS;
  DWORD error = GetLastError();
  if (error == ERROR_INVALID_LEVEL || error == ERROR_CALL_NOT_IMPLEMENTED) {
    fprintf(stderr, "eved install: warning: %s not set: this SCM does not support it (error %lu)\n",
            what, (unsigned long)error);
    return ERROR_SUCCESS;
  }
  fprintf(stderr, "eved install: setting %s failed\n", what);
  return error;
}

/* Failure actions: restart after 5 s, 30 s, 60 s; the count resets after a
 * day; a non-zero exit code counts as a failure, not only a crash. */
DWORD eved__svc_set_recovery(SC_HANDLE s, const args_t *a) {
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 5000}, {SC_ACTION_RESTART, 30000},
                          {SC_ACTION_RESTART, 60000}};
  SERVICE_FAILURE_ACTIONSW fa = {.dwResetPeriod = 86400, .cActions = 3, .lpsaActions = actions};
  SERVICE_FAILURE_ACTIONS_FLAG flag = {.fFailureActionsOnNonCrashFailures = TRUE};
  wchar_t text[] = L"eved: serves its own live figures over HTTP (/stats, /metrics, /healthz) "
                   L"with an admin named pipe.";
  SERVICE_DESCRIPTIONW description = {.lpDescription = text};
  SERVICE_DELAYED_AUTO_START_INFO delayed = {.fDelayedAutostart = TRUE};
  DWORD e = config2(s, SERVICE_CONFIG_DESCRIPTION, &description, "the description");
  if (e == ERROR_SUCCESS)
    e = config2(s, SERVICE_CONFIG_FAILURE_ACTIONS, &fa, "the failure actions");
  if (e == ERROR_SUCCESS)
    e = config2(s, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag, "the failure-actions flag");
  if (e == ERROR_SUCCESS && a->delayed)
    e = config2(s, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed, "the delayed start");
  return e;
}

/* What the SCM puts in the service's token.
 *
 * SERVICE_SID_TYPE_UNRESTRICTED: the service SID, whatever the account
 * (SERVICE_SID_INFO, winsvc.h), so the grants made to that SID hold for
 * --account LocalSystem too.
 *
 * Required privileges: SeChangeNotifyPrivilege only. The SCM removes every
 * privilege the service does not list from its token when it starts it
 * (SERVICE_REQUIRED_PRIVILEGES_INFO, winsvc.h, Remarks), so a service
 * account's defaults such as SeImpersonatePrivilege and
 * SeCreateGlobalPrivilege are gone. eved needs none: Winsock, its named
 * pipe, a Global\ mutex (not a file mapping, the one kind of Global\
 * object that needs SeCreateGlobalPrivilege), its files, the Event Log,
 * its own process figures. SeChangeNotifyPrivilege (traverse checking) is
 * never removed anyway; it is listed so the list is not empty.
 *
 * Wine 8's services.exe refuses both levels (ERROR_INVALID_LEVEL): config2
 * warns, and Wine has no service tokens to apply them to anyway. */
DWORD eved__svc_set_token(SC_HANDLE s) {
  SERVICE_SID_INFO info = {.dwServiceSidType = SERVICE_SID_TYPE_UNRESTRICTED};
  wchar_t privileges[] = L"SeChangeNotifyPrivilege\0";
  SERVICE_REQUIRED_PRIVILEGES_INFOW required = {.pmszRequiredPrivileges = privileges};
  DWORD e = config2(s, SERVICE_CONFIG_SERVICE_SID_INFO, &info, "the service SID type");
  if (e == ERROR_SUCCESS)
    e = config2(s, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, &required, "the required privileges");
  return e;
}

/* The same recovery for a service this process runs as: an MSI cannot set
 * failure actions (wixl has no ServiceConfig), so ServiceMain applies them
 * at each start (service/eved.wxs). Leaves the start type alone. */
DWORD eved__service_set_own_recovery(const wchar_t *name) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  if (scm == NULL) return GetLastError();
  SC_HANDLE s = OpenServiceW(scm, name, SERVICE_CHANGE_CONFIG);
  DWORD e = s == NULL ? GetLastError() : ERROR_SUCCESS;
  if (s != NULL) {
    args_t a = {.verb = "service"};
    e = eved__svc_set_recovery(s, &a);
    CloseServiceHandle(s);
  }
  CloseServiceHandle(scm);
  return e;
}

static int simple(const args_t *a) {
  int status = EVED_SVC_OK;
  SC_HANDLE scm = eved__svc_open_scm(SC_MANAGER_CONNECT, &status);
  if (scm == NULL) return status;
  DWORD access = SERVICE_QUERY_STATUS;
  if (strcmp(a->verb, "start") == 0) access |= SERVICE_START;
  if (strcmp(a->verb, "stop") == 0) access |= SERVICE_STOP;
  SC_HANDLE s = eved__svc_open_service(scm, a, access, &status);
  if (s != NULL) {
    SERVICE_STATUS_PROCESS st;
    if (strcmp(a->verb, "start") == 0) {
      status = eved__svc_start_and_wait(s, a);
    } else if (strcmp(a->verb, "stop") == 0) {
      status = eved__svc_stop_and_wait(s, a);
    } else if (eved__svc_query(s, &st)) {
      print_status(a, &st);
    } else {
      status = eved__svc_os_failure("QueryServiceStatusEx", GetLastError());
    }
    CloseServiceHandle(s);
  }
  CloseServiceHandle(scm);
  return status;
}

int eved_service_command(int argc, char **argv) {
  args_t a;
  int status = parse(argc, argv, &a);
  if (status != EVED_SVC_OK) return status;
  if (strcmp(a.verb, "install") == 0) return eved__svc_install(&a);
  if (strcmp(a.verb, "uninstall") == 0) return eved__svc_uninstall(&a);
  if (strcmp(a.verb, "configure") == 0) return eved__svc_configure_service(&a);
  return simple(&a);
}
