// SPDX-License-Identifier: GPL-2.0
/* Text that reaches a terminal or a JSON reader: escaping, numbers, tables, JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fmt.h"
#include "json.h"
#include "table.h"
#include "unit.h"
#include "utf8.h"
#include "util.h"

START_TEST(escape_controls)
{
	char out[128];

	escape_text(out, sizeof(out), "vm\x1b[2J\x07name\n", (size_t)-1, true);
	ck_assert_str_eq(out, "vm\\e[2J\\x07name\\n");
	escape_text(out, sizeof(out), "a\\b\tc\x7f", (size_t)-1, false);
	ck_assert_str_eq(out, "a\\\\b\\tc\\x7f");
	/* No byte below 0x20 or DEL survives. */
	for (int c = 1; c < 256; c++) {
		char in[2] = { (char)c, 0 };

		escape_text(out, sizeof(out), in, 1, true);
		for (char *p = out; *p; p++)
			ck_assert(((unsigned char)*p >= 0x20 && *p != 0x7f));
	}
}
END_TEST

START_TEST(escape_utf8)
{
	char out[128];

	/* Printable UTF-8 passes in a UTF-8 locale and is escaped in others. */
	escape_text(out, sizeof(out), "caf\xc3\xa9", (size_t)-1, true);
	ck_assert_str_eq(out, "caf\xc3\xa9");
	escape_text(out, sizeof(out), "caf\xc3\xa9", (size_t)-1, false);
	ck_assert_str_eq(out, "caf\\xc3\\xa9");
	/* C1 control CSI (U+009B) can start an escape sequence on some terminals. */
	escape_text(out, sizeof(out), "x\xc2\x9b" "2J", (size_t)-1, true);
	ck_assert_str_eq(out, "x\\xc2\\x9b2J");
	/* Invalid and overlong sequences, bidi override. */
	escape_text(out, sizeof(out), "\xc3(\xe0\x80\xaf\xe2\x80\xae", (size_t)-1, true);
	ck_assert_str_eq(out, "\\xc3(\\xe0\\x80\\xaf\\xe2\\x80\\xae");
}
END_TEST

START_TEST(escape_truncates_whole)
{
	char out[6];

	/* "ab\x1b" -> "ab\e" fits in 5 + NUL; the escape is never cut in half. */
	ck_assert_uint_eq(escape_text(out, sizeof(out), "ab\x1b\x1b", 4, true), 4);
	ck_assert_str_eq(out, "ab\\e");
	ck_assert_uint_eq(escape_text(out, 1, "abc", 3, true), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* The forms fmt.c writes without printf, as printf writes them: the reference. */
static void ref_si(char *buf, double v)
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (!isfinite(v) || v < 0) {
		snprintf(buf, FMT_MAX, "-");
	} else if (v < 10000) {
		snprintf(buf, FMT_MAX, v > 0 && v < 10 && v != floor(v) ? "%.1f" : "%.0f", v);
	} else {
		while (v >= 999.5 && u < 5) {
			v /= 1000;
			u++;
		}
		snprintf(buf, FMT_MAX, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c", v,
			 units[u]);
	}
}

static void ref_ns(char *buf, double ns)
{
	if (!isfinite(ns) || ns <= 0)
		snprintf(buf, FMT_MAX, "-");
	else if (ns < 1e3)
		snprintf(buf, FMT_MAX, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, FMT_MAX, "%.*fus", ns < 1e4 ? 2 : ns < 1e5 ? 1 : 0, ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, FMT_MAX, "%.*fms", ns < 1e7 ? 2 : ns < 1e8 ? 1 : 0, ns / 1e6);
	else
		snprintf(buf, FMT_MAX, "%.2fs", ns / 1e9);
}

/* Checks one value against printf in every form. */
static void check_forms(double v)
{
	char got[FMT_MAX], want[FMT_MAX];

	ref_si(want, v);
	ck_assert_msg(!strcmp(fmt_si(got, v), want), "si %.17g: %s, printf %s", v, got, want);
	snprintf(want, sizeof(want), !isfinite(v) || v < 0 ? "-" : "%.1f", v);
	ck_assert_msg(!strcmp(fmt_pct(got, v), want), "pct %.17g: %s, printf %s", v, got, want);
	ref_ns(want, v);
	ck_assert_msg(!strcmp(fmt_ns(got, v), want), "ns %.17g: %s, printf %s", v, got, want);
}

START_TEST(numbers_as_printf)
{
	static const double edges[] = { 0, -0.0, 0.05, 0.25, 0.35, 0.125, 0.375, 1.5, 2.5,
					9.95, 9.949999999999999, 9.95000000000001, 99.95, 999.5,
					9994.9, 9995, 9999.5, 10000, 99949, 99950, 999499, 999500,
					9995000, 1e12, 9.999999e12, 1e13, 1e16, 1e300, -1, NAN,
					INFINITY, 4.9e-324, 1.0000000000000002, 0.045, 0.055 };
	uint64_t x = 88172645463325252ull;
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(edges); i++)
		check_forms(edges[i]);
	/* Ties of every kind: k / 2^m are exact, halves of the last digit among them. */
	for (k = 0; k < 40000; k++) {
		check_forms(k / 8.0);
		check_forms(k / 200.0);
		check_forms(k * 5.0 + 0.5);
	}
	/* Any magnitude, any digits. */
	for (k = 0; k < 100000; k++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = (double)(x >> 11) / (double)(1ull << 53) * pow(10, (double)(x % 17) - 3);
		check_forms(v);
	}
	ck_assert_str_eq(fmt_int((char[FMT_MAX]){ 0 }, -42), "-42");
	ck_assert_str_eq(fmt_int((char[FMT_MAX]){ 0 }, 0), "0");
	ck_assert_str_eq(fmt_hex((char[FMT_MAX]){ 0 }, 0x608), "0x608");
	ck_assert_str_eq(fmt_hex((char[FMT_MAX]){ 0 }, 0), "0x0");
	ck_assert_str_eq(fmt_hex((char[FMT_MAX]){ 0 }, UINT64_MAX), "0xffffffffffffffff");
}
END_TEST

START_TEST(utf8_one_decoder)
{
	uint32_t cp = 0;

	ck_assert_uint_eq(utf8_decode("a", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(utf8_decode("\xc3\xa9", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(utf8_decode("\xe2\x80\xae", (size_t)-1, &cp), 3);
	ck_assert_uint_eq(cp, 0x202e);
	/* Cut, overlong, surrogate, a stray continuation byte. */
	ck_assert_uint_eq(utf8_decode("\xc3\xa9", 1, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\xe2\x80", (size_t)-1, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\xe0\x80\xaf", 3, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\xed\xa0\x80", 3, &cp), 0);
	ck_assert_uint_eq(utf8_decode("\x80", 1, &cp), 0);
	/* Columns are code points; a tail keeps the last ones. */
	ck_assert_int_eq(utf8_width("caf\xc3\xa9"), 4);
	ck_assert_str_eq(utf8_tail("caf\xc3\xa9", 2), "f\xc3\xa9");
	ck_assert_str_eq(utf8_tail("ab", 5), "ab");
}
END_TEST

START_TEST(numbers)
{
	char b[FMT_MAX];

	ck_assert_str_eq(fmt_si(b, 0), "0");
	ck_assert_str_eq(fmt_si(b, 9999), "9999");
	ck_assert_str_eq(fmt_si(b, 74012), "74.0k");
	ck_assert_str_eq(fmt_si(b, 870000), "870k");
	ck_assert_str_eq(fmt_si(b, 1234567), "1.23M");
	ck_assert_str_eq(fmt_si(b, 2.5), "2.5");
	ck_assert_str_eq(fmt_si(b, -1), "-");
	ck_assert_str_eq(fmt_pct(b, 93.14), "93.1");
	ck_assert_str_eq(fmt_pct(b, -1), "-");
	ck_assert_str_eq(fmt_ns(b, 850), "850ns");
	ck_assert_str_eq(fmt_ns(b, 1234), "1.23us");
	ck_assert_str_eq(fmt_ns(b, 45600000), "45.6ms");
	ck_assert_str_eq(fmt_ns(b, 1.2e9), "1.20s");
	ck_assert_str_eq(fmt_ns(b, 0), "-");
}
END_TEST

static const struct table_col cols[] = {
	{ "NAME", 10, 4, ALIGN_LEFT, 0 },
	{ "RATE", 7, 0, ALIGN_RIGHT, 0 },
	{ "EXTRA", 8, 0, ALIGN_RIGHT, 2 },
	{ "MORE", 8, 0, ALIGN_RIGHT, 1 },
};
static const struct table_spec spec4 = { .cols = cols, .ncols = 4, .sort = -1 };
static const struct table_spec spec2 = { .cols = cols, .ncols = 2, .sort = -1 };

START_TEST(table_layout_narrow)
{
	struct table t = { 0 };
	int w[4], total;

	table_begin(&t, &spec4, 0, "Test %d", 1);
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_set(&t, 0, "%s", "a-long-name-here");
	table_set(&t, 1, "%d", 74012);
	table_set(&t, 2, "x");
	table_set(&t, 3, "y");
	ck_assert_str_eq(t.title, "Test 1");
	ck_assert_str_eq(table_cell(&t, 0, 1), "74012");
	ck_assert_str_eq(table_cell(&t, 0, 9), "");

	/* Wide: NAME capped at 10, others as wide as their titles. */
	total = table_layout(&t, 0, w);
	ck_assert_int_eq(w[0], 10);
	ck_assert_int_eq(w[1], 5);
	ck_assert_int_eq(total, 10 + 1 + 5 + 1 + 5 + 1 + 4);
	/*
	 * 20 columns: NAME is cut to twice its min, then EXTRA (prio 2) goes, then MORE; the
	 * room EXTRA leaves goes back to NAME.
	 */
	total = table_layout(&t, 20, w);
	ck_assert_int_eq(total, 20);
	ck_assert_int_eq(w[0], 9);
	ck_assert_int_eq(w[2], 0);
	ck_assert_int_ne(w[3], 0);
	total = table_layout(&t, 12, w);
	ck_assert_int_le(total, 12);
	ck_assert_int_eq(w[3], 0);
	ck_assert_int_eq(w[1], 5);
	/* Only when nothing is left to drop does NAME go down to its min. */
	ck_assert_int_eq(w[0], 6);
	table_free(&t);
}
END_TEST

START_TEST(table_fit_cuts)
{
	char buf[64];

	table_fit(buf, "abcdef", 4, ALIGN_LEFT);
	ck_assert_str_eq(buf, "abc~");
	table_fit(buf, "ab", 4, ALIGN_RIGHT);
	ck_assert_str_eq(buf, "  ab");
	table_fit(buf, "ab", 4, ALIGN_LEFT);
	ck_assert_str_eq(buf, "ab  ");
	/* A cut never splits a UTF-8 sequence. */
	table_fit(buf, "\xc3\xa9\xc3\xa9\xc3\xa9", 2, ALIGN_LEFT);
	ck_assert_str_eq(buf, "\xc3\xa9~");
}
END_TEST

START_TEST(table_text_and_escape)
{
	struct table t = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	table_begin(&t, &spec2, 0, "VMs");
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_set_raw(&t, 0, "ev\x1bil", 1);
	table_set(&t, 1, "12");
	table_note(&t, "source: %s", "procfs");
	table_print(f, &t);
	fclose(f);
	ck_assert_str_eq(out, "VMs\nNAME   RATE\nev\\eil   12\nsource: procfs\n");
	free(out);
	table_free(&t);
}
END_TEST

/* A row of the sort test: its name, a number, an id, gone and other flags. */
static void sort_row(struct table *t, const char *name, double n, uint64_t id, bool gone,
		     bool other)
{
	table_row(t, ROW_NORMAL, gone ? TABLE_ROW_GONE : 0,
		  &(struct table_ref){ .kind = REF_HOT, .id = id, .other = other });
	table_put(t, 0, name);
	table_key_text(t, 0, name);
	table_si(t, 1, n);
	table_key_id(t, 2, id);
}

/* Returns the names of the rows in order, joined by blanks, in buf. */
static const char *sort_order(const struct table *t, char *buf, size_t n)
{
	size_t o = 0;
	int r;

	buf[0] = '\0';
	for (r = 0; r < t->nrows && o < n; r++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", r ? " " : "", table_cell(t, r, 0));
	return buf;
}

START_TEST(table_sorts_rows)
{
	static const struct table_col scols[] = {
		{ "NAME", 10, 4, ALIGN_LEFT, 0, TABLE_COL_ACROSS },
		{ "RATE", 7, 0, ALIGN_RIGHT, 0 },
	};
	/* Ties by rate (numbers only), then by the hidden id. */
	static const struct table_tie ties[] = { { 1, .after_number = true }, { 2 }, { -1 } };
	static const struct table_spec spec = {
		.cols = scols, .ncols = 2, .nkeys = 3, .sort = 1, .ties = ties
	};
	struct table t = { 0 };
	char buf[128];

	table_begin(&t, &spec, 0, "T");
	sort_row(&t, "gone", 900, 1, true, false);
	sort_row(&t, "other", 800, 2, false, true);
	sort_row(&t, "b", 5, 4, false, false);
	sort_row(&t, "a", 5, 3, false, false);
	sort_row(&t, "c", 7, 5, false, false);
	sort_row(&t, "b", 1, 6, false, false);
	/* Biggest first, ties by id; other buckets, then gone VMs' rows last. */
	table_sort(&t, -1, false);
	ck_assert_str_eq(sort_order(&t, buf, sizeof(buf)), "c a b b other gone");
	/* Reversed, the pinned rows stay where they are. */
	table_sort(&t, 1, true);
	ck_assert_str_eq(sort_order(&t, buf, sizeof(buf)), "b b a c other gone");
	ck_assert_int_eq((int)t.rows[0].ref.id, 6);
	/* Text in strcmp order; ties skip the rate (not a number column) and go by id. */
	table_sort(&t, 0, false);
	ck_assert_str_eq(sort_order(&t, buf, sizeof(buf)), "a b b c other gone");
	ck_assert_int_eq((int)t.rows[1].ref.id, 4);
	ck_assert(table_ref_same(&t.rows[1].ref, &(struct table_ref){ .kind = REF_HOT, .id = 4 }));
	ck_assert(!table_ref_same(&t.rows[1].ref, &t.rows[2].ref));
	table_free(&t);

	/* Columns across VMs are blank in one VM's table: no title, no text, no width. */
	table_begin(&t, &spec, TABLE_COL_ACROSS, "T");
	sort_row(&t, "a-long-name", 5, 1, false, false);
	ck_assert_str_eq(table_col_title(&t, 0), "");
	ck_assert_str_eq(table_cell(&t, 0, 0), "");
	ck_assert_int_eq(table_layout(&t, 0, (int[3]){ 0 }), 4);
	/* A spec without a default order keeps the rows as added. */
	ck_assert_int_eq(table_sort_col(&(struct table_spec){ .ncols = 2, .sort = -1 }, 1), -1);
	table_free(&t);
}
END_TEST

START_TEST(json_document)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct json j;

	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "name", "a\"b\\c\n\x1b\xff\xc3\xa9");
	json_real(&j, "pct", -1);
	json_real(&j, "rate", 2.5);
	json_int(&j, "pid", -3);
	json_arr(&j, "list");
	json_uint(&j, NULL, 1);
	json_bool(&j, NULL, false);
	/* A sequence cut short by the string's end, after a whole one of four bytes. */
	json_str(&j, NULL, "\xf0\x9f\x98\x80\xe2\x82");
	json_arr_end(&j);
	json_obj_end(&j);
	fclose(f);
	/* The byte 0xff is not UTF-8: "name_hex" gives every byte back. */
	ck_assert_str_eq(out, "{\"name\":\"a\\\"b\\\\c\\u000a\\u001b\\u00ff\xc3\xa9\","
			      "\"name_hex\":\"6122625c630a1bffc3a9\",\"pct\":null,"
			      "\"rate\":2.5,\"pid\":-3,\"list\":[1,false,"
			      "\"\xf0\x9f\x98\x80\\u00e2\\u0082\"]}\n");
	free(out);
}
END_TEST

/*
 * A document longer than the writer's buffer comes out whole and in order: integers at
 * their limits, a string longer than the buffer, thousands of values; nothing reaches the
 * FILE before the document ends unless the buffer filled.
 */
START_TEST(json_document_long)
{
	char *out = NULL, *want, *big;
	size_t len = 0, at = 0, cap = 1 << 20;
	FILE *f = open_memstream(&out, &len);
	struct json j;
	int i;

	big = malloc(20001);
	memset(big, 'x', 20000);
	big[20000] = '\0';
	want = malloc(cap);
	json_init(&j, f);
	json_obj(&j, NULL);
	json_int(&j, "min", INT64_MIN);
	json_int(&j, "max", INT64_MAX);
	json_uint(&j, "umax", UINT64_MAX);
	json_int(&j, "zero", 0);
	fflush(f);
	ck_assert_uint_eq(len, 0);
	json_str(&j, "big", big);
	json_arr(&j, "n");
	for (i = -3000; i < 3000; i++)
		json_int(&j, NULL, i);
	json_arr_end(&j);
	json_obj_end(&j);
	fclose(f);
	at += (size_t)snprintf(want + at, cap - at,
			       "{\"min\":-9223372036854775808,\"max\":9223372036854775807,"
			       "\"umax\":18446744073709551615,\"zero\":0,\"big\":\"%s\",\"n\":[",
			       big);
	for (i = -3000; i < 3000; i++)
		at += (size_t)snprintf(want + at, cap - at, "%s%d", i > -3000 ? "," : "", i);
	snprintf(want + at, cap - at, "]}\n");
	ck_assert_uint_eq(len, strlen(want));
	ck_assert(!strcmp(out, want));
	free(out);
	free(want);
	free(big);
}
END_TEST

/* Each double is written with the fewest digits that read back as the same bits. */
START_TEST(json_reals_exact)
{
	static const double v[] = { 0.1, 0.3, 1.0 / 3, 100.0 * 3 / 7, 2.5e-9, 1e300, -1e-300,
				    123456789.123456789, 4.9e-324, 1e15, 1e16, -0.0, 0.0, 42.0,
				    -1.5, 9007199254740993.0, 1.7976931348623157e308 };
	char buf[40];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		double back = strtod(json_fmt_real(v[i], buf, sizeof(buf)), NULL);

		ck_assert_msg(!memcmp(&back, &v[i], sizeof(back)), "%s", buf);
	}
	ck_assert_str_eq(json_fmt_real(0.3, buf, sizeof(buf)), "0.3");
	ck_assert_str_eq(json_fmt_real(-0.0, buf, sizeof(buf)), "-0.0");
	ck_assert_str_eq(json_fmt_real(150000, buf, sizeof(buf)), "150000");
	ck_assert_str_eq(json_fmt_real(0.1 + 0.2, buf, sizeof(buf)), "0.30000000000000004");
	ck_assert_str_eq(json_fmt_real(0.0 / 0.0, buf, sizeof(buf)), "\"NaN\"");
	ck_assert_str_eq(json_fmt_real(-1.0 / 0.0, buf, sizeof(buf)), "\"-Infinity\"");
}
END_TEST

/* What json_fmt_real() must write for a double that is not an integer under 1e15: the
 * fewest of 15, 16 and 17 significant digits, as "%.*g" writes them, that read back as
 * the same bits. */
static const char *shortest_g(double v, char *buf, size_t n)
{
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		double back;

		snprintf(buf, n, "%.*g", prec, v);
		back = strtod(buf, NULL);
		if (!memcmp(&back, &v, sizeof(v)))
			break;
	}
	return buf;
}

/*
 * Its digits come from integer arithmetic where it can (1e-5 to 1e15) and from libc
 * elsewhere, and it reads them back by integer arithmetic too where that fits: all the same
 * as libc's rule, over values of every kind: any bits, ratios of counts, binary fractions
 * (ties at the 17th digit), neighbours of powers of ten and two and of the range's edges.
 */
START_TEST(json_reals_shortest)
{
	uint64_t r = 88172645463325252ull;
	char got[40], want[40];
	int i, bad = 0;

	/* A tie at the 17th digit goes to the even one, as libc's. */
	ck_assert_str_eq(json_fmt_real(12345678901234.0625, got, sizeof(got)),
			 "12345678901234.062");
	ck_assert_str_eq(json_fmt_real(12345678901234.1875, got, sizeof(got)),
			 "12345678901234.188");
	ck_assert_str_eq(json_fmt_real(1e-5, got, sizeof(got)), "1e-05");
	ck_assert_str_eq(json_fmt_real(100.0 / 3, got, sizeof(got)), "33.333333333333336");
	for (i = 0; i < 300000; i++) {
		double v, t;
		int k;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		switch (i % 6) {
		case 0:
			memcpy(&v, &r, sizeof(v));
			break;
		case 1:
			v = (double)(r % 1000000) / (double)(1 + (r >> 20) % 100000);
			break;
		case 2:
			v = ldexp((double)(r >> 11), -(int)((r >> 2) % 90));
			break;
		case 3:
			t = pow(10, (int)(r % 50) - 25);
			for (k = (int)((r >> 8) % 7) - 3; k; k += k < 0 ? 1 : -1)
				t = nextafter(t, k > 0 ? INFINITY : 0);
			v = t;
			break;
		case 4:
			v = (r & 2) ? nextafter(1e15, 0) - (double)(r % 1000) * 0.125
				    : 1e-5 + ldexp((double)(r % 1000), -70);
			break;
		default:
			v = (double)(r >> 11) / 9007199254740992.0 *
			    pow(10, (int)((r >> 3) % 30) - 15);
			break;
		}
		if (isnan(v) || isinf(v) || v == 0 || (v == floor(v) && fabs(v) < 1e15))
			continue;
		json_fmt_real(v, got, sizeof(got));
		shortest_g(v, want, sizeof(want));
		if (strcmp(got, want) && bad++ < 5)
			fprintf(stderr, "%a: %s, not %s\n", v, got, want);
	}
	/* Around powers of two, where the next double down is half as far as the next up. */
	for (i = -1100; i < 1030; i++) {
		double t = ldexp(1, i), v = t;
		int k;

		for (k = 0; k < 8; k++, v = nextafter(v, k < 4 ? 0 : INFINITY)) {
			if (k == 4)
				v = nextafter(t, INFINITY);
			if (v == 0 || isinf(v) || (v == floor(v) && v < 1e15))
				continue;
			json_fmt_real(v, got, sizeof(got));
			shortest_g(v, want, sizeof(want));
			if (strcmp(got, want) && bad++ < 5)
				fprintf(stderr, "%a: %s, not %s\n", v, got, want);
		}
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

static Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, escape_controls);
	tcase_add_test(tc, escape_utf8);
	tcase_add_test(tc, escape_truncates_whole);
	tcase_add_test(tc, utf8_one_decoder);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, numbers_as_printf);
	tcase_add_test(tc, table_layout_narrow);
	tcase_add_test(tc, table_fit_cuts);
	tcase_add_test(tc, table_text_and_escape);
	tcase_add_test(tc, table_sorts_rows);
	tcase_add_test(tc, json_document);
	tcase_add_test(tc, json_document_long);
	tcase_add_test(tc, json_reals_exact);
	tcase_add_test(tc, json_reals_shortest);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(text_suite)
