/* Outside Windows there is no Service Control Manager: systemd (or any
 * supervisor) runs `eved run` in the foreground; see service/eved.service. */
#include <stdio.h>

#include "service.h"

int eved_service_command(int argc, char **argv) {
  (void)argc;
  fprintf(stderr,
          "eved %s: Windows only; on Linux install service/eved.service and use systemctl\n",
          argv[0]);
  return 2;
}

int eved_service_run(int argc, char **argv) { return eved_service_command(argc, argv); }
