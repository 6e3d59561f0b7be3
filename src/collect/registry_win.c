/* The collectors eved has on Windows, in the order they are listed and
 * run. */
#include "collectors_win.h"
#include "registry.h"
#include "textfile.h"

const eved_collector_t *const eved__registry[] = {
    &eved_collector_cpu, &eved_collector_memory, &eved_collector_logical_disk,
    &eved_collector_net, &eved_collector_system, &eved_collector_service,
    &eved_textfile_collector,
};
const size_t eved__registry_count = sizeof eved__registry / sizeof eved__registry[0];

/* Linux's collectors that Windows has no twin of: its file systems are
 * Windows' logical_disk, under another name. */
const char *const eved__other_os_names[] = {"filesystem", NULL};
const char *const eved__other_os = "Linux";
