/* The config an installer cannot write itself. An MSI replaces every file
 * it owns on upgrade, and wixl cannot mark one "never overwrite", so the
 * MSI ships the defaults under another name and eved makes the real config
 * from them the first time it starts. From then on the file is the
 * administrator's: nothing here ever writes over it, so an upgrade, which
 * starts the service with the new version's defaults, never changes what
 * the administrator has (the port above all). */
#ifndef EVED_FIRST_RUN_H_
#define EVED_FIRST_RUN_H_

#include <stddef.h>

/* If config_path does not exist, copies default_path there (at most
 * EVED_CONFIG_MAX_BYTES; the directory must exist), with its "listen" set
 * to [listen] unless listen is NULL (the installer's LISTEN_ADDR and
 * LISTEN_PORT). EVE_OK when the config exists afterwards, whether made now
 * or before; otherwise a negative code and the reason in error. *copied
 * says whether this call made it. */
int eved_first_run_config(const char *config_path, const char *default_path, const char *listen,
                          int *copied, char *error, size_t error_size);

#endif /* EVED_FIRST_RUN_H_ */
