// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder.h"
#include "util.h"

/* Files of a directory the recorder owns: kvmscope-YYYYMMDD-HHMMSS.rec, nothing else. */
#define REC_NAME_GLOB                                                                              \
	"kvmscope-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9].rec"

/* Owns the writer, the absolute paths and the copy of the configuration. */
struct recorder {
	struct recorder_config c;
	char path[PATH_MAX]; /* the file, or the directory: absolute, so a daemon can chdir */
	bool dir;
	char file[PATH_MAX + 32]; /* being written; "" when none */
	int yday, year;		  /* local date of the file's start: daily files */
	struct recwriter *w;
};

static void note(const struct recorder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(const struct recorder *r, const char *fmt, ...)
{
	char line[PATH_MAX + 128];
	va_list ap;

	if (!r->c.note)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->c.note(r->c.note_arg, line);
}

/* Returns 0 after making dir and its parents (mode 0750 for the new ones), or -errno. */
static int mkdirs(const char *dir)
{
	char buf[PATH_MAX], *p;

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes what keep_days and max_total say must go, oldest first, never the current file. */
static void sweep(struct recorder *r)
{
	char **names = NULL, full[PATH_MAX + 300];
	uint64_t total = 0, *sizes = NULL;
	time_t now = time(NULL);
	int n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (!r->dir || (!r->c.keep_days && !r->c.max_total) || !(d = opendir(r->path)))
		return;
	while ((de = readdir(d)))
		if (!fnmatch(REC_NAME_GLOB, de->d_name, 0)) {
			names = xgrow(names, &cap, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), name_cmp);
	sizes = xcalloc((size_t)n + 1, sizeof(*sizes));
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", r->path, names[i]);
		if (stat(full, &st))
			continue;
		if (strcmp(full, r->file) && r->c.keep_days &&
		    st.st_mtime < now - (time_t)r->c.keep_days * 86400) {
			if (!unlink(full)) {
				note(r, "removed %s (not written for %d days)", full,
				     r->c.keep_days);
				continue;
			}
		}
		sizes[i] = (uint64_t)st.st_size;
		total += sizes[i];
	}
	for (i = 0; i < n && r->c.max_total && total > r->c.max_total; i++) {
		snprintf(full, sizeof(full), "%s/%s", r->path, names[i]);
		if (!sizes[i] || !strcmp(full, r->file) || unlink(full))
			continue;
		total -= sizes[i];
		note(r, "removed %s (recordings over %llu bytes)", full,
		     (unsigned long long)r->c.max_total);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(sizes);
}

/* Returns 0 with the file for a start at wall clock t open, or -errno with why. */
static int open_file(struct recorder *r, int64_t t, char *why, size_t whysz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int err;

	if (!localtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	r->yday = tm.tm_yday;
	r->year = tm.tm_year;
	if (r->dir) {
		/* A start in the same second appends a segment to that second's file. */
		if (snprintf(r->file, sizeof(r->file), "%s/kvmscope-%04d%02d%02d-%02d%02d%02d.rec",
			     r->path, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			     tm.tm_min, tm.tm_sec) >= (int)sizeof(r->file))
			return -ENAMETOOLONG;
		err = mkdirs(r->path);
		if (err) {
			snprintf(why, whysz, "%s: %s", r->path, strerror(-err));
			r->file[0] = '\0';
			return err;
		}
	} else {
		snprintf(r->file, sizeof(r->file), "%s", r->path);
	}
	err = recwriter_open(r->file, &r->c.info, &r->w);
	if (err) {
		snprintf(why, whysz, "%s: %s", r->file,
			 err == -EINVAL ? "not a regular file" : strerror(-err));
		r->file[0] = '\0';
		return err;
	}
	note(r, "recording to %s", r->file);
	sweep(r);
	return 0;
}

/* Returns the absolute form of path in buf: its directory resolved, the last name kept. */
static int absolute(const char *path, char *buf, size_t n)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

	if (!*base)
		return realpath(path, real) && snprintf(buf, n, "%s", real) < (int)n ? 0 : -errno;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	if (!realpath(dir, real))
		return -errno;
	if (snprintf(buf, n, "%s/%s", strcmp(real, "/") ? real : "", base) >= (int)n)
		return -ENAMETOOLONG;
	return 0;
}

int recorder_open(const struct recorder_config *c, struct recorder **out, char *why, size_t whysz)
{
	const char *path = c->path ? c->path : RECORDER_DIR "/";
	struct recorder *r;
	struct stat st;
	size_t len = strlen(path);
	int err;

	*out = NULL;
	r = xcalloc(1, sizeof(*r));
	r->c = *c;
	r->dir = (len && path[len - 1] == '/') || (!stat(path, &st) && S_ISDIR(st.st_mode));
	if (!r->dir && (c->max_size || c->keep_days || c->max_total || c->never_rotate)) {
		snprintf(why, whysz,
			 "%s: --rotate, --max-size, --keep-days and --max-total need a "
			 "directory",
			 path);
		free(r);
		return -EINVAL;
	}
	if (r->dir) {
		err = mkdirs(path);
		if (!err && !realpath(path, r->path))
			err = -errno;
	} else {
		err = absolute(path, r->path, sizeof(r->path));
	}
	if (err) {
		snprintf(why, whysz, "%s: %s", path, strerror(-err));
		free(r);
		return err;
	}
	err = open_file(r, (int64_t)time(NULL), why, whysz);
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* Returns true when the tick at wall clock t belongs in a new file of the directory. */
static bool due(const struct recorder *r, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!r->dir)
		return false;
	if (r->c.max_size && recwriter_size(r->w) >= r->c.max_size)
		return true;
	return !r->c.never_rotate && localtime_r(&tt, &tm) &&
	       (tm.tm_yday != r->yday || tm.tm_year != r->year);
}

int recorder_tick(struct recorder *r, const struct snapshot *s, char *why, size_t whysz)
{
	int err;

	if (r->w && due(r, s->wall_s)) {
		recwriter_close(r->w);
		r->w = NULL;
	}
	if (!r->w) {
		err = open_file(r, s->wall_s, why, whysz);
		if (err)
			return err;
	}
	err = recwriter_tick(r->w, s);
	if (err)
		snprintf(why, whysz, "%s: %s", r->file, strerror(-err));
	return err;
}

int recorder_reopen(struct recorder *r, char *why, size_t whysz)
{
	recwriter_close(r->w);
	r->w = NULL;
	return open_file(r, (int64_t)time(NULL), why, whysz);
}

const char *recorder_file(const struct recorder *r)
{
	return r->w ? r->file : "";
}

void recorder_close(struct recorder *r)
{
	if (!r)
		return;
	recwriter_close(r->w);
	free(r);
}
