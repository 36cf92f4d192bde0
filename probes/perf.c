// SPDX-License-Identifier: GPL-2.0
/*
 * perf probe: per-thread counting with perf_event_open.
 *
 * Each thread gets two groups, hardware events and the rest, so the software counters keep
 * counting when the PMU is busy or absent; each group is read in one read() with
 * PERF_FORMAT_GROUP and the times enabled and running. An event the kernel refuses (no
 * PMU, perf_event_paranoid, the fd limit) keeps its errno per thread and reads as such;
 * running out of fds first raises RLIMIT_NOFILE toward its hard limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "perf.h"
#include "util.h"

#define PERF_FD_SPARE 64 /* fds left to the rest of the program (procfs, tracefs, tty) */
#define READ_FMT                                                                                   \
	(PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)

/*
 * One counted thread, or one CPU (tid -1, cpu >= 0: every thread on it); owned by the
 * probe's threads array, its arrays (n entries each, one allocation) by it.
 */
struct perf_thread {
	int pid, tid, cpu;
	bool seen;
	bool fresh;  /* opened by the last perf_sync() */
	int *fd;     /* -1 when not open */
	int *err;    /* -errno of the open, 0 when open */
	int *leader; /* index of the group leader (itself when it leads) */
	int *pos;    /* place in the leader's group read */
};

/* Owned by whoever called perf_open(). */
struct perf {
	struct perf_event_def *defs; /* n, owned */
	int n;
	struct perf_thread *threads; /* in the order of the last perf_sync() list */
	int nthreads, cap;
	struct perf_thread *spare; /* the next threads array, being filled by perf_sync() */
	int spare_cap;
	int *last_err; /* per event: the latest open error, 0 when none; owned */
	uint64_t *buf; /* a group read: 3 + n values; owned */
	bool fd_full; /* an open met the fd limit: none is tried until fds are given back */
	bool inherit; /* counters opened from now on count the threads their thread makes */
	struct source_status st;
};

static int pfm_ready(void)
{
	static int done, ret;

	if (!done) {
		ret = pfm_initialize();
		done = 1;
	}
	return ret;
}

/* Returns the event's default kind: task-clock and cpu-clock count nanoseconds. */
static enum ctr_kind kind_of(const struct perf_event_attr *a)
{
	if (a->type == PERF_TYPE_SOFTWARE &&
	    (a->config == PERF_COUNT_SW_TASK_CLOCK || a->config == PERF_COUNT_SW_CPU_CLOCK))
		return CTR_TIME_NS;
	return CTR_COUNT;
}

int perf_encode(const char *name, struct perf_event_def *def, char *why, size_t whysz)
{
	pfm_perf_encode_arg_t arg;
	int ret;

	memset(def, 0, sizeof(*def));
	if (strlen(name) >= sizeof(def->name)) {
		snprintf(why, whysz, "'%s': name too long", name);
		return -ENAMETOOLONG;
	}
	ret = pfm_ready();
	if (ret != PFM_SUCCESS) {
		snprintf(why, whysz, "libpfm4: %s", pfm_strerror(ret));
		return -ENODEV;
	}
	memset(&arg, 0, sizeof(arg));
	arg.attr = &def->attr;
	arg.size = sizeof(arg);
	ret = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret != PFM_SUCCESS) {
		snprintf(why, whysz, "'%s': %s", name, pfm_strerror(ret));
		return ret == PFM_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	}
	strlcpy0(def->name, name, sizeof(def->name));
	def->hw = def->attr.type != PERF_TYPE_SOFTWARE && def->attr.type != PERF_TYPE_TRACEPOINT;
	/*
	 * libpfm4 excludes guest mode unless :mg is asked for. A software event counts the
	 * thread whatever mode it runs in, so only hardware events keep the split.
	 */
	if (!def->hw)
		def->attr.exclude_guest = def->attr.exclude_host = 0;
	def->kind = (uint8_t)kind_of(&def->attr);
	return 0;
}

int perf_tracepoint(const char *tracing_dir, const char *sys, const char *name,
		    struct perf_event_def *def)
{
	char path[4096], buf[32];
	ssize_t r;
	int fd;

	memset(def, 0, sizeof(*def));
	if (strlen(name) >= sizeof(def->name))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracing_dir, sys, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return r < 0 ? -errno : -EINVAL;
	buf[r] = '\0';
	strlcpy0(def->name, name, sizeof(def->name));
	def->attr.type = PERF_TYPE_TRACEPOINT;
	def->attr.config = strtoull(buf, NULL, 10);
	/*
	 * Counting, not sampling: a period of 1 sends every hit through the overflow path,
	 * about six times the cost in the guest's exit (kvm_stat does so).
	 */
	def->attr.sample_period = 0;
	def->kind = CTR_COUNT;
	return 0;
}

int perf_parse_list(const char *list, struct perf_event_def *defs, int max, char *why, size_t whysz)
{
	char *copy = xstrdup(list), *save = NULL, *tok;
	int n = 0, err = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			snprintf(why, whysz, "more than %d events", max);
			err = -E2BIG;
			goto out;
		}
		err = perf_encode(tok, &defs[n], why, whysz);
		if (err)
			goto out;
		n++;
	}
	if (!n) {
		snprintf(why, whysz, "no event named");
		err = -EINVAL;
	}
out:
	free(copy);
	return err ? err : n;
}

struct perf *perf_open(const struct perf_event_def *defs, int n)
{
	struct perf *p;

	if (n < 1) {
		errno = EINVAL;
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->defs = xcalloc((size_t)n, sizeof(*defs));
	p->last_err = xcalloc((size_t)n, sizeof(*p->last_err));
	p->buf = xcalloc((size_t)n + 3, sizeof(*p->buf));
	memcpy(p->defs, defs, (size_t)n * sizeof(*defs));
	p->n = n;
	p->st.name = "perf";
	source_set(&p->st, SOURCE_OK, NULL);
	return p;
}

void perf_set_inherit(struct perf *p, bool on)
{
	p->inherit = on;
}

/* Closes t's counters (its arrays stay, for a last read or a free). */
static void thread_close(struct perf *p, struct perf_thread *t)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (t->fd[i] >= 0)
			close(t->fd[i]);
}

static void thread_free(struct perf_thread *t)
{
	free(t->fd);
	t->fd = t->err = t->leader = t->pos = NULL;
}

void perf_close(struct perf *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nthreads; i++) {
		thread_close(p, &p->threads[i]);
		thread_free(&p->threads[i]);
	}
	free(p->threads);
	free(p->spare);
	free(p->defs);
	free(p->last_err);
	free(p->buf);
	free(p);
}

int perf_raise_nofile(int need)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= rl.rlim_max)
		return -EMFILE;
	want = rl.rlim_cur * 2 > rl.rlim_cur + (rlim_t)need ? rl.rlim_cur * 2
							    : rl.rlim_cur + (rlim_t)need;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

static int sys_perf_event_open(struct perf_event_attr *a, int tid, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, a, tid, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

/*
 * Returns an fd or -errno. Fds are handed out lowest first, so an fd this close to the soft
 * limit means the limit is near: it is raised toward the hard limit, and where it cannot
 * be, the counter gives its fd back so that the rest of the program keeps PERF_FD_SPARE.
 */
static int open_one(const struct perf_event_def *d, int tid, int cpu, int group, bool inherit)
{
	struct perf_event_attr a = d->attr;
	struct rlimit rl;
	int fd;

	a.size = sizeof(a);
	a.read_format = READ_FMT;
	/* A group starts counting at once, unless its leader says otherwise (perf_enable()). */
	a.disabled = group < 0 && d->attr.disabled;
	a.inherit = inherit;
	fd = sys_perf_event_open(&a, tid, cpu, group);
	if (fd < 0 && errno == EMFILE && !perf_raise_nofile(PERF_FD_SPARE))
		fd = sys_perf_event_open(&a, tid, cpu, group);
	if (fd < 0)
		return -errno;
	/* A tracepoint counted only when its record passes a filter (one exit reason). */
	if (d->filter[0] && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, d->filter)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && (rlim_t)fd + PERF_FD_SPARE >= rl.rlim_cur &&
	    perf_raise_nofile(PERF_FD_SPARE)) {
		close(fd);
		return -EMFILE;
	}
	return fd;
}

/* Returns 0 after opening thread t's counters, -ESRCH when it is gone already. */
static int thread_open(struct perf *p, struct perf_thread *t)
{
	int g, i, fd, lead, count;
	bool tried;

	t->fd = xcalloc((size_t)p->n * 4, sizeof(int));
	t->err = t->fd + p->n;
	t->leader = t->err + p->n;
	t->pos = t->leader + p->n;
	for (i = 0; i < p->n; i++) {
		t->fd[i] = -1;
		t->err[i] = 0;
		t->leader[i] = i;
		t->pos[i] = 0;
	}
	for (g = 0; g < 2; g++) {
		lead = -1;
		count = 0;
		for (i = 0; i < p->n; i++) {
			if (p->defs[i].hw != (g == 0))
				continue;
			/*
			 * At the fd limit every open fails: not trying spares the close that
			 * gives each back, which costs an RCU grace period for a tracepoint
			 * (thousands per scan on a host with many threads: seconds, deaf to
			 * signals).
			 */
			tried = !p->fd_full;
			if (tried)
				fd = open_one(&p->defs[i], t->tid, t->cpu,
					      lead >= 0 ? t->fd[lead] : -1, p->inherit);
			else
				fd = -EMFILE;
			/* Some events will not share a group: count them on their own. */
			if (fd == -EINVAL && lead >= 0)
				fd = open_one(&p->defs[i], t->tid, t->cpu, -1, p->inherit);
			if (fd == -EMFILE)
				p->fd_full = true;
			if (fd == -ESRCH) {
				thread_close(p, t);
				thread_free(t);
				return -ESRCH;
			}
			if (fd < 0) {
				t->err[i] = fd;
				/* Not tried: a reason met before (no PMU) says more. */
				if (tried || !p->last_err[i])
					p->last_err[i] = fd;
				continue;
			}
			t->fd[i] = fd;
			if (lead < 0) {
				lead = i;
				count = 0;
			} else {
				t->leader[i] = lead;
				t->pos[i] = ++count;
			}
		}
	}
	return 0;
}

/* Reads thread t's counters into set (one per event, in order). */
static void thread_read(const struct perf *p, const struct perf_thread *t, struct ctr_set *set)
{
	uint64_t *buf = p->buf;
	int i, k;

	set->n = 0;
	for (i = 0; i < p->n; i++) {
		struct ctr_raw *c = ctr_set_add(set, p->defs[i].name, p->defs[i].kind);

		c->hw = p->defs[i].hw;
		c->err = t->err[i];
	}
	for (i = 0; i < p->n; i++) {
		ssize_t r;

		if (t->fd[i] < 0 || t->leader[i] != i)
			continue;
		r = read(t->fd[i], buf, ((size_t)p->n + 3) * sizeof(*buf));
		if (r < (ssize_t)(3 * sizeof(uint64_t))) {
			int err = r < 0 ? -errno : -EIO;

			for (k = 0; k < p->n; k++)
				if (t->fd[k] >= 0 && t->leader[k] == i)
					set->v[k].err = err;
			continue;
		}
		for (k = 0; k < p->n; k++) {
			if (t->fd[k] < 0 || t->leader[k] != i)
				continue;
			if ((uint64_t)t->pos[k] >= buf[0]) {
				set->v[k].err = -EIO;
				continue;
			}
			set->v[k].value = buf[3 + t->pos[k]];
			set->v[k].enabled = buf[1];
			set->v[k].running = buf[2];
		}
	}
}

/* Says which events could not be opened and why, grouped by reason. */
static void update_status(struct perf *p)
{
	char why[SOURCE_WHY_MAX] = "";
	const char *reasons[PERF_EVENTS_MAX];
	int i, k, nr = 0, bad = 0;
	size_t o = 0;

	for (i = 0; i < p->n; i++) {
		const char *r;

		if (!p->last_err[i])
			continue;
		bad++;
		r = ctr_why(p->last_err[i], p->defs[i].hw);
		for (k = 0; k < nr && strcmp(reasons[k], r); k++)
			;
		if (k == nr && nr < PERF_EVENTS_MAX)
			reasons[nr++] = r;
	}
	for (k = 0; k < nr && o < sizeof(why); k++) {
		int first = 1;

		o += (size_t)snprintf(why + o, sizeof(why) - o, "%s", k ? "; " : "");
		for (i = 0; i < p->n && o < sizeof(why); i++) {
			if (!p->last_err[i] ||
			    strcmp(ctr_why(p->last_err[i], p->defs[i].hw), reasons[k]))
				continue;
			o += (size_t)snprintf(why + o, sizeof(why) - o, "%s%s", first ? "" : ", ",
					      p->defs[i].name);
			first = 0;
		}
		if (o < sizeof(why))
			o += (size_t)snprintf(why + o, sizeof(why) - o, ": %s", reasons[k]);
	}
	for (i = 0; i < p->n; i++) {
		struct rlimit rl;

		if (p->last_err[i] != -EMFILE || getrlimit(RLIMIT_NOFILE, &rl))
			continue;
		/* Say what to change: the hard limit is what stopped us. */
		if (o < sizeof(why))
			snprintf(why + o, sizeof(why) - o,
				 " (RLIMIT_NOFILE at its hard limit %llu)",
				 (unsigned long long)rl.rlim_max);
		break;
	}
	/* Unavailable only when nothing counts anywhere; some threads counted is degraded. */
	for (i = 0; i < p->nthreads && bad == p->n; i++)
		for (k = 0; k < p->n; k++)
			if (p->threads[i].fd[k] >= 0)
				bad = -1;
	if (!bad)
		source_set(&p->st, SOURCE_OK, NULL);
	else
		source_set(&p->st, bad == p->n ? SOURCE_UNAVAILABLE : SOURCE_DEGRADED, "%s", why);
}

int perf_sync(struct perf *p, const int *pids, const int *tids, int n,
	      void (*gone)(void *arg, int pid, int tid, const struct ctr_set *set), void *arg)
{
	struct ctr_set last = { 0 };
	struct perf_thread *t, *next;
	int i, j = 0, k, w = 0, x = 0, cap;

	for (i = 0; i < p->nthreads; i++)
		p->threads[i].seen = false;
	/*
	 * The threads come in the same order tick after tick, and are kept in the order they
	 * came: the search for each starts after the one found before, so an unchanged list
	 * costs a comparison per thread, not a pass over all (threads squared, per tick).
	 */
	p->spare = xgrow(p->spare, &p->spare_cap, n + 1, sizeof(*p->spare));
	next = p->spare;
	for (k = 0; k < n; k++) {
		for (i = 0; i < p->nthreads; i++) {
			x = j + i < p->nthreads ? j + i : j + i - p->nthreads;
			t = &p->threads[x];
			if (!t->seen && t->tid == tids[k] && t->pid == pids[k])
				break;
		}
		if (i < p->nthreads) {
			p->threads[x].seen = true;
			next[w] = p->threads[x];
			next[w++].fresh = false;
			j = x + 1;
			continue;
		}
		next[w].pid = pids[k];
		next[w].tid = tids[k];
		next[w].cpu = -1;
		next[w].seen = true;
		next[w].fresh = true;
		if (thread_open(p, &next[w]) == 0)
			w++;
	}
	for (i = 0; i < p->nthreads; i++) {
		t = &p->threads[i];
		if (t->seen)
			continue;
		/* An exited thread's counters still read its final values. */
		if (gone) {
			thread_read(p, t, &last);
			gone(arg, t->pid, t->tid, &last);
		}
		thread_close(p, t);
		thread_free(t);
		p->fd_full = false; /* its fds are free for the next newcomer */
	}
	p->spare = p->threads;
	cap = p->spare_cap;
	p->spare_cap = p->cap;
	p->threads = next;
	p->cap = cap;
	p->nthreads = w;
	ctr_set_free(&last);
	update_status(p);
	return 0;
}

int perf_drop_event(struct perf *p, int i)
{
	int k, t;

	if (i < 0 || i >= p->n)
		return -EINVAL;
	for (t = 0; t < p->nthreads; t++) {
		struct perf_thread *th = &p->threads[t];

		/* A leader's siblings would each become a group of their own: not done. */
		if (th->fd[i] >= 0 && th->leader[i] == i)
			for (k = 0; k < p->n; k++)
				if (k != i && th->fd[k] >= 0 && th->leader[k] == i)
					return -EBUSY;
	}
	for (t = 0; t < p->nthreads; t++) {
		struct perf_thread *th = &p->threads[t];

		if (th->fd[i] >= 0) {
			/* The group read leaves it out from now on: those after it move up. */
			for (k = 0; k < p->n; k++)
				if (k != i && th->fd[k] >= 0 && th->leader[k] == th->leader[i] &&
				    th->pos[k] > th->pos[i])
					th->pos[k]--;
			close(th->fd[i]);
			th->fd[i] = -1;
		}
		th->err[i] = -ECANCELED;
	}
	p->last_err[i] = 0;
	return 0;
}

int perf_enable(struct perf *p, bool on)
{
	int t, i, err = 0;

	for (t = 0; t < p->nthreads; t++) {
		const struct perf_thread *th = &p->threads[t];

		for (i = 0; i < p->n; i++)
			if (th->fd[i] >= 0 && th->leader[i] == i &&
			    ioctl(th->fd[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE,
				  PERF_IOC_FLAG_GROUP))
				err = -errno;
	}
	return err;
}

int perf_pmu_check(void)
{
	struct perf_event_attr a = { .size = sizeof(a) };
	int fd;

	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.exclude_kernel = 1;
	fd = sys_perf_event_open(&a, 0, -1, -1);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int perf_open_cpus(struct perf *p, int ncpus)
{
	int *saved = xcalloc((size_t)p->n, sizeof(*saved));
	int c, i, err = -ENODEV;

	for (c = 0; c < ncpus; c++) {
		struct perf_thread *t;

		p->threads = xgrow(p->threads, &p->cap, p->nthreads + 1, sizeof(*p->threads));
		t = &p->threads[p->nthreads];
		memset(t, 0, sizeof(*t));
		t->pid = t->tid = -1;
		t->cpu = c;
		t->seen = true;
		memcpy(saved, p->last_err, (size_t)p->n * sizeof(*saved));
		if (thread_open(p, t))
			continue;
		for (i = 0; i < p->n && t->fd[i] < 0; i++)
			;
		if (i < p->n) {
			p->nthreads++;
			err = 0;
			continue;
		}
		/* A CPU that is offline (or absent) has no counters: left out, not an error. */
		err = err == -ENODEV ? t->err[0] : err;
		if (t->err[0] == -ENODEV || t->err[0] == -ENOENT)
			memcpy(p->last_err, saved, (size_t)p->n * sizeof(*saved));
		thread_free(t);
	}
	free(saved);
	update_status(p);
	return err;
}

int perf_sample(struct perf *p, struct perf_sample *s)
{
	uint64_t now = now_ns();
	int i, old = s->cap;

	s->threads = xgrow(s->threads, &s->cap, p->nthreads, sizeof(*s->threads));
	/* Slots keep their set buffers from tick to tick; new ones start empty. */
	if (s->cap > old)
		memset(&s->threads[old], 0, (size_t)(s->cap - old) * sizeof(*s->threads));
	for (i = 0; i < p->nthreads; i++) {
		struct perf_thread_sample *ts = &s->threads[i];

		ts->pid = p->threads[i].pid;
		ts->tid = p->threads[i].tid;
		ts->cpu = p->threads[i].cpu;
		ts->fresh = p->threads[i].fresh;
		thread_read(p, &p->threads[i], &ts->set);
		ts->set.ts_ns = now;
	}
	s->nthreads = p->nthreads;
	s->ts_ns = now;
	return 0;
}

void perf_sample_free(struct perf_sample *s)
{
	int i;

	for (i = 0; i < s->cap; i++)
		ctr_set_free(&s->threads[i].set);
	free(s->threads);
	memset(s, 0, sizeof(*s));
}

const struct source_status *perf_status(const struct perf *p)
{
	return &p->st;
}
