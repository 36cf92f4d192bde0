// SPDX-License-Identifier: GPL-2.0
/*
 * kvmstat probe. debugfs first: every file under <debugfs>/kvm is one statistic, a
 * <pid>-<fd> directory is a VM and its vcpuN directories its vCPUs. Files come and go with
 * VMs, so a file that vanishes between the listing and the read is skipped and counted,
 * and one that holds no number is kept with an error rather than a made-up value.
 *
 * Under kernel lockdown debugfs reads fail with EPERM (the directory may even list); then
 * the KVM tracepoints that exist are counted with perf_event_open on each thread of each
 * VM (events fire in the context of the thread that caused them), summed per VM and for
 * the host. Counts of threads and VMs that have gone are kept, so sums never go down.
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

/* The tracepoints counted when debugfs cannot be read; those the kernel lacks are skipped. */
static const char *const tp_names[] = {
	"kvm_exit",	   "kvm_entry",		 "kvm_pio",	    "kvm_mmio",
	"kvm_msr",	   "kvm_userspace_exit", "kvm_vcpu_wakeup", "kvm_set_irq",
	"kvm_msi_set_irq", "kvm_apic",		 "kvm_eoi",	    "kvm_fpu",
};

/* A VM followed by tracepoint counters; owned by the probe. */
struct tp_vm {
	int pid;
	int missing;		  /* samples since the process was last seen */
	struct ctr_set gone;	  /* final counts of its threads that have exited */
	int *vcpu_tid, *vcpu_idx; /* live vCPU threads and their indexes */
	int nvcpu, vcpu_cap;
};

/* Owned by whoever called kvmstat_open(). */
struct kvmstat {
	char root[PATH_MAX]; /* the kvm directory, "" when debugfs is not used */
	struct perf *perf;   /* tracepoint counters, NULL when debugfs is used */
	struct perf_event_def defs[PERF_EVENTS_MAX];
	int ndefs;
	struct perf_sample ps;
	struct tp_vm *vms;
	int nvms, vms_cap;
	struct ctr_set host_gone; /* final counts of VMs that have gone */
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
static bool listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/*
 * Returns 0 after choosing the tracepoints that exist and are not counted elsewhere, or
 * -ENOENT when none does.
 */
static int tp_setup(struct kvmstat *k, const char *mounts, const char *const *counted)
{
	char tdir[PATH_MAX], path[PATH_MAX + 64], buf[32];
	size_t i;
	int fd;
	ssize_t r;

	if (!kvmstat_find_mount(mounts, "tracefs", tdir, sizeof(tdir)))
		snprintf(tdir, sizeof(tdir), "/sys/kernel/tracing");
	for (i = 0; i < ARRAY_SIZE(tp_names) && k->ndefs < PERF_EVENTS_MAX; i++) {
		struct perf_event_def *d = &k->defs[k->ndefs];

		if (listed(counted, tp_names[i]))
			continue;
		snprintf(path, sizeof(path), "%s/events/kvm/%s/id", tdir, tp_names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		memset(d, 0, sizeof(*d));
		strlcpy0(d->name, tp_names[i], sizeof(d->name));
		d->attr.type = PERF_TYPE_TRACEPOINT;
		d->attr.config = strtoull(buf, NULL, 10);
		/*
		 * Counting, not sampling: a period of 1 sends every hit through the overflow
		 * path, about six times the cost in the guest's exit (kvm_stat does so).
		 */
		d->attr.sample_period = 0;
		d->kind = CTR_COUNT;
		k->ndefs++;
	}
	if (!k->ndefs)
		return counted ? tp_setup(k, mounts, NULL) : -ENOENT;
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
			     const char *const *counted)
{
	struct kvmstat *k = xcalloc(1, sizeof(*k));
	char mnt[PATH_MAX];
	int err;

	k->st.name = "kvmstat";
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
	err = tp_setup(k, mounts, counted);
	if (err)
		source_set(&k->st, SOURCE_UNAVAILABLE, "debugfs: %s; no KVM tracepoints",
			   k->debugfs_why);
	else
		source_set(&k->st, SOURCE_DEGRADED, "tracepoint counters (debugfs: %s)",
			   k->debugfs_why);
	return k;
}

void kvmstat_close(struct kvmstat *k)
{
	int i;

	if (!k)
		return;
	perf_close(k->perf);
	perf_sample_free(&k->ps);
	for (i = 0; i < k->nvms; i++) {
		ctr_set_free(&k->vms[i].gone);
		free(k->vms[i].vcpu_tid);
		free(k->vms[i].vcpu_idx);
	}
	free(k->vms);
	ctr_set_free(&k->host_gone);
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

int kvmstat_sync(struct kvmstat *k, const struct procfs_sample *ps)
{
	int *pids, *tids, n = 0, v, t, w, err;

	if (!k->perf)
		return 0;
	for (v = 0; v < k->nvms; v++) {
		k->vms[v].missing++;
		k->vms[v].nvcpu = 0;
	}
	for (v = 0; v < ps->nvms; v++) {
		struct tp_vm *vm = tp_vm_find(k, ps->vms[v].pid);

		if (!vm) {
			k->vms = xgrow(k->vms, &k->vms_cap, k->nvms + 1, sizeof(*k->vms));
			vm = &k->vms[k->nvms++];
			memset(vm, 0, sizeof(*vm));
			vm->pid = ps->vms[v].pid;
		}
		vm->missing = 0;
		n += ps->vms[v].nthreads;
		for (t = 0; t < ps->vms[v].nthreads; t++) {
			const struct proc_thread *pt = &ps->vms[v].threads[t];

			if (pt->kind != PROC_VCPU || pt->index < 0)
				continue;
			vm->vcpu_tid =
				xgrow(vm->vcpu_tid, &vm->vcpu_cap, vm->nvcpu + 1, sizeof(int));
			vm->vcpu_idx = xrealloc(vm->vcpu_idx, (size_t)vm->vcpu_cap * sizeof(int));
			vm->vcpu_tid[vm->nvcpu] = pt->tid;
			vm->vcpu_idx[vm->nvcpu++] = pt->index;
		}
	}
	pids = xcalloc((size_t)n + 1, sizeof(int));
	tids = xcalloc((size_t)n + 1, sizeof(int));
	n = 0;
	for (v = 0; v < ps->nvms; v++)
		for (t = 0; t < ps->vms[v].nthreads; t++) {
			pids[n] = ps->vms[v].pid;
			tids[n++] = ps->vms[v].threads[t].tid;
		}
	err = perf_sync(k->perf, pids, tids, n, tp_gone, k);
	free(pids);
	free(tids);
	/* A VM gone for a second sample has been reported gone once: fold it into the host. */
	for (v = w = 0; v < k->nvms; v++) {
		if (k->vms[v].missing < 2) {
			k->vms[w++] = k->vms[v];
			continue;
		}
		set_add(&k->host_gone, &k->vms[v].gone);
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

/* Returns an empty set holding every tracepoint counter at 0, so names line up. */
static void tp_zero(const struct kvmstat *k, struct ctr_set *s)
{
	int i;

	s->n = 0;
	for (i = 0; i < k->ndefs; i++)
		ctr_set_add(s, k->defs[i].name, CTR_COUNT);
}

static int tp_sample(struct kvmstat *k, struct kvmstat_sample *s)
{
	int v, i, c, err;

	err = perf_sample(k->perf, &k->ps);
	if (err)
		return err;
	s->ts_ns = k->ps.ts_ns;
	tp_zero(k, &s->host);
	set_add(&s->host, &k->host_gone);
	s->vms = xcalloc((size_t)k->nvms + 1, sizeof(*s->vms));
	s->vms_cap = k->nvms + 1;
	for (v = 0; v < k->nvms; v++) {
		const struct tp_vm *tv = &k->vms[v];
		struct kstat_vm *vm = &s->vms[s->nvms++];

		vm->pid = tv->pid;
		vm->fd = -1;
		vm->gone = tv->missing > 0;
		tp_zero(k, &vm->set);
		set_add(&vm->set, &tv->gone);
		for (i = 0; i < k->ps.nthreads; i++) {
			const struct perf_thread_sample *ts = &k->ps.threads[i];

			if (ts->pid != tv->pid)
				continue;
			set_add(&vm->set, &ts->set);
			for (c = 0; c < tv->nvcpu; c++) {
				struct kstat_vcpu *vc;

				if (tv->vcpu_tid[c] != ts->tid)
					continue;
				vm->vcpus = xgrow(vm->vcpus, &vm->vcpus_cap, vm->nvcpus + 1,
						  sizeof(*vm->vcpus));
				vc = &vm->vcpus[vm->nvcpus++];
				memset(vc, 0, sizeof(*vc));
				vc->index = tv->vcpu_idx[c];
				ctr_set_copy(&vc->set, &ts->set);
				vc->set.ts_ns = s->ts_ns;
			}
		}
		vm->set.ts_ns = s->ts_ns;
		set_add(&s->host, &vm->set);
	}
	s->host.ts_ns = s->ts_ns;
	return 0;
}

int kvmstat_sample(struct kvmstat *k, struct kvmstat_sample *s)
{
	int err;

	kvmstat_sample_free(s);
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
