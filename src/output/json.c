// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json.h"
#include "utf8.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->len = 0;
}

/* Hands what is buffered to the FILE. */
static void flush(struct json *j)
{
	if (j->len)
		fwrite(j->buf, 1, j->len, j->f);
	j->len = 0;
}

static void out(struct json *j, const void *p, size_t n)
{
	if (j->len + n > sizeof(j->buf)) {
		flush(j);
		if (n > sizeof(j->buf)) {
			fwrite(p, 1, n, j->f);
			return;
		}
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static void outc(struct json *j, char c)
{
	if (j->len == sizeof(j->buf))
		flush(j);
	j->buf[j->len++] = c;
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
	size_t left = strlen(s);
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
			p += run, left -= run;
			continue;
		}
		if (c == '"' || c == '\\') {
			outc(j, '\\');
			outc(j, (char)c);
			p++, left--;
			continue;
		}
		n = c >= 0x80 ? json_utf8_len(p, left) : 0;
		if (n) {
			out(j, p, (size_t)n);
			p += n, left -= (size_t)n;
		} else {
			char u[8];

			snprintf(u, sizeof(u), "\\u%04x", c);
			outs(j, u);
			utf8 = utf8 && c < 0x80;
			p++, left--;
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
		put_escaped(j, k);
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

const char *json_fmt_real(double v, char *buf, size_t n)
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, n, "\"NaN\"");
	} else if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	} else if (v == 0) {
		snprintf(buf, n, signbit(v) ? "-0.0" : "0");
	} else if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, n, "%.0f", v);
	} else {
		/* Fewest digits first: a value the model computed usually needs all 17. */
		for (prec = 15; prec <= 17; prec++) {
			snprintf(buf, n, "%.*g", prec, v);
			if (same_bits(strtod(buf, NULL), v))
				break;
		}
	}
	return buf;
}

void json_real(struct json *j, const char *k, double v)
{
	char buf[40];

	if (same_bits(v, -1.0)) {
		json_null(j, k);
		return;
	}
	key(j, k);
	outs(j, json_fmt_real(v, buf, sizeof(buf)));
}

void json_real_known(struct json *j, const char *k, double v, bool known)
{
	char buf[40];

	if (!known && same_bits(v, 0.0)) {
		json_null(j, k);
		return;
	}
	key(j, k);
	outs(j, json_fmt_real(v, buf, sizeof(buf)));
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	outs(j, v ? "true" : "false");
}
