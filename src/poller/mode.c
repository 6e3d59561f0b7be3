/* Poller mode names, as config files and /stats spell them. */
#include <string.h>

#include <eve/eve_poller.h>

const char *eve_poller_mode_name(eve_poller_mode_t mode) {
  switch (mode) {
    case EVE_MODE_DEFAULT:
      return "default";
    case EVE_MODE_EPOLL:
      return "epoll";
    case EVE_MODE_WSAPOLL:
      return "wsapoll";
    case EVE_MODE_OVERLAPPED:
      return "overlapped";
  }
  return "unknown";
}

int eve_poller_mode_parse(const char *name, eve_poller_mode_t *out) {
  static const eve_poller_mode_t modes[] = {EVE_MODE_DEFAULT, EVE_MODE_EPOLL,
                                            EVE_MODE_WSAPOLL, EVE_MODE_OVERLAPPED};
  if (name == NULL || out == NULL) return EVE_EINVAL;
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    if (strcmp(name, eve_poller_mode_name(modes[i])) == 0) {
      *out = modes[i];
      return EVE_OK;
    }
  }
  return EVE_EINVAL;
}
