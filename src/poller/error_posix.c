/* errno to eve error, the one place POSIX errors are translated. */
#include <errno.h>

#include <eve/eve_error.h>

int eve_error_from_os(long os_error) {
  switch (os_error) {
    case 0:
      return EVE_OK;
    case EINVAL:
      return EVE_EINVAL;
    case EBADF:
    case ENOTSOCK:
      return EVE_EBADF;
    case EEXIST:
      return EVE_EEXIST;
    case ENOENT:
      return EVE_ENOENT;
    case ENOMEM:
      return EVE_ENOMEM;
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
      return EVE_EAGAIN;
    case EINPROGRESS:
    case EALREADY:
      return EVE_EPENDING;
    case ECONNREFUSED:
      return EVE_ECONNREFUSED;
    case ECONNRESET:
      return EVE_ECONNRESET;
    case ECONNABORTED:
      return EVE_ECONNABORTED;
    case EPIPE:
      return EVE_EPIPE;
    case ENOTCONN:
      return EVE_ENOTCONN;
    case ETIMEDOUT:
      return EVE_ETIMEDOUT;
    case EADDRINUSE:
      return EVE_EADDRINUSE;
    case EADDRNOTAVAIL:
      return EVE_EADDRNOTAVAIL;
    case EACCES:
    case EPERM:
      return EVE_EACCES;
    case ECANCELED:
      return EVE_ECANCELED;
    case EMFILE:
    case ENFILE:
      return EVE_EMFILE;
    case ENOBUFS:
      return EVE_ENOBUFS;
    case EIO:
      return EVE_EIO;
    case EINTR:
      return EVE_EINTR;
    case ENETUNREACH:
      return EVE_ENETUNREACH;
    case EHOSTUNREACH:
      return EVE_EHOSTUNREACH;
    case EOPNOTSUPP:
      return EVE_ENOTSUP;
    case EMSGSIZE:
      return EVE_EMSGSIZE;
    default:
      return EVE_EUNKNOWN;
  }
}
