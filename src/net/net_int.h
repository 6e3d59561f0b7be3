/* What src/net's own files share: sockaddr.c converts between
 * eve_net_address_t and the OS's socket addresses once for both OSes;
 * each platform file (net_posix.c, net_win.c) makes the calls whose types
 * and errors differ (socklen_t or int, fd or SOCKET, errno or
 * WSAGetLastError). Callers of eve_net.h never see a sockaddr. */
#ifndef EVE_NET_INT_H_
#define EVE_NET_INT_H_

#include <stdbool.h>
#include <stddef.h>

#include "eve_net.h"
#include "net_os.h"

/* Fills *ss from the address; returns the length bind wants (the caller
 * casts it to its OS's length type). */
size_t eve__net_to_sockaddr(const eve_net_address_t *address, struct sockaddr_storage *ss);

/* Implemented per OS: getsockname (peer false) or getpeername (peer true)
 * into *ss, which is at least as large as any address the socket has.
 * EVE_OK, or the OS's error translated. */
int eve__net_sockname(eve_handle_t sock, bool peer, struct sockaddr_storage *ss);

#endif /* EVE_NET_INT_H_ */
