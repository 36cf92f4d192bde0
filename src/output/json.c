// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json.h"
#include "utf8.h"

void json_init(struct json *j, FILE *f)
{
	obuf_init(&j->o, f);
	j->depth = 0;
	j->first[0] = true;
}

static void flush(struct json *j)
{
	obuf_flush(&j->o);
}

static void out(struct json *j, const void *p, size_t n)
{
	obuf_put(&j->o, p, n);
}

static void outc(struct json *j, char c)
{
	obuf_putc(&j->o, c);
}

static void outs(struct json *j, const char *s)
{
	out(j, s, strlen(s));
}

int json_utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;

	/* What JSON readers accept is what utf8_decode() does: shortest forms, no surrogates. */
	return avail ? (int)utf8_decode((const char *)s, avail, &cp) : 0;
}

/* Writes a string's body, escaped; returns false when a byte was not UTF-8. */
static bool put_escaped(struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool utf8 = true;

	while (*p) {
		unsigned char c = *p;
		size_t run = 0;
		int n;

		/* Plain ASCII in one write: most of a document. */
		while (p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
			run++;
		if (run) {
			out(j, p, run);
			p += run;
			continue;
		}
		if (c == '"' || c == '\\') {
			outc(j, '\\');
			outc(j, (char)c);
			p++;
			continue;
		}
		/* A sequence ends at the string's end at the latest (its NUL is no continuation
		 * byte): 4 bytes at most are looked at. */
		n = c >= 0x80 ? json_utf8_len(p, strnlen((const char *)p, 4)) : 0;
		if (n) {
			out(j, p, (size_t)n);
			p += n;
		} else {
			char u[8];

			snprintf(u, sizeof(u), "\\u%04x", c);
			outs(j, u);
			utf8 = utf8 && c < 0x80;
			p++;
		}
	}
	return utf8;
}

static void key(struct json *j, const char *k)
{
	if (!j->first[j->depth])
		outc(j, ',');
	j->first[j->depth] = false;
	if (k) {
		outc(j, '"');
		outs(j, k);
		out(j, "\":", 2);
	}
}

static void nest(struct json *j, const char *k, char c)
{
	key(j, k);
	outc(j, c);
	if (j->depth < JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

/* At the end of a document, what is buffered goes to the FILE. */
static void unnest(struct json *j, char c)
{
	outc(j, c);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth) {
		outc(j, '\n');
		flush(j);
	}
}

void json_obj(struct json *j, const char *k)
{
	nest(j, k, '{');
}

void json_obj_end(struct json *j)
{
	unnest(j, '}');
}

void json_arr(struct json *j, const char *k)
{
	nest(j, k, '[');
}

void json_arr_end(struct json *j)
{
	unnest(j, ']');
}

void json_null(struct json *j, const char *k)
{
	key(j, k);
	out(j, "null", 4);
}

void json_str(struct json *j, const char *k, const char *val)
{
	char hkey[64];
	const unsigned char *p;
	bool utf8;

	key(j, k);
	outc(j, '"');
	utf8 = put_escaped(j, val ? val : "");
	outc(j, '"');
	if (utf8 || !k)
		return;
	snprintf(hkey, sizeof(hkey), "%s_hex", k);
	key(j, hkey);
	outc(j, '"');
	for (p = (const unsigned char *)val; *p; p++) {
		outc(j, "0123456789abcdef"[*p >> 4]);
		outc(j, "0123456789abcdef"[*p & 15]);
	}
	outc(j, '"');
}

void json_int(struct json *j, const char *k, int64_t v)
{
	char buf[FMT_MAX];

	key(j, k);
	outs(j, fmt_int(buf, v));
}

void json_uint(struct json *j, const char *k, uint64_t v)
{
	char buf[FMT_MAX];

	key(j, k);
	outs(j, fmt_uint(buf, v));
}

void json_int_unk(struct json *j, const char *k, int64_t v)
{
	if (v == -1)
		json_null(j, k);
	else
		json_int(j, k, v);
}

void json_uint_known(struct json *j, const char *k, uint64_t v, bool known)
{
	if (!known && !v)
		json_null(j, k);
	else
		json_uint(j, k, v);
}

/* Returns true when a and b are the same double, bit for bit (-0 is not 0). */
static bool same_bits(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

/*
 * Writes digits c[0..p) (p significant digits, the first not 0), times 10^x, with sign neg,
 * as "%.*g" with precision p writes it (no trailing zeros, no lone point) into out; returns
 * its length.
 */
static size_t g_style(char *out, bool neg, const char *c, int p, int x)
{
	char *o = out;
	int i, k = p;

	while (k > 1 && c[k - 1] == '0')
		k--;
	if (neg)
		*o++ = '-';
	if (x < -4 || x >= p) {
		*o++ = c[0];
		if (k > 1)
			*o++ = '.';
		for (i = 1; i < k; i++)
			*o++ = c[i];
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			*o++ = (char)('0' + x / 100);
		*o++ = (char)('0' + x / 10 % 10);
		*o++ = (char)('0' + x % 10);
	} else if (x < 0) {
		*o++ = '0';
		*o++ = '.';
		for (i = -1; i > x; i--)
			*o++ = '0';
		for (i = 0; i < k; i++)
			*o++ = c[i];
	} else {
		for (i = 0; i <= x; i++)
			*o++ = i < k ? c[i] : '0';
		if (k > x + 1)
			*o++ = '.';
		for (i = x + 1; i < k; i++)
			*o++ = c[i];
	}
	*o = '\0';
	return (size_t)(o - out);
}

/*
 * Sets c[0..p) and *x to v's (v > 0) p significant digits and exponent from its 17 digits d
 * and exponent e; returns false when the fewer digits cannot read back as v. Rounding d
 * gives the exact value's rounding unless what is dropped is exactly half (d was rounded
 * itself): libc rounds v again then. d is within half a unit of its last digit from v,
 * and a string reads back as v only within half an ulp of it (reach, in those units): one
 * whose dropped digits are farther than both from a multiple of 10^(17 - p) cannot.
 */
static bool fewer_digits(double v, const char *d, int e, int p, double reach, char *c, int *x)
{
	int drop = 0, full = 1, i;
	char tmp[40];

	for (i = p; i < 17; i++) {
		drop = drop * 10 + (d[i] - '0');
		full *= 10;
	}
	if (drop > reach + 1 && full - drop > reach + 1)
		return false;
	*x = e;
	if (2 * drop == full) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
		for (i = 0; i < p; i++)
			c[i] = tmp[i ? i + 1 : 0];
		*x = atoi(tmp + p + 2);
		return true;
	}
	memcpy(c, d, (size_t)p);
	if (2 * drop > full) {
		for (i = p - 1; i >= 0 && c[i] == '9'; i--)
			c[i] = '0';
		if (i >= 0) {
			c[i]++;
		} else {
			c[0] = '1';
			(*x)++;
		}
	}
	return true;
}

#define P4(x) (x), (x)*10, (x)*100, (x)*1000
static const uint64_t p10[20] = { P4(1ull), P4(10000ull), P4(100000000ull), P4(1000000000000ull),
				  P4(10000000000000000ull) };
#undef P4

/* Returns 10^n, n up to 38. */
static unsigned __int128 pow10_128(int n)
{
	return n < 20 ? p10[n] : (unsigned __int128)p10[19] * pow10_128(n - 19);
}

/* a as m / 2^k, and the power of ten its 17 digits were scaled by (digits17()). */
struct exact {
	uint64_t m;
	int k, s;
};

/*
 * Sets d[0..17) and *e to a's 17 significant digits and exponent as "%.16e" writes them
 * (rounded half to even), by exact integer arithmetic, where a is in [1e-5, 1e15): there
 * a is m / 2^k with m < 2^53 and 0 < k < 70, and a * 10^(16 - e) is m * 10^(16 - e) /
 * 2^k, whose numerator fits 128 bits. Returns false elsewhere (libc converts those).
 */
static bool digits17(double a, char *d, int *e, struct exact *z)
{
	unsigned __int128 num, q, rem, half;
	uint64_t m, digits;
	int bexp, k, x, s, i, tries;

	if (!(a >= 1e-5 && a < 1e15))
		return false;
	m = (uint64_t)ldexp(frexp(a, &bexp), 53);
	k = 53 - bexp;
	/* a is in [2^(bexp-1), 2^bexp): its exponent is this one or the next. */
	x = (int)floor((bexp - 1) * 0.30102999566398120);
	for (tries = 0; tries < 3; tries++) {
		s = 16 - x;
		num = m * pow10_128(s);
		q = num >> k;
		rem = num & (((unsigned __int128)1 << k) - 1);
		half = (unsigned __int128)1 << (k - 1);
		if (rem > half || (rem == half && (q & 1)))
			q++;
		if (q >= p10[17])
			x++;
		else if (q < p10[16])
			x--;
		else
			break;
	}
	if (tries == 3)
		return false;
	digits = (uint64_t)q;
	for (i = 16; i >= 0; i--, digits /= 10)
		d[i] = (char)('0' + digits % 10);
	*e = x;
	*z = (struct exact){ .m = m, .k = k, .s = s };
	return true;
}

/*
 * Returns 1 when digits c[0..p) times 10^x read back as a = z's m / 2^k (e: the exponent of
 * its 17 digits, x - e 0 or 1), 0 when they do not, -1 when the numbers do not fit 128 bits
 * (k > 66: a under 2^-14). Read back means within half an ulp of a (a quarter below a power
 * of two, where the next double down is closer), on the edge when m is even, as strtod()
 * rounds. Scaled by 10^s * 2^(k + 1): the candidate is C * 10^(17 - p + x - e) * 2^(k + 1),
 * a is 2m * 10^s, and half an ulp is 10^s.
 */
static int reads_back(const struct exact *z, const char *c, int p, int x, int e)
{
	unsigned __int128 cand, val, half, diff;
	uint64_t digits = 0;
	int i;

	if (z->k > 66)
		return -1;
	for (i = 0; i < p; i++)
		digits = digits * 10 + (uint64_t)(c[i] - '0');
	cand = (digits * pow10_128(17 - p + x - e)) << (z->k + 1);
	half = pow10_128(z->s);
	val = ((unsigned __int128)z->m << 1) * half;
	if (cand >= val) {
		diff = cand - val;
	} else {
		diff = val - cand;
		/* Below a power of two the next double down is half as far. */
		if (z->m == 1ull << 52)
			diff <<= 1;
	}
	return diff < half || (diff == half && !(z->m & 1));
}

/* Writes v as json_real() writes a number into out (40 bytes); returns its length. */
static size_t fmt_real(double v, char *out)
{
	char tmp[40], d[17], c[17];
	struct exact z = { 0 };
	bool neg = signbit(v), exact;
	double a = fabs(v), reach;
	int e, p, x, ok;
	size_t len;

	if (isnan(v))
		return (size_t)snprintf(out, 40, "\"NaN\"");
	if (isinf(v))
		return (size_t)snprintf(out, 40, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	if (v == 0)
		return (size_t)snprintf(out, 40, neg ? "-0.0" : "0");
	if (v == floor(v) && a < 1e15)
		return strlen(fmt_int(out, (int64_t)v));
	/*
	 * The fewest of 15, 16 and 17 significant digits that read back as the same bits, as
	 * "%.*g" writes them: a value the model computed usually needs all 17. One conversion
	 * to 17 digits (exact integer arithmetic, or libc's outside its range); fewer are
	 * rounded from them, and read back the same way (strtod() where that does not fit).
	 */
	exact = digits17(a, d, &e, &z);
	if (!exact) {
		snprintf(tmp, sizeof(tmp), "%.16e", a);
		d[0] = tmp[0];
		memcpy(d + 1, tmp + 2, 16);
		e = atoi(tmp + 19);
	}
	/* Half an ulp (the wider one, above) in units of the 17th digit, a / 10^(e-16), from
	 * above: a / 10^e is under d's first three digits and 0.011. */
	reach = (nextafter(a, INFINITY) - a) / a * 0.5e16 *
		((d[0] - '0') + (d[1] - '0') * 0.1 + (d[2] - '0') * 0.01 + 0.011);
	for (p = 15; p < 17; p++) {
		double back;

		if (!fewer_digits(a, d, e, p, reach, c, &x))
			continue;
		ok = exact ? reads_back(&z, c, p, x, e) : -1;
		if (!ok)
			continue;
		len = g_style(out, neg, c, p, x);
		if (ok > 0)
			return len;
		back = strtod(out, NULL);
		if (same_bits(back, v))
			return len;
	}
	return g_style(out, neg, d, 17, e);
}

const char *json_fmt_real(double v, char *buf, size_t n)
{
	char out[40];
	size_t len = fmt_real(v, out);

	if (n) {
		len = len < n ? len : n - 1;
		memcpy(buf, out, len);
		buf[len] = '\0';
	}
	return buf;
}

/* Writes k and v, or k and null. */
static void put_real(struct json *j, const char *k, double v, bool null)
{
	char buf[40];

	if (null) {
		json_null(j, k);
		return;
	}
	key(j, k);
	out(j, buf, fmt_real(v, buf));
}

void json_real(struct json *j, const char *k, double v)
{
	put_real(j, k, v, same_bits(v, -1.0));
}

void json_real_known(struct json *j, const char *k, double v, bool known)
{
	put_real(j, k, v, !known && same_bits(v, 0.0));
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	outs(j, v ? "true" : "false");
}
