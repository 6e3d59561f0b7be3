/* The OS's socket headers on POSIX, for the src/net files that are the
 * same on every OS (sockaddr.c). CMake puts this folder, or win/ on
 * Windows, on eve_net's include path, so those files need no #ifdef. */
#ifndef EVE_NET_OS_H_
#define EVE_NET_OS_H_

#include <netinet/in.h>
#include <sys/socket.h>

#endif /* EVE_NET_OS_H_ */
