// SPDX-License-Identifier: GPL-2.0
/* Text that reaches a terminal or a JSON reader: escaping, numbers, tables, JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fmt.h"
#include "json.h"
#include "table.h"
#include "unit.h"

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

START_TEST(table_layout_narrow)
{
	struct table t = { 0 };
	int w[4], total;

	table_begin(&t, cols, 4, "Test %d", 1);
	table_row(&t, ROW_NORMAL, 1, 0);
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

	table_begin(&t, cols, 2, "VMs");
	table_row(&t, ROW_NORMAL, 1, 0);
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
	json_arr_end(&j);
	json_obj_end(&j);
	fclose(f);
	/* The byte 0xff is not UTF-8: "name_hex" gives every byte back. */
	ck_assert_str_eq(out, "{\"name\":\"a\\\"b\\\\c\\u000a\\u001b\\u00ff\xc3\xa9\","
			      "\"name_hex\":\"6122625c630a1bffc3a9\",\"pct\":null,"
			      "\"rate\":2.5,\"pid\":-3,\"list\":[1,false]}\n");
	free(out);
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

static Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, escape_controls);
	tcase_add_test(tc, escape_utf8);
	tcase_add_test(tc, escape_truncates_whole);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, table_layout_narrow);
	tcase_add_test(tc, table_fit_cuts);
	tcase_add_test(tc, table_text_and_escape);
	tcase_add_test(tc, json_document);
	tcase_add_test(tc, json_reals_exact);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(text_suite)
