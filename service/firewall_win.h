/* firewall_win.c: the optional inbound rule for eved's listening ports
 * (`eved install --firewall [--remote-addr LIST]`), removed by uninstall. */
#ifndef EVED_FIREWALL_WIN_H_
#define EVED_FIREWALL_WIN_H_

#include <stddef.h>
#include <windows.h>

#include "config.h"

#define EVED_FW_TEXT_MAX 512

/* The rule, as INetFwRule properties. Fixed, so not stored: inbound,
 * TCP, allow, enabled, every profile. */
typedef struct eved_fw_rule {
  wchar_t name[EVED_FW_TEXT_MAX];        /* "eved (NAME)": one rule per service */
  wchar_t grouping[EVED_FW_TEXT_MAX];    /* "eved" */
  wchar_t description[EVED_FW_TEXT_MAX];
  wchar_t ports[EVED_FW_TEXT_MAX];       /* the config's listen ports: "8080,9182" */
  wchar_t remote[EVED_FW_TEXT_MAX];      /* "*" or the --remote-addr list */
  wchar_t program[MAX_PATH];             /* eved.exe */
  wchar_t service[EVED_FW_TEXT_MAX];     /* the service name */
} eved_fw_rule_t;

/* Builds the rule for service `name` (eved.exe at `exe`) from the config's
 * listen list and the remote-address list (NULL: any). Returns false with
 * the reason in `error` (port 0, a token the firewall would refuse). */
bool eved__firewall_rule_build(const wchar_t *name, const wchar_t *exe,
                               const eved_config_t *config, const char *remote,
                               eved_fw_rule_t *rule, char *error, size_t error_size);
/* The rule as one line of text: what install prints, and tests compare. */
void eved__firewall_rule_describe(const eved_fw_rule_t *rule, wchar_t *out, size_t size);
/* "eved (NAME)", the rule's name. */
void eved__firewall_rule_name(const wchar_t *service, wchar_t *out, size_t size);
/* Through INetFwPolicy2: replaces any rule of that name, then adds it. */
HRESULT eved__firewall_add(const eved_fw_rule_t *rule);
/* Removes every rule with that name; *removed says how many (none is not
 * an error). */
HRESULT eved__firewall_remove(const wchar_t *rule_name, int *removed);

#endif /* EVED_FIREWALL_WIN_H_ */
