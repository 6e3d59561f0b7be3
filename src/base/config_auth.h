/* The config's basic auth keys (config_auth.c), parsed for config.c. */
#ifndef EVED_CONFIG_AUTH_H_
#define EVED_CONFIG_AUTH_H_

#include <stddef.h>

#include "cJSON.h"
#include "config.h"

/* "basic_auth_users": {"name": "<bcrypt hash>", ...}, exporter-toolkit's
 * web-config key; replaces the user table. EVE_EINVAL with an error
 * naming the user (or the bound) otherwise. */
int eved__config_parse_users(const cJSON *obj, eved_config_t *config, char *error, size_t size);
/* "auth": {"protect_healthz": bool}. */
int eved__config_parse_auth(const cJSON *obj, eved_config_t *config, char *error, size_t size);

/* Writes the message into error (size bytes) and returns EVE_EINVAL: the
 * one way config.c and config_auth.c report a key's mistake. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int eved__config_fail(char *error, size_t size, const char *format, ...);

#endif /* EVED_CONFIG_AUTH_H_ */
