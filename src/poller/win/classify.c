/* What kind of object a handle is. Order matters: a socket is also a
 * FILE_TYPE_PIPE to GetFileType, so the socket test (SO_TYPE answers only
 * for sockets) comes first; objects that are not files at all (events,
 * mutexes, threads) make GetFileType fail, and their kernel type name is
 * asked for instead. Nothing here blocks or changes the object's state. */
#include <wchar.h>
#include <winternl.h>

#include "win.h"

static bool is_socket(uintptr_t raw) {
  int type = 0;
  int len = (int)sizeof type;
  /* Fails with WSAENOTSOCK for anything else, and with WSANOTINITIALISED
   * before WSAStartup, when no socket can exist anyway. */
  return getsockopt((SOCKET)raw, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0;
}

static bool is_event(HANDLE handle) {
  /* PUBLIC_OBJECT_TYPE_INFORMATION is followed by the name's characters. */
  union {
    PUBLIC_OBJECT_TYPE_INFORMATION info;
    unsigned char bytes[sizeof(PUBLIC_OBJECT_TYPE_INFORMATION) + 64 * sizeof(WCHAR)];
  } buffer;
  ULONG length = 0;
  NTSTATUS status = NtQueryObject(handle, ObjectTypeInformation, &buffer, sizeof buffer, &length);
  if (status != 0 || buffer.info.TypeName.Buffer == NULL) return false;
  static const WCHAR event[] = L"Event";
  size_t chars = buffer.info.TypeName.Length / sizeof(WCHAR);
  return chars == wcslen(event) && wmemcmp(buffer.info.TypeName.Buffer, event, chars) == 0;
}

eve_handle_type_t eve_handle_classify(eve_handle_t handle) {
  if (!eve_handle_is_valid(handle) || handle.raw == 0) return EVE_HANDLE_UNKNOWN;
  if (is_socket(handle.raw)) return EVE_HANDLE_SOCKET;
  HANDLE h = (HANDLE)handle.raw;
  DWORD mode;
  switch (GetFileType(h)) {
    case FILE_TYPE_PIPE:
      return EVE_HANDLE_PIPE;
    case FILE_TYPE_DISK:
      return EVE_HANDLE_FILE;
    case FILE_TYPE_CHAR:
      /* Other character devices (NUL, serial ports) are not consoles, and
       * CONSOLE means console input (the spec's): a screen buffer answers
       * GetConsoleMode too, but has no input to wait for. */
      return GetConsoleMode(h, &mode) && GetNumberOfConsoleInputEvents(h, &mode)
                 ? EVE_HANDLE_CONSOLE
                 : EVE_HANDLE_UNKNOWN;
    default:
      return is_event(h) ? EVE_HANDLE_EVENT : EVE_HANDLE_UNKNOWN;
  }
}
