/* Every kind of event eved writes, written once and read back as Event
 * Viewer would: through FormatMessage on eved.exe's own message table.
 *
 *   event_probe EVED.EXE SOURCE
 *
 * For each kind of service/service_eventlog_win.c (eved__event_kinds), in
 * order: ReportEventW through eved's own event code, with the insertion
 * strings "<ID.1>", "<ID.2>", ... (WINEDEBUG=+eventlog shows the call under
 * Wine, where the Event Log itself is a stub), then one line
 *   ID TYPE TEXT
 * with the message eved.exe's table formats from those strings (line ends
 * shown as "|"). Exit 0 when every kind formatted, 1 otherwise. */
#include <windows.h>

#include <stdio.h>
#include <wchar.h>

#include "service_win.h"

int main(int argc, char **argv) {
  wchar_t exe[MAX_PATH], source[256];
  if (argc != 3 || MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, exe, MAX_PATH) <= 0 ||
      MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, source, 256) <= 0) {
    fputs("usage: event_probe EVED.EXE SOURCE\n", stderr);
    return 2;
  }
  /* As Event Viewer loads an EventMessageFile: for its resources only. */
  HMODULE module = LoadLibraryExW(exe, NULL, LOAD_LIBRARY_AS_DATAFILE);
  if (module == NULL) {
    fprintf(stderr, "event_probe: LoadLibraryEx: error %lu\n", (unsigned long)GetLastError());
    return 1;
  }
  eved__eventlog_open(source);
  int status = 0;
  for (size_t k = 0; k < eved__event_kind_count; k++) {
    const eved_event_kind_t *kind = &eved__event_kinds[k];
    wchar_t text[EVED_EVENT_STRINGS_MAX][32];
    const wchar_t *strings[EVED_EVENT_STRINGS_MAX];
    DWORD_PTR args[EVED_EVENT_STRINGS_MAX];
    for (WORD i = 0; i < kind->strings; i++) {
      swprintf(text[i], 32, L"<%lu.%u>", (unsigned long)kind->id, (unsigned)(i + 1));
      strings[i] = text[i];
      args[i] = (DWORD_PTR)text[i];
    }
    eved__eventlog_event(kind->id, kind->strings, strings);
    LPWSTR message = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ALLOCATE_BUFFER |
                                 FORMAT_MESSAGE_ARGUMENT_ARRAY,
                             module, kind->id, 0, (LPWSTR)&message, 0, (va_list *)args);
    if (n == 0) {
      printf("%lu %u (no message: error %lu)\n", (unsigned long)kind->id, (unsigned)kind->type,
             (unsigned long)GetLastError());
      status = 1;
      continue;
    }
    for (wchar_t *c = message; *c; c++)
      if (*c == L'\r' || *c == L'\n') *c = L'|';
    printf("%lu %u %ls\n", (unsigned long)kind->id, (unsigned)kind->type, message);
    LocalFree(message);
  }
  eved__eventlog_close();
  FreeLibrary(module);
  return status;
}
