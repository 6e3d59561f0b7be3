#ifndef EVED_SERVICE_STATE_WIN_H_
#define EVED_SERVICE_STATE_WIN_H_

#include <windows.h>

/* "RUNNING", "STOP_PENDING", ...; "UNKNOWN" for anything else. */
const char *eved__service_state_name(DWORD state);

#endif /* EVED_SERVICE_STATE_WIN_H_ */
