/* install, uninstall and configure: setting a service up and taking it
 * down.
 *
 * install registers the service as its virtual account (account_win.c)
 * unless --account says otherwise, gives the service SID what eved needs
 * of the files the config names, and with --firewall adds the inbound
 * rule (firewall_win.c); uninstall removes that rule. configure does the
 * same setup for a service the MSI registered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "account_win.h"
#include "config.h"
#include "firewall_win.h"
#include "messages.h"
#include "service_verbs_win.h"
#include "service_win.h"
#include "table.h"

/* The service's command line: two paths, its name, the verb and options. */
#define CMDLINE_MAX (2 * MAX_PATH + EVED_SERVICE_NAME_MAX + 64)

/* What the service's account needs of the files the config names, and no
 * more: read the config (at each start and reload), read and append to
 * its log file. The log file is created now when missing, so the grant
 * has a file to sit on and the service never creates files in a folder of
 * the administrator's. The rest of what eved does needs no grant: any
 * account may bind a TCP port on Windows, GetProcessMemoryInfo and
 * GetProcessHandleCount read eved's own process, and the Application log
 * lets service accounts write (its default CustomSD). */
static int grant_file(const wchar_t *sid, const wchar_t *path, DWORD access, DWORD inheritance,
                      const char *what) {
  wchar_t set[2048], readback[2048];
  DWORD e = eved__grant_file(path, sid, access, inheritance, set, readback,
                             sizeof set / sizeof set[0]);
  if (e != ERROR_SUCCESS) {
    char where[64];
    snprintf(where, sizeof where, "granting the service SID %s", what);
    return eved__svc_os_failure(where, e);
  }
  printf("granted %s on %ls: %ls\n", what, path, set);
  if (wcsstr(readback, sid) == NULL)
    fprintf(stderr,
            "eved install: warning: %ls reads back without the service SID (%ls): this file "
            "system does not keep the DACL\n",
            path, readback);
  return EVED_SVC_OK;
}

static int grant_files(const wchar_t *sid, const wchar_t *config_path, const eved_config_t *config) {
  int status = grant_file(sid, config_path, FILE_GENERIC_READ, NO_INHERITANCE, "read");
  if (status != EVED_SVC_OK || config->log_file[0] == '\0') return status;
  wchar_t log_w[MAX_PATH], log_full[MAX_PATH];
  if (MultiByteToWideChar(CP_UTF8, 0, config->log_file, -1, log_w, MAX_PATH) <= 0 ||
      GetFullPathNameW(log_w, MAX_PATH, log_full, NULL) == 0)
    return eved__svc_os_failure("the log file's path", GetLastError());
  HANDLE h = CreateFileW(log_full, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) return eved__svc_os_failure("creating the log file", GetLastError());
  CloseHandle(h);
  return grant_file(sid, log_full, FILE_GENERIC_READ | FILE_GENERIC_WRITE, NO_INHERITANCE,
                    "read and write");
}

/* Adds the rule; false (with the reason printed) if the firewall refused. */
static bool add_firewall_rule(const eved_fw_rule_t *rule, const char *verb) {
  wchar_t line[4 * EVED_FW_TEXT_MAX];
  eved__firewall_rule_describe(rule, line, sizeof line / sizeof line[0]);
  printf("%ls\n", line);
  HRESULT hr = eved__firewall_add(rule);
  if (SUCCEEDED(hr)) return true;
  fprintf(stderr,
          "eved %s: the firewall rule was not added: INetFwRules::Add failed (HRESULT 0x%08lx)%s\n",
          verb, (unsigned long)hr,
          hr == E_NOTIMPL ? ": this system's firewall API does not implement it" : "");
  return false;
}

typedef struct install_state {
  wchar_t exe[MAX_PATH];
  wchar_t config_full[MAX_PATH];
  wchar_t cmdline[CMDLINE_MAX];
  wchar_t account[EVED_ACCOUNT_MAX]; /* as registered; "LocalSystem" for NULL */
  bool local_system;
  wchar_t sid[EVED_ACCOUNT_MAX];     /* the service SID */
  eved_config_t config;
  eved_fw_rule_t rule;
  bool event_source, rule_added;
} install_state_t;

/* Everything that can be refused before the SCM is touched: the config,
 * the account's name, the firewall rule. */
static int prepare(const args_t *a, install_state_t *st) {
  wchar_t config_w[MAX_PATH];
  DWORD n = GetModuleFileNameW(NULL, st->exe, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) return eved__svc_os_failure("GetModuleFileName", GetLastError());
  /* Without --config: eved.json beside eved.exe. */
  if (a->config != NULL) {
    if (MultiByteToWideChar(CP_UTF8, 0, a->config, -1, config_w, MAX_PATH) <= 0) return eved__svc_usage();
  } else {
    wcscpy(config_w, st->exe);
    wchar_t *slash = wcsrchr(config_w, L'\\');
    if (slash == NULL || (size_t)(slash - config_w) + 10 >= MAX_PATH) return eved__svc_usage();
    wcscpy(slash + 1, L"eved.json");
  }
  if (GetFullPathNameW(config_w, MAX_PATH, st->config_full, NULL) == 0)
    return eved__svc_os_failure("GetFullPathName(config)", GetLastError());
  /* The service reads the config at every start: a bad one is refused now. */
  char config_utf8[MAX_PATH * 3];
  char error[EVED_ERROR_MAX];
  eved_config_defaults(&st->config);
  st->config.collector_check = eved_collect_check_name;
  if (WideCharToMultiByte(CP_UTF8, 0, st->config_full, -1, config_utf8, sizeof config_utf8, NULL,
                          NULL) <= 0)
    return eved__svc_usage();
  if (eved_config_load(config_utf8, &st->config, error, sizeof error) != EVE_OK) {
    fprintf(stderr, "eved install: %s%s\n", error,
            a->config == NULL ? " (no --config given: eved.json beside eved.exe)" : "");
    return EVED_SVC_FAILED;
  }
  /* Quoted: an unquoted path with spaces would let C:\Program.exe run. */
  swprintf(st->cmdline, CMDLINE_MAX, L"\"%ls\" service --name \"%ls\" --config \"%ls\"", st->exe,
           a->name, st->config_full);
  if (a->account != NULL) {
    if (MultiByteToWideChar(CP_UTF8, 0, a->account, -1, st->account, EVED_ACCOUNT_MAX) <= 0)
      return eved__svc_usage();
  } else if (!eved__account_virtual(a->name, st->account, EVED_ACCOUNT_MAX)) {
    return eved__svc_usage();
  }
  st->local_system = eved__account_is_local_system(st->account);
  DWORD e = eved__service_sid(a->name, st->sid, EVED_ACCOUNT_MAX);
  if (e != ERROR_SUCCESS) return eved__svc_os_failure("deriving the service SID", e);
  if (a->firewall && !eved__firewall_rule_build(a->name, st->exe, &st->config, a->remote_addr,
                                                &st->rule, error, sizeof error)) {
    fprintf(stderr, "eved install: %s\n", error);
    return EVED_SVC_FAILED;
  }
  return EVED_SVC_OK;
}

/* The service exists; the rest of its setup. On failure the caller
 * deletes the service, and what was registered here is taken back. */
static int configure(SC_HANDLE s, const args_t *a, install_state_t *st) {
  DWORD e = eved__svc_set_recovery(s, a);
  if (e == ERROR_SUCCESS) e = eved__svc_set_token(s);
  if (e == ERROR_SUCCESS) {
    e = eved__eventlog_register(a->name, st->exe);
    st->event_source = e == ERROR_SUCCESS;
  }
  if (e != ERROR_SUCCESS)
    return eved__svc_os_failure("configuring the service (description, recovery, SID type, event source)",
                      e);
  if (!st->local_system) {
    int status = grant_files(st->sid, st->config_full, &st->config);
    if (status != EVED_SVC_OK) return status;
  }
  if (a->firewall) {
    if (!add_firewall_rule(&st->rule, a->verb)) return EVED_SVC_FAILED;
    st->rule_added = true;
  }
  return EVED_SVC_OK;
}

static void report_installed(const args_t *a, const install_state_t *st) {
  eved__eventlog_open(a->name);
  const wchar_t *installed[] = {a->name, st->account, st->cmdline};
  eved__eventlog_event(EVED_MSG_INSTALLED, EVED_EVENT_COUNT(installed), installed);
  if (st->rule_added) {
    const wchar_t *rule[] = {st->rule.name, st->rule.ports, st->rule.program, st->rule.remote};
    eved__eventlog_event(EVED_MSG_FIREWALL_ADDED, EVED_EVENT_COUNT(rule), rule);
  }
  eved__eventlog_close();
}

int eved__svc_install(const args_t *a) {
  install_state_t *st = calloc(1, sizeof *st);
  if (st == NULL) return EVED_SVC_FAILED;
  int status = prepare(a, st);
  SC_HANDLE scm = status == EVED_SVC_OK
                      ? eved__svc_open_scm(SC_MANAGER_CREATE_SERVICE | SC_MANAGER_CONNECT, &status)
                      : NULL;
  SC_HANDLE s = NULL;
  if (scm != NULL) {
    wchar_t display[EVED_SERVICE_NAME_MAX + 32];
    swprintf(display, sizeof display / sizeof display[0], L"eved status server (%ls)", a->name);
    /* A virtual or managed account takes no password (NULL); NULL as the
     * account is LocalSystem (CreateServiceW, lpServiceStartName). */
    s = CreateServiceW(scm, a->name, display, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                       a->start_type, SERVICE_ERROR_NORMAL, st->cmdline, NULL, NULL, NULL,
                       st->local_system ? NULL : st->account, NULL);
    if (s == NULL) {
      DWORD e = GetLastError();
      if (e == ERROR_SERVICE_EXISTS) {
        fprintf(stderr, "eved install: service \"%ls\" is already installed\n", a->name);
        status = EVED_SVC_ALREADY_INSTALLED;
      } else {
        status = eved__svc_os_failure("CreateService", e);
      }
    }
  }
  if (s != NULL) {
    status = configure(s, a, st);
    if (status != EVED_SVC_OK) {
      DeleteService(s);
      if (st->event_source) eved__eventlog_unregister(a->name);
    }
  }
  if (s != NULL && status == EVED_SVC_OK) {
    printf("installed service \"%ls\" as %ls (service SID %ls): %ls\n", a->name,
           st->local_system ? L"LocalSystem" : st->account, st->sid, st->cmdline);
    report_installed(a, st);
    if (a->start_type == SERVICE_AUTO_START && !a->no_start) status = eved__svc_start_and_wait(s, a);
  }
  if (s != NULL) CloseServiceHandle(s);
  if (scm != NULL) CloseServiceHandle(scm);
  free(st);
  return status;
}

/* The rule install --firewall added, if any: its absence is no error. An
 * API that cannot list rules (Wine 8) only earns a warning: uninstall
 * must not fail on a rule that was never added. */
static void remove_firewall_rule(const args_t *a) {
  wchar_t name[EVED_FW_TEXT_MAX];
  eved__firewall_rule_name(a->name, name, EVED_FW_TEXT_MAX);
  int removed = 0;
  HRESULT hr = eved__firewall_remove(name, &removed);
  if (FAILED(hr)) {
    fprintf(stderr, "eved uninstall: warning: firewall rule \"%ls\" not checked (HRESULT 0x%08lx)\n",
            name, (unsigned long)hr);
  } else if (removed > 0) {
    printf("removed firewall rule \"%ls\"\n", name);
    const wchar_t *strings[] = {name};
    eved__eventlog_event(EVED_MSG_FIREWALL_REMOVED, EVED_EVENT_COUNT(strings), strings);
  }
}

int eved__svc_uninstall(const args_t *a) {
  int status = EVED_SVC_OK;
  SC_HANDLE scm = eved__svc_open_scm(SC_MANAGER_CONNECT, &status);
  if (scm == NULL) return status;
  SC_HANDLE s = eved__svc_open_service(scm, a, DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS, &status);
  if (s != NULL) {
    SERVICE_STATUS_PROCESS st;
    if (eved__svc_query(s, &st) && st.dwCurrentState != SERVICE_STOPPED) status = eved__svc_stop_and_wait(s, a);
    if (status == EVED_SVC_OK && !DeleteService(s)) status = eved__svc_os_failure("DeleteService", GetLastError());
    if (status == EVED_SVC_OK) {
      eved__eventlog_open(a->name);
      remove_firewall_rule(a);
      const wchar_t *strings[] = {a->name};
      eved__eventlog_event(EVED_MSG_UNINSTALLED, EVED_EVENT_COUNT(strings), strings);
      eved__eventlog_close();
      DWORD e = eved__eventlog_unregister(a->name);
      if (e != ERROR_SUCCESS) status = eved__svc_os_failure("removing the event source", e);
    }
    if (status == EVED_SVC_OK) printf("uninstalled service \"%ls\"\n", a->name);
    CloseServiceHandle(s);
  }
  CloseServiceHandle(scm);
  return status;
}

/* The listen list the firewall rule opens: the installed config's when it
 * exists (an upgrade: the administrator's port, whatever the MSI was
 * given), else --listen, which the service's first start writes into the
 * config it makes (--default-listen, src/app/first_run.c). */
static int firewall_listen(const args_t *a, eved_config_t *config, char *error, size_t size) {
  char path[EVED_PATH_MAX];
  wchar_t wide[EVED_PATH_MAX];
  if (a->data_dir != NULL &&
      (size_t)snprintf(path, sizeof path, "%s\\eved.json", a->data_dir) < sizeof path &&
      MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, EVED_PATH_MAX) > 0 &&
      GetFileAttributesW(wide) != INVALID_FILE_ATTRIBUTES) {
    char why[EVED_ERROR_MAX];
    if (eved_config_load(path, config, why, sizeof why) == EVE_OK) return EVE_OK;
    snprintf(error, size, "%.200s: %.200s", path, why);
    return EVE_EINVAL;
  }
  return eved_config_set_listen(config, a->listen, error, size);
}

/* `eved configure`: what the MSI cannot put in its tables (wixl writes no
 * ServiceConfig, no LockPermissions, and has no firewall extension), run by
 * its deferred custom actions as SYSTEM once the service is registered and
 * before it starts (service/eved.wxs): the service SID type, the recovery
 * actions (the service under its virtual account may not change its own
 * configuration, so it cannot apply them itself), read and write for the
 * service SID on its data folder (where it creates its config on first
 * start and may write its log), and the firewall rule. --remove-firewall
 * is the uninstall's. */
int eved__svc_configure_service(const args_t *a) {
  if (a->remove_firewall) {
    remove_firewall_rule(a);
    return EVED_SVC_OK;
  }
  int status = EVED_SVC_OK;
  eved_fw_rule_t *rule = NULL;
  if (a->firewall) {
    wchar_t exe[MAX_PATH];
    eved_config_t config;
    char error[EVED_ERROR_MAX];
    DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) return eved__svc_os_failure("GetModuleFileName", GetLastError());
    eved_config_defaults(&config);
    rule = calloc(1, sizeof *rule);
    if (rule == NULL) return EVED_SVC_FAILED;
    if (firewall_listen(a, &config, error, sizeof error) != EVE_OK ||
        !eved__firewall_rule_build(a->name, exe, &config, a->remote_addr, rule, error,
                                   sizeof error)) {
      fprintf(stderr, "eved configure: %s\n", error);
      free(rule);
      return EVED_SVC_FAILED;
    }
  }
  SC_HANDLE scm = eved__svc_open_scm(SC_MANAGER_CONNECT, &status);
  SC_HANDLE s = scm != NULL ? eved__svc_open_service(scm, a, SERVICE_CHANGE_CONFIG, &status) : NULL;
  if (s != NULL) {
    DWORD e = eved__svc_set_recovery(s, a);
    if (e == ERROR_SUCCESS) e = eved__svc_set_token(s);
    if (e != ERROR_SUCCESS) status = eved__svc_os_failure("configuring the service (recovery, SID type)", e);
  }
  wchar_t sid[EVED_ACCOUNT_MAX], dir[MAX_PATH];
  if (status == EVED_SVC_OK && a->data_dir != NULL) {
    DWORD e = eved__service_sid(a->name, sid, EVED_ACCOUNT_MAX);
    if (e != ERROR_SUCCESS) {
      status = eved__svc_os_failure("deriving the service SID", e);
    } else if (MultiByteToWideChar(CP_UTF8, 0, a->data_dir, -1, dir, MAX_PATH) <= 0) {
      status = eved__svc_usage();
    } else {
      status = grant_file(sid, dir, FILE_GENERIC_READ | FILE_GENERIC_WRITE,
                          SUB_CONTAINERS_AND_OBJECTS_INHERIT, "read and write");
    }
  }
  if (status == EVED_SVC_OK && rule != NULL && !add_firewall_rule(rule, a->verb))
    status = EVED_SVC_FAILED;
  if (status == EVED_SVC_OK && rule != NULL) {
    eved__eventlog_open(a->name);
    const wchar_t *strings[] = {rule->name, rule->ports, rule->program, rule->remote};
    eved__eventlog_event(EVED_MSG_FIREWALL_ADDED, EVED_EVENT_COUNT(strings), strings);
    eved__eventlog_close();
  }
  if (status == EVED_SVC_OK) printf("configured service \"%ls\"\n", a->name);
  if (s != NULL) CloseServiceHandle(s);
  if (scm != NULL) CloseServiceHandle(scm);
  free(rule);
  return status;
}

