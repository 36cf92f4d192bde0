// SPDX-License-Identifier: GPL-2.0
/*
 * The live screen's w key without a screen: ticks taken go through the wrapped output to the
 * hooks it had and into the rolling buffer; saving writes a recording the reader opens and a
 * summary naming the storm's VM, port and hint, under a name of the host and the time, a
 * second name when the first is taken; nothing to save and an unwritable directory say why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "incident.h"
#include "recording.h"
#include "spantick.h"
#include "unit.h"

static int shown, taken, inputs;

static int fake_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	(void)arg, (void)s, (void)ctl;
	shown++;
	return 0;
}

static int fake_input(void *arg, struct tick_ctl *ctl)
{
	(void)arg;
	inputs++;
	ctl->save = true; /* as the w key does */
	return 0;
}

static int fake_taken(void *rec, const struct snapshot *s)
{
	(void)rec, (void)s;
	taken++;
	return 0;
}

/* Returns the contents of path (the caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	if (!fread(buf, 1, (1 << 16) - 1, f))
		buf[0] = '\0';
	fclose(f);
	return buf;
}

START_TEST(w_writes_recording_and_summary)
{
	const struct incident_config c = { .minutes = 1, .interval_s = 1, .version = "test" };
	struct tick_output out = { .show = fake_show, .input = fake_input, .taken = fake_taken };
	char dir[] = "/tmp/kvmscope-incident.XXXXXX", msg[512], path[256], *txt, why[256];
	char cwd[4096];
	struct tick_ctl ctl = { 0 };
	struct recording *r;
	struct incident *inc;
	struct snapshot *s;
	struct stat st;
	int k;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	inc = incident_wrap(&c, &out);
	ck_assert_int_eq(incident_save(inc, dir, msg, sizeof(msg)), -ENODATA);
	ck_assert_ptr_nonnull(strstr(msg, "nothing to write"));
	for (k = 0; k < 5; k++) {
		s = span_tick((unsigned int)k + 1, 4242, 1000, 70000, 9000, 20000, 95);
		strcpy(s->vms[0].name, "win-timer");
		strcpy(s->host.hostname, "hv/01 x");
		ck_assert_int_eq(out.taken(out.rec, s), 0);
		ck_assert_int_eq(out.show(out.arg, s, &ctl), 0);
		snapshot_free(s);
	}
	/* The hooks it wraps still see everything. */
	ck_assert_int_eq(taken, 5);
	ck_assert_int_eq(shown, 5);

	ck_assert_int_eq(incident_save(inc, dir, msg, sizeof(msg)), 0);
	/* Named after the host (made safe for a file name) and the last tick's time. */
	snprintf(path, sizeof(path), "%s/kvmscope-hv_01_x-", dir);
	ck_assert_msg(strstr(msg, path) && strstr(msg, ".rec and .txt") && strstr(msg, "5 ticks"),
		      "%s", msg);
	snprintf(path, sizeof(path), "%s", strstr(msg, dir));
	*strstr(path, ".rec") = '\0';
	strcat(path, ".rec");
	ck_assert_int_eq(recording_open(path, &r, why, sizeof(why)), 0);
	ck_assert_uint_eq(recording_count(r), 5);
	recording_close(r);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	strcpy(strstr(path, ".rec"), ".txt");
	txt = slurp(path);
	ck_assert_ptr_nonnull(txt);
	ck_assert_msg(strstr(txt, "win-timer") && strstr(txt, "0x608") &&
			      strstr(txt, "ACPI PM timer") && strstr(txt, "5 ticks") &&
			      strstr(txt, "Sources"),
		      "%s", txt);
	free(txt);
	unlink(path);
	strcpy(strstr(path, ".txt"), ".rec");
	unlink(path);

	/*
	 * w through the input hook: into the current directory (the test's own here); the
	 * answer for the bottom line. Then the same second again: another name.
	 */
	ck_assert_int_eq(getcwd(cwd, sizeof(cwd)) ? chdir(dir) : -1, 0);
	ck_assert_int_eq(out.input(out.arg, &ctl), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert(!ctl.save);
	ck_assert_uint_eq(ctl.note_seq, 1);
	ck_assert_msg(!ctl.note_error && strstr(ctl.note, dir), "%s", ctl.note);
	ck_assert_int_eq(inputs, 1);
	ck_assert_int_eq(incident_save(inc, dir, msg, sizeof(msg)), 0);
	ck_assert_msg(strstr(msg, "-2.rec"), "%s", msg);

	/* A directory that takes no file: said, nothing written. */
	ck_assert_int_eq(incident_save(inc, "/proc", msg, sizeof(msg)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(msg, "cannot write in /proc"));
	incident_free(inc);
	snprintf(msg, sizeof(msg), "rm -rf %s", dir);
	ck_assert_int_eq(system(msg), 0);
}
END_TEST

static Suite *incident_suite(void)
{
	Suite *s = suite_create("incident");
	TCase *tc = tcase_create("w");

	tcase_add_test(tc, w_writes_recording_and_summary);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(incident_suite)
