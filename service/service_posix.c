/* Outside Windows there is no Service Control Manager: systemd (or any
 * supervisor) runs `eved run` in the foreground; see the unit's template,
 * service/eved.service.in. */
#include <stdio.h>

#include "service.h"

int eved_service_command(int argc, char **argv) {
  (void)argc;
  fprintf(stderr,
          "eved %s: Windows only; on Linux use systemctl with the systemd unit eved.service\n"
          "(`cmake --install` puts it in <prefix>/lib/systemd/system)\n",
          argv[0]);
  return 2;
}

int eved_service_run(int argc, char **argv) { return eved_service_command(argc, argv); }
