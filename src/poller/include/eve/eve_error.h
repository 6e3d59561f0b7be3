/* eve error codes: negative integers from one table, on every OS.
 * Each backend translates errno / GetLastError / WSAGetLastError once, at
 * the edge, with eve_error_from_os(); callers only ever see these. */
#ifndef EVE_ERROR_H_
#define EVE_ERROR_H_

#include "eve_export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EVE_ERROR_TABLE(X)                                         \
  X(EINVAL, -1, "invalid argument")                                \
  X(EBADF, -2, "invalid handle")                                   \
  X(EEXIST, -3, "handle already registered")                       \
  X(ENOENT, -4, "handle not registered")                           \
  X(ENOMEM, -5, "out of memory")                                   \
  X(ELIMIT, -6, "capacity reached")                                \
  X(ESHUTDOWN, -7, "poller shut down")                             \
  X(ENOTSUP, -8, "operation not supported for this handle")        \
  X(EAGAIN, -9, "resource temporarily unavailable")                \
  X(EPENDING, -10, "operation pending")                            \
  X(ECONNREFUSED, -11, "connection refused")                       \
  X(ECONNRESET, -12, "connection reset by peer")                   \
  X(ECONNABORTED, -13, "connection aborted")                       \
  X(EPIPE, -14, "broken pipe")                                     \
  X(ENOTCONN, -15, "not connected")                                \
  X(ETIMEDOUT, -16, "timed out")                                   \
  X(EADDRINUSE, -17, "address already in use")                     \
  X(EADDRNOTAVAIL, -18, "address not available")                   \
  X(EACCES, -19, "permission denied")                              \
  X(ECANCELED, -20, "operation canceled")                          \
  X(EMFILE, -21, "too many open files")                            \
  X(ENOBUFS, -22, "no buffer space available")                     \
  X(EIO, -23, "i/o error")                                         \
  X(EINTR, -24, "interrupted")                                     \
  X(ENETUNREACH, -25, "network unreachable")                       \
  X(EHOSTUNREACH, -26, "host unreachable")                         \
  X(EOF_, -27, "end of file")                                      \
  X(EUNKNOWN, -28, "unknown system error")                          \
  X(EMSGSIZE, -29, "message larger than the buffer")

enum eve_error {
  EVE_OK = 0,
#define EVE_ERROR_ENUM(name, value, text) EVE_##name = (value),
  EVE_ERROR_TABLE(EVE_ERROR_ENUM)
#undef EVE_ERROR_ENUM
};

/* A short message for any value this library returns. */
EVE_API const char *eve_strerror(int error);
/* The symbolic name ("EVE_EEXIST"). */
EVE_API const char *eve_error_name(int error);

/* Translates an OS error: errno on POSIX; GetLastError() or
 * WSAGetLastError() values on Windows. 0 maps to EVE_OK. */
EVE_API int eve_error_from_os(long os_error);

#ifdef __cplusplus
}
#endif

#endif /* EVE_ERROR_H_ */
