/* What the service verbs share: their parsed command line and the SCM
 * steps more than one verb takes (service_scm_win.c), and the verbs that
 * set a service up (service_install_win.c). */
#ifndef EVED_SERVICE_VERBS_WIN_H_
#define EVED_SERVICE_VERBS_WIN_H_

#include <stdbool.h>
#include <windows.h>

#include "service_win.h"

/* The command line of every verb, parsed (service_scm_win.c: parse). */
typedef struct args {
  const char *verb;
  wchar_t name[EVED_SERVICE_NAME_MAX];
  const char *config;
  DWORD start_type;
  bool delayed;
  bool no_start;
  const char *account; /* NULL: NT SERVICE\<name> */
  bool firewall;
  const char *remote_addr;
  /* configure (the MSI's custom actions) */
  const char *data_dir;
  const char *listen;
  bool remove_firewall;
} args_t;

/* service_scm_win.c */
int eved__svc_usage(void);
/* Prints the failure; EVED_SVC_NOT_ELEVATED for ERROR_ACCESS_DENIED. */
int eved__svc_os_failure(const char *what, DWORD error);
SC_HANDLE eved__svc_open_scm(DWORD access, int *status);
SC_HANDLE eved__svc_open_service(SC_HANDLE scm, const args_t *a, DWORD access, int *status);
bool eved__svc_query(SC_HANDLE s, SERVICE_STATUS_PROCESS *out);
int eved__svc_start_and_wait(SC_HANDLE s, const args_t *a);
int eved__svc_stop_and_wait(SC_HANDLE s, const args_t *a);
DWORD eved__svc_set_recovery(SC_HANDLE s, const args_t *a);
DWORD eved__svc_set_token(SC_HANDLE s);

/* service_install_win.c */
int eved__svc_install(const args_t *a);
int eved__svc_uninstall(const args_t *a);
int eved__svc_configure_service(const args_t *a);

#endif /* EVED_SERVICE_VERBS_WIN_H_ */
