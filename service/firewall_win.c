/* The optional inbound firewall rule: TCP to the ports of eved's listen
 * addresses, allowed for eved.exe as this service only, from any address
 * or from the list --remote-addr gives. It is added through the Windows
 * Firewall's COM API (INetFwPolicy2::get_Rules, INetFwRules::Add with an
 * INetFwRule, netfw.h) and removed by name at uninstall.
 *
 * Built in two steps so the rule can be checked where the API cannot be:
 * eved__firewall_rule_build makes the exact rule from the config (pure),
 * eved__firewall_add hands it to the firewall. install prints the built
 * rule, and tests/service compares that line. Wine 8's hnetcfg implements
 * the policy object but not the rules (see add_rule below). */
#include <windows.h>
/* netfw.h's CLSIDs and IIDs are in no mingw import library: defined here. */
#include <initguid.h>
#include <netfw.h>
#include <oleauto.h>

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "firewall_win.h"

void eved__firewall_rule_name(const wchar_t *service, wchar_t *out, size_t size) {
  swprintf(out, size, L"eved (%ls)", service);
}

/* The tokens INetFwRule::put_RemoteAddresses accepts: "*" alone, the
 * keywords, or addresses, subnets (prefix or mask) and ranges made of hex
 * digits, '.', ':', '/' and '-' (Microsoft Learn,
 * INetFwRule::put_RemoteAddresses). Anything else would fail at Add time
 * with an opaque HRESULT, so it is refused here with the token named. */
static bool remote_token_ok(const char *token, size_t len) {
  static const char *const keywords[] = {"LocalSubnet", "DNS", "DHCP", "WINS", "DefaultGateway"};
  if (len == 0) return false;
  for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
    if (strlen(keywords[k]) == len && _strnicmp(token, keywords[k], len) == 0) return true;
  for (size_t i = 0; i < len; i++) {
    char c = token[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != '.' && c != ':' && c != '/' && c != '-') return false;
  }
  return true;
}

static bool check_remote(const char *list, char *error, size_t error_size) {
  if (strcmp(list, "*") == 0) return true;
  const char *p = list;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
    if (!remote_token_ok(p, len)) {
      snprintf(error, error_size,
               "--remote-addr: \"%.*s\" is not an address, subnet, range or firewall keyword "
               "(\"*\" may only stand alone)",
               (int)len, p);
      return false;
    }
    if (comma == NULL) return true;
    p = comma + 1;
  }
}

bool eved__firewall_rule_build(const wchar_t *name, const wchar_t *exe,
                               const eved_config_t *config, const char *remote,
                               eved_fw_rule_t *rule, char *error, size_t error_size) {
  memset(rule, 0, sizeof *rule);
  eved__firewall_rule_name(name, rule->name, EVED_FW_TEXT_MAX);
  wcscpy(rule->grouping, L"eved");
  swprintf(rule->description, EVED_FW_TEXT_MAX,
           L"eved's HTTP status endpoints (/stats, /metrics, /healthz) for service %ls; added by "
           L"eved install, removed by eved uninstall.",
           name);
  if (config->listen_count == 0) {
    snprintf(error, error_size, "--firewall: the config has no listen address");
    return false;
  }
  size_t used = 0;
  for (size_t i = 0; i < config->listen_count; i++) {
    unsigned port = config->listen[i].port;
    if (port == 0) {
      snprintf(error, error_size,
               "--firewall: listen address %zu has port 0 (a free port picked at each start); "
               "a firewall rule needs fixed ports",
               i + 1);
      return false;
    }
    bool seen = false;
    for (size_t j = 0; j < i; j++) seen = seen || config->listen[j].port == port;
    if (seen) continue;
    int n = swprintf(rule->ports + used, EVED_FW_TEXT_MAX - used, used ? L",%u" : L"%u", port);
    if (n < 0) return false;
    used += (size_t)n;
  }
  const char *list = remote != NULL ? remote : "*";
  if (!check_remote(list, error, error_size)) return false;
  if (MultiByteToWideChar(CP_UTF8, 0, list, -1, rule->remote, EVED_FW_TEXT_MAX) <= 0) {
    snprintf(error, error_size, "--remote-addr: the list is too long");
    return false;
  }
  if (wcslen(exe) >= MAX_PATH || wcslen(name) >= EVED_FW_TEXT_MAX) return false;
  wcscpy(rule->program, exe);
  wcscpy(rule->service, name);
  return true;
}

void eved__firewall_rule_describe(const eved_fw_rule_t *rule, wchar_t *out, size_t size) {
  swprintf(out, size,
           L"firewall rule \"%ls\": inbound TCP, local ports %ls, remote addresses %ls, allow, "
           L"program %ls, service %ls, all profiles, group %ls",
           rule->name, rule->ports, rule->remote, rule->program, rule->service, rule->grouping);
}

static HRESULT open_rules(INetFwRules **rules) {
  INetFwPolicy2 *policy = NULL;
  HRESULT hr = CoCreateInstance(&CLSID_NetFwPolicy2, NULL, CLSCTX_INPROC_SERVER,
                                &IID_INetFwPolicy2, (void **)&policy);
  if (SUCCEEDED(hr)) {
    hr = policy->lpVtbl->get_Rules(policy, rules);
    policy->lpVtbl->Release(policy);
  }
  return hr;
}

/* A BSTR property: the API takes BSTRs, freed right after the call. */
typedef HRESULT(STDMETHODCALLTYPE *put_bstr_t)(INetFwRule *, BSTR);

static HRESULT put_text(INetFwRule *r, put_bstr_t put, const wchar_t *text, HRESULT hr) {
  if (FAILED(hr)) return hr;
  BSTR b = SysAllocString(text);
  if (b == NULL) return E_OUTOFMEMORY;
  hr = put(r, b);
  SysFreeString(b);
  return hr;
}

/* Protocol before LocalPorts: the API refuses ports without a protocol
 * (INetFwRule::put_LocalPorts, Remarks). Wine 8's rule object answers
 * E_NOTIMPL to the setters, and its INetFwRules::Add is a stub: the
 * HRESULT is passed on, and install says the rule was not added. */
static HRESULT add_rule(INetFwRules *rules, const eved_fw_rule_t *rule) {
  INetFwRule *r = NULL;
  HRESULT hr = CoCreateInstance(&CLSID_NetFwRule, NULL, CLSCTX_INPROC_SERVER, &IID_INetFwRule,
                                (void **)&r);
  if (FAILED(hr)) return hr;
  INetFwRuleVtbl *v = r->lpVtbl;
  hr = put_text(r, v->put_Name, rule->name, hr);
  hr = put_text(r, v->put_Description, rule->description, hr);
  hr = put_text(r, v->put_Grouping, rule->grouping, hr);
  hr = put_text(r, v->put_ApplicationName, rule->program, hr);
  hr = put_text(r, v->put_ServiceName, rule->service, hr);
  if (SUCCEEDED(hr)) hr = v->put_Protocol(r, NET_FW_IP_PROTOCOL_TCP);
  hr = put_text(r, v->put_LocalPorts, rule->ports, hr);
  hr = put_text(r, v->put_RemoteAddresses, rule->remote, hr);
  if (SUCCEEDED(hr)) hr = v->put_Direction(r, NET_FW_RULE_DIR_IN);
  if (SUCCEEDED(hr)) hr = v->put_Action(r, NET_FW_ACTION_ALLOW);
  if (SUCCEEDED(hr)) hr = v->put_Profiles(r, NET_FW_PROFILE2_ALL);
  if (SUCCEEDED(hr)) hr = v->put_Enabled(r, VARIANT_TRUE);
  if (SUCCEEDED(hr)) hr = rules->lpVtbl->Add(rules, r);
  v->Release(r);
  return hr;
}

/* INetFwRules::Remove removes one rule of that name per call; no rule
 * left is the end. Bounded, in case a firewall reports success forever. */
static HRESULT remove_rules(INetFwRules *rules, const wchar_t *name, int *removed) {
  BSTR b = SysAllocString(name);
  if (b == NULL) return E_OUTOFMEMORY;
  HRESULT hr = S_OK;
  *removed = 0;
  for (int i = 0; i < 16; i++) {
    INetFwRule *found = NULL;
    if (FAILED(rules->lpVtbl->Item(rules, b, &found)) || found == NULL) break;
    found->lpVtbl->Release(found);
    hr = rules->lpVtbl->Remove(rules, b);
    if (FAILED(hr)) break;
    (*removed)++;
  }
  SysFreeString(b);
  return hr;
}

static HRESULT com_begin(bool *uninit) {
  HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  *uninit = SUCCEEDED(hr);
  return hr == RPC_E_CHANGED_MODE ? S_OK : hr;
}

HRESULT eved__firewall_add(const eved_fw_rule_t *rule) {
  bool uninit;
  HRESULT hr = com_begin(&uninit);
  INetFwRules *rules = NULL;
  if (SUCCEEDED(hr)) hr = open_rules(&rules);
  int removed = 0;
  if (SUCCEEDED(hr)) hr = remove_rules(rules, rule->name, &removed);
  if (SUCCEEDED(hr)) hr = add_rule(rules, rule);
  if (rules != NULL) rules->lpVtbl->Release(rules);
  if (uninit) CoUninitialize();
  return hr;
}

HRESULT eved__firewall_remove(const wchar_t *rule_name, int *removed) {
  bool uninit;
  HRESULT hr = com_begin(&uninit);
  INetFwRules *rules = NULL;
  *removed = 0;
  if (SUCCEEDED(hr)) hr = open_rules(&rules);
  if (SUCCEEDED(hr)) hr = remove_rules(rules, rule_name, removed);
  if (rules != NULL) rules->lpVtbl->Release(rules);
  if (uninit) CoUninitialize();
  return hr;
}
