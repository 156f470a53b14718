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
	SMSAUDIT_EUSAGE = -7      /* the caller passed arguments that make no sense */
} smsaudit_error_code;

typedef struct {
	int code;            /* one of smsaudit_error_code */
	const char *message; /* one line, no trailing newline */
} smsaudit_error;

/* The last error raised on this thread, or NULL if none since the last clear. */
const smsaudit_error *smsaudit_error_last(void);

/* Forget the last error on this thread. */
void smsaudit_error_clear(void);

/* The library's version string, e.g. "0.1.0". */
const char *smsaudit_version(void);

#endif
