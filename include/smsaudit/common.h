/*
 * smsaudit — common definitions: error codes, the last-error record, version.
 *
 * Every library function returns 0 on success or one of the negative codes
 * below; smsaudit_error_last() then describes what went wrong in one line that
 * names the file, line, field or id at fault.
 */
#ifndef SMSAUDIT_COMMON_H
#define SMSAUDIT_COMMON_H

#include <stddef.h>

#define SMSAUDIT_VERSION "0.1.0"

typedef enum {
	SMSAUDIT_OK = 0,
	SMSAUDIT_ERROR = -1,      /* unexpected internal failure */
	SMSAUDIT_EINVALID = -2,   /* input data is malformed or breaks a rule */
	SMSAUDIT_ENOTFOUND = -3,  /* an id, clause or object does not exist */
	SMSAUDIT_EIO = -4,        /* the environment failed: file, permission, disk */
	SMSAUDIT_ENOMEM = -5,     /* out of memory */
	SMSAUDIT_EEXISTS = -6,    /* the thing to create is already there */
	SMSAUDIT_EUSAGE = -7,     /* the caller passed arguments that make no sense */
	SMSAUDIT_EDAMAGED = -8,   /* the repository is damaged: an object is missing or corrupt */
	SMSAUDIT_EVERIFY = -9     /* the repository fails verification, so the operation is refused */
} smsaudit_error_code;

typedef struct {
	int code;            /* one of smsaudit_error_code */
	const char *message; /* one line, no trailing newline */
} smsaudit_error;

/* The last error raised on this thread, or NULL if none since the last clear. */
const smsaudit_error *smsaudit_error_last(void);

/* Forget the last error on this thread. */
void smsaudit_error_clear(void);

/*
 * Notices: what went wrong without failing the operation (a commit that could
 * not be time-stamped, say). The library never prints; a program that wants
 * them shown sets a function (process-wide; NULL: dropped).
 */
typedef void (*smsaudit_notice_fn)(const char *message, void *payload);
void smsaudit_notice_set(smsaudit_notice_fn fn, void *payload);

/*
 * Progress of long work (`what` is "checking records", "writing the pack",
 * ...): `done` of `total` so far, called from the thread that started the
 * work, often. A program that shows it sets a function (process-wide).
 */
typedef void (*smsaudit_progress_hook)(const char *what, size_t done, size_t total, void *payload);
void smsaudit_progress_set(smsaudit_progress_hook fn, void *payload);

/* The library's version string, e.g. "0.1.0". */
const char *smsaudit_version(void);

/*
 * Time. All times are UTC seconds since the epoch (time_t). Dates are written
 * YYYY-MM-DD, times YYYY-MM-DDTHH:MM:SSZ. Parsing is strict: impossible dates
 * (2026-02-30) and trailing text are SMSAUDIT_EINVALID.
 */
#include <time.h>

int smsaudit_date_parse(time_t *out, const char *s);   /* YYYY-MM-DD at 00:00:00Z */
int smsaudit_time_parse(time_t *out, const char *s);   /* a date, or YYYY-MM-DDTHH:MM:SSZ */
/* "YYYY-MM-DD..YYYY-MM-DD"; SMSAUDIT_EINVALID when malformed or ending before it starts. */
int smsaudit_period_parse(time_t *from, time_t *to, const char *s);
void smsaudit_date_format(char out[11], time_t t);
void smsaudit_time_format(char out[21], time_t t);
/* Seconds since the epoch for a UTC calendar time (timegm without the locale). */
time_t smsaudit_utc_mktime(int year, int month, int day, int hour, int min, int sec);

/* The date `months` calendar months after (or before, if negative) a date;
 * the day is clamped to the month's end (2026-01-31 + 1 month = 2026-02-28). */
time_t smsaudit_date_add_months(time_t date, int months);
/* 00:00:00Z of the day `t` falls on. */
time_t smsaudit_date_of(time_t t);
/* Seconds in a day (UTC has no leap seconds here). */
#define SMSAUDIT_DAY 86400
/* "As of" a date means as of the end of that day: its last second,
 * 23:59:59Z. The one rule for every as-of in the library and the tool. */
time_t smsaudit_day_end(time_t t);

/*
 * The current time, unless SMSAUDIT_NOW (a date or time as above) fixes it —
 * for tests, demos and replays. Records store this time, so it is not a
 * security boundary: signatures carry it and verification judges it.
 */
time_t smsaudit_now(void);

#endif
