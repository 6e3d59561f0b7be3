/* eved under the Service Control Manager. ServiceMain runs the same
 * eved_start() as the console `eved run`; the differences are all here:
 * states reported to the SCM (START_PENDING until the listeners are open,
 * RUNNING, PAUSED, STOP_PENDING with checkpoints while draining, STOPPED
 * with a service-specific exit code), and the log copied to the Event Log.
 *
 * The control handler runs on the SCM's dispatcher thread and does no work
 * of its own: it records the request (eved_control_post) and the poller's
 * post_wakeup ends the loop's wait, however long that wait was (the loop
 * waits with no timeout when it has nothing timed to do). The loop acts on
 * the request and reports the new state itself. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "account_win.h"
#include "control.h"
#include "first_run.h"
#include "messages.h"
#include "pipe_win.h"
#include "server.h"
#include "service.h"
#include "service_win.h"

/* The SCM is told to expect START_PENDING to last this long per step. */
#define START_HINT_MS 10000

static struct {
  wchar_t name[EVED_SERVICE_NAME_MAX];
  char config[EVED_PATH_MAX];
  char default_config[EVED_PATH_MAX]; /* copied to config if it is missing (the MSI's) */
  char default_listen[EVED_PATH_MAX]; /* the listen of a config made from default_config */
  wchar_t config_w[EVED_PATH_MAX];    /* config, for the events' insertion strings */
  SERVICE_STATUS_HANDLE handle;
  SERVICE_STATUS status;
  bool started_reported;
} svc;

static void set_status(DWORD state, DWORD wait_hint_ms) {
  SERVICE_STATUS *s = &svc.status;
  s->dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING ||
                 state == SERVICE_PAUSE_PENDING || state == SERVICE_CONTINUE_PENDING;
  s->dwCheckPoint = pending ? (s->dwCurrentState == state ? s->dwCheckPoint + 1 : 1) : 0;
  s->dwCurrentState = state;
  s->dwWaitHint = pending ? wait_hint_ms : 0;
  s->dwControlsAccepted =
      state == SERVICE_RUNNING || state == SERVICE_PAUSED
          ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN |
                SERVICE_ACCEPT_PAUSE_CONTINUE | SERVICE_ACCEPT_PARAMCHANGE
          : 0;
  if (!SetServiceStatus(svc.handle, s))
    eved_log(EVED_LOG_ERROR, "SetServiceStatus(%s) failed: error %lu",
             eved__service_state_name(state), (unsigned long)GetLastError());
}

static void on_state(void *ctx, eved_run_state_t state, uint32_t wait_hint_ms) {
  (void)ctx;
  switch (state) {
    case EVED_STATE_STARTING: set_status(SERVICE_START_PENDING, wait_hint_ms); break;
    case EVED_STATE_RUNNING:
      set_status(SERVICE_RUNNING, 0);
      if (!svc.started_reported) {
        const wchar_t *strings[] = {svc.name, svc.config_w};
        eved__eventlog_event(EVED_MSG_STARTED, EVED_EVENT_COUNT(strings), strings);
        svc.started_reported = true;
      }
      break;
    case EVED_STATE_PAUSED: set_status(SERVICE_PAUSED, 0); break;
    case EVED_STATE_STOPPING: set_status(SERVICE_STOP_PENDING, wait_hint_ms); break;
  }
}

static DWORD WINAPI on_control(DWORD control, DWORD type, LPVOID data, LPVOID ctx) {
  (void)type;
  (void)data;
  (void)ctx;
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN:
      eved_control_post(EVED_CONTROL_STOP);
      return NO_ERROR;
    case SERVICE_CONTROL_PAUSE:
      eved_control_post(EVED_CONTROL_PAUSE);
      return NO_ERROR;
    case SERVICE_CONTROL_CONTINUE:
      eved_control_post(EVED_CONTROL_CONTINUE);
      return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
      eved_control_post(EVED_CONTROL_RELOAD);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      /* The SCM answers with the status last set. */
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

static const char *exit_meaning(int status) {
  switch (status) {
    case EVED_EXIT_OK: return "clean stop";
    case EVED_EXIT_CONFIG: return "the config file is missing or invalid";
    case EVED_EXIT_LISTEN: return "a listen address could not be bound";
    case EVED_EXIT_ADMIN: return "the admin pipe could not be opened or is taken";
    default: return "runtime failure";
  }
}

/* The stop's own event: one kind per start failure the SCM exit code
 * names, with the reason (the last error line) as an insertion string. */
static void report_stop(int status) {
  wchar_t code[16];
  swprintf(code, sizeof code / sizeof code[0], L"%d", status);
  const wchar_t *reason = eved__eventlog_last_error();
  switch (status) {
    case EVED_EXIT_OK: {
      const wchar_t *strings[] = {svc.name};
      eved__eventlog_event(EVED_MSG_STOPPED, EVED_EVENT_COUNT(strings), strings);
      break;
    }
    case EVED_EXIT_CONFIG: {
      const wchar_t *strings[] = {svc.name, svc.config_w, reason};
      eved__eventlog_event(EVED_MSG_CONFIG_REJECTED, EVED_EVENT_COUNT(strings), strings);
      break;
    }
    case EVED_EXIT_LISTEN: {
      const wchar_t *strings[] = {svc.name, reason};
      eved__eventlog_event(EVED_MSG_BIND_FAILED, EVED_EVENT_COUNT(strings), strings);
      break;
    }
    case EVED_EXIT_ADMIN: {
      const wchar_t *strings[] = {svc.name, reason};
      eved__eventlog_event(EVED_MSG_ADMIN_REFUSED, EVED_EVENT_COUNT(strings), strings);
      break;
    }
    default: {
      const wchar_t *strings[] = {svc.name, code, reason};
      eved__eventlog_event(EVED_MSG_FAILED, EVED_EVENT_COUNT(strings), strings);
      break;
    }
  }
}

/* The admin pipe's DACL admits this service's SID beside admin.sddl's
 * entries: under its virtual account the service is neither SYSTEM nor an
 * administrator (src/admin/pipe_win.c says why it needs the entry). */
static void allow_service_sid_on_pipe(void) {
  wchar_t sid[EVED_ACCOUNT_MAX];
  char sid_a[EVED_ACCOUNT_MAX];
  DWORD e = eved__service_sid(svc.name, sid, EVED_ACCOUNT_MAX);
  if (e == ERROR_SUCCESS &&
      WideCharToMultiByte(CP_UTF8, 0, sid, -1, sid_a, sizeof sid_a, NULL, NULL) > 0) {
    eved_admin_pipe_allow_sid(sid_a);
  } else {
    eved_log(EVED_LOG_WARN, "service SID not derived (error %lu): the admin pipe admits only "
             "admin.sddl's entries", (unsigned long)e);
  }
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  svc.handle = RegisterServiceCtrlHandlerExW(svc.name, on_control, NULL);
  if (svc.handle == NULL) return;
  eved__eventlog_open(svc.name);
  eved_log_set_hook(eved__eventlog_hook, EVED_LOG_INFO);
  set_status(SERVICE_START_PENDING, START_HINT_MS);
  eved_log(EVED_LOG_INFO, "service starting (config %s)", svc.config);
  eved_observer_t observer = {.on_state = on_state, .ctx = NULL};
  int status = EVED_EXIT_OK;
  if (svc.default_config[0] != '\0') {
    int copied = 0;
    char error[EVED_ERROR_MAX + EVED_PATH_MAX];
    if (eved_first_run_config(svc.config, svc.default_config,
                              svc.default_listen[0] ? svc.default_listen : NULL, &copied, error,
                              sizeof error) !=
        EVE_OK) {
      eved_log(EVED_LOG_ERROR, "config %s: %s", svc.config, error);
      status = EVED_EXIT_CONFIG;
    } else if (copied) {
      eved_log(EVED_LOG_INFO, "created %s from %s", svc.config, svc.default_config);
    }
  }
  if (status == EVED_EXIT_OK) {
    DWORD e = eved__service_set_own_recovery(svc.name);
    if (e != ERROR_SUCCESS) {
      /* To the log file only: the event below says it in its own words. */
      eved_log_set_hook(NULL, EVED_LOG_INFO);
      eved_log(EVED_LOG_WARN, "recovery actions not set: error %lu", (unsigned long)e);
      eved_log_set_hook(eved__eventlog_hook, EVED_LOG_INFO);
      wchar_t error[16];
      swprintf(error, sizeof error / sizeof error[0], L"%lu", (unsigned long)e);
      const wchar_t *strings[] = {svc.name, error};
      eved__eventlog_event(EVED_MSG_RECOVERY_NOT_SET, EVED_EVENT_COUNT(strings), strings);
    }
    allow_service_sid_on_pipe();
    status = eved_start(svc.config, NULL, &observer);
  }
  /* The stop goes to the Event Log as its own kind, not as a log line. */
  eved_log_set_hook(NULL, EVED_LOG_INFO);
  if (status == EVED_EXIT_OK) {
    eved_log(EVED_LOG_INFO, "service stopped");
  } else {
    eved_log(EVED_LOG_ERROR, "service stopped with exit code %d: %s", status,
             exit_meaning(status));
  }
  report_stop(status);
  eved__eventlog_close();
  svc.status.dwWin32ExitCode = status == EVED_EXIT_OK ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  svc.status.dwServiceSpecificExitCode = (DWORD)status;
  set_status(SERVICE_STOPPED, 0);
}

/* Copies an option's value into a fixed buffer; false if it does not fit. */
static bool take(char *out, size_t size, const char *value) {
  size_t len = strlen(value);
  if (len >= size) return false;
  memcpy(out, value, len + 1);
  return true;
}

int eved_service_run(int argc, char **argv) {
  const char *name = "eved", *config = NULL;
  for (int i = 1; i < argc; i++) {
    bool value = i + 1 < argc;
    if (strcmp(argv[i], "--name") == 0 && value) {
      name = argv[++i];
    } else if (strcmp(argv[i], "--config") == 0 && value) {
      config = argv[++i];
    } else if (strcmp(argv[i], "--default-config") == 0 && value) {
      if (!take(svc.default_config, sizeof svc.default_config, argv[++i])) return EVED_EXIT_USAGE;
    } else if (strcmp(argv[i], "--default-listen") == 0 && value) {
      if (!take(svc.default_listen, sizeof svc.default_listen, argv[++i])) return EVED_EXIT_USAGE;
    } else {
      fprintf(stderr, "eved service: unexpected argument \"%s\"\n", argv[i]);
      return EVED_EXIT_USAGE;
    }
  }
  if (config == NULL || strlen(config) >= sizeof svc.config ||
      MultiByteToWideChar(CP_UTF8, 0, name, -1, svc.name, EVED_SERVICE_NAME_MAX) <= 0) {
    fputs("usage: eved service --name NAME --config FILE [--default-config FILE] "
          "[--default-listen HOST:PORT]\n(the SCM's command line)\n",
          stderr);
    return EVED_EXIT_USAGE;
  }
  memcpy(svc.config, config, strlen(config) + 1);
  if (MultiByteToWideChar(CP_UTF8, 0, config, -1, svc.config_w, EVED_PATH_MAX) <= 0)
    wcscpy(svc.config_w, L"(config path not representable)");
  SERVICE_TABLE_ENTRYW table[] = {{svc.name, service_main}, {NULL, NULL}};
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD error = GetLastError();
    if (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
      fputs("eved service: only the Service Control Manager starts this; for a console, use "
            "eved run\n",
            stderr);
    else
      fprintf(stderr, "eved service: StartServiceCtrlDispatcher failed: error %lu\n",
              (unsigned long)error);
    return EVED_EXIT_FAILURE;
  }
  return (int)svc.status.dwServiceSpecificExitCode;
}
