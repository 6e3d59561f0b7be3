/* Calendar arithmetic after Howard Hinnant's days-from-civil algorithm
 * (proleptic Gregorian, 400-year eras), both ways: a day number to year,
 * month, day for the formats, and back for a certificate's notAfter. */
#include <stdio.h>

#include "timefmt.h"

typedef struct civil {
  int64_t year;
  unsigned month, day, hour, minute, second, weekday;
} civil_t;

static civil_t civil_from_seconds(int64_t t) {
  civil_t c;
  int64_t days = t / 86400, rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  c.hour = (unsigned)(rem / 3600);
  c.minute = (unsigned)(rem / 60 % 60);
  c.second = (unsigned)(rem % 60);
  /* 1970-01-01 was a Thursday (4). */
  c.weekday = (unsigned)(((days % 7) + 11) % 7);
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
  return c;
}

void eved_format_http_date(int64_t unix_seconds, char out[EVED_HTTP_DATE_SIZE]) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  civil_t c = civil_from_seconds(unix_seconds);
  snprintf(out, EVED_HTTP_DATE_SIZE, "%s, %02u %s %04d %02u:%02u:%02u GMT", days[c.weekday],
           c.day, months[c.month - 1], (int)(c.year % 10000), c.hour, c.minute, c.second);
}

void eved_format_iso_time(int64_t unix_ms, char out[EVED_ISO_TIME_SIZE]) {
  int64_t s = unix_ms / 1000, ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    s--;
  }
  civil_t c = civil_from_seconds(s);
  snprintf(out, EVED_ISO_TIME_SIZE, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", (int)(c.year % 10000),
           c.month, c.day, c.hour, c.minute, c.second, (unsigned)ms);
}

int64_t eved_unix_from_civil(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                             unsigned second) {
  /* Years from March, so the leap day ends a year. */
  int64_t y = (int64_t)year - (month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + (int64_t)doe - 719468;
  return days * 86400 + (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
}
