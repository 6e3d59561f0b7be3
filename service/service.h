/* The OS service glue behind eved's service verbs. service_win.c talks to
 * the Windows Service Control Manager; service_posix.c says to use the
 * systemd unit (made from service/eved.service.in) instead. main.c calls
 * these with argv[0] being the verb. */
#ifndef EVED_SERVICE_H_
#define EVED_SERVICE_H_

/* install, uninstall, start, stop, status, configure. Returns the exit code. */
int eved_service_command(int argc, char **argv);

/* `eved service --name NAME --config FILE [--default-config FILE]
 * [--listen HOST:PORT]`: the command line the SCM starts (written by
 * install, or by the MSI, which adds --default-config: copied to FILE when
 * FILE does not exist yet, and --listen); runs eved under the service
 * dispatcher. */
int eved_service_run(int argc, char **argv);

#endif /* EVED_SERVICE_H_ */
