/* The Windows collectors, one per file (cpu_win.c, memory_win.c, ...),
 * listed in order by registry_win.c. Each is an eved_collector_t (see
 * collector.h for the thread rules they all follow). */
#ifndef EVED_COLLECTORS_WIN_H_
#define EVED_COLLECTORS_WIN_H_

#include "collector.h"

extern const eved_collector_t eved_collector_cpu;
extern const eved_collector_t eved_collector_memory;
extern const eved_collector_t eved_collector_logical_disk;
extern const eved_collector_t eved_collector_net;
extern const eved_collector_t eved_collector_system;
extern const eved_collector_t eved_collector_service;

#endif /* EVED_COLLECTORS_WIN_H_ */
