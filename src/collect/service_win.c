/* service on Windows: the state, start mode and process of every Win32
 * service, from the SCM itself: EnumServicesStatusExW (SC_ENUM_PROCESS_INFO)
 * for the state and process id, QueryServiceConfigW for the start mode,
 * GetProcessTimes for the process's start. Names, labels and values:
 * windows_exporter 0.30's service collector (a one-hot series per state
 * and per start mode; windows_service_process valued with the process's
 * creation time). Its windows_service_info (display name, account, binary
 * path) is not reported: four long strings per service for a figure no
 * alert needs.
 *
 * A service this account may not query (access denied, or deleted between
 * the enumeration and the query) loses its start mode and counts one
 * error; the rest are reported. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors_win.h"
#include "text_win.h"

/* EnumServicesStatusExW is read in chunks of this size with its resume
 * handle, so the buffer is fixed; QueryServiceConfigW's record is at most
 * 8 KB (Microsoft Learn, QueryServiceConfigW). */
#define ENUM_CHUNK_BYTES (64 * 1024)
#define CONFIG_BYTES (8 * 1024)
/* A service name is at most 256 characters (CreateServiceW). */
#define NAME_MAX_BYTES (256 * 3 + 1)
#define SERVICES_MAX 16384

typedef struct service {
  size_t name; /* offset in names */
  DWORD state;
  DWORD pid;
  DWORD start_type; /* START_UNKNOWN when the config could not be read */
  double created;   /* the process's creation, Unix seconds; 0 when unknown */
} service_t;

#define START_UNKNOWN ((DWORD)-1)

/* Per thread, not per process: a thread abandoned in a hung call may
 * still be inside collect() while its replacement runs (collector.h). */
static _Thread_local union {
  ENUM_SERVICE_STATUS_PROCESSW first; /* aligns the buffer for the records */
  unsigned char bytes[ENUM_CHUNK_BYTES];
} chunk;
static _Thread_local union {
  QUERY_SERVICE_CONFIGW first;
  unsigned char bytes[CONFIG_BYTES];
} config;

/* Grown when the set of services grows, never shrunk. */
static _Thread_local service_t *services;
static _Thread_local size_t services_cap;
static _Thread_local char *names;
static _Thread_local size_t names_len, names_cap;

static const struct {
  DWORD value;
  const char *name;
} states[] = {
    {SERVICE_STOPPED, "stopped"},
    {SERVICE_START_PENDING, "start pending"},
    {SERVICE_STOP_PENDING, "stop pending"},
    {SERVICE_RUNNING, "running"},
    {SERVICE_CONTINUE_PENDING, "continue pending"},
    {SERVICE_PAUSE_PENDING, "pause pending"},
    {SERVICE_PAUSED, "paused"},
};

static const struct {
  DWORD value;
  const char *name;
} start_modes[] = {
    {SERVICE_BOOT_START, "boot"},     {SERVICE_SYSTEM_START, "system"},
    {SERVICE_AUTO_START, "auto"},     {SERVICE_DEMAND_START, "manual"},
    {SERVICE_DISABLED, "disabled"},
};

static bool reserve(size_t count, size_t name_bytes) {
  if (count > services_cap) {
    size_t cap = services_cap ? services_cap * 2 : 256;
    while (cap < count) cap *= 2;
    service_t *p = realloc(services, cap * sizeof *p);
    if (p == NULL) return false;
    services = p;
    services_cap = cap;
  }
  if (names_len + name_bytes > names_cap) {
    size_t cap = names_cap ? names_cap * 2 : 16 * 1024;
    while (cap < names_len + name_bytes) cap *= 2;
    char *p = realloc(names, cap);
    if (p == NULL) return false;
    names = p;
    names_cap = cap;
  }
  return true;
}

static DWORD start_type(SC_HANDLE scm, const wchar_t *name) {
  SC_HANDLE h = OpenServiceW(scm, name, SERVICE_QUERY_CONFIG);
  if (h == NULL) return START_UNKNOWN;
  DWORD needed = 0;
  BOOL ok = QueryServiceConfigW(h, &config.first, sizeof config.bytes, &needed);
  CloseServiceHandle(h);
  return ok ? config.first.dwStartType : START_UNKNOWN;
}

static double process_created(DWORD pid) {
  HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (h == NULL) return 0;
  FILETIME created, exited, kernel, user;
  BOOL ok = GetProcessTimes(h, &created, &exited, &kernel, &user);
  CloseHandle(h);
  if (!ok) return 0;
  /* Whole seconds, as windows_exporter reports it. */
  unsigned long long t = (unsigned long long)created.dwHighDateTime << 32 | created.dwLowDateTime;
  return (double)(long long)eved_unix_seconds_from_filetime(t);
}

/* Reads every service into `services`; their count, or -1 with a reason. */
static long scan(eved_metric_set_t *set, char *error, size_t error_size) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ENUMERATE_SERVICE);
  if (scm == NULL) {
    snprintf(error, error_size, "OpenSCManager: error %lu", (unsigned long)GetLastError());
    return -1;
  }
  size_t count = 0;
  names_len = 0;
  DWORD resume = 0;
  for (;;) {
    DWORD needed = 0, returned = 0;
    BOOL ok = EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_STATE_ALL,
                                    chunk.bytes, sizeof chunk.bytes, &needed, &returned, &resume,
                                    NULL);
    DWORD err = ok ? ERROR_SUCCESS : GetLastError();
    if (!ok && err != ERROR_MORE_DATA) {
      snprintf(error, error_size, "EnumServicesStatusEx: error %lu", (unsigned long)err);
      CloseServiceHandle(scm);
      return -1;
    }
    const ENUM_SERVICE_STATUS_PROCESSW *e = &chunk.first;
    for (DWORD i = 0; i < returned; i++) {
      if (count == SERVICES_MAX || !reserve(count + 1, NAME_MAX_BYTES)) {
        eved_metric_set_error(set);
        continue;
      }
      service_t *s = &services[count];
      if (!eved_utf8_from_wide(e[i].lpServiceName, -1, names + names_len, NAME_MAX_BYTES)) {
        eved_metric_set_error(set);
        continue;
      }
      s->name = names_len;
      names_len += strlen(names + names_len) + 1;
      s->state = e[i].ServiceStatusProcess.dwCurrentState;
      s->pid = e[i].ServiceStatusProcess.dwProcessId;
      s->start_type = start_type(scm, e[i].lpServiceName);
      if (s->start_type == START_UNKNOWN) eved_metric_set_error(set);
      s->created = s->pid != 0 ? process_created(s->pid) : 0;
      if (s->pid != 0 && s->created == 0) eved_metric_set_error(set);
      count++;
    }
    if (ok) break;
    /* ERROR_MORE_DATA with nothing returned: a record larger than the
     * chunk, which the 256-character name limit rules out; the services
     * not listed are counted as one error. */
    if (returned == 0) {
      eved_metric_set_error(set);
      break;
    }
  }
  CloseServiceHandle(scm);
  return (long)count;
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  long count = scan(set, error, error_size);
  if (count < 0) return -1;

  eved_metric_family(set, "windows_service_state", EVED_METRIC_GAUGE,
                     "The state of the service (State)");
  for (long i = 0; i < count; i++) {
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
      eved_label_t labels[] = {{"name", names + services[i].name}, {"state", states[k].name}};
      eved_metric_sample(set, services[i].state == states[k].value ? 1 : 0, 2, labels);
    }
  }
  eved_metric_family(set, "windows_service_start_mode", EVED_METRIC_GAUGE,
                     "The start mode of the service (StartMode)");
  for (long i = 0; i < count; i++) {
    if (services[i].start_type == START_UNKNOWN) continue;
    for (size_t k = 0; k < sizeof start_modes / sizeof start_modes[0]; k++) {
      eved_label_t labels[] = {{"name", names + services[i].name},
                               {"start_mode", start_modes[k].name}};
      eved_metric_sample(set, services[i].start_type == start_modes[k].value ? 1 : 0, 2, labels);
    }
  }
  eved_metric_family(set, "windows_service_process", EVED_METRIC_GAUGE,
                     "Process of started service. The value is the creation time of the process "
                     "as a unix timestamp.");
  for (long i = 0; i < count; i++) {
    if (services[i].pid == 0 || services[i].created == 0) continue;
    char pid[16];
    snprintf(pid, sizeof pid, "%lu", (unsigned long)services[i].pid);
    eved_label_t labels[] = {{"name", names + services[i].name}, {"process_id", pid}};
    eved_metric_sample(set, services[i].created, 2, labels);
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"windows_service_", NULL};

/* 7 states, 5 start modes and a process per service: room for 1,200
 * services, several times what a server runs. */
const eved_collector_t eved_collector_service = {
    .name = "service", .collect = collect, .samples = 16384, .string_bytes = 512 * 1024,
    .namespaces = namespaces};
