/* pipe_win.c's one setting from outside the config: the SID of the
 * service eved runs as, which the pipe's DACL must admit (the service
 * glue sets it before eved_start; a console eved never does). */
#ifndef EVED_PIPE_WIN_H_
#define EVED_PIPE_WIN_H_

/* "S-1-5-80-..." (at most 127 characters), or NULL for none. */
void eved_admin_pipe_allow_sid(const char *sid);

#endif /* EVED_PIPE_WIN_H_ */
