/* textfile_io.h with Win32 calls: FindFirstFileW over "dir\*" (the
 * suffix is checked here: a "*.prom" pattern would also match through
 * 8.3 short names, see FindFirstFileW on Microsoft Learn), CreateFileW
 * sharing read, write and delete so a writer replacing the file is never
 * blocked by eved, and ReadFile. Names are UTF-16 on disk, UTF-8 here. */
#include "textfile_io.h"

#include <windows.h>

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "text_win.h"

#define WIDE_PATH_MAX 1024

static int wide_path(const char *dir, const char *name, wchar_t *out) {
  char path[WIDE_PATH_MAX * 3];
  if (snprintf(path, sizeof path, name ? "%s\\%s" : "%s", dir, name) >= (int)sizeof path) return -1;
  return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, out, WIDE_PATH_MAX) > 0 ? 0
                                                                                               : -1;
}

static int ends_with_prom(const wchar_t *name) {
  size_t len = wcslen(name);
  return len > 5 && wcscmp(name + len - 5, L".prom") == 0;
}

int eved_textfile_list(const char *dir, eved_textfile_names_t *names, char *error, size_t size) {
  names->count = 0;
  names->skipped = 0;
  wchar_t wdir[WIDE_PATH_MAX];
  if (wide_path(dir, NULL, wdir) != 0 || wcslen(wdir) + 3 > WIDE_PATH_MAX) {
    snprintf(error, size, "textfile directory %.200s: not a valid path", dir);
    return -1;
  }
  DWORD attributes = GetFileAttributesW(wdir);
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    DWORD err = GetLastError();
    if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) return 1;
    snprintf(error, size, "textfile directory %.200s: error %lu", dir, (unsigned long)err);
    return -1;
  }
  if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
    snprintf(error, size, "textfile directory %.200s: not a directory", dir);
    return -1;
  }
  wcscat(wdir, L"\\*");
  WIN32_FIND_DATAW found;
  HANDLE find = FindFirstFileW(wdir, &found);
  if (find == INVALID_HANDLE_VALUE) {
    snprintf(error, size, "textfile directory %.200s: error %lu", dir,
             (unsigned long)GetLastError());
    return -1;
  }
  do {
    if (!ends_with_prom(found.cFileName)) continue;
    if (names->count == names->cap ||
        !eved_utf8_from_wide(found.cFileName, -1, names->names[names->count],
                             EVED_TEXTFILE_NAME_MAX)) {
      names->skipped++;
      continue;
    }
    names->count++;
  } while (FindNextFileW(find, &found));
  FindClose(find);
  return 0;
}

int eved_textfile_read(const char *dir, const char *name, char *buf, size_t cap, size_t *len,
                       double *mtime, char *error, size_t size) {
  wchar_t path[WIDE_PATH_MAX];
  if (wide_path(dir, name, path) != 0) {
    snprintf(error, size, "path too long");
    return -1;
  }
  HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    snprintf(error, size, "cannot open: error %lu", (unsigned long)GetLastError());
    return -1;
  }
  BY_HANDLE_FILE_INFORMATION info;
  int rc = 0;
  if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &info) ||
      (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
    snprintf(error, size, "not a regular file");
    rc = -1;
  } else if (info.nFileSizeHigh != 0 || info.nFileSizeLow > cap) {
    rc = 1;
  } else {
    unsigned long long ticks =
        ((unsigned long long)info.ftLastWriteTime.dwHighDateTime << 32) |
        info.ftLastWriteTime.dwLowDateTime;
    *mtime = eved_unix_seconds_from_filetime(ticks);
    size_t got = 0;
    while (rc == 0) {
      /* Up to cap, then one byte more to tell a file that grew since. */
      char extra;
      DWORD n = 0;
      BOOL ok = got < cap ? ReadFile(h, buf + got, (DWORD)(cap - got), &n, NULL)
                          : ReadFile(h, &extra, 1, &n, NULL);
      if (!ok) {
        snprintf(error, size, "read error %lu", (unsigned long)GetLastError());
        rc = -1;
      } else if (n == 0) {
        break;
      } else if (got == cap) {
        rc = 1;
      } else {
        got += n;
      }
    }
    *len = got;
  }
  CloseHandle(h);
  return rc;
}
