/* The injected clock for stock tools: preloaded (LD_PRELOAD) into a program
 * such as openssl, time() returns the moment SMSAUDIT_NOW names
 * (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD, UTC), as smsaudit_now() does in the
 * tool; without it, the real clock.
 *
 * The CLI tests sign records by hand with `openssl cms -sign`, which stamps
 * the signing time from time(), while verify insists it equals the record's
 * made-at. With this, a test states that moment instead of waiting for the
 * wall clock to start a new second. Built without sanitizers: it goes into
 * programs that are not. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

time_t time(time_t *out)
{
	const char *s = getenv("SMSAUDIT_NOW");
	struct tm tm;
	struct timespec ts;
	time_t t = (time_t)-1;
	char z = 0;
	memset(&tm, 0, sizeof(tm));
	if (s && strlen(s) == 10 &&
	    sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3)
		z = 'Z';
	else if (s && strlen(s) == 20)
		sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		       &tm.tm_min, &tm.tm_sec, &z);
	if (z == 'Z') {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		t = timegm(&tm);
	}
	if (t == (time_t)-1)
		t = clock_gettime(CLOCK_REALTIME, &ts) == 0 ? ts.tv_sec : (time_t)-1;
	if (out)
		*out = t;
	return t;
}
