/* What eved needs from the OS beyond sockets: a monotonic clock, figures
 * about its own process, and a stop request from Ctrl-C or a signal.
 * platform_posix.c and platform_win.c implement it; CMake picks one. */
#ifndef EVED_PLATFORM_H_
#define EVED_PLATFORM_H_

#include <stdint.h>

#include <eve/eve_poller.h>

/* Wall-clock milliseconds since the Unix epoch (for Date and the log). */
int64_t eved_wall_ms(void);

/* Milliseconds from an arbitrary start; never goes back. */
int64_t eved_monotonic_ms(void);

uint64_t eved_process_id(void);
/* Resident memory (Linux RSS, Windows working set); 0 if unknown. */
uint64_t eved_process_memory_bytes(void);
/* Open handles on Windows; -1 where the OS has no such figure. */
int64_t eved_process_handles(void);

/* textfile.directory's default (UTF-8): /var/lib/eved/textfile, or
 * C:\ProgramData\eved\textfile on Windows. */
const char *eved_platform_textfile_dir(void);

/* Lets the process open as many sockets as the OS allows it: the soft
 * open-file limit up to the hard one (POSIX; Windows has no such limit).
 * Returns how many it may open, 0 if unknown. */
uint64_t eved_raise_open_file_limit(void);

/* Routes SIGINT/SIGTERM (POSIX) or Ctrl-C, Ctrl-Break and console close
 * (Windows) to eved_control_post(EVED_CONTROL_STOP), and SIGHUP (POSIX) to
 * EVED_CONTROL_RELOAD, so the loop sees them after its next wait. */
int eved_signals_install(void);
void eved_signals_uninstall(void);

#endif /* EVED_PLATFORM_H_ */
