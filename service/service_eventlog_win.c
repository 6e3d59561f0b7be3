/* The Event Log: where a service's messages go, since it has no console.
 * Each kind of event has its own ID in eved's message table
 * (service/messages.mc, linked into eved.exe); the source's
 * EventMessageFile names eved.exe, so Event Viewer formats the event from
 * that text and the event's insertion strings. Log lines that are no
 * particular kind go out as IDs 1-3 (info, warning, error), the line
 * itself being the one insertion string.
 *
 * Under Wine 8, ReportEvent reaches only a debug channel
 * (WINEDEBUG=+eventlog shows each call); tests/service checks that, and
 * formats every kind from eved.exe's own message table with FormatMessage,
 * as Event Viewer would. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "messages.h"
#include "service_win.h"

static HANDLE source_handle;
/* The last error line logged, for the insertion string of a start
 * failure's event (the reason was logged where it was found). */
static wchar_t last_error[1024];

const eved_event_kind_t eved__event_kinds[] = {
    {EVED_MSG_INFO, EVENTLOG_INFORMATION_TYPE, 1},
    {EVED_MSG_WARNING, EVENTLOG_WARNING_TYPE, 1},
    {EVED_MSG_ERROR, EVENTLOG_ERROR_TYPE, 1},
    {EVED_MSG_STARTED, EVENTLOG_INFORMATION_TYPE, 2},
    {EVED_MSG_STOPPED, EVENTLOG_INFORMATION_TYPE, 1},
    {EVED_MSG_CONFIG_REJECTED, EVENTLOG_ERROR_TYPE, 3},
    {EVED_MSG_BIND_FAILED, EVENTLOG_ERROR_TYPE, 2},
    {EVED_MSG_ADMIN_REFUSED, EVENTLOG_ERROR_TYPE, 2},
    {EVED_MSG_FAILED, EVENTLOG_ERROR_TYPE, 3},
    {EVED_MSG_INSTALLED, EVENTLOG_INFORMATION_TYPE, 3},
    {EVED_MSG_UNINSTALLED, EVENTLOG_INFORMATION_TYPE, 1},
    {EVED_MSG_RECOVERY_NOT_SET, EVENTLOG_WARNING_TYPE, 2},
    {EVED_MSG_FIREWALL_ADDED, EVENTLOG_INFORMATION_TYPE, 4},
    {EVED_MSG_FIREWALL_REMOVED, EVENTLOG_INFORMATION_TYPE, 1},
};
const size_t eved__event_kind_count = sizeof eved__event_kinds / sizeof eved__event_kinds[0];

void eved__eventlog_open(const wchar_t *source) {
  if (source_handle == NULL) source_handle = RegisterEventSourceW(NULL, source);
}

void eved__eventlog_close(void) {
  if (source_handle != NULL) DeregisterEventSource(source_handle);
  source_handle = NULL;
}

static const eved_event_kind_t *kind_of(DWORD id) {
  for (size_t i = 0; i < eved__event_kind_count; i++)
    if (eved__event_kinds[i].id == id) return &eved__event_kinds[i];
  return NULL;
}

/* An event with fewer strings than its message names would show "%2" in
 * Event Viewer: the count must be the kind's. */
void eved__eventlog_event(DWORD id, WORD count, const wchar_t *const *strings) {
  const eved_event_kind_t *kind = kind_of(id);
  if (source_handle == NULL || kind == NULL || count != kind->strings ||
      count > EVED_EVENT_STRINGS_MAX)
    return;
  /* ReportEventW takes the array as non-const; it only reads it. */
  LPCWSTR copy[EVED_EVENT_STRINGS_MAX] = {NULL};
  for (WORD i = 0; i < count; i++) copy[i] = strings[i];
  /* Nowhere left to report a failure to: the log file has the line too. */
  ReportEventW(source_handle, kind->type, 0, id, NULL, count, 0, copy, NULL);
}

static void widen(const char *text, wchar_t *out, int size) {
  if (MultiByteToWideChar(CP_UTF8, 0, text, -1, out, size) <= 0)
    wcscpy(out, L"(message not representable)");
}

void eved__eventlog_report(eved_log_level_t level, const char *message) {
  wchar_t text[1024];
  widen(message, text, (int)(sizeof text / sizeof text[0]));
  DWORD id = level >= EVED_LOG_ERROR ? EVED_MSG_ERROR
             : level == EVED_LOG_WARN ? EVED_MSG_WARNING
                                      : EVED_MSG_INFO;
  const wchar_t *strings[1] = {text};
  eved__eventlog_event(id, 1, strings);
}

void eved__eventlog_hook(eved_log_level_t level, const char *message) {
  if (level >= EVED_LOG_ERROR) widen(message, last_error, (int)(sizeof last_error / sizeof last_error[0]));
  eved__eventlog_report(level, message);
}

const wchar_t *eved__eventlog_last_error(void) {
  return last_error[0] != L'\0' ? last_error : L"(see eved's log)";
}

static void key_path(const wchar_t *source, wchar_t *out, size_t size) {
  swprintf(out, size, L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\%ls", source);
}

/* EventMessageFile is the file whose message table formats the source's
 * events ("Event Sources", Microsoft Learn): eved.exe itself. */
DWORD eved__eventlog_register(const wchar_t *source, const wchar_t *exe) {
  wchar_t path[256];
  key_path(source, path, sizeof path / sizeof path[0]);
  HKEY key;
  DWORD rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);
  if (rc != ERROR_SUCCESS) return rc;
  DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  rc = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                      (DWORD)((wcslen(exe) + 1) * sizeof(wchar_t)));
  if (rc == ERROR_SUCCESS)
    rc = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types, sizeof types);
  RegCloseKey(key);
  return rc;
}

DWORD eved__eventlog_unregister(const wchar_t *source) {
  wchar_t path[256];
  key_path(source, path, sizeof path / sizeof path[0]);
  DWORD rc = RegDeleteKeyW(HKEY_LOCAL_MACHINE, path);
  return rc == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : rc;
}
