/* What the Windows service files share: the Event Log source, and the
 * names of states and exit codes for messages. */
#ifndef EVED_SERVICE_WIN_H_
#define EVED_SERVICE_WIN_H_

#include <stddef.h>
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

/* service_eventlog_win.c: the Application log, source = the service name,
 * formatted by eved.exe's message table (messages.mc; IDs in the generated
 * messages.h). */
#define EVED_EVENT_STRINGS_MAX 4
typedef struct eved_event_kind {
  DWORD id;      /* the message ID in messages.mc */
  WORD type;     /* EVENTLOG_*_TYPE: the level Event Viewer shows */
  WORD strings;  /* how many insertion strings the message uses */
} eved_event_kind_t;
/* Every kind eved writes, one entry per message of messages.mc. */
extern const eved_event_kind_t eved__event_kinds[];
extern const size_t eved__event_kind_count;

void eved__eventlog_open(const wchar_t *source);
void eved__eventlog_close(void);
/* One event of a kind above; `count` must be that kind's number of
 * strings (else nothing is written). */
void eved__eventlog_event(DWORD id, WORD count, const wchar_t *const *strings);
#define EVED_EVENT_COUNT(strings) ((WORD)(sizeof(strings) / sizeof((strings)[0])))
/* For eved_log_set_hook: levels map to IDs 1-3 (information, warning,
 * error); the last error line is kept for eved__eventlog_last_error. */
void eved__eventlog_hook(eved_log_level_t level, const char *message);
void eved__eventlog_report(eved_log_level_t level, const char *message);
const wchar_t *eved__eventlog_last_error(void);
/* HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\<source>. */
DWORD eved__eventlog_register(const wchar_t *source, const wchar_t *exe);
DWORD eved__eventlog_unregister(const wchar_t *source);

/* service_scm_win.c: `eved install`'s failure actions, applied by the
 * running service to itself (for MSI installs). */
DWORD eved__service_set_own_recovery(const wchar_t *name);

#endif /* EVED_SERVICE_WIN_H_ */
