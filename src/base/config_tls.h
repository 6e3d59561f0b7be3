/* The config's "tls" object (config_tls.c), parsed for config.c. */
#ifndef EVED_CONFIG_TLS_H_
#define EVED_CONFIG_TLS_H_

#include <stddef.h>

#include "cJSON.h"
#include "config.h"

/* "tls": {"cert_file", "key_file", "client_ca_file", "client_auth_type",
 * "min_version", "cert_store", "cert_thumbprint"} (exporter-toolkit's
 * tls_server_config names); replaces every tls_* setting and turns TLS
 * on. EVE_EINVAL with an error naming the key otherwise. Whether the files
 * hold what they should is the TLS layer's to say when it loads them. */
int eved__config_parse_tls(const cJSON *obj, eved_config_t *config, char *error, size_t size);

#endif /* EVED_CONFIG_TLS_H_ */
