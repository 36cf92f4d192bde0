// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
}

/* Writes a string's body, escaped; returns nothing. */
static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned char c = *p;
		int n = 0, i;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			fputc(c, f);
			p++;
			continue;
		}
		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (n) {
			fwrite(p, 1, (size_t)n, f);
			p += n;
		} else {
			fprintf(f, "\\u%04x", c);
			p++;
		}
	}
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

void json_str(struct json *j, const char *k, const char *val)
{
	key(j, k);
	fputc('"', j->f);
	put_escaped(j->f, val ? val : "");
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

void json_num(struct json *j, const char *k, double v, bool nonneg)
{
	key(j, k);
	if (!isfinite(v) || (nonneg && v < 0))
		fputs("null", j->f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(j->f, "%.0f", v);
	else
		fprintf(j->f, "%.3f", v);
}

void json_bool(struct json *j, const char *k, bool v)
{
	key(j, k);
	fputs(v ? "true" : "false", j->f);
}
