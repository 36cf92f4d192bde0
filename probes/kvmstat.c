// SPDX-License-Identifier: GPL-2.0
/*
 * kvmstat probe. debugfs first: every file under <debugfs>/kvm is one statistic, a
 * <pid>-<fd> directory is a VM and its vcpuN directories its vCPUs. Files come and go with
 * VMs, so a file that vanishes between the listing and the read is skipped and counted,
 * and one that holds no number is kept with an error rather than a made-up value.
 *
 * KVM's tracepoints are counted in the kernel as well, the way kvm_stat and `perf stat` do,
 * never sampled (a period of 1 takes the overflow path at every hit: six times the cost in
 * the guest's exit), so the counts are exact and cannot be lost:
 *  - host: every KVM tracepoint, per CPU, in one group per CPU (one read per CPU and tick).
 *    Per-CPU counters cost the guest nothing at a context switch; a tracepoint that fires
 *    too often to be worth its cost and that no figure needs (kvm_emulate_insn, on a host
 *    that emulates every guest instruction; the LAPIC's events on a fleet of idle guests) is
 *    counted part-time when the loop says so: in a group of its own per CPU, switched on for
 *    a window of each interval, its count estimated from the time counted and marked so.
 *    Exit reasons are counted by filtered copies of kvm_exit (and the VMM's exit reasons of
 *    kvm_userspace_exit), for the reasons the caller names: child rows, "kvm_exit(HLT)".
 *  - per VM and vCPU, under kernel lockdown (debugfs unreadable) only: a per-thread counter
 *    of one or two tracepoints (the caller's list: kvm_exit where it fires, else the accesses
 *    kvm_pio and kvm_mmio) on vCPU threads only. A per-thread event costs its thread at
 *    every context switch (~0.3-0.5 us per event here), so there are as few as the figures
 *    need, and none on other threads. The VM in focus can have every tracepoint per vCPU.
 *    A VM just made (KVM's uevent, kvmstat_follow_made()) is counted on its VMM's threads,
 *    inherited by those they make, until a sync finds its vCPUs: no exit before is lost.
 * Counts of threads and VMs that have gone are kept, so sums never go down.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmstat.h"
#include "perf.h"
#include "util.h"

#define KSTAT_FILE_MAX 4096
/* Syncs a process that made a VM is followed at most before the VM shows with vCPUs. */
#define KSTAT_MADE_SYNCS 30

/* The per-vCPU tracepoints when the caller names none. */
static const char *const vcpu_default[] = { "kvm_exit", "kvm_pio", "kvm_mmio", NULL };

/* Tracepoints the figures need counted: never dropped, whatever their rate. */
static const char *const essential[] = {
	"kvm_exit", "kvm_entry", "kvm_pio", "kvm_mmio", "kvm_fast_mmio", "kvm_msr",
	"kvm_userspace_exit", NULL,
};

/* A VM followed by per-thread tracepoint counters; owned by the probe. */
struct tp_vm {
	int pid;
	int missing;		  /* samples since the process was last seen */
	bool fresh;		  /* first followed at the last kvmstat_sync() */
	struct ctr_set gone;	  /* final counts of its threads that have exited */
	int *vcpu_tid, *vcpu_idx; /* live vCPU threads and their indexes */
	int nvcpu, vcpu_cap;
};

/*
 * A process that has just made a VM (kvmstat_follow_made()): its threads' per-vCPU
 * tracepoints, inherited by every thread they make, until the VM shows with its vCPUs.
 */
struct tp_made {
	int pid;
	int syncs; /* kvmstat_sync() calls since it was followed */
	struct perf *perf;
	struct perf_sample ps;
};

/*
 * Counters of a list of tracepoints on every CPU (one group per CPU), with what they had
 * counted before the last time they were opened again (an event dropped, children changed),
 * so that counts never go back. Part of struct kvmstat.
 */
struct tp_cpus {
	struct perf *perf;	     /* NULL when none could be opened */
	struct perf_event_def *defs; /* every event listed, dropped ones too; owned */
	bool *off;		     /* per def: dropped (not opened, or closed) */
	bool *in;		     /* per def: one of perf's events, in order */
	int n;
	struct perf_sample ps;
	struct ctr_set base; /* counts before the last reopen, by name */
};

/*
 * Tracepoints counted part-time (kvmstat_part_time()): a group per CPU that the loop
 * switches on and off; each count is estimated from the rate while counted. Part of struct
 * kvmstat; the arrays have c.n entries.
 */
struct tp_part {
	struct tp_cpus c;
	bool on;	    /* counting now */
	uint64_t wall0;	    /* the last update's time */
	uint64_t span;	    /* time since the last update that saw a window, up to wall0 */
	uint64_t *prev_cnt; /* per CPU and def (cpu * c.n + def): count at the last update */
	uint64_t *prev_en;  /* per CPU: its group's time enabled at the last update */
	double *rate;	    /* per def: per second while counted (all CPUs), -1 unknown */
	double *est;	    /* per def: the estimate since it was moved here */
	double scale;	    /* the time since the window before over its time counted */
};

/* Owned by whoever called kvmstat_open(). */
struct kvmstat {
	char root[PATH_MAX]; /* the kvm directory, "" when debugfs is not used */
	char tdir[PATH_MAX]; /* tracefs, where the tracepoints' ids are */
	int ncpus;
	struct tp_cpus host; /* every KVM tracepoint */
	struct tp_cpus kids; /* filtered kvm_exit / kvm_userspace_exit: one per exit reason */
	struct tp_part part; /* tracepoints moved off host, counted part-time */
	/* Per vCPU thread, when debugfs cannot be read. */
	struct perf *perf;
	struct perf_event_def *defs; /* the per-vCPU tracepoints */
	int ndefs;
	struct perf_sample ps;
	struct tp_vm *vms;
	int nvms, vms_cap;
	struct tp_made *made; /* processes that made a VM, their vCPUs not yet followed */
	int nmade, made_cap;
	/* The VM in focus: every (not dropped) tracepoint per vCPU; none when focus_pid is 0. */
	int focus_pid;
	struct perf *focus;
	struct perf_sample fps;
	char debugfs_why[64];
	struct source_status st;
	void (*hook)(void *arg, const char *path);
	void *hook_arg;
};

const char *kvmstat_find_mount(const char *mounts, const char *fstype, char *buf, size_t n)
{
	char dev[256], mnt[PATH_MAX], type[64];
	const char *found = NULL;
	FILE *f = fopen(mounts ? mounts : "/proc/mounts", "re");

	if (!f)
		return NULL;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, mnt, type) == 3) {
		if (strcmp(type, fstype))
			continue;
		snprintf(buf, n, "%s", mnt);
		found = buf;
		break;
	}
	fclose(f);
	return found;
}

/*
 * Gauges: instant values and peaks, not cumulative counts (the kernel's INSTANT/PEAK stats),
 * and the vCPU state a vcpuN/ directory holds (guest_mode, lapic_timer_advance_ns, TSC
 * scaling).
 */
static const char *const gauges[] = {
	"online_vcpus", "pages_",     "max_mmu_",     "nx_lpage_splits", "lpages",
	"mmu_unsync",	"largepages", "halt_poll_ns", "blocking",	 "guest_mode",
	"lapic_timer_advance_ns",     "tsc-scaling-ratio",
};

/*
 * Files of the tree that are no stat: a text table (mmu_rmaps_stat), a signed offset
 * (vcpuN/tsc-offset) and the vCPU thread's id (vcpuN/pid).
 */
static const char *const not_stats[] = { "mmu_rmaps_stat", "tsc-offset", "pid" };

static bool is_stat(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(not_stats); i++)
		if (!strcmp(name, not_stats[i]))
			return false;
	return true;
}

enum ctr_kind kvmstat_kind(const char *name, int nnumbers)
{
	size_t len = strlen(name), i;

	if (nnumbers > 1)
		return CTR_HIST;
	for (i = 0; i < ARRAY_SIZE(gauges); i++)
		if (!strncmp(name, gauges[i], strlen(gauges[i])))
			return CTR_GAUGE;
	if (len > 3 && !strcmp(name + len - 3, "_ns"))
		return CTR_TIME_NS;
	return CTR_COUNT;
}

/* Returns 0 after reading a stat file into a new counter of set, or -errno (skipped). */
static int read_stat(struct kvmstat *k, const char *dir, const char *name, struct ctr_set *set)
{
	char path[PATH_MAX], buf[KSTAT_FILE_MAX];
	uint64_t nums[64], sum = 0, half, acc = 0;
	int fd, n = 0, i;
	struct ctr_raw *c;
	ssize_t r;
	char *p, *end;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (k->hook)
		k->hook(k->hook_arg, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	if (r < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[r] = '\0';
	for (p = buf; n < (int)ARRAY_SIZE(nums);) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		errno = 0;
		if (!isdigit((unsigned char)*p))
			break;
		nums[n] = strtoull(p, &end, 10);
		if (errno || (*end && !isspace((unsigned char)*end)))
			break;
		n++;
		p = end;
	}
	while (isspace((unsigned char)*p))
		p++;
	/*
	 * debugfs shows a histogram stat (*_hist) as one number: its first bucket (the kernel
	 * reads the stat's first u64). Named for what it is, it counts like any counter.
	 */
	if (n == 1 && strlen(name) > 5 && !strcmp(name + strlen(name) - 5, "_hist")) {
		snprintf(path, sizeof(path), "%s[0]", name);
		name = path;
	}
	c = ctr_set_add(set, name, kvmstat_kind(name, n));
	if (!n || *p) {
		c->err = -EINVAL; /* empty, or not numbers: kept, with why */
		return 0;
	}
	if (c->kind != CTR_HIST) {
		c->value = nums[0];
		return 0;
	}
	for (i = 0; i < n; i++)
		sum += nums[i];
	c->value = sum;
	/* Log histogram: bucket 0 holds 0, bucket i values below 2^i. */
	half = (sum + 1) / 2;
	for (i = 0; i < n && sum; i++) {
		acc += nums[i];
		if (acc >= half) {
			c->p50 = i ? (i < 64 ? 1ull << i : UINT64_MAX) : 0;
			break;
		}
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Returns 0 after reading dir's stat files into set (sorted by name, so samples line up),
 * calling sub(arg, name) for each subdirectory; -errno when dir cannot be listed.
 */
static int read_dir(struct kvmstat *k, const char *dir, struct ctr_set *set, int *errors,
		    void (*sub)(struct kvmstat *k, const char *dir, const char *name, void *arg),
		    void *arg)
{
	char **names = NULL, path[PATH_MAX];
	int n = 0, cap = 0, i, err;
	struct dirent *de;
	struct stat sb;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* A directory the kernel is creating or removing lists nothing: names is NULL then. */
	if (n > 1)
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &sb)) {
			(*errors)++;
		} else if (S_ISDIR(sb.st_mode)) {
			if (sub)
				sub(k, dir, names[i], arg);
		} else if (is_stat(names[i])) {
			err = read_stat(k, dir, names[i], set);
			if (err)
				(*errors)++;
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

struct vm_walk {
	struct kvmstat_sample *s;
	struct kstat_vm *vm;
};

static void vcpu_dir(struct kvmstat *k, const char *dir, const char *name, void *arg)
{
	struct vm_walk *w = arg;
	struct kstat_vm *vm = w->vm;
	struct kstat_vcpu *vc;
	char path[PATH_MAX], tail;
	int idx;

	if (sscanf(name, "vcpu%d%c", &idx, &tail) != 1 || idx < 0)
		return;
	vm->vcpus = xgrow(vm->vcpus, &vm->vcpus_cap, vm->nvcpus + 1, sizeof(*vm->vcpus));
	vc = &vm->vcpus[vm->nvcpus++];
	memset(vc, 0, sizeof(*vc));
	vc->index = idx;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_dir(k, path, &vc->set, &w->s->scan_errors, NULL, NULL))
		vm->nvcpus--, ctr_set_free(&vc->set), w->s->scan_errors++;
	else
		vc->set.ts_ns = w->s->ts_ns;
}

static void vm_dir(struct kvmstat *k, const char *dir, const char *name, void *arg)
{
	struct kvmstat_sample *s = arg;
	struct vm_walk w = { .s = s };
	struct kstat_vm *vm;
	char path[PATH_MAX], tail;
	int pid, fd;

	if (sscanf(name, "%d-%d%c", &pid, &fd, &tail) != 2 || pid <= 0)
		return;
	s->vms = xgrow(s->vms, &s->vms_cap, s->nvms + 1, sizeof(*s->vms));
	vm = &s->vms[s->nvms++];
	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	vm->fd = fd;
	w.vm = vm;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_dir(k, path, &vm->set, &s->scan_errors, vcpu_dir, &w)) {
		/* The VM went between the listing and the read. */
		s->scan_errors++;
		free(vm->vcpus);
		ctr_set_free(&vm->set);
		s->nvms--;
		return;
	}
	vm->set.ts_ns = s->ts_ns;
}

void kvmstat_sample_free(struct kvmstat_sample *s)
{
	int i, v;

	for (v = 0; v < s->nvms; v++) {
		for (i = 0; i < s->vms[v].nvcpus; i++)
			ctr_set_free(&s->vms[v].vcpus[i].set);
		free(s->vms[v].vcpus);
		ctr_set_free(&s->vms[v].set);
	}
	free(s->vms);
	ctr_set_free(&s->host);
	ctr_set_free(&s->tp_host);
	memset(s, 0, sizeof(*s));
}

/* Returns 0 when a file under root reads; else -errno of the first failure (EPERM: lockdown). */
static int debugfs_try(const char *root)
{
	char path[PATH_MAX + 256], buf[64];
	struct dirent *de;
	int err = -ENOENT, fd;
	DIR *d = opendir(root);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type == DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			break;
		}
		err = read(fd, buf, sizeof(buf)) < 0 ? -errno : 0;
		close(fd);
		break;
	}
	closedir(d);
	return err;
}

/* Returns whether name is in the NULL-terminated list (NULL: an empty list). */
/* Returns whether name is in the NULL-terminated list (NULL: an empty list). */
static bool listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

bool kvmstat_droppable(const char *name)
{
	return !listed(essential, name);
}

/* Needed events first (one leads each CPU's group, and is never dropped), then by name. */
static int name_sort(const void *a, const void *b)
{
	const char *x = ((const struct perf_event_def *)a)->name;
	const char *y = ((const struct perf_event_def *)b)->name;
	bool ex = listed(essential, x), ey = listed(essential, y);

	if (ex != ey)
		return ex ? -1 : 1;
	return strcmp(x, y);
}

/* Returns the number of KVM tracepoints found under tdir/events/kvm, filled into *defs. */
static int list_tracepoints(const char *tdir, struct perf_event_def **defs)
{
	char dir[PATH_MAX + 16];
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d;

	*defs = NULL;
	snprintf(dir, sizeof(dir), "%s/events/kvm", tdir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		*defs = xgrow(*defs, &cap, n + 1, sizeof(**defs));
		if (!perf_tracepoint(tdir, "kvm", de->d_name, &(*defs)[n]))
			n++;
	}
	closedir(d);
	if (n > 1)
		qsort(*defs, (size_t)n, sizeof(**defs), name_sort);
	return n;
}

/* Returns c's counts summed over its CPUs into set (its base added; dropped ones with why). */
static void cpus_total(const struct tp_cpus *c, struct ctr_set *set)
{
	int i, k, j = 0;

	for (i = 0; i < c->n; i++) {
		const struct ctr_raw *b = ctr_set_find(&c->base, c->defs[i].name);
		struct ctr_raw *r = ctr_set_add(set, c->defs[i].name, CTR_COUNT);

		r->value = b ? b->value : 0;
		if (!c->perf || !c->in[i]) {
			r->err = c->off[i] ? -ECANCELED : -ENODEV;
			continue;
		}
		if (c->off[i]) {
			/* Closed in place: what it had counted is kept in the base below. */
			r->err = -ECANCELED;
			j++;
			continue;
		}
		/* The perf probe's sets hold the opened events in order. */
		for (k = 0; k < c->ps.nthreads; k++) {
			const struct ctr_raw *v = &c->ps.threads[k].set.v[j];

			if (j < c->ps.threads[k].set.n && !v->err)
				r->value += v->value;
		}
		j++;
	}
}

/* Returns the base's counter named name, added (at 0) when it has none. */
static struct ctr_raw *base_of(struct ctr_set *base, const char *name)
{
	int i;

	for (i = 0; i < base->n; i++)
		if (!strcmp(base->v[i].name, name))
			return &base->v[i];
	return ctr_set_add(base, name, CTR_COUNT);
}

/* Keeps what c's counters have counted in its base, by name, and closes them. */
static void cpus_keep(struct tp_cpus *c)
{
	struct ctr_set total = { 0 };
	int i;

	if (!c->perf)
		return;
	if (!perf_sample(c->perf, &c->ps)) {
		cpus_total(c, &total);
		for (i = 0; i < total.n; i++)
			base_of(&c->base, total.v[i].name)->value = total.v[i].value;
	}
	ctr_set_free(&total);
	perf_close(c->perf);
	c->perf = NULL;
	perf_sample_free(&c->ps);
}

/* Returns 0 after opening c's events that are not off on every CPU, or -errno. */
static int cpus_open(struct tp_cpus *c, int ncpus)
{
	struct perf_event_def *on;
	int i, n = 0, err;

	on = xcalloc((size_t)c->n + 1, sizeof(*on));
	free(c->in);
	c->in = xcalloc((size_t)c->n + 1, sizeof(*c->in));
	for (i = 0; i < c->n; i++)
		if (!c->off[i]) {
			on[n++] = c->defs[i];
			c->in[i] = true;
		}
	err = n ? 0 : -ENOENT;
	if (n) {
		c->perf = perf_open(on, n);
		err = c->perf ? perf_open_cpus(c->perf, ncpus) : -errno;
		if (err) {
			perf_close(c->perf);
			c->perf = NULL;
		}
	}
	free(on);
	return err;
}

static void cpus_free(struct tp_cpus *c)
{
	perf_close(c->perf);
	perf_sample_free(&c->ps);
	ctr_set_free(&c->base);
	free(c->defs);
	free(c->off);
	free(c->in);
	memset(c, 0, sizeof(*c));
}

/*
 * Returns 0 after choosing the per-vCPU tracepoints of list that exist, or -ENOENT when
 * none does.
 */
static int vcpu_setup(struct kvmstat *k, const char *const *list)
{
	int i;

	k->defs = xcalloc(8, sizeof(*k->defs));
	for (i = 0; list[i] && k->ndefs < 8; i++)
		if (!perf_tracepoint(k->tdir, "kvm", list[i], &k->defs[k->ndefs]))
			k->ndefs++;
	if (!k->ndefs)
		return -ENOENT;
	k->perf = perf_open(k->defs, k->ndefs);
	return k->perf ? 0 : -errno;
}

static const char *debugfs_words(int err)
{
	switch (-err) {
	case EPERM:
		return "kernel lockdown";
	case EACCES:
		return "permission denied";
	case ENOENT:
		return "no kvm directory";
	default:
		return strerror(-err);
	}
}

struct kvmstat *kvmstat_open(const char *dir, const char *mounts, bool tracepoints,
			     const char *const *vcpu_events)
{
	struct kvmstat *k = xcalloc(1, sizeof(*k));
	char mnt[PATH_MAX];
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	int err;

	k->st.name = "kvmstat";
	k->ncpus = conf > 0 ? (int)conf : 1;
	if (!kvmstat_find_mount(mounts, "tracefs", k->tdir, sizeof(k->tdir)))
		snprintf(k->tdir, sizeof(k->tdir), "/sys/kernel/tracing");
	if (tracepoints) {
		k->host.n = list_tracepoints(k->tdir, &k->host.defs);
		k->host.off = xcalloc((size_t)k->host.n + 1, sizeof(*k->host.off));
		if (k->host.n)
			cpus_open(&k->host, k->ncpus);
	}
	if (!dir)
		dir = kvmstat_find_mount(mounts, "debugfs", mnt, sizeof(mnt));
	if (!dir) {
		snprintf(k->debugfs_why, sizeof(k->debugfs_why), "not mounted");
	} else {
		snprintf(k->root, sizeof(k->root), "%s/kvm", dir);
		err = debugfs_try(k->root);
		if (!err) {
			source_set(&k->st, SOURCE_OK, NULL);
			return k;
		}
		snprintf(k->debugfs_why, sizeof(k->debugfs_why), "%s", debugfs_words(err));
		k->root[0] = '\0';
	}
	if (!tracepoints) {
		source_set(&k->st, SOURCE_UNAVAILABLE, "debugfs: %s", k->debugfs_why);
		return k;
	}
	err = vcpu_setup(k, vcpu_events ? vcpu_events : vcpu_default);
	if (err)
		source_set(&k->st, SOURCE_UNAVAILABLE, "debugfs: %s; no KVM tracepoints",
			   k->debugfs_why);
	else
		source_set(&k->st, SOURCE_DEGRADED, "tracepoint counters (debugfs: %s)",
			   k->debugfs_why);
	return k;
}

static void made_free(struct tp_made *m)
{
	perf_close(m->perf);
	perf_sample_free(&m->ps);
}

void kvmstat_close(struct kvmstat *k)
{
	int i;

	if (!k)
		return;
	cpus_free(&k->host);
	cpus_free(&k->kids);
	cpus_free(&k->part.c);
	free(k->part.prev_cnt);
	free(k->part.prev_en);
	free(k->part.rate);
	free(k->part.est);
	perf_close(k->perf);
	perf_sample_free(&k->ps);
	perf_close(k->focus);
	perf_sample_free(&k->fps);
	free(k->defs);
	for (i = 0; i < k->nvms; i++) {
		ctr_set_free(&k->vms[i].gone);
		free(k->vms[i].vcpu_tid);
		free(k->vms[i].vcpu_idx);
	}
	free(k->vms);
	for (i = 0; i < k->nmade; i++)
		made_free(&k->made[i]);
	free(k->made);
	free(k);
}

void kvmstat_set_read_hook(struct kvmstat *k, void (*hook)(void *arg, const char *path), void *arg)
{
	k->hook = hook;
	k->hook_arg = arg;
}

const struct source_status *kvmstat_status(const struct kvmstat *k)
{
	return &k->st;
}

static void part_update(struct kvmstat *k);

/*
 * Returns 0 after opening the part-time group (again) on every CPU, off, every CPU's counts
 * and time enabled starting from 0; -errno.
 */
static int part_open(struct kvmstat *k)
{
	struct tp_part *p = &k->part;

	free(p->prev_cnt);
	p->prev_cnt = xcalloc((size_t)k->ncpus * (size_t)p->c.n, sizeof(*p->prev_cnt));
	free(p->prev_en);
	p->prev_en = xcalloc((size_t)k->ncpus, sizeof(*p->prev_en));
	p->on = false;
	return cpus_open(&p->c, k->ncpus);
}

/*
 * Returns 0 after closing part-time tracepoint name: its estimate so far stays, in the
 * host's base (the host's counter reads it as dropped); -ENOENT when it is not part-time.
 */
static int part_drop(struct kvmstat *k, const char *name)
{
	struct tp_part *p = &k->part;
	int i, n;

	for (i = 0; i < p->c.n; i++)
		if (!strcmp(p->c.defs[i].name, name))
			break;
	if (i == p->c.n)
		return -ENOENT;
	kvmstat_part_on(k, false);
	part_update(k);
	cpus_keep(&p->c);
	base_of(&k->host.base, name)->value += (uint64_t)(p->est[i] + 0.5);
	n = --p->c.n;
	memmove(&p->c.defs[i], &p->c.defs[i + 1], (size_t)(n - i) * sizeof(*p->c.defs));
	memmove(&p->c.off[i], &p->c.off[i + 1], (size_t)(n - i) * sizeof(*p->c.off));
	memmove(&p->rate[i], &p->rate[i + 1], (size_t)(n - i) * sizeof(*p->rate));
	memmove(&p->est[i], &p->est[i + 1], (size_t)(n - i) * sizeof(*p->est));
	return n ? part_open(k) : 0;
}

int kvmstat_drop(struct kvmstat *k, const char *name)
{
	int i;

	if (!kvmstat_droppable(name))
		return -EPERM;
	if (!part_drop(k, name))
		return 0;
	for (i = 0; i < k->host.n; i++) {
		int j, pos = 0;

		if (strcmp(k->host.defs[i].name, name) || k->host.off[i])
			continue;
		for (j = 0; j < i; j++)
			pos += !k->host.off[j];
		/*
		 * Closing a tracepoint's last counter costs a grace period or two (the kernel
		 * unregisters it): close its own, not every one.
		 */
		if (k->host.perf) {
			struct ctr_set total = { 0 };
			const struct ctr_raw *c;

			/* Its count so far stays: in the base, which it reads from now on. */
			if (!perf_sample(k->host.perf, &k->host.ps)) {
				cpus_total(&k->host, &total);
				c = ctr_set_find(&total, name);
				/* base and counter: its whole count */
				if (c)
					base_of(&k->host.base, name)->value = c->value;
			}
			ctr_set_free(&total);
			if (!perf_drop_event(k->host.perf, pos)) {
				k->host.off[i] = true;
				return 0;
			}
		}
		cpus_keep(&k->host);
		k->host.off[i] = true;
		return cpus_open(&k->host, k->ncpus);
	}
	return -ENOENT;
}

/*
 * Reads the part-time counters and adds to each estimate its rate while counted over the
 * time since the last update: per CPU, over the time the kernel says the CPU's group was
 * enabled (not ours between the ioctls: a window of a millisecond is off by the IPIs to
 * the other CPUs), summed. Before a rate is known, what was counted, as it is.
 */
static void part_update(struct kvmstat *k)
{
	struct tp_part *p = &k->part;
	uint64_t now, dw, en_sum = 0;
	int i, c, ncpu, nen = 0;

	if (!p->c.n)
		return;
	if (p->c.perf && perf_sample(p->c.perf, &p->c.ps))
		p->c.ps.nthreads = 0;
	now = now_ns();
	dw = now - p->wall0;
	ncpu = MIN(p->c.ps.nthreads, k->ncpus);
	for (i = 0; i < p->c.n; i++) {
		double rate = 0, counted = 0;
		bool known = ncpu > 0;

		for (c = 0; c < ncpu; c++) {
			const struct ctr_set *set = &p->c.ps.threads[c].set;
			const struct ctr_raw *r = i < set->n ? &set->v[i] : NULL;
			uint64_t *pc = &p->prev_cnt[c * p->c.n + i], en, d;

			if (!r || r->err || set->v[0].err) {
				known = false;
				continue;
			}
			en = set->v[0].enabled; /* the group's leader: its time enabled */
			d = r->value >= *pc ? r->value - *pc : r->value;
			*pc = r->value;
			counted += (double)d;
			if (en < p->prev_en[c] || en - p->prev_en[c] < 100000ull) {
				known = false;
				continue;
			}
			rate += (double)d * 1e9 / (double)(en - p->prev_en[c]);
		}
		if (known)
			p->rate[i] = rate;
		p->est[i] += p->rate[i] >= 0 ? p->rate[i] * (double)dw / 1e9 : counted;
	}
	for (c = 0; c < ncpu; c++) {
		const struct ctr_set *set = &p->c.ps.threads[c].set;
		uint64_t en = set->n && !set->v[0].err ? set->v[0].enabled : p->prev_en[c];

		if (en > p->prev_en[c]) {
			en_sum += en - p->prev_en[c];
			nen++;
		}
		p->prev_en[c] = en;
	}
	/* Over the time since the update before the window: no window, no new rate. */
	p->span += dw;
	if (nen && en_sum >= 100000ull * (uint64_t)nen) {
		p->scale = (double)p->span * nen / (double)en_sum;
		p->span = 0;
	}
	p->wall0 = now;
}

/* Puts the part-time estimates into the host's set, in place of the counters dropped there. */
static void part_total(const struct kvmstat *k, struct ctr_set *set)
{
	const struct tp_part *p = &k->part;
	int i, j;

	for (i = 0; i < p->c.n; i++)
		for (j = 0; j < set->n; j++) {
			struct ctr_raw *r = &set->v[j];

			if (strcmp(r->name, p->c.defs[i].name))
				continue;
			if (r->err == -ECANCELED && p->c.perf) {
				r->err = 0;
				r->value += (uint64_t)(p->est[i] + 0.5);
				r->scale = p->scale > 1 ? p->scale : 1;
			}
			break;
		}
}

int kvmstat_part_time(struct kvmstat *k, const char *const *names, int count)
{
	struct tp_part *p = &k->part;
	int i, j, n = p->c.n, moved = 0, err;

	/*
	 * The others' estimates up to now, then the group again with the new ones, once: each
	 * close of a tracepoint's last counter costs a grace period. What the group would
	 * have counted while closed is not counted time.
	 */
	kvmstat_part_on(k, false);
	part_update(k);
	for (j = 0; j < count; j++) {
		for (i = 0; i < k->host.n; i++)
			if (!strcmp(k->host.defs[i].name, names[j]))
				break;
		if (i == k->host.n || k->host.off[i] || !kvmstat_droppable(names[j]) ||
		    kvmstat_drop(k, names[j]))
			continue;
		if (!moved++)
			cpus_keep(&p->c);
		p->c.defs = xrealloc(p->c.defs, (size_t)(n + 1) * sizeof(*p->c.defs));
		p->c.off = xrealloc(p->c.off, (size_t)(n + 1) * sizeof(*p->c.off));
		p->rate = xrealloc(p->rate, (size_t)(n + 1) * sizeof(*p->rate));
		p->est = xrealloc(p->est, (size_t)(n + 1) * sizeof(*p->est));
		p->c.defs[n] = k->host.defs[i];
		p->c.defs[n].attr.disabled = 1; /* counting starts at kvmstat_part_on() */
		p->c.off[n] = false;
		p->rate[n] = -1;
		p->est[n] = 0;
		n++;
	}
	if (!moved)
		return 0;
	if (!p->c.n)
		p->wall0 = now_ns();
	p->c.n = n;
	err = part_open(k);
	if (err)
		return err;
	/* Counted until the loop plans the windows: their rate is known by then. */
	err = kvmstat_part_on(k, true);
	return err < 0 ? err : moved;
}

int kvmstat_part_on(struct kvmstat *k, bool on)
{
	struct tp_part *p = &k->part;
	int err;

	if (!p->c.perf)
		return 0;
	if (p->on == on)
		return p->c.n;
	err = perf_enable(p->c.perf, on);
	if (err)
		return err;
	p->on = on;
	return p->c.n;
}

double kvmstat_part_rate(const struct kvmstat *k)
{
	double sum = -1;
	int i;

	for (i = 0; i < k->part.c.n; i++)
		if (k->part.rate[i] >= 0)
			sum = (sum < 0 ? 0 : sum) + k->part.rate[i];
	return sum;
}

int kvmstat_exit_reasons(struct kvmstat *k, const struct kstat_reason *r, int n)
{
	struct perf_event_def *defs, parent;
	int i, m = 0;

	if (!k->host.n)
		return -ENOENT;
	n = MIN(n, KSTAT_REASONS_MAX);
	defs = xcalloc((size_t)n + 1, sizeof(*defs));
	for (i = 0; i < n; i++) {
		struct perf_event_def *d = &defs[m];

		if (perf_tracepoint(k->tdir, "kvm", r[i].event, &parent))
			continue;
		*d = parent;
		snprintf(d->name, sizeof(d->name), "%s(%.*s)", r[i].event,
			 (int)(sizeof(d->name) - strlen(r[i].event) - 3), r[i].name);
		snprintf(d->filter, sizeof(d->filter), "%s == %u", r[i].field, r[i].value);
		m++;
	}
	/* The same children as now: nothing to do (the usual case, every tick). */
	if (m == k->kids.n) {
		for (i = 0; i < m && !strcmp(defs[i].name, k->kids.defs[i].name) &&
			    !strcmp(defs[i].filter, k->kids.defs[i].filter);
		     i++)
			;
		if (i == m) {
			free(defs);
			return 0;
		}
	}
	/* Counts of children kept from before stay in the base by name. */
	cpus_keep(&k->kids);
	free(k->kids.defs);
	free(k->kids.off);
	free(k->kids.in);
	k->kids.in = NULL;
	k->kids.defs = defs;
	k->kids.n = m;
	k->kids.off = xcalloc((size_t)m + 1, sizeof(*k->kids.off));
	return m ? cpus_open(&k->kids, k->ncpus) : 0;
}

/* Adds src's readable counters into dst by name (dst gets missing names). */
static void set_add(struct ctr_set *dst, const struct ctr_set *src)
{
	int i, j;

	for (i = 0; i < src->n; i++) {
		const struct ctr_raw *c = &src->v[i];

		for (j = 0; j < dst->n && strcmp(dst->v[j].name, c->name); j++)
			;
		if (j == dst->n) {
			ctr_set_add(dst, c->name, (enum ctr_kind)c->kind)->err = c->err;
		}
		if (!c->err) {
			dst->v[j].value += c->value;
			dst->v[j].err = 0;
		}
	}
}

/* Adds to dst the counters of src it does not have (the VM in focus: every tracepoint). */
static void set_add_new(struct ctr_set *dst, const struct ctr_set *src)
{
	int i;

	for (i = 0; i < src->n; i++)
		if (!ctr_set_find(dst, src->v[i].name))
			*ctr_set_add(dst, src->v[i].name, (enum ctr_kind)src->v[i].kind) = src->v[i];
}

static struct tp_vm *tp_vm_find(struct kvmstat *k, int pid)
{
	int i;

	for (i = 0; i < k->nvms; i++)
		if (k->vms[i].pid == pid)
			return &k->vms[i];
	return NULL;
}

static void tp_gone(void *arg, int pid, int tid, const struct ctr_set *set)
{
	struct tp_vm *vm = tp_vm_find(arg, pid);

	(void)tid;
	if (vm)
		set_add(&vm->gone, set);
}

/* Returns whether name is one of the per-vCPU tracepoints (counted for every VM). */
static bool vcpu_listed(const struct kvmstat *k, const char *name)
{
	int i;

	for (i = 0; i < k->ndefs; i++)
		if (!strcmp(k->defs[i].name, name))
			return true;
	return false;
}

/* Opens or moves the focus counters: every tracepoint of the host set on the VM's vCPUs. */
static void focus_sync(struct kvmstat *k)
{
	const struct tp_vm *vm = k->focus_pid ? tp_vm_find(k, k->focus_pid) : NULL;
	struct perf_event_def *on;
	int *pids, i, n = 0;

	if (!vm || !k->host.n) {
		perf_close(k->focus);
		k->focus = NULL;
		return;
	}
	if (!k->focus) {
		on = xcalloc((size_t)k->host.n + 1, sizeof(*on));
		for (i = 0; i < k->host.n; i++)
			if (!k->host.off[i] && !vcpu_listed(k, k->host.defs[i].name))
				on[n++] = k->host.defs[i];
		k->focus = n ? perf_open(on, n) : NULL;
		free(on);
		if (!k->focus)
			return;
	}
	pids = xcalloc((size_t)vm->nvcpu + 1, sizeof(*pids));
	for (i = 0; i < vm->nvcpu; i++)
		pids[i] = vm->pid;
	perf_sync(k->focus, pids, vm->vcpu_tid, vm->nvcpu, NULL, NULL);
	free(pids);
}

int kvmstat_focus(struct kvmstat *k, int pid)
{
	if (pid == k->focus_pid)
		return 0;
	perf_close(k->focus);
	k->focus = NULL;
	perf_sample_free(&k->fps);
	k->focus_pid = pid;
	if (!k->perf) /* debugfs has every statistic per VM already */
		k->focus_pid = 0;
	focus_sync(k);
	return k->focus || !pid ? 0 : -ENOENT;
}

bool kvmstat_per_thread(const struct kvmstat *k)
{
	return k->perf != NULL;
}

static struct tp_made *made_find(struct kvmstat *k, int pid)
{
	int i;

	for (i = 0; i < k->nmade; i++)
		if (k->made[i].pid == pid)
			return &k->made[i];
	return NULL;
}

int kvmstat_follow_made(struct kvmstat *k, int pid, const int *tids, int n)
{
	const struct tp_vm *vm = tp_vm_find(k, pid);
	struct tp_made *m;
	struct perf *p;
	int *pids, i;

	/*
	 * Its VMs' vCPUs followed already: a new one is found by the next sample, as ever.
	 * Followed since it made a VM: threads made since carry counters already.
	 */
	if (!k->perf || n < 1 || made_find(k, pid) || (vm && !vm->missing && vm->nvcpu))
		return 0;
	p = perf_open(k->defs, k->ndefs);
	if (!p)
		return -errno;
	perf_set_inherit(p, true);
	pids = xcalloc((size_t)n, sizeof(*pids));
	for (i = 0; i < n; i++)
		pids[i] = pid;
	perf_sync(p, pids, tids, n, NULL, NULL);
	free(pids);
	if (perf_status(p)->state == SOURCE_UNAVAILABLE) {
		perf_close(p);
		return -ENOENT;
	}
	k->made = xgrow(k->made, &k->made_cap, k->nmade + 1, sizeof(*k->made));
	m = &k->made[k->nmade++];
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->perf = p;
	return 0;
}

/* Adds what m's threads, and those they made, have counted into set. */
static void made_add(struct tp_made *m, struct ctr_set *set)
{
	int i;

	if (perf_sample(m->perf, &m->ps))
		return;
	for (i = 0; i < m->ps.nthreads; i++)
		set_add(set, &m->ps.threads[i].set);
}

/*
 * Hands each process that made a VM over to its vCPUs' own counters once the VM shows with
 * them, or stops following it once the VM is gone or after KSTAT_MADE_SYNCS syncs without
 * its vCPUs (counting every thread of a VMM costs each at every switch); either way, its
 * counts so far become the VM's, as a gone thread's, where the VM has shown.
 */
static void made_sync(struct kvmstat *k)
{
	int i, w;

	for (i = w = 0; i < k->nmade; i++) {
		struct tp_made *m = &k->made[i];
		struct tp_vm *vm = tp_vm_find(k, m->pid);

		if (!(vm && (vm->missing || vm->nvcpu)) && ++m->syncs < KSTAT_MADE_SYNCS) {
			k->made[w++] = *m;
			continue;
		}
		if (vm)
			made_add(m, &vm->gone);
		made_free(m);
	}
	k->nmade = w;
}

int kvmstat_sync(struct kvmstat *k, const struct procfs_sample *ps)
{
	int *pids, *tids, n = 0, v, t, w, err;

	if (!k->perf)
		return 0;
	for (v = 0; v < k->nvms; v++) {
		k->vms[v].missing++;
		k->vms[v].nvcpu = 0;
		k->vms[v].fresh = false;
	}
	for (v = 0; v < ps->nvms; v++) {
		struct tp_vm *vm = tp_vm_find(k, ps->vms[v].pid);

		if (!vm) {
			k->vms = xgrow(k->vms, &k->vms_cap, k->nvms + 1, sizeof(*k->vms));
			vm = &k->vms[k->nvms++];
			memset(vm, 0, sizeof(*vm));
			vm->pid = ps->vms[v].pid;
			vm->fresh = true;
		}
		vm->missing = 0;
		for (t = 0; t < ps->vms[v].nthreads; t++) {
			const struct proc_thread *pt = &ps->vms[v].threads[t];

			if (pt->kind != PROC_VCPU || pt->index < 0)
				continue;
			n++;
			vm->vcpu_tid =
				xgrow(vm->vcpu_tid, &vm->vcpu_cap, vm->nvcpu + 1, sizeof(int));
			vm->vcpu_idx = xrealloc(vm->vcpu_idx, (size_t)vm->vcpu_cap * sizeof(int));
			vm->vcpu_tid[vm->nvcpu] = pt->tid;
			vm->vcpu_idx[vm->nvcpu++] = pt->index;
		}
	}
	/* Read before the vCPUs' own counters start: the two count no hit twice. */
	made_sync(k);
	/* vCPU threads only: an iothread's or worker's counter would cost it at every switch. */
	pids = xcalloc((size_t)n + 1, sizeof(int));
	tids = xcalloc((size_t)n + 1, sizeof(int));
	n = 0;
	for (v = 0; v < k->nvms; v++)
		for (t = 0; !k->vms[v].missing && t < k->vms[v].nvcpu; t++) {
			pids[n] = k->vms[v].pid;
			tids[n++] = k->vms[v].vcpu_tid[t];
		}
	err = perf_sync(k->perf, pids, tids, n, tp_gone, k);
	free(pids);
	free(tids);
	focus_sync(k);
	/* A VM gone for a second sample has been reported gone once: fold it into the host. */
	for (v = w = 0; v < k->nvms; v++) {
		if (k->vms[v].missing < 2) {
			k->vms[w++] = k->vms[v];
			continue;
		}
		ctr_set_free(&k->vms[v].gone);
		free(k->vms[v].vcpu_tid);
		free(k->vms[v].vcpu_idx);
	}
	k->nvms = w;
	if (!err && perf_status(k->perf)->state == SOURCE_UNAVAILABLE)
		source_set(&k->st, SOURCE_UNAVAILABLE, "debugfs: %s; tracepoints: %s",
			   k->debugfs_why, perf_status(k->perf)->why);
	return err;
}

/* Returns an empty set holding every per-vCPU tracepoint counter at 0, so names line up. */
static void tp_zero(const struct kvmstat *k, struct ctr_set *s)
{
	int i;

	s->n = 0;
	for (i = 0; i < k->ndefs; i++)
		ctr_set_add(s, k->defs[i].name, CTR_COUNT);
}

/* The focus counters of thread tid, or NULL. */
static const struct ctr_set *focus_set(const struct kvmstat *k, int tid)
{
	int i;

	for (i = 0; k->focus && i < k->fps.nthreads; i++)
		if (k->fps.threads[i].tid == tid)
			return &k->fps.threads[i].set;
	return NULL;
}

static int tp_sample(struct kvmstat *k, struct kvmstat_sample *s)
{
	int v, i, c, err;

	err = perf_sample(k->perf, &k->ps);
	if (err)
		return err;
	if (k->focus && perf_sample(k->focus, &k->fps))
		k->fps.nthreads = 0;
	s->ts_ns = k->ps.ts_ns;
	s->vms = xcalloc((size_t)k->nvms + (size_t)k->nmade + 1, sizeof(*s->vms));
	s->vms_cap = k->nvms + k->nmade + 1;
	/*
	 * A process that made a VM whose vCPUs are not followed yet: what its threads counted
	 * so far, from zero (fresh) for as long as no sync has shown the VM.
	 */
	for (v = 0; v < k->nmade; v++) {
		struct kstat_vm *vm;

		if (tp_vm_find(k, k->made[v].pid))
			continue;
		vm = &s->vms[s->nvms++];
		vm->pid = k->made[v].pid;
		vm->fd = -1;
		vm->fresh = true;
		tp_zero(k, &vm->set);
		made_add(&k->made[v], &vm->set);
		vm->set.ts_ns = s->ts_ns;
	}
	for (v = 0; v < k->nvms; v++) {
		const struct tp_vm *tv = &k->vms[v];
		struct kstat_vm *vm = &s->vms[s->nvms++];
		bool focus = k->focus && tv->pid == k->focus_pid;
		struct tp_made *made = made_find(k, tv->pid);

		vm->pid = tv->pid;
		vm->fd = -1;
		vm->gone = tv->missing > 0;
		vm->focus = focus;
		vm->fresh = tv->fresh;
		tp_zero(k, &vm->set);
		set_add(&vm->set, &tv->gone);
		if (made)
			made_add(made, &vm->set);
		for (i = 0; i < k->ps.nthreads; i++) {
			const struct perf_thread_sample *ts = &k->ps.threads[i];
			const struct ctr_set *fs = focus ? focus_set(k, ts->tid) : NULL;

			if (ts->pid != tv->pid)
				continue;
			set_add(&vm->set, &ts->set);
			if (fs)
				set_add(&vm->set, fs);
			for (c = 0; c < tv->nvcpu; c++) {
				struct kstat_vcpu *vc;

				if (tv->vcpu_tid[c] != ts->tid)
					continue;
				vm->vcpus = xgrow(vm->vcpus, &vm->vcpus_cap, vm->nvcpus + 1,
						  sizeof(*vm->vcpus));
				vc = &vm->vcpus[vm->nvcpus++];
				memset(vc, 0, sizeof(*vc));
				vc->index = tv->vcpu_idx[c];
				vc->fresh = ts->fresh;
				ctr_set_copy(&vc->set, &ts->set);
				if (fs)
					set_add_new(&vc->set, fs);
				vc->set.ts_ns = s->ts_ns;
			}
		}
		vm->set.ts_ns = s->ts_ns;
	}
	return 0;
}

/* Reads the host's per-CPU tracepoint counters and exit reasons into s->tp_host. */
static void host_sample(struct kvmstat *k, struct kvmstat_sample *s)
{
	if (!k->host.n)
		return;
	if (k->host.perf && perf_sample(k->host.perf, &k->host.ps))
		k->host.ps.nthreads = 0;
	if (k->kids.perf && perf_sample(k->kids.perf, &k->kids.ps))
		k->kids.ps.nthreads = 0;
	part_update(k);
	cpus_total(&k->host, &s->tp_host);
	part_total(k, &s->tp_host);
	cpus_total(&k->kids, &s->tp_host);
	s->tp_host.ts_ns = k->host.ps.ts_ns ? k->host.ps.ts_ns : now_ns();
}

int kvmstat_sample(struct kvmstat *k, struct kvmstat_sample *s)
{
	int err;

	kvmstat_sample_free(s);
	host_sample(k, s);
	if (k->perf) {
		s->source = "tracepoint";
		return tp_sample(k, s);
	}
	if (!k->root[0])
		return 0;
	s->source = "debugfs";
	s->ts_ns = now_ns();
	err = read_dir(k, k->root, &s->host, &s->scan_errors, vm_dir, s);
	if (err) {
		source_set(&k->st, SOURCE_UNAVAILABLE, "debugfs: %s", debugfs_words(err));
		return err;
	}
	s->host.ts_ns = s->ts_ns;
	/* VMs come and go under debugfs; say so rather than drop files silently. */
	if (s->scan_errors)
		source_set(&k->st, SOURCE_OK, "%d file%s vanished or unreadable in the last scan",
			   s->scan_errors, s->scan_errors > 1 ? "s" : "");
	else
		source_set(&k->st, SOURCE_OK, NULL);
	return 0;
}
