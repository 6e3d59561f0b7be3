/* The request target as llhttp streams it by: which of the four forms of
 * RFC 9112 3.2 it has, and the start of its path, which is all routing
 * needs. */
#ifndef EVED_TARGET_H_
#define EVED_TARGET_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Only this much of a path is kept: every path eved serves is shorter, so
 * a longer one is "unknown path" whatever follows. Kept small because every
 * connection carries it, idle ones too (the whole head is still bounded by
 * max_header_bytes). */
#define EVED_TARGET_MAX 16

typedef enum eved_target_form {
  EVED_TARGET_START,
  EVED_TARGET_SCHEME,    /* absolute-form: the scheme so far */
  EVED_TARGET_SLASHES,   /* absolute-form: after "scheme:" */
  EVED_TARGET_AUTHORITY, /* absolute-form: after "scheme://" */
  EVED_TARGET_PATH,      /* origin-form, or absolute-form's path */
  EVED_TARGET_QUERY,     /* after the path: not kept */
  EVED_TARGET_ASTERISK,  /* "*" */
  EVED_TARGET_OTHER      /* authority-form, or none of the forms */
} eved_target_form_t;

/* One query parameter ("collect[]=memory") is kept up to this many bytes:
 * longer ones name no collector. */
#define EVED_TARGET_PARAM_MAX 48

typedef struct eved_target {
  /* The query's collect[] parameters, as node_exporter takes them
   * (?collect[]=cpu&collect[]=memory): the collectors a scrape shows. */
  uint32_t collect_mask;  /* bit i: eved_collect_table()'s collector i */
  bool collect_given;     /* at least one collect[] */
  bool collect_unknown;   /* one named no collector: collect_bad says which */
  char collect_bad[EVED_TARGET_PARAM_MAX];
  char param[EVED_TARGET_PARAM_MAX];
  unsigned char param_len;
  bool param_overflow;
  bool query_done;
  char path[EVED_TARGET_MAX];
  unsigned char len;
  unsigned char slashes;
  bool overflow;
  eved_target_form_t form;
} eved_target_t;

void eved_target_begin(eved_target_t *target);
void eved_target_feed(eved_target_t *target, const char *at, size_t len);
/* Once the target has ended: its query's collect[] parameters are in
 * collect_*. */
void eved_target_end(eved_target_t *target);
/* Once the target has ended: its path ("/" for an absolute-form target
 * with none), or NULL if it has no path to route (asterisk-form,
 * authority-form) or the path is longer than EVED_TARGET_MAX. */
const char *eved_target_path(eved_target_t *target, size_t *len);

#endif /* EVED_TARGET_H_ */
