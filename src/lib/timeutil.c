/* UTC dates and times without the locale or TZ: strict parsing and formatting. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long yy = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

time_t smsaudit_utc_mktime(int year, int month, int day, int hour, int min, int sec)
{
	return (time_t)(days_from_civil(year, (unsigned)month, (unsigned)day) * 86400LL +
	                hour * 3600LL + min * 60LL + sec);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Fills why[] with the rule a well-shaped but impossible date breaks. */
static int parse_ymd(const char *s, int *y, int *m, int *d, char *why, size_t wsize)
{
	static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
	                                      "August", "September", "October", "November", "December" };
	why[0] = '\0';
	if (!(digits(s, 4, y) && s[4] == '-' && digits(s + 5, 2, m) && s[7] == '-' && digits(s + 8, 2, d)))
		return 0;
	if (*y < 1970 || *y > 9999)
		snprintf(why, wsize, "years run from 1970 to 9999");
	else if (*m < 1 || *m > 12)
		snprintf(why, wsize, "there is no month %d", *m);
	else if (*d < 1 || *d > days_in_month(*y, *m))
		snprintf(why, wsize, "%s %d has %d days", months[*m - 1], *y, days_in_month(*y, *m));
	return why[0] == '\0';
}

int smsaudit_date_parse(time_t *out, const char *s)
{
	int y, m, d;
	char why[64] = "";
	if (!s || strlen(s) != 10 || !parse_ymd(s, &y, &m, &d, why, sizeof(why))) {
		if (why[0])
			return error_set(SMSAUDIT_EINVALID, "%s is not a date: %s", s, why);
		return error_set(SMSAUDIT_EINVALID, "'%.40s%s' is not a date (expected YYYY-MM-DD)", s ? s : "",
		                 s && strlen(s) > 40 ? "..." : "");
	}
	*out = smsaudit_utc_mktime(y, m, d, 0, 0, 0);
	return 0;
}

int smsaudit_time_parse(time_t *out, const char *s)
{
	int y, m, d, hh, mm, ss;
	char why[64] = "";
	if (s && strlen(s) == 10)
		return smsaudit_date_parse(out, s);
	int shaped = s && strlen(s) == 20 && s[10] == 'T' && digits(s + 11, 2, &hh) && s[13] == ':' &&
	             digits(s + 14, 2, &mm) && s[16] == ':' && digits(s + 17, 2, &ss) && s[19] == 'Z';
	int ok = shaped && parse_ymd(s, &y, &m, &d, why, sizeof(why));
	if (ok && (hh > 23 || mm > 59 || ss > 59)) {
		snprintf(why, sizeof(why), "%s run from 00 to %s", hh > 23 ? "hours" : mm > 59 ? "minutes" : "seconds",
		         hh > 23 ? "23" : "59");
		ok = 0;
	}
	if (why[0])
		return error_set(SMSAUDIT_EINVALID, "%s is not a time: %s", s, why);
	if (!ok)
		return error_set(SMSAUDIT_EINVALID, "'%.40s%s' is not a time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
		                 s ? s : "", s && strlen(s) > 40 ? "..." : "");
	*out = smsaudit_utc_mktime(y, m, d, hh, mm, ss);
	return 0;
}

int smsaudit_period_parse(time_t *from, time_t *to, const char *s)
{
	const char *dots = s ? strstr(s, "..") : NULL;
	if (!dots || dots - s != 10 || strlen(dots + 2) != 10)
		return error_set(SMSAUDIT_EINVALID, "period '%.60s%s' is not FROM..TO (YYYY-MM-DD..YYYY-MM-DD)", s ? s : "",
		                 s && strlen(s) > 60 ? "..." : "");
	char a[11];
	memcpy(a, s, 10);
	a[10] = '\0';
	if (smsaudit_date_parse(from, a) < 0 || smsaudit_date_parse(to, dots + 2) < 0)
		return error_prefix(SMSAUDIT_EINVALID, "period %s", s);
	if (*to < *from)
		return error_set(SMSAUDIT_EINVALID, "period %s ends before it starts: %s is before %s", s, dots + 2, a);
	return 0;
}

/* "YYYY-MM-DD" into out[0..9]; 0 when the year has no four digits (then
 * the caller prints it as it is). Listings format a few dates a row, and
 * snprintf was a quarter of listing 100,000 records. */
static int put_date(char *out, int y, int m, int d)
{
	if (y < 0 || y > 9999)
		return 0;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	return 1;
}

static void put_2(char *out, int v)
{
	out[0] = (char)('0' + v / 10);
	out[1] = (char)('0' + v % 10);
}

void smsaudit_date_format(char out[11], time_t t)
{
	long long days = (long long)t / 86400 - ((long long)t % 86400 < 0);
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	if (!put_date(out, y, m, d)) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y % 10000, m, d);
		memcpy(out, tmp, 10);
	}
	out[10] = '\0';
}

void smsaudit_time_format(char out[21], time_t t)
{
	long long days = (long long)t / 86400 - ((long long)t % 86400 < 0);
	long long rem = (long long)t - days * 86400;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	if (put_date(out, y, m, d)) {
		out[10] = 'T';
		put_2(out + 11, (int)(rem / 3600));
		out[13] = ':';
		put_2(out + 14, (int)(rem / 60 % 60));
		out[16] = ':';
		put_2(out + 17, (int)(rem % 60));
		out[19] = 'Z';
	} else {
		char tmp[96];
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, m, d, (int)(rem / 3600),
		         (int)(rem / 60 % 60), (int)(rem % 60));
		memcpy(out, tmp, 20);
	}
	out[20] = '\0';
}

time_t smsaudit_now(void)
{
	const char *fixed = getenv("SMSAUDIT_NOW");
	time_t t;
	if (fixed && *fixed && smsaudit_time_parse(&t, fixed) == 0)
		return t;
	return time(NULL);
}

time_t smsaudit_date_add_months(time_t date, int months)
{
	int y, m, d;
	long long days = (long long)(date >= 0 ? date / 86400 : (date - 86399) / 86400);
	civil_from_days(days, &y, &m, &d);
	long long total = (long long)y * 12 + (m - 1) + months;
	int ny = (int)(total >= 0 ? total / 12 : (total - 11) / 12);
	int nm = (int)(total - (long long)ny * 12) + 1;
	int dim = days_in_month(ny, nm);
	/* 31 January + 1 month is the last day of February, as people count. */
	return smsaudit_utc_mktime(ny, nm, d > dim ? dim : d, 0, 0, 0);
}

time_t smsaudit_date_of(time_t t)
{
	return (time_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400) * 86400;
}

time_t smsaudit_day_end(time_t t)
{
	return smsaudit_date_of(t) + SMSAUDIT_DAY - 1;
}
