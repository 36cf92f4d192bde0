// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

/* Values fixed() takes: their scaled form, q + 0.5, is exact in a double (below 2^52). */
#define FIXED_MAX 1e13

/* Returns the length of the decimal digits of u written at buf. */
static int put_uint(char *buf, uint64_t u)
{
	char tmp[20];
	int n = 0, i;

	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/*
 * Returns the length written at buf (NUL-terminated): v with prec (0 to 2) decimals exactly
 * as printf's "%.*f" writes it, to nearest with ties to even, without printf's cost, which
 * was most of a redraw's; -1 (nothing written) when v is not in [+0, FIXED_MAX).
 */
static int fixed(char *buf, double v, int prec)
{
	static const double scales[] = { 1, 10, 100 };
	double scale = scales[prec], d;
	uint64_t q, one = (uint64_t)scale;
	int n;

	if (!(v >= 0 && v < FIXED_MAX) || signbit(v))
		return -1;
	/*
	 * v * scale is rounded; fma() gives the sign of the exact v * scale - x, so q becomes
	 * the floor of the exact product and the rounding is decided on the exact value.
	 */
	q = (uint64_t)(v * scale);
	if (q && fma(v, scale, -(double)q) < 0)
		q--;
	else if (fma(v, scale, -(double)(q + 1)) >= 0)
		q++;
	d = fma(v, scale, -((double)q + 0.5));
	if (d > 0 || (d == 0 && (q & 1)))
		q++;
	n = put_uint(buf, q / one);
	if (prec) {
		q %= one;
		buf[n++] = '.';
		if (prec == 2)
			buf[n++] = (char)('0' + q / 10);
		buf[n++] = (char)('0' + q % 10);
	}
	buf[n] = '\0';
	return n;
}

/* Writes v with prec decimals and a suffix (at most 3 bytes) into buf, as printf would. */
static void put_fixed(char *buf, double v, int prec, const char *suffix)
{
	int n = fixed(buf, v, prec);

	if (n < 0)
		snprintf(buf, FMT_MAX, "%.*f%s", prec, v, suffix);
	else
		memcpy(buf + n, suffix, strlen(suffix) + 1);
}

char *fmt_si(char *buf, double v)
{
	static const char units[] = " kMGTP";
	char unit[2] = "";
	int u = 0;

	if (!isfinite(v) || v < 0) {
		strcpy(buf, "-");
		return buf;
	}
	if (v < 10000) {
		put_fixed(buf, v, v > 0 && v < 10 && v != floor(v) ? 1 : 0, "");
		return buf;
	}
	while (v >= 999.5 && u < 5) {
		v /= 1000;
		u++;
	}
	unit[0] = units[u];
	put_fixed(buf, v, v < 9.995 ? 2 : v < 99.95 ? 1 : 0, unit);
	return buf;
}

char *fmt_pct(char *buf, double v)
{
	if (!isfinite(v) || v < 0)
		strcpy(buf, "-");
	else
		put_fixed(buf, v, 1, "");
	return buf;
}

char *fmt_ns(char *buf, double ns)
{
	if (!isfinite(ns) || ns <= 0)
		strcpy(buf, "-");
	else if (ns < 1e3)
		put_fixed(buf, ns, 0, "ns");
	else if (ns < 1e6)
		put_fixed(buf, ns / 1e3, ns < 1e4 ? 2 : ns < 1e5 ? 1 : 0, "us");
	else if (ns < 1e9)
		put_fixed(buf, ns / 1e6, ns < 1e7 ? 2 : ns < 1e8 ? 1 : 0, "ms");
	else
		put_fixed(buf, ns / 1e9, 2, "s");
	return buf;
}

char *fmt_int(char *buf, int64_t v)
{
	int n = 0;

	if (v < 0) {
		buf[n++] = '-';
		n += put_uint(buf + n, 0 - (uint64_t)v);
	} else {
		n += put_uint(buf + n, (uint64_t)v);
	}
	buf[n] = '\0';
	return buf;
}

char *fmt_uint(char *buf, uint64_t v)
{
	buf[put_uint(buf, v)] = '\0';
	return buf;
}

char *fmt_hex(char *buf, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int n = 0, i;

	do
		tmp[n++] = digits[v & 0xf];
	while (v >>= 4);
	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < n; i++)
		buf[2 + i] = tmp[n - 1 - i];
	buf[2 + n] = '\0';
	return buf;
}
