/* What the Windows service files share: the Event Log source, and the
 * names of states and exit codes for messages. */
#ifndef EVED_SERVICE_WIN_H_
#define EVED_SERVICE_WIN_H_

#include <windows.h>

#include "log.h"
#include "service_state_win.h"

/* Exit codes of the service verbs (install, uninstall, start, stop, status). */
#define EVED_SVC_OK 0
#define EVED_SVC_FAILED 1
#define EVED_SVC_USAGE 2
#define EVED_SVC_NOT_INSTALLED 3
#define EVED_SVC_NOT_ELEVATED 4
#define EVED_SVC_ALREADY_INSTALLED 5

#define EVED_SERVICE_NAME_MAX 128

/* service_eventlog_win.c: the Application log, source = the service name.
 * Without a message file of ours, Event Viewer shows each message as the
 * event's inserted string (and says the description is missing). */
void eved__eventlog_open(const wchar_t *source);
void eved__eventlog_close(void);
/* For eved_log_set_hook: levels map to information/warning/error. */
void eved__eventlog_hook(eved_log_level_t level, const char *message);
void eved__eventlog_report(eved_log_level_t level, const char *message);
/* HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\<source>. */
DWORD eved__eventlog_register(const wchar_t *source, const wchar_t *exe);
DWORD eved__eventlog_unregister(const wchar_t *source);

/* service_scm_win.c: `eved install`'s failure actions, applied by the
 * running service to itself (for MSI installs). */
DWORD eved__service_set_own_recovery(const wchar_t *name);

#endif /* EVED_SERVICE_WIN_H_ */
