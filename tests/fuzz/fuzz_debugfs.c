// SPDX-License-Identifier: GPL-2.0
/*
 * The kvmstat probe's debugfs reader (directory walk, stat files, histograms, VM and vCPU
 * directory names), the mounts parser that finds debugfs, and the rates computed from two
 * samples, over a tree written from the input on tmpfs (--debugfs DIR reads any tree).
 *
 * Input: sections separated by FUZZ_SEP lines. A section's first byte, a digit (any other
 * byte counts modulo 7), says where it goes: a stat file in kvm/ (0), in the VM directory
 * kvm/77-5/ (1), in its vcpu0/ (2) or vcpu1/ (3); a directory made in kvm/ (4) or
 * kvm/77-5/ (5); or the mounts file (6).
 * A file's name runs to the first '=' and its contents follow it.
 *
 * Oracles: ASan/UBSan; every counter named (NUL-terminated) and every VM and vCPU found is
 * one the tree could hold.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "fuzz.h"
#include "kvmstat.h"

#define MAX_SECTIONS 64
#define NAME_MAX_LEN 100

static const char *const places[] = { "kvm", "kvm/77-5", "kvm/77-5/vcpu0", "kvm/77-5/vcpu1" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns a file or directory name made of the section from p up to '=' (sanitised), or "". */
static const char *name_of(const uint8_t *p, size_t len, size_t *used, char *name)
{
	size_t k, n;
	const uint8_t *eq = memchr(p, '=', len);

	n = eq ? (size_t)(eq - p) : len;
	*used = eq ? n + 1 : len;
	if (n > NAME_MAX_LEN)
		n = NAME_MAX_LEN;
	for (k = 0; k < n; k++)
		name[k] = p[k] == '/' || !p[k] ? '_' : (char)p[k];
	name[n] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		name[0] = '\0';
	return name;
}

static void check_set(const struct ctr_set *s)
{
	int i;

	FUZZ_CHECK(s->n >= 0);
	for (i = 0; i < s->n; i++)
		FUZZ_CHECK(memchr(s->v[i].name, '\0', sizeof(s->v[i].name)));
}

static void check_sample(const struct kvmstat_sample *s)
{
	int i, k;

	check_set(&s->host);
	FUZZ_CHECK(s->nvms >= 0);
	for (i = 0; i < s->nvms; i++) {
		FUZZ_CHECK(s->vms[i].pid > 0);
		check_set(&s->vms[i].set);
		for (k = 0; k < s->vms[i].nvcpus; k++) {
			FUZZ_CHECK(s->vms[i].vcpus[k].index >= 0);
			check_set(&s->vms[i].vcpus[k].set);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_section sec[MAX_SECTIONS];
	struct ctr_hist h = { .source = "debugfs" };
	struct kvmstat_sample s = { 0 };
	struct snap_counter *out = NULL;
	char path[512], name[NAME_MAX_LEN + 1], buf[256], mounts[300];
	const char *dir = fuzz_dir_get();
	struct kvmstat *k;
	int nsec, i, n = 0;
	size_t used;

	snprintf(path, sizeof(path), "%s/kvm", dir);
	fuzz_rm_tree(path);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, places[i]);
		FUZZ_CHECK(!mkdir(path, 0755));
	}
	snprintf(mounts, sizeof(mounts), "%s/mounts", dir);
	unlink(mounts);

	nsec = fuzz_sections(data, size, sec, MAX_SECTIONS);
	for (i = 0; i < nsec; i++) {
		unsigned int where;

		if (!sec[i].len)
			continue;
		where = sec[i].p[0] >= '0' ? (sec[i].p[0] - '0') % 7u : sec[i].p[0] % 7u;
		if (where == 6) {
			fuzz_put_file(mounts, sec[i].p + 1, sec[i].len - 1, true);
			continue;
		}
		name_of(sec[i].p + 1, sec[i].len - 1, &used, name);
		if (!name[0])
			continue;
		if (where >= 4) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir, places[where - 4], name);
			mkdir(path, 0755);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", dir, places[where], name);
		/* A name a directory already has: left as the directory. */
		fuzz_put_file(path, sec[i].p + 1 + used, sec[i].len - 1 - used, true);
	}

	if (kvmstat_find_mount(mounts, "debugfs", buf, sizeof(buf)))
		FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)));
	k = kvmstat_open(dir, mounts, false, NULL);
	FUZZ_CHECK(k);
	for (i = 0; i < 2; i++) {
		if (kvmstat_sample(k, &s))
			break;
		check_sample(&s);
		ctr_hist_push(&h, &s.host);
	}
	/* The snapshot array is reused (grown) from one call to the next. */
	ctr_hist_snap(&h, false, &out, &n);
	ctr_hist_snap(&h, true, &out, &n);
	free(out);
	ctr_hist_free(&h);
	kvmstat_sample_free(&s);
	kvmstat_close(k);
	return 0;
}
