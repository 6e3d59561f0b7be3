/* The Event Log: where a service's messages go, since it has no console.
 * Under Wine 8, ReportEvent reaches only a debug channel
 * (WINEDEBUG=+eventlog shows each call); tests/service checks that. */
#include <stdio.h>
#include <wchar.h>

#include "service_win.h"

#define EVENT_ID_INFO 1
#define EVENT_ID_WARNING 2
#define EVENT_ID_ERROR 3

static HANDLE source_handle;

void eved__eventlog_open(const wchar_t *source) {
  if (source_handle == NULL) source_handle = RegisterEventSourceW(NULL, source);
}

void eved__eventlog_close(void) {
  if (source_handle != NULL) DeregisterEventSource(source_handle);
  source_handle = NULL;
}

void eved__eventlog_report(eved_log_level_t level, const char *message) {
  if (source_handle == NULL) return;
  wchar_t text[1024];
  if (MultiByteToWideChar(CP_UTF8, 0, message, -1, text, (int)(sizeof text / sizeof text[0])) <= 0)
    wcscpy(text, L"(message not representable)");
  WORD type = level >= EVED_LOG_ERROR  ? EVENTLOG_ERROR_TYPE
              : level == EVED_LOG_WARN ? EVENTLOG_WARNING_TYPE
                                       : EVENTLOG_INFORMATION_TYPE;
  DWORD id = level >= EVED_LOG_ERROR ? EVENT_ID_ERROR
             : level == EVED_LOG_WARN ? EVENT_ID_WARNING
                                      : EVENT_ID_INFO;
  const wchar_t *strings[1] = {text};
  /* Nowhere left to report a failure to: the log file has the line too. */
  ReportEventW(source_handle, type, 0, id, NULL, 1, 0, strings, NULL);
}

void eved__eventlog_hook(eved_log_level_t level, const char *message) {
  eved__eventlog_report(level, message);
}

static void key_path(const wchar_t *source, wchar_t *out, size_t size) {
  swprintf(out, size, L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\%ls", source);
}

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
