/* The textfile collector: every *.prom file of textfile.directory, parsed
 * (textfile_parse.h) and merged into /metrics, each file whole or not at
 * all (docs/collectors.md, "Textfile metrics"). The bounds, each hit
 * counted as a skipped file (eved_textfile_files_skipped{reason="bound"})
 * and logged: */
#ifndef EVED_TEXTFILE_H_
#define EVED_TEXTFILE_H_

#include "collector.h"

/* One file's bytes: larger files are skipped unread. */
#define EVED_TEXTFILE_FILE_BYTES_MAX (1024 * 1024)
/* *.prom files read per run; more are skipped. */
#define EVED_TEXTFILE_FILES_MAX 256
/* One file's families, series and labels. */
#define EVED_TEXTFILE_FAMILIES_PER_FILE 2048
#define EVED_TEXTFILE_SERIES_PER_FILE 10000
#define EVED_TEXTFILE_LABELS_PER_FILE 40000
/* All files together: a file that would pass one is skipped. */
#define EVED_TEXTFILE_FAMILIES_TOTAL 4096
#define EVED_TEXTFILE_SERIES_TOTAL 20000
#define EVED_TEXTFILE_LABELS_TOTAL 80000
#define EVED_TEXTFILE_STRINGS_TOTAL (4 * 1024 * 1024)

/* Why a file was skipped: the reason="" label of
 * eved_textfile_files_skipped, in this order. */
typedef enum eved_textfile_reason {
  EVED_TEXTFILE_SKIP_MALFORMED,  /* not the format, or a timestamp */
  EVED_TEXTFILE_SKIP_DUPLICATE,  /* a series twice, or a family another file has */
  EVED_TEXTFILE_SKIP_CLASH,      /* a family eved or a host collector owns */
  EVED_TEXTFILE_SKIP_BOUND,      /* a bound above */
  EVED_TEXTFILE_SKIP_UNREADABLE, /* gone, not a file, a read error */
  EVED_TEXTFILE_SKIP_COUNT
} eved_textfile_reason_t;

extern const eved_collector_t eved_textfile_collector;

#endif /* EVED_TEXTFILE_H_ */
