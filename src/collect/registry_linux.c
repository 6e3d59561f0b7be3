/* The Linux collectors, in the order /metrics lists them. */
#include "registry.h"

extern const eved_collector_t eved_cpu_collector, eved_memory_collector,
    eved_filesystem_collector, eved_net_collector, eved_system_collector, eved_textfile_collector;

const eved_collector_t *const eved__registry[] = {&eved_cpu_collector, &eved_memory_collector,
                                                  &eved_filesystem_collector, &eved_net_collector,
                                                  &eved_system_collector, &eved_textfile_collector};
const size_t eved__registry_count = sizeof eved__registry / sizeof eved__registry[0];

/* Windows' disks are Linux's filesystems, under another name. */
const char *const eved__other_os_names[] = {"logical_disk", "service", NULL};
const char *const eved__other_os = "Windows";
