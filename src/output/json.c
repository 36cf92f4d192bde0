// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
}

int json_utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;

	/* What JSON readers accept is what utf8_decode() does: shortest forms, no surrogates. */
	return avail ? (int)utf8_decode((const char *)s, avail, &cp) : 0;
}

/* Writes a string's body, escaped; returns false when a byte was not UTF-8. */
static bool put_escaped(FILE *f, const char *s)
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
			fwrite(p, 1, run, f);
			p += run, left -= run;
			continue;
		}
		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			p++, left--;
			continue;
		}
		n = c >= 0x80 ? json_utf8_len(p, left) : 0;
		if (n) {
			fwrite(p, 1, (size_t)n, f);
			p += n, left -= (size_t)n;
		} else {
			fprintf(f, "\\u%04x", c);
			utf8 = utf8 && c < 0x80;
			p++, left--;
		}
	}
	return utf8;
}

static void key(struct json *j, const char *k)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (k) {
		fputc('"', j->f);
		put_escaped(j->f, k);
		fputs("\":", j->f);
	}
}

static void nest(struct json *j, const char *k, int c)
{
	key(j, k);
	fputc(c, j->f);
	if (j->depth < JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void unnest(struct json *j, int c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth)
		fputc('\n', j->f);
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
	fputs("null", j->f);
}

void json_str(struct json *j, const char *k, const char *val)
{
	char hkey[64];
	const unsigned char *p;
	bool utf8;

	key(j, k);
	fputc('"', j->f);
	utf8 = put_escaped(j->f, val ? val : "");
	fputc('"', j->f);
	if (utf8 || !k)
		return;
	snprintf(hkey, sizeof(hkey), "%s_hex", k);
	key(j, hkey);
	fputc('"', j->f);
	for (p = (const unsigned char *)val; *p; p++)
		fprintf(j->f, "%02x", *p);
	fputc('"', j->f);
}

void json_int(struct json *j, const char *k, int64_t v)
{
	key(j, k);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, const char *k, uint64_t v)
{
	key(j, k);
	fprintf(j->f, "%" PRIu64, v);
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
	fputs(json_fmt_real(v, buf, sizeof(buf)), j->f);
}

void json_real_known(struct json *j, const char *k, double v, bool known)
{
	char buf[40];

	if (!known && same_bits(v, 0.0)) {
		json_null(j, k);
		return;
	}
	key(j, k);
	fputs(json_fmt_real(v, buf, sizeof(buf)), j->f);
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	fputs(v ? "true" : "false", j->f);
}
