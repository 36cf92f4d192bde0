/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): inputs cut into sections, and a
 * private directory on tmpfs for the targets whose parsers read files (procfs, debugfs).
 * Header-only; each target is one binary.
 */
#ifndef KVMSCOPE_FUZZ_H
#define KVMSCOPE_FUZZ_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sections of an input are separated by this line, so seeds stay readable text. */
#define FUZZ_SEP     "\n--8<--\n"
#define FUZZ_SEP_LEN (sizeof(FUZZ_SEP) - 1)

/* An oracle failed: abort, so libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* One section: a window into the input. */
struct fuzz_section {
	const uint8_t *p;
	size_t len;
};

/* Returns the number of sections (at most max) the input is cut into at each FUZZ_SEP. */
static inline int fuzz_sections(const uint8_t *data, size_t size, struct fuzz_section *sec, int max)
{
	size_t off = 0;
	int n = 0;

	while (n < max) {
		const uint8_t *sep = memmem(data + off, size - off, FUZZ_SEP, FUZZ_SEP_LEN);
		size_t end = sep ? (size_t)(sep - data) : size;

		sec[n].p = data + off;
		sec[n].len = end - off;
		n++;
		if (!sep)
			break;
		off = end + FUZZ_SEP_LEN;
	}
	return n;
}

/* The target's private directory, FUZZ_DIR_PREFIX<pid>; removed at exit. */
#define FUZZ_DIR_PREFIX "kvmscope-fuzzdir-"
static char fuzz_dir[64];

static int fuzz_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Removes path and everything under it. */
static inline void fuzz_rm_tree(const char *path)
{
	nftw(path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_dir_remove(void)
{
	if (fuzz_dir[0])
		fuzz_rm_tree(fuzz_dir);
}

/* Removes the directories in base left by targets that crashed: their pid is gone. */
static inline void fuzz_dir_reap(const char *base)
{
	char path[64];
	struct dirent *de;
	DIR *d = opendir(base);
	int pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, FUZZ_DIR_PREFIX, strlen(FUZZ_DIR_PREFIX)))
			continue;
		pid = atoi(de->d_name + strlen(FUZZ_DIR_PREFIX));
		snprintf(path, sizeof(path), FUZZ_DIR_PREFIX "%d", pid);
		/* Only a name this header makes, of a process that no longer exists. */
		if (pid > 0 && !strcmp(path, de->d_name) && kill(pid, 0) && errno == ESRCH) {
			snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
			fuzz_rm_tree(path);
		}
	}
	closedir(d);
}

/* Returns the target's private directory, made on first use in /dev/shm (or /tmp). */
static inline const char *fuzz_dir_get(void)
{
	const char *base = "/dev/shm";

	if (fuzz_dir[0])
		return fuzz_dir;
	if (access(base, W_OK))
		base = "/tmp";
	fuzz_dir_reap(base);
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/" FUZZ_DIR_PREFIX "%d", base, (int)getpid());
	fuzz_rm_tree(fuzz_dir);
	FUZZ_CHECK(!mkdir(fuzz_dir, 0700));
	atexit(fuzz_dir_remove);
	return fuzz_dir;
}

/*
 * Writes len bytes to path (replacing a file there); with present false, removes it instead.
 * A directory of that name stays as it is.
 */
static inline void fuzz_put_file(const char *path, const void *data, size_t len, bool present)
{
	int fd;

	unlink(path);
	if (!present)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EISDIR || errno == ENAMETOOLONG))
		return;
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(!len || write(fd, data, len) == (ssize_t)len);
	close(fd);
}

/* Returns whether s (len bytes) is valid UTF-8: shortest forms, no surrogates, <= U+10FFFF. */
static inline bool fuzz_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4, cp = s[i] & 0x07;
		else
			return false;
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

#endif
