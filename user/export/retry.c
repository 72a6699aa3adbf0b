// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Retry decisions for OTLP/HTTP exports, see retry.h.
 *
 * HTTP-dates are converted to unix time here rather than with strptime and
 * timegm: those depend on the locale (month and day names) and on TZ, and
 * the date is GMT whatever the host thinks. The day count is the usual
 * proleptic Gregorian one, counted in 400-year eras of 146097 days with
 * the year starting in March so that the leap day comes last.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "export/retry.h"
#include "util/ascii.h"

bool otlp_http__retryable(long http_status)
{
	switch (http_status) {
	case 429:
	case 502:
	case 503:
	case 504:
		return true;
	default:
		return false;
	}
}

/* Retry-After */

#define SECS_PER_DAY 86400
/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, as unix time */
#define UNIX_YEAR_0 (-62167219200LL)
#define UNIX_YEAR_9999_END 253402300799LL

static const char *const month_names[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

static const char *const wday_names[7] = {
	"monday", "tuesday",  "wednesday", "thursday",
	"friday", "saturday", "sunday",
};

struct civil {
	int64_t year;
	unsigned mon, day, hour, min, sec;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Exactly n decimal digits */
static int digits(const char *s, size_t n, unsigned *ret)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* Three letters, 1 to 12 */
static int month_of(const char *s, unsigned *ret)
{
	unsigned i;

	for (i = 0; i < 12; i++) {
		if (ascii__mem_ieq_lc(s, month_names[i], 3)) {
			*ret = i + 1;
			return 0;
		}
	}
	return -EINVAL;
}

/* A day name: its first three letters when abbreviated, else in full */
static bool is_wday(const char *s, size_t n, bool abbrev)
{
	unsigned i;

	for (i = 0; i < 7; i++) {
		size_t len = abbrev ? 3 : strlen(wday_names[i]);

		if (n == len && ascii__mem_ieq_lc(s, wday_names[i], len))
			return true;
	}
	return false;
}

/* "08:49:37" */
static int time_of_day(const char *s, struct civil *c)
{
	if (s[2] != ':' || s[5] != ':' || digits(s, 2, &c->hour) ||
	    digits(s + 3, 2, &c->min) || digits(s + 6, 2, &c->sec))
		return -EINVAL;
	return 0;
}

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static bool civil__valid(const struct civil *c)
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
						31, 31, 30, 31, 30, 31};
	unsigned dim;

	if (c->mon < 1 || c->mon > 12)
		return false;
	dim = mdays[c->mon - 1] + (c->mon == 2 && is_leap(c->year));
	/* second 60 is a leap second, which unix time folds into the next */
	return c->day >= 1 && c->day <= dim && c->hour <= 23 && c->min <= 59 &&
	       c->sec <= 60;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Days since 1970-01-01 of a valid date */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	/* 719468 days from 0000-03-01 to 1970-01-01 */
	return era * 146097 + doe - 719468;
}

/* The year of a day counted as days_from_civil counts them */
static int64_t year_from_days(int64_t z)
{
	unsigned doe, yoe, doy, mp;
	int64_t era;

	z += 719468;
	era = floor_div(z, 146097);
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	/* March-based: January and February belong to the next year */
	return era * 400 + yoe + (mp >= 10);
}

/*
 * RFC 9110 5.6.7: a two-digit year more than 50 years in the future is the
 * most recent past year with those digits. Symmetrically, one 50 or more
 * years in the past is taken as the next century's, so the result is
 * always within 50 years of now.
 */
static int64_t rfc850_year(unsigned yy, int64_t now)
{
	int64_t now_year, y;

	/* keeps the arithmetic small for any now; real clocks are in range */
	if (now < UNIX_YEAR_0)
		now = UNIX_YEAR_0;
	if (now > UNIX_YEAR_9999_END)
		now = UNIX_YEAR_9999_END;
	now_year = year_from_days(floor_div(now, SECS_PER_DAY));
	y = now_year - now_year % 100 + yy;
	if (y > now_year + 50)
		y -= 100;
	else if (y <= now_year - 50)
		y += 100;
	return y;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int imf_fixdate(const char *s, size_t n, struct civil *c)
{
	unsigned y;

	if (n != 29 || !is_wday(s, 3, true) || memcmp(s + 3, ", ", 2) ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[25] != ' ' ||
	    !ascii__mem_ieq_lc(s + 26, "gmt", 3))
		return -EINVAL;
	if (digits(s + 5, 2, &c->day) || month_of(s + 8, &c->mon) ||
	    digits(s + 12, 4, &y) || time_of_day(s + 17, c))
		return -EINVAL;
	c->year = y;
	return 0;
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" */
static int rfc850_date(const char *s, size_t n, int64_t now, struct civil *c)
{
	const char *comma = memchr(s, ',', n);
	size_t k;
	unsigned yy;

	if (!comma)
		return -EINVAL;
	k = comma - s;
	if (n != k + 24 || !is_wday(s, k, false) || s[k + 1] != ' ' ||
	    s[k + 4] != '-' || s[k + 8] != '-' || s[k + 11] != ' ' ||
	    s[k + 20] != ' ' || !ascii__mem_ieq_lc(s + k + 21, "gmt", 3))
		return -EINVAL;
	if (digits(s + k + 2, 2, &c->day) || month_of(s + k + 5, &c->mon) ||
	    digits(s + k + 9, 2, &yy) || time_of_day(s + k + 12, c))
		return -EINVAL;
	c->year = rfc850_year(yy, now);
	return 0;
}

/* "Sun Nov  6 08:49:37 1994" (the day may also be "06") */
static int asctime_date(const char *s, size_t n, struct civil *c)
{
	unsigned y;

	if (n != 24 || !is_wday(s, 3, true) || s[3] != ' ' || s[7] != ' ' ||
	    s[10] != ' ' || s[19] != ' ')
		return -EINVAL;
	if (month_of(s + 4, &c->mon) ||
	    (s[8] == ' ' ? digits(s + 9, 1, &c->day)
			 : digits(s + 8, 2, &c->day)) ||
	    time_of_day(s + 11, c) || digits(s + 20, 4, &y))
		return -EINVAL;
	c->year = y;
	return 0;
}

static int http_date(const char *s, size_t n, int64_t now, int64_t *ret)
{
	struct civil c;
	int err;

	if (n < 4)
		return -EINVAL;
	if (s[3] == ',')
		err = imf_fixdate(s, n, &c);
	else if (s[3] == ' ')
		err = asctime_date(s, n, &c);
	else
		err = rfc850_date(s, n, now, &c);
	if (err || !civil__valid(&c))
		return -EINVAL;
	*ret = days_from_civil(c.year, c.mon, c.day) * SECS_PER_DAY +
	       c.hour * 3600 + c.min * 60 + c.sec;
	return 0;
}

int retry_after__parse(const char *value, size_t len, int64_t now_unix_s,
		       uint64_t *ret_delay_ms)
{
	const char *s = value, *e = value + len;
	uint64_t secs = 0;
	int64_t t;

	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	if (s == e)
		return -EINVAL;

	if (*s >= '0' && *s <= '9') {
		for (; s < e; s++) {
			if (*s < '0' || *s > '9')
				return -EINVAL;
			/* once past the clamp, more digits change nothing */
			if (secs <= RETRY_AFTER_MAX_S)
				secs = secs * 10 + (*s - '0');
		}
	} else {
		if (http_date(s, e - s, now_unix_s, &t))
			return -EINVAL;
		/* both fit in int64, so the unsigned difference is exact */
		secs = t > now_unix_s ? (uint64_t)t - (uint64_t)now_unix_s : 0;
	}
	if (secs > RETRY_AFTER_MAX_S)
		secs = RETRY_AFTER_MAX_S;
	*ret_delay_ms = secs * 1000;
	return 0;
}

/* Backoff */

void retry_policy__init(struct retry_policy *p)
{
	p->initial_ms = 500;
	p->max_interval_ms = 30000;
	p->max_elapsed_ms = 300000;
	p->multiplier = 2.0;
	p->jitter = 0.5;
}

/* d >= 0, NaN excluded: converting what does not fit would be undefined */
static uint64_t double_to_u64(double d)
{
	if (d >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)d;
}

uint64_t retry_policy__delay_ms(const struct retry_policy *p, unsigned attempt,
				uint32_t rnd)
{
	uint64_t cap = p->max_interval_ms, hi, add, res;
	double m = p->multiplier, j = p->jitter, d;

	/* written so that NaN takes the safe side */
	if (!(m >= 1.0))
		m = 1.0;
	if (!(j >= 0.0))
		j = 0.0;
	if (j > 1.0)
		j = 1.0;
	if (!attempt)
		attempt = 1;

	/*
	 * pow goes to infinity where repeated multiplication would overflow,
	 * and infinity loses to the cap; initial 0 stays 0 even times inf.
	 */
	d = p->initial_ms ? (double)p->initial_ms * pow(m, attempt - 1.0) : 0;
	if (!(d < (double)cap))
		d = (double)cap;
	d *= 1.0 - j + 2.0 * j * ((double)rnd / UINT32_MAX);
	res = double_to_u64(d);

	/*
	 * Rounding in doubles must not lift it past the documented bound.
	 * Past 2^53 ms a double cannot hold cap exactly, so there the bound
	 * is only as exact as cap * jitter in a double, except that it never
	 * passes twice the cap.
	 */
	add = double_to_u64((double)cap * j);
	if (add > cap)
		add = cap;
	hi = cap > UINT64_MAX - add ? UINT64_MAX : cap + add;
	if (res > hi)
		res = hi;
	if (!res && p->initial_ms)
		res = 1;
	return res;
}

uint64_t retry_policy__server_delay_ms(const struct retry_policy *p,
				       uint64_t retry_after_ms)
{
	uint64_t d = retry_after_ms;

	if (d < p->initial_ms)
		d = p->initial_ms;
	if (d > p->max_elapsed_ms)
		d = p->max_elapsed_ms;
	return d;
}

bool retry_policy__expired(const struct retry_policy *p, uint64_t elapsed_ms,
			   uint64_t delay_ms)
{
	return elapsed_ms > p->max_elapsed_ms ||
	       delay_ms > p->max_elapsed_ms - elapsed_ms;
}
