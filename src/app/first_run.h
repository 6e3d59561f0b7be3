/* The config an installer cannot write itself. An MSI replaces every file
 * it owns on upgrade, and wixl cannot mark one "never overwrite", so the
 * MSI ships the defaults under another name and eved makes the real config
 * from them the first time it starts. From then on the file is the
 * administrator's: nothing here ever writes over it. */
#ifndef EVED_FIRST_RUN_H_
#define EVED_FIRST_RUN_H_

#include <stddef.h>

/* If config_path does not exist, copies default_path there (at most
 * EVED_CONFIG_MAX_BYTES; the directory must exist). EVE_OK when the config
 * exists afterwards, whether copied now or before; otherwise a negative
 * code and the reason in error. *copied says whether this call made it. */
int eved_first_run_config(const char *config_path, const char *default_path, int *copied,
                          char *error, size_t error_size);

#endif /* EVED_FIRST_RUN_H_ */
