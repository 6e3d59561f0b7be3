/* The OS's socket headers on Windows, for the src/net files that are the
 * same on every OS (sockaddr.c). CMake puts this folder, or posix/
 * elsewhere, on eve_net's include path, so those files need no #ifdef.
 * ws2tcpip.h is what declares sockaddr_in6. */
#ifndef EVE_NET_OS_H_
#define EVE_NET_OS_H_

#include <winsock2.h>
#include <ws2tcpip.h>

#endif /* EVE_NET_OS_H_ */
