/* Calendar formatting from seconds since the epoch, with no gmtime_r /
 * gmtime_s split between the OSes: the civil date is computed directly. */
#ifndef EVED_TIMEFMT_H_
#define EVED_TIMEFMT_H_

#include <stddef.h>
#include <stdint.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate); 29 characters. */
#define EVED_HTTP_DATE_SIZE 40 /* 30 used; room for what the compiler cannot rule out */
void eved_format_http_date(int64_t unix_seconds, char out[EVED_HTTP_DATE_SIZE]);

/* "1994-11-06T08:49:37.123Z"; 24 characters. */
#define EVED_ISO_TIME_SIZE 40 /* 25 used */
void eved_format_iso_time(int64_t unix_ms, char out[EVED_ISO_TIME_SIZE]);

/* The inverse: seconds since the epoch of a UTC calendar time (month
 * 1-12, day 1-31), e.g. a certificate's notAfter. */
int64_t eved_unix_from_civil(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                             unsigned second);

#endif /* EVED_TIMEFMT_H_ */
