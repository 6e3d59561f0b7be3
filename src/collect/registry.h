/* What each OS's registry file defines: its collectors in the order
 * /metrics lists and the engine runs them, and the collectors only the
 * other OS has, so the config can say why such a name is refused.
 * registry.c answers collector.h's lookups from them. */
#ifndef EVED_COLLECT_REGISTRY_H_
#define EVED_COLLECT_REGISTRY_H_

#include <stddef.h>

#include "collector.h"

extern const eved_collector_t *const eved__registry[];
extern const size_t eved__registry_count;
/* NULL-terminated. */
extern const char *const eved__other_os_names[];
/* "Windows" on Linux, "Linux" on Windows. */
extern const char *const eved__other_os;

#endif /* EVED_COLLECT_REGISTRY_H_ */
