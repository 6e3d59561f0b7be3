/* eve_net_address_t to and from the OS's sockaddr_in / sockaddr_in6: the
 * same code on every OS (the structures and byte order agree; only their
 * headers differ, see net_os.h), and the local and peer address lookups
 * built on it. */
#include <string.h>

#include "net_int.h"

size_t eve__net_to_sockaddr(const eve_net_address_t *a, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (a->family == 6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->bytes, 16);
    return sizeof *s6;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a->port);
  memcpy(&s4->sin_addr, a->bytes, 4);
  return sizeof *s4;
}

/* eve's sockets are TCP over IPv4 or IPv6, so an address that is not
 * AF_INET6 is AF_INET. */
static void from_sockaddr(const struct sockaddr_storage *ss, eve_net_address_t *out) {
  memset(out, 0, sizeof *out);
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    out->family = 6;
    out->port = ntohs(s6->sin6_port);
    memcpy(out->bytes, &s6->sin6_addr, 16);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    out->family = 4;
    out->port = ntohs(s4->sin_port);
    memcpy(out->bytes, &s4->sin_addr, 4);
  }
}

static int address_of(eve_handle_t sock, bool peer, eve_net_address_t *out) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  int rc = eve__net_sockname(sock, peer, &ss);
  if (rc == EVE_OK) from_sockaddr(&ss, out);
  return rc;
}

int eve_net_local_address(eve_handle_t sock, eve_net_address_t *out) {
  return address_of(sock, false, out);
}

int eve_net_peer_address(eve_handle_t sock, eve_net_address_t *out) {
  return address_of(sock, true, out);
}
