/* eved's log: one line per event, "<UTC time> <level> <message>", to
 * standard error or to a file. */
#ifndef EVED_LOG_H_
#define EVED_LOG_H_

typedef enum eved_log_level {
  EVED_LOG_DEBUG = 0,
  EVED_LOG_INFO = 1,
  EVED_LOG_WARN = 2,
  EVED_LOG_ERROR = 3
} eved_log_level_t;

/* "debug", "info", "warn", "error"; -1 for anything else. */
int eved_log_level_parse(const char *name);
const char *eved_log_level_name(eved_log_level_t level);

/* Sets the threshold and the destination (NULL or "" for standard error).
 * Returns 0, or -1 if the file cannot be opened for appending. */
int eved_log_open(eved_log_level_t level, const char *file);
void eved_log_close(void);
int eved_log_enabled(eved_log_level_t level);
/* Changes the threshold alone (the admin channel's `loglevel`). */
void eved_log_set_level(eved_log_level_t level);
eved_log_level_t eved_log_level(void);

/* A second destination for each line at or above `min` (the Windows Event
 * Log when eved runs as a service): called with the level and the message
 * without the time stamp. NULL removes it. */
typedef void (*eved_log_hook_t)(eved_log_level_t level, const char *message);
void eved_log_set_hook(eved_log_hook_t hook, eved_log_level_t min);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void eved_log(eved_log_level_t level, const char *format, ...);

#endif /* EVED_LOG_H_ */
