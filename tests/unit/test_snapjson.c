// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON schema both ways: a snapshot written (full form for batch JSON, compact form for
 * the recording) and read back is the same snapshot, field by field; every batch JSON
 * document of tests/golden reads back and writes again byte for byte; kvmscope 0.1's schema 1
 * still reads; a newer schema and broken documents fail with one line that says where.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapcmp.h"
#include "snapjson.h"
#include "snapread.h"
#include "unit.h"

/* Returns the document s makes in form (caller frees), its length in *len. */
static char *write_doc(const struct snapshot *s, enum snapjson_form form, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	ck_assert_ptr_nonnull(f);
	snapjson_write_form(f, s, NULL, form);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* Returns the snapshot read from buf, failing the test with why when it does not read. */
static struct snapshot *read_doc(const char *buf, size_t len, int want_schema)
{
	struct snapshot *s = NULL;
	char why[256];
	int schema = 0, err;

	err = snapread_parse(buf, len, &s, &schema, why, sizeof(why));
	ck_assert_msg(!err, "read back: %s (%s)", why, strerror(-err));
	ck_assert_int_eq(schema, want_schema);
	return s;
}

/* Writes s in form, reads it back, and checks that every field came back. */
static void round_trip(const struct snapshot *s, enum snapjson_form form)
{
	struct snapshot *back;
	char *doc, *again, why[512];
	size_t len, len2;

	doc = write_doc(s, form, &len);
	back = read_doc(doc, len, SNAPJSON_SCHEMA);
	ck_assert_msg(!snapcmp_lat(s, back, why, sizeof(why), form == SNAPJSON_FULL), "%s form: %s",
		      form == SNAPJSON_FULL ? "full" : "compact", why);
	/* And what was read writes the same document again. */
	again = write_doc(back, form, &len2);
	ck_assert_msg(len == len2 && !memcmp(doc, again, len), "written again differs");
	free(again);
	free(doc);
	snapshot_free(back);
}

START_TEST(every_field_full)
{
	struct snapshot *s = snapfull();

	round_trip(s, SNAPJSON_FULL);
	snapshot_free(s);
}
END_TEST

START_TEST(every_field_compact)
{
	struct snapshot *s = snapfull();

	round_trip(s, SNAPJSON_COMPACT);
	snapshot_free(s);
}
END_TEST

/* A tick of a trace file: no wall clock ("time" null), its time on the file's own clock. */
START_TEST(trace_tick_time)
{
	struct snapshot *s = snapfull();
	size_t len;
	char *doc;

	s->wall_s = 0;
	s->trace_ns = 5000000000ull;
	round_trip(s, SNAPJSON_FULL);
	round_trip(s, SNAPJSON_COMPACT);
	doc = write_doc(s, SNAPJSON_FULL, &len);
	ck_assert_ptr_nonnull(strstr(doc, "\"time\":null,\"wall_s\":0,"));
	ck_assert_ptr_nonnull(strstr(doc, "\"trace_ns\":5000000000,"));
	free(doc);
	/* The live host's ticks have none. */
	s->wall_s = 1700000000;
	s->trace_ns = 0;
	doc = write_doc(s, SNAPJSON_COMPACT, &len);
	ck_assert_ptr_null(strstr(doc, "trace_ns"));
	free(doc);
	snapshot_free(s);
}
END_TEST

/* The compact form leaves out what a reader computes exactly, and keeps what it cannot. */
START_TEST(compact_leaves_out_derived)
{
	struct snapshot *s = snapfull();
	size_t len;
	char *doc = write_doc(s, SNAPJSON_COMPACT, &len), *full;

	/* Presentation: never in the compact form. */
	ck_assert_ptr_null(strstr(doc, "\"label\""));
	ck_assert_ptr_null(strstr(doc, "\"interval_s\""));
	ck_assert_ptr_null(strstr(doc, "task_clock_pct"));
	/* The host's exits/s is not the sum of its VMs' here: kept. */
	ck_assert_ptr_nonnull(strstr(doc, "\"exits_rate\":0.30000000000000004"));
	/* Counters carry the interval of their rates instead of the rates. */
	ck_assert_ptr_nonnull(strstr(doc, "\"window_ns\":999999937,"));
	full = write_doc(s, SNAPJSON_FULL, &len);
	ck_assert_ptr_nonnull(strstr(full, "\"label\""));
	ck_assert_ptr_null(strstr(full, "\"window_ns\":999999937,"));
	free(full);
	free(doc);
	snapshot_free(s);
}
END_TEST

/*
 * A mean that total / timed gives exactly is left out of the compact form and computed back
 * (the exits' means are of the timed ones); a VMM mean that total / count does not give (some
 * untimed) is kept: all come back equal.
 */
START_TEST(compact_means)
{
	struct snapshot *s = snapfull();
	struct snap_exit *e;
	size_t len;
	char *doc;

	ck_assert_int_ge(s->nvms, 1);
	ck_assert_int_ge(s->vms[0].nexits, 2);
	e = s->vms[0].exits;
	e[0].count = 3;
	e[0].timed = 3;
	e[0].total_ns = 1000;
	e[0].mean_ns = 1000.0 / 3.0;
	e[0].vmm_count = 3;
	e[0].vmm_total_ns = 700;
	e[0].vmm_mean_ns = 700.0 / 3.0;
	e[1].count = 7;
	e[1].timed = 6;
	e[1].total_ns = 1000;
	e[1].mean_ns = 1000.0 / 6.0; /* one of the seven untimed */
	e[1].vmm_count = 7;
	e[1].vmm_total_ns = 900;
	e[1].vmm_mean_ns = 900.0 / 5.0;
	e[1].time_share = e[0].time_share = 1;
	doc = write_doc(s, SNAPJSON_COMPACT, &len);
	ck_assert_ptr_null(strstr(doc, "333.33"));
	ck_assert_ptr_null(strstr(doc, "233.33"));
	ck_assert_ptr_null(strstr(doc, "166.66"));
	ck_assert_ptr_nonnull(strstr(doc, "\"vmm_mean_ns\":180"));
	free(doc);
	round_trip(s, SNAPJSON_COMPACT);
	round_trip(s, SNAPJSON_FULL);
	snapshot_free(s);
}
END_TEST

/* Strings come back byte for byte: controls, broken and over-long UTF-8, lone surrogates. */
START_TEST(strings_raw_bytes)
{
	struct snapshot *s = snapfull(), *back;
	static const char *const names[] = {
		"\x01\x02\x1f\x7f",
		"\xff",
		"\xc0\x80",
		"\xed\xa0\x80",
		"\xf4\x90\x80\x80",
		"\xe2\x82",
		"ok \xe2\x82\xac",
		"\"\\/",
		"\xc3",
	};
	char why[256];
	size_t i, len;
	char *doc;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(s->vms[0].name, sizeof(s->vms[0].name), "%s", names[i]);
		snprintf(s->vms[0].threads[0].comm, sizeof(s->vms[0].threads[0].comm), "%s",
			 names[i]);
		doc = write_doc(s, SNAPJSON_COMPACT, &len);
		back = read_doc(doc, len, SNAPJSON_SCHEMA);
		ck_assert_msg(!snapcmp(s, back, why, sizeof(why)), "name %zu: %s", i, why);
		free(doc);
		snapshot_free(back);
	}
	snapshot_free(s);
}
END_TEST

/* Returns the lines of path (a NULL-terminated list; free each and the list). */
static char **lines_of(const char *path, int *n)
{
	FILE *f = fopen(path, "r");
	char **lines = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int cnt = 0, size = 0;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while ((got = getline(&line, &cap, f)) > 0) {
		lines = xgrow(lines, &size, cnt + 2, sizeof(*lines));
		lines[cnt++] = xstrdup(line);
	}
	free(line);
	fclose(f);
	*n = cnt;
	return lines;
}

/* What the model made for the golden worlds: read back, written again, byte for byte. */
START_TEST(golden_documents)
{
	static const char *const files[] = { "tests/golden/vmx.json", "tests/golden/novmx.json",
					     "tests/golden/notrace.json",
					     "tests/golden/vmx-cumulative.json" };
	char why[512];
	size_t f, len, clen;
	int n, i;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char **lines = lines_of(files[f], &n);

		ck_assert_int_gt(n, 0);
		for (i = 0; i < n; i++) {
			struct snapshot *s = read_doc(lines[i], strlen(lines[i]), SNAPJSON_SCHEMA);
			char *doc = write_doc(s, SNAPJSON_FULL, &len), *cdoc;
			struct snapshot *c;

			ck_assert_msg(len == strlen(lines[i]) && !memcmp(doc, lines[i], len),
				      "%s line %d differs when written again", files[f], i + 1);
			cdoc = write_doc(s, SNAPJSON_COMPACT, &clen);
			c = read_doc(cdoc, clen, SNAPJSON_SCHEMA);
			ck_assert_msg(!snapcmp(s, c, why, sizeof(why)), "%s line %d compact: %s",
				      files[f], i + 1, why);
			ck_assert_msg(clen < len, "compact %zu, full %zu", clen, len);
			free(cdoc);
			free(doc);
			snapshot_free(c);
			snapshot_free(s);
			free(lines[i]);
		}
		free(lines);
	}
}
END_TEST

/* kvmscope 0.1's batch JSON (no "schema"): read as printed. */
START_TEST(schema1_reads)
{
	int n, i;
	char **lines = lines_of("tests/fixtures/json/schema1-novmx.json", &n);
	struct snapshot *s = read_doc(lines[0], strlen(lines[0]), 1);
	const struct snap_vm *web = NULL;

	ck_assert_int_eq(s->seq, 1);
	ck_assert_int_eq(s->wall_s, 1700000002); /* from "time" */
	ck_assert_uint_eq(s->interval_ns, 1000000000ull);
	ck_assert_uint_eq(s->window_ns, 1000000000ull);
	ck_assert_str_eq(s->host.kvm_module, "kvm_pvm");
	for (i = 0; i < s->nvms; i++)
		if (!strcmp(s->vms[i].name, "web01"))
			web = &s->vms[i];
	ck_assert_ptr_nonnull(web);
	ck_assert_int_gt(web->nexits, 0);
	ck_assert_int_gt(web->nhot, 0);
	ck_assert_uint_eq(web->starttime, 0); /* schema 2 added it */
	/* Rates were printed with 3 decimals: they read back as printed. */
	ck_assert(web->exits_rate > 0);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	snapshot_free(s);
}
END_TEST

/* Returns the error snapread_parse() gives text, its message in why. */
static int parse_err(const char *text, char *why, size_t n)
{
	struct snapshot *s = NULL;
	int err = snapread_parse(text, strlen(text), &s, NULL, why, n);

	ck_assert_ptr_null(s);
	return err;
}

START_TEST(bad_documents)
{
	char why[256];

	ck_assert_int_eq(parse_err("{\"schema\":3,\"seq\":1,\"vms\":[]}", why, sizeof(why)),
			 -EPROTONOSUPPORT);
	ck_assert_str_eq(why, "schema 3 is newer than this kvmscope reads (this kvmscope reads 1 "
			      "to 2)");
	ck_assert_int_eq(parse_err("", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "empty document");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "byte 16: the document ends early");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[]} {}", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "byte 19: unexpected character");
	ck_assert_int_eq(parse_err("[1,2]", why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(parse_err("{\"a\":1}", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "not a kvmscope snapshot (no \"seq\" or \"vms\")");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[{\"threads\":[{\"cpu\":{\"cpu_pct\":"
				   "\"x\"}}]}]}",
				   why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "vms[0].threads[0].cpu.cpu_pct: not a number");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[{\"pid\":4294967296}]}", why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "vms[0].pid: out of range");
	ck_assert_int_eq(
		parse_err("{\"seq\":1,\"vms\":[{\"hot\":[{\"addr\":\"12\"}]}]}", why, sizeof(why)),
		-EINVAL);
	ck_assert_str_eq(why, "vms[0].hot[0].addr: not a hex address");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[{\"name\":\"a\",\"name_hex\":\"6\"}]}", why,
				   sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "vms[0].name_hex: not hex");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[7]}", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "vms[0]: not an object");
	ck_assert_int_eq(parse_err("{\"seq\":1,\"vms\":[],\"sources\":[{\"state\":\"sleepy\"}]}",
				   why, sizeof(why)),
			 -EINVAL);
	ck_assert_str_eq(why, "sources[0].state: not a known word");
}
END_TEST

static Suite *snapjson_suite(void)
{
	Suite *s = suite_create("snapjson");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_field_full);
	tcase_add_test(tc, every_field_compact);
	tcase_add_test(tc, compact_means);
	tcase_add_test(tc, trace_tick_time);
	tcase_add_test(tc, compact_leaves_out_derived);
	tcase_add_test(tc, strings_raw_bytes);
	tcase_add_test(tc, golden_documents);
	tcase_add_test(tc, schema1_reads);
	tcase_add_test(tc, bad_documents);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(snapjson_suite)
