// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "incident.h"
#include "recring.h"
#include "summary.h"
#include "util.h"

/* Owns the buffer; keeps the hooks it wraps. */
struct incident {
	struct incident_config c;
	struct tick_output inner;
	struct recring *ring;
	int err; /* the buffer stopped: -errno; ticks are not kept any more */
	char host[65];
	int64_t wall_s; /* of the last tick */
};

static int inc_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	struct incident *inc = arg;

	return inc->inner.show(inc->inner.arg, s, ctl);
}

static void inc_resize(void *arg)
{
	struct incident *inc = arg;

	if (inc->inner.resize)
		inc->inner.resize(inc->inner.arg);
}

/* Returns what the screen's input returns; w is answered here, on the bottom line. */
static int inc_input(void *arg, struct tick_ctl *ctl)
{
	struct incident *inc = arg;
	int err = inc->inner.input(inc->inner.arg, ctl);

	if (ctl->save) {
		ctl->save = false;
		ctl->note_error = incident_save(inc, NULL, ctl->note, sizeof(ctl->note)) != 0;
		ctl->note_seq++;
		ctl->redraw = true;
	}
	return err;
}

/* Keeps every tick taken; a buffer that fails stops keeping, and w says why. */
static int inc_taken(void *rec, const struct snapshot *s)
{
	struct incident *inc = rec;

	strlcpy0(inc->host, s->host.hostname, sizeof(inc->host));
	inc->wall_s = s->wall_s;
	if (!inc->err)
		inc->err = recring_tick(inc->ring, s);
	return inc->inner.taken ? inc->inner.taken(inc->inner.rec, s) : 0;
}

struct incident *incident_wrap(const struct incident_config *c, struct tick_output *out)
{
	struct recring_config rc = {
		/* Level 3: the buffer is always on; a third cheaper than the recorder's 9. */
		.info = { .kvmscope = c->version, .interval_s = c->interval_s, .level = 3 },
		.span_s = c->minutes * 60,
	};
	struct incident *inc = xcalloc(1, sizeof(*inc));

	inc->c = *c;
	inc->inner = *out;
	inc->ring = recring_new(&rc);
	out->show = inc_show;
	out->input = inc_input;
	out->resize = inc_resize;
	out->arg = inc;
	out->taken = inc_taken;
	out->rec = inc;
	return inc;
}

const struct sparkhist *incident_history(const struct incident *inc)
{
	return recring_history(inc->ring);
}

void incident_free(struct incident *inc)
{
	if (!inc)
		return;
	recring_free(inc->ring);
	free(inc);
}

/* Returns the directory files go to: dir, else the current one if it takes files, else... */
static const char *pick_dir(const char *dir, char *buf, size_t n)
{
	const char *tmp = getenv("TMPDIR");

	if (dir)
		return dir;
	if (!access(".", W_OK | X_OK) && getcwd(buf, n))
		return buf;
	if (tmp && *tmp == '/' && !access(tmp, W_OK | X_OK))
		return tmp;
	return access("/var/tmp", W_OK | X_OK) ? "/tmp" : "/var/tmp";
}

/* Returns fd of a new file base + ext (base gets "-2", "-3"... when taken), or -errno. */
static int create(char *base, size_t n, const char *ext)
{
	char path[PATH_MAX + 144];
	size_t len = strlen(base);
	int fd, k;

	for (k = 1; k < 100; k++) {
		if (k > 1)
			snprintf(base + len, n - len, "-%d", k);
		snprintf(path, sizeof(path), "%s%s", base, ext);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int incident_save(struct incident *inc, const char *dir, char *msg, size_t n)
{
	char base[PATH_MAX + 128], cwd[PATH_MAX], host[65], when[32], path[PATH_MAX + 144];
	const char *name;
	time_t tt = inc->wall_s ? (time_t)inc->wall_s : time(NULL);
	struct summary_info si = { .version = inc->c.version };
	struct recring_stats st;
	struct snapshot *m;
	struct tm tm;
	FILE *f;
	size_t i;
	int fd, err;

	recring_stats(inc->ring, &st);
	if (!st.ticks) {
		snprintf(msg, n, "nothing to write yet: no tick taken");
		return -ENODATA;
	}
	/* The host names the files: only what is safe in a file name. */
	for (i = 0; inc->host[i] && i + 1 < sizeof(host); i++)
		host[i] = isalnum((unsigned char)inc->host[i]) || strchr("._-", inc->host[i])
				  ? inc->host[i]
				  : '_';
	host[i] = '\0';
	localtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	dir = pick_dir(dir, cwd, sizeof(cwd));
	snprintf(base, sizeof(base), "%s/kvmscope-%s-%s", dir, host[0] ? host : "host", when);
	fd = create(base, sizeof(base), ".rec");
	if (fd < 0) {
		snprintf(msg, n, "w: cannot write in %s: %s", dir, strerror(-fd));
		return fd;
	}
	snprintf(path, sizeof(path), "%s.rec", base);
	err = recring_write(inc->ring, fd);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		unlink(path);
		snprintf(msg, n, "w: %s: %s", path, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s.txt", base);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(msg, n, "w: wrote %s.rec, but %s: %s", base, path, strerror(errno));
		return err;
	}
	name = strrchr(base, '/') + 1;
	snprintf(cwd, sizeof(cwd), "%s.rec", name);
	si.recording = cwd;
	si.ticks = st.ticks;
	m = recring_merged(inc->ring);
	err = summary_write(f, m, &si);
	snapshot_free(m);
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		snprintf(msg, n, "w: wrote %s.rec, but %s: %s", base, path, strerror(-err));
		return err;
	}
	snprintf(msg, n, "wrote %s.rec and .txt: the last %.0f s, %zu ticks%s%s%s", base,
		 st.seconds, st.ticks, inc->err ? " (then the buffer stopped: " : "",
		 inc->err ? strerror(-inc->err) : "", inc->err ? ")" : "");
	return 0;
}
