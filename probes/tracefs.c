// SPDX-License-Identifier: GPL-2.0
/*
 * The tracefs probe. It owns one private instance, kvmscope-<pid> (kvmscope-<pid>-N when a
 * live process holds that name, e.g. a kvmscope with our pid in another pid namespace):
 * sized, clocked and enabled before tracing starts, read per CPU from trace_pipe_raw without
 * blocking, and removed on every way out (trace_close, trace_emergency_cleanup, or the next
 * start after a kill -9). The top-level buffer and other tools' instances are never written.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include <event-parse.h>
#include <event-utils.h>
#include <tracefs/tracefs.h> /* not probes/tracefs.h */

#include "kvmdecode.h"
#include "tracefs.h"
#include "util.h"

/*
 * Per-CPU ring buffer unless asked otherwise. The worst storm measured here, an in-kernel
 * PIT read loop, writes ~870k kvm_pio/s, 32 bytes each: ~28 MB/s on one CPU. The fds wake
 * the loop at TRACE_WAKE_PERCENT full (2 MiB, ~70 ms of that storm), which leaves 6 MiB,
 * ~200 ms, for the loop to come round while it draws or scans /proc before anything is
 * overwritten (measured: no loss with the loop stalled 150 ms after every drain; 4 MiB
 * lost events at that stall). Without wakeups a 1 s tick alone would need ~28 MiB. Waking
 * at 50% halves the wakeups (pit storm: 5-9/s to 3-4/s) but saves no CPU that shows, and
 * leaves 4 MiB of margin, not 6: with the loop stalled 300 ms after every drain at ~430k
 * events/s, 50% lost events where 25% lost none.
 */
#define TRACE_DEFAULT_KB   8192
#define TRACE_MIN_KB	   512		 /* when RAM is small, never below this */
#define TRACE_RAM_SHARE	   32		 /* the default stays under 1/32 of RAM in total */
#define TRACE_WAKE_PERCENT 25		 /* buffer_percent: fds readable at this fill */
/*
 * While every event is recorded under a budget (trace_wake_early), the fds wake the loop
 * after about this much per CPU instead: the onset of a storm is seen within ~5 ms of it
 * (128 KiB: ~4k events), not after ~70 ms of recording it in full (2 MiB).
 */
#define TRACE_WAKE_EARLY_KB 128
#define STATS_EVERY_NS	   250000000ull	 /* re-read the overrun counters at most this often */
#define STALE_SLACK_NS	   2000000000ull /* clock error allowed when judging pid reuse */
#define NAME_TRIES	   8		 /* kvmscope-PID, then kvmscope-PID-2 ... when taken */

#define DEFAULT_TRACEFS "/sys/kernel/tracing"

/* One CPU's reader. Owned by its struct trace. */
struct trace_cpu {
	struct kvmdecode_stream s; /* first: the refill callback gets &s */
	struct trace *t;
	struct tracefs_cpu *tcpu; /* reads fd; does not own it */
	int cpu;
	int fd;		     /* per_cpu/cpuN/trace_pipe_raw, nonblocking */
	int stats_fd;	     /* per_cpu/cpuN/stats, or -1 */
	unsigned int budget; /* sub-buffers this drain may still read */
	uint64_t stats_lost; /* overrun + commit overrun + dropped events, last read */
	void *page;	     /* one sub-buffer */
};

/* Owned by whoever called trace_open(); trace_close() frees it and everything in it. */
struct trace {
	struct tracefs_instance *inst;
	bool created; /* inst is ours to remove */
	bool mounted; /* we mounted tracefs at DEFAULT_TRACEFS */
	struct tep_handle *tep;
	struct kvmdecode dec;
	struct exit_names names;
	struct trace_cpu *cpus;
	int ncpus;
	struct kvmdecode_stream **streams; /* scratch for the merge */
	int subbuf_size;
	unsigned int buffer_kb;
	unsigned int budget; /* sub-buffers per CPU per drain: the ring's size and a bit */
	unsigned int types;  /* KVMDECODE_BIT() of the event types enabled */
	bool run_on;	     /* KE_KVM_RUN is enabled (trace_set_vcpus) */
	uint64_t page_lost;  /* events the sub-buffer headers said were lost */
	uint64_t lost;	     /* the running total trace_lost() reports */
	uint64_t stats_ns;   /* when the stats were last read */
	bool stats_due;
	char dir[PATH_MAX]; /* the instance directory, for the allocation-free cleanup */
	char taken[64];	    /* the name we wanted when another held it, else "" */
	bool bursts;	    /* events recorded in bursts (trace_burst) */
	bool soft;	    /* ... switched by triggers (soft mode) */
	bool burst_on;	    /* recording now */
	int marker;	    /* trace_marker, soft mode; -1 */
	unsigned int soft_types; /* the KVMDECODE_BIT()s with triggers in place */
	int wake_percent;	 /* buffer_percent written last; 0 before */
	unsigned int hot_types;	 /* switched by their enable files in soft mode (trace_set_hot) */
	unsigned int hot_want;	 /* ... from the end of the burst going on */
};

/* The open traces (the main one and a focus one), for trace_emergency_cleanup(). */
#define LIVE_MAX 2
static struct trace *live_trace[LIVE_MAX];

/*
 * Library messages: libtraceevent and libtracefs print warnings through tep_vprint() and
 * tracefs_warning(), which they let applications replace. Ours keep the last one for the
 * source status instead of letting it reach the terminal under the screen.
 */
static char lib_msg[SOURCE_WHY_MAX];

int tep_vprint(const char *name, enum tep_loglevel level, bool print_err, const char *fmt,
	       va_list ap)
{
	int saved = errno;

	(void)name;
	(void)level;
	(void)print_err;
	vsnprintf(lib_msg, sizeof(lib_msg), fmt, ap);
	return saved;
}

void tracefs_warning(const char *fmt, ...);
void tracefs_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tep_vprint("libtracefs", TEP_LOG_WARNING, true, fmt, ap);
	va_end(ap);
}

/* The kvm_event types of each group (TRACE_* bit i is entry i). */
static const unsigned int group_types[] = {
	KVMDECODE_BIT(KE_EXIT) | KVMDECODE_BIT(KE_ENTRY),
	KVMDECODE_BIT(KE_PIO) | KVMDECODE_BIT(KE_MMIO) | KVMDECODE_BIT(KE_FAST_MMIO) |
		KVMDECODE_BIT(KE_MSR),
	KVMDECODE_BIT(KE_USER_EXIT),
	KVMDECODE_BIT(KE_VCPU_WAKEUP),
	KVMDECODE_BIT(KE_SET_IRQ) | KVMDECODE_BIT(KE_MSI_SET_IRQ),
	KVMDECODE_BIT(KE_APIC),
	KVMDECODE_BIT(KE_SCHED_WAKING) | KVMDECODE_BIT(KE_SCHED_SWITCH),
	KVMDECODE_BIT(KE_EMULATE),
	KVMDECODE_BIT(KE_KVM_RUN),
};

/* Returns the event types of groups. */
static unsigned int types_of(unsigned int groups)
{
	unsigned int i, types = 0;

	for (i = 0; i < sizeof(group_types) / sizeof(group_types[0]); i++)
		if (groups & (1u << i))
			types |= group_types[i];
	return types;
}

/* Writes the names of the types in mask to buf, comma-separated. */
static void type_list(char *buf, size_t size, unsigned int mask)
{
	unsigned int type;
	size_t n = 0;

	buf[0] = '\0';
	for (type = KE_NONE + 1; type < KE__COUNT && n < size; type++)
		if (mask & KVMDECODE_BIT(type))
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
					      kvmdecode_event_name(type, NULL));
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Returns when process pid started, in CLOCK_REALTIME ns, or 0 when unknown. */
static uint64_t process_start_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || hz <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* After ')' comes " S ...": the k-th space starts field 2 + k; starttime is 22. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	/* starttime counts from boot on CLOCK_BOOTTIME. */
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME) +
	       ticks * (1000000000ull / (unsigned long long)hz);
}

/*
 * Returns whether the instance at path, named after pid, was left by a kvmscope that is
 * gone: pid is dead, or the process now holding pid started after the instance was made
 * (pid reused). A process that may be its maker is never judged stale: besides, the
 * kernel refuses to remove an instance whose files are open.
 */
static bool instance_stale(const char *path, pid_t pid)
{
	uint64_t made, started;
	struct stat st;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	if (stat(path, &st))
		return false;
	made = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
	started = process_start_ns(pid);
	return started && started > made + STALE_SLACK_NS;
}

/* Removes every trigger of one event (events/SYS/EVENT/trigger) of the instance at dir. */
static void clear_triggers(const char *dir, const char *event)
{
	char path[PATH_MAX], line[512];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/events/%s/trigger", dir, event);
	f = fopen(path, "re");
	if (!f)
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	while (fd >= 0 && fgets(line, sizeof(line), f)) {
		char neg[sizeof(line) + 1];
		int n;

		if (line[0] == '#')
			continue;
		n = snprintf(neg, sizeof(neg), "!%s", line);
		if (n > 0 && write(fd, neg, (size_t)n) < 0)
			break;
	}
	if (fd >= 0)
		close(fd);
	fclose(f);
}

struct stale_walk {
	const char *prefix;
	const char *instances; /* the instances directory */
};

static int remove_stale_one(const char *name, void *arg)
{
	const struct stale_walk *w = arg;
	size_t len = strlen(w->prefix);
	char path[PATH_MAX], *end;
	long pid;

	if (strncmp(name, w->prefix, len) || name[len] != '-' || !name[len + 1])
		return 0;
	if (name[len + 1] < '0' || name[len + 1] > '9')
		return 0;
	errno = 0;
	pid = strtol(name + len + 1, &end, 10);
	if (errno || pid <= 0 || pid > INT_MAX)
		return 0;
	/* prefix-PID-N: the name a kvmscope took when prefix-PID was another's. */
	if (*end == '-' && end[1] >= '0' && end[1] <= '9')
		strtol(end + 1, &end, 10);
	/* prefix-PID-focus: the second instance, full detail for the VM in focus. */
	if (!strcmp(end, "-focus"))
		end += 6;
	if (*end)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", w->instances, name);
	/*
	 * Even one named after our own pid is judged, not taken for ours: a kvmscope in
	 * another pid namespace may have the same pid, and its instance is not ours to remove.
	 * Older kernels keep an instance whose events carry triggers: they go first.
	 */
	if (instance_stale(path, (pid_t)pid) && rmdir(path) && errno == EBUSY) {
		clear_triggers(path, "ftrace/print");
		clear_triggers(path, "signal/signal_generate");
		rmdir(path);
	}
	return 0;
}

/* Removes instances prefix-PID left behind by kvmscope processes that are gone. */
static void remove_stale(const char *tracing_dir, const char *prefix)
{
	char instances[PATH_MAX];
	struct stale_walk w = { .prefix = prefix, .instances = instances };

	snprintf(instances, sizeof(instances), "%s/instances", tracing_dir);
	tracefs_instances_walk(remove_stale_one, &w);
}

/* Returns 0 after writing str to an instance file, or -errno. */
static int inst_write(struct trace *t, const char *file, const char *str)
{
	errno = 0;
	if (tracefs_instance_file_write(t->inst, file, str) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

/* Returns the default per-CPU size: TRACE_DEFAULT_KB, less on hosts short of memory. */
static unsigned int default_buffer_kb(int ncpus)
{
	unsigned long long cap_kb;
	struct sysinfo si;

	if (sysinfo(&si) || ncpus <= 0)
		return TRACE_DEFAULT_KB;
	cap_kb = (unsigned long long)si.totalram * si.mem_unit / 1024 / TRACE_RAM_SHARE /
		 (unsigned long long)ncpus;
	if (cap_kb >= TRACE_DEFAULT_KB)
		return TRACE_DEFAULT_KB;
	return cap_kb > TRACE_MIN_KB ? (unsigned int)cap_kb : TRACE_MIN_KB;
}

/* Returns the sum of the loss counters in one CPU's stats text. */
static uint64_t parse_stats(const char *text)
{
	static const char *const keys[] = { "\noverrun:", "\ncommit overrun:",
					    "\ndropped events:" };
	uint64_t sum = 0;
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		p = strstr(text, keys[i]);
		if (p)
			sum += strtoull(p + strlen(keys[i]), NULL, 10);
	}
	return sum;
}

/* Re-reads every CPU's loss counters and updates the running total. */
static void read_stats(struct trace *t)
{
	uint64_t sum = 0;
	char buf[1024];
	ssize_t n;
	int i;

	for (i = 0; i < t->ncpus; i++) {
		struct trace_cpu *c = &t->cpus[i];

		if (c->stats_fd >= 0) {
			/* The kernel writes the text afresh for every read at offset 0. */
			buf[0] = '\n';
			n = pread(c->stats_fd, buf + 1, sizeof(buf) - 2, 0);
			if (n > 0) {
				buf[n + 1] = '\0';
				c->stats_lost = parse_stats(buf);
			}
		}
		sum += c->stats_lost;
	}
	/* Both count the same overruns; the counters also see what no reader met yet. */
	t->lost = sum > t->page_lost ? sum : t->page_lost;
	t->stats_ns = clock_ns(CLOCK_MONOTONIC);
	t->stats_due = false;
}

/* Returns 0 after opening one CPU's reader, -ENOENT when the CPU has none, or -errno. */
static int open_cpu(struct trace *t, struct trace_cpu *c, int cpu)
{
	char path[64];

	c->t = t;
	c->cpu = cpu;
	c->fd = c->stats_fd = -1;
	snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", cpu);
	c->fd = tracefs_instance_file_open(t->inst, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0)
		return errno ? -errno : -ENOENT;
	snprintf(path, sizeof(path), "per_cpu/cpu%d/stats", cpu);
	c->stats_fd = tracefs_instance_file_open(t->inst, path, O_RDONLY | O_CLOEXEC);
	/* Our own fd: libtracefs 1.6 has no getter for the fd of a tracefs_cpu. */
	c->tcpu = tracefs_cpu_alloc_fd(c->fd, t->subbuf_size, true);
	c->page = xmalloc((size_t)t->subbuf_size);
	/* The library's allocation fails softly: tracing is then unavailable, not fatal. */
	if (!c->tcpu)
		return -ENOMEM;
	return kvmdecode_stream_init(&c->s, t->tep, (unsigned int)t->subbuf_size, (uint32_t)cpu);
}

static void close_cpu(struct trace_cpu *c)
{
	if (c->tcpu)
		tracefs_cpu_free_fd(c->tcpu);
	if (c->fd >= 0)
		close(c->fd);
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	free(c->page);
}

/* Returns 0 after opening a reader for every CPU the instance has, or -errno. */
static int open_cpus(struct trace *t)
{
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	int cpu, err, n = conf > 0 ? (int)conf : 1;

	t->cpus = xcalloc((size_t)n, sizeof(*t->cpus));
	t->streams = xcalloc((size_t)n, sizeof(*t->streams));
	for (cpu = 0; cpu < n; cpu++) {
		err = open_cpu(t, &t->cpus[t->ncpus], cpu);
		if (err == -ENOENT) {
			close_cpu(&t->cpus[t->ncpus]);
			memset(&t->cpus[t->ncpus], 0, sizeof(t->cpus[0]));
			continue;
		}
		t->ncpus++;
		if (err)
			return err;
	}
	return t->ncpus ? 0 : -ENOENT;
}

/* Returns whether tracefs is mounted at DEFAULT_TRACEFS. */
static bool tracefs_at_default(void)
{
	struct statfs sfs;

	return !statfs(DEFAULT_TRACEFS, &sfs) && sfs.f_type == TRACEFS_MAGIC;
}

/* Returns 0 after finding (or mounting) tracefs; sets why otherwise. */
static int find_tracefs(struct trace *t, const char **dir, struct source_status *st)
{
	bool was = tracefs_at_default();

	/*
	 * tracefs_tracing_dir() mounts tracefs when it finds none and keeps the path for
	 * good (tracefs_tracing_dir_is_mounted() would leak a copy per call in 1.6).
	 */
	errno = 0;
	*dir = tracefs_tracing_dir();
	if (!*dir) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot mount tracefs at %s: %s",
			   DEFAULT_TRACEFS, strerror(errno ? errno : ENODEV));
		return -ENODEV;
	}
	t->mounted = !was && !strcmp(*dir, DEFAULT_TRACEFS) && tracefs_at_default();
	return 0;
}

/*
 * Returns 0 after creating our instance, fresh, and noting its directory. A name that
 * survived remove_stale() belongs to a live process (one in another pid namespace has the
 * same pid, or its files are open): it is neither reused nor removed, and the next name,
 * prefix-PID-2 and on, is tried; t->taken says so.
 */
static int create_instance(struct trace *t, const char *prefix, const char *suffix)
{
	char name[64], *dir;
	int i, slot;

	for (slot = 0; slot < LIVE_MAX && live_trace[slot]; slot++)
		;
	if (slot == LIVE_MAX)
		return -EBUSY;
	for (i = 1; i <= NAME_TRIES; i++) {
		if (suffix)
			snprintf(name, sizeof(name), "%s-%d-%s", prefix, (int)getpid(), suffix);
		else if (i == 1)
			snprintf(name, sizeof(name), "%s-%d", prefix, (int)getpid());
		else
			snprintf(name, sizeof(name), "%s-%d-%d", prefix, (int)getpid(), i);
		errno = 0;
		t->inst = tracefs_instance_create(name);
		if (!t->inst)
			return errno ? -errno : -EIO;
		if (tracefs_instance_is_new(t->inst))
			break;
		tracefs_instance_free(t->inst);
		t->inst = NULL;
		if (i == 1)
			snprintf(t->taken, sizeof(t->taken), "%s", name);
	}
	if (!t->inst)
		return -EEXIST;
	t->created = true;
	dir = tracefs_instance_get_dir(t->inst);
	if (!dir)
		return -ENOMEM;
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	tracefs_put_tracing_file(dir);
	live_trace[slot] = t;
	return 0;
}

/* Returns the sub-buffer size of the instance's ring buffer. */
static int subbuf_size(struct trace *t)
{
	long long kb;

	/* Kernels from 6.8 let it differ from the page size header_page describes. */
	if (!tracefs_instance_file_read_number(t->inst, "buffer_subbuf_size_kb", &kb) && kb > 0 &&
	    kb <= 1024)
		return (int)(kb * 1024);
	return tep_get_sub_buffer_size(t->tep);
}

/* The trigger lines of soft mode for one event: enable on our marker, disable on our signal. */
static void soft_lines(const struct trace *t, unsigned int type, char *on, char *off, size_t n)
{
	const char *sys, *name = kvmdecode_event_name(type, &sys);

	snprintf(on, n, "enable_event:%s:%s if buf ~ \"kvmscope-on*\"\n", sys, name);
	snprintf(off, n, "disable_event:%s:%s if sig == %d && common_pid == %d\n", sys, name,
		 TRACE_SOFT_SIG, (int)getpid());
	(void)t;
}

/*
 * Soft mode, where the kernel has event triggers: each event is registered once, soft-
 * disabled; a trace_marker write of "kvmscope-on" enables them all (a trigger on
 * ftrace/print), a TRACE_SOFT_SIG we send ourselves disables them (a trigger on
 * signal_generate, which fires for an ignored signal too). The tracepoints stay registered:
 * no code patching per burst, and an off event costs the guest next to nothing.
 */
static void soft_setup(struct trace *t)
{
	if (!tracefs_event_file_exists(t->inst, "ftrace", "print", "trigger") ||
	    !tracefs_event_file_exists(t->inst, "signal", "signal_generate", "trigger"))
		return;
	t->marker = tracefs_instance_file_open(t->inst, "trace_marker", O_WRONLY | O_CLOEXEC);
	if (t->marker < 0)
		return;
	signal(TRACE_SOFT_SIG, SIG_IGN);
	t->soft = true;
}

/* Returns true after putting type's event under the soft-mode triggers. */
static bool soft_add(struct trace *t, unsigned int type)
{
	char on[256], off[256];

	if (!t->soft)
		return false;
	soft_lines(t, type, on, off, sizeof(on));
	if (tracefs_event_file_append(t->inst, "ftrace", "print", "trigger", on) < 0)
		return false;
	if (tracefs_event_file_append(t->inst, "signal", "signal_generate", "trigger", off) < 0) {
		on[0] = '!';
		soft_lines(t, type, on + 1, off, sizeof(on) - 1);
		tracefs_event_file_append(t->inst, "ftrace", "print", "trigger", on);
		return false;
	}
	t->soft_types |= KVMDECODE_BIT(type);
	return true;
}

/*
 * Returns true after taking type's event out of the soft-mode triggers: its probe is off the
 * tracepoint (it was soft-disabled, bursts being off). Each removal waits for a grace period
 * or two (~0.1 s here).
 */
static bool soft_del(struct trace *t, unsigned int type)
{
	char on[256], off[256];

	on[0] = off[0] = '!';
	soft_lines(t, type, on + 1, off + 1, sizeof(on) - 1);
	if (tracefs_event_file_append(t->inst, "ftrace", "print", "trigger", on) < 0)
		return false;
	tracefs_event_file_append(t->inst, "signal", "signal_generate", "trigger", off);
	t->soft_types &= ~KVMDECODE_BIT(type);
	return true;
}

/* Moves the event types between the triggers and their enable files as hot_want says. */
static void hot_apply(struct trace *t)
{
	unsigned int type, bit;

	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		bit = KVMDECODE_BIT(type);
		if ((t->hot_want & bit) && !(t->hot_types & bit) && soft_del(t, type))
			t->hot_types |= bit;
		else if (!(t->hot_want & bit) && (t->hot_types & bit) && soft_add(t, type))
			t->hot_types &= ~bit;
	}
	t->hot_want = t->hot_types;
}

/* Removes the soft-mode triggers: older kernels keep an instance that has them. */
static void soft_teardown(struct trace *t)
{
	unsigned int type;

	for (type = KE_NONE + 1; type < KE__COUNT && t->inst; type++)
		if (t->soft_types & KVMDECODE_BIT(type))
			soft_del(t, type);
	t->soft_types = 0;
	if (t->marker >= 0)
		close(t->marker);
	t->marker = -1;
}

/* Returns 0 after writing the enable files of the event types in types, or the last -errno. */
static int enable_types(struct trace *t, unsigned int types, bool on)
{
	const char *sys, *name;
	unsigned int type;
	int err = 0;

	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		if (!(types & KVMDECODE_BIT(type)))
			continue;
		name = kvmdecode_event_name(type, &sys);
		if (tracefs_event_file_write(t->inst, sys, name, "enable", on ? "1" : "0") < 0)
			err = errno ? -errno : -EIO;
	}
	return err;
}

int trace_burst(struct trace *t, bool on)
{
	int err = 0;

	if (!t || !t->bursts || t->burst_on == on)
		return 0;
	if (t->soft) {
		/*
		 * The hot ones by their enable files: on before the others, off after them. The
		 * other way round, a storm's access (kvm_pio) would be missing while the sched
		 * events are there, and the wake graph would take the access before it (an EOI
		 * write) for the one that woke the iothread: every EOI then counts as a signal.
		 */
		if (!on)
			err = kill(getpid(), TRACE_SOFT_SIG) ? -errno : 0;
		if (t->hot_types) {
			int e = enable_types(t, t->hot_types, on);

			err = err ? err : e;
		}
		if (on && write(t->marker, "kvmscope-on", 11) != 11 && !err)
			err = -errno;
		if (!on && t->hot_want != t->hot_types)
			hot_apply(t);
	} else {
		err = enable_types(t, t->types & ~KVMDECODE_BIT(KE_KVM_RUN), on);
	}
	if (!err)
		t->burst_on = on;
	return err;
}

int trace_set_hot(struct trace *t, unsigned int types)
{
	if (!t || !t->soft)
		return 0;
	t->hot_want = types & (t->soft_types | t->hot_types);
	if (!t->burst_on && t->hot_want != t->hot_types)
		hot_apply(t);
	return __builtin_popcount(t->hot_types);
}

int trace_wake_early(struct trace *t, bool early)
{
	int pct = TRACE_WAKE_PERCENT;
	char num[16];
	int err;

	if (!t)
		return -EINVAL;
	if (early && t->buffer_kb) {
		/* The share of the buffer that TRACE_WAKE_EARLY_KB is, rounded up. */
		unsigned int p = (TRACE_WAKE_EARLY_KB * 100 + t->buffer_kb - 1) / t->buffer_kb;

		pct = (int)MIN(TRACE_WAKE_PERCENT, MAX(1u, p));
	}
	if (pct == t->wake_percent)
		return 0;
	snprintf(num, sizeof(num), "%d", pct);
	err = inst_write(t, "buffer_percent", num);
	if (err)
		return err;
	t->wake_percent = pct;
	return 1;
}

bool trace_soft(const struct trace *t)
{
	return t && t->soft;
}

struct trace *trace_open(const struct trace_config *cfg, struct source_status *st)
{
	unsigned int want, missing = 0, types, type;
	char events_dir[PATH_MAX], path[PATH_MAX + 16], num[32], list[SOURCE_WHY_MAX];
	const char *tdir = NULL, *sys, *name;
	struct trace *t = NULL;
	int err, nenabled = 0;

	st->name = "tracefs";
	lib_msg[0] = '\0';
	/* Warnings go to tep_vprint above, never to the terminal. */
	tracefs_set_loglevel(TEP_LOG_WARNING);
	if (geteuid()) {
		source_set(st, SOURCE_UNAVAILABLE, "needs root (tracefs)");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->marker = -1;
	if (find_tracefs(t, &tdir, st))
		goto fail;
	snprintf(events_dir, sizeof(events_dir), "%s/events", tdir);
	snprintf(path, sizeof(path), "%s/kvm", events_dir);
	if (access(path, F_OK)) {
		source_set(st, SOURCE_UNAVAILABLE, "no kvm events in %s (kvm module not loaded?)",
			   events_dir);
		goto fail;
	}
	remove_stale(tdir, cfg->prefix ? cfg->prefix : "kvmscope");

	types = types_of(cfg->groups);
	t->tep = kvmdecode_load_tep(events_dir, types, &missing);
	if (!t->tep) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot read %s/header_page: %s", events_dir,
			   strerror(errno));
		goto fail;
	}
	err = kvmdecode_init(&t->dec, t->tep);
	want = types & ~missing;
	for (type = KE_NONE + 1; type < KE__COUNT; type++)
		if ((want & KVMDECODE_BIT(type)) && !kvmdecode_has(&t->dec, type))
			want &= ~KVMDECODE_BIT(type);
	if (err || !want) {
		source_set(st, SOURCE_UNAVAILABLE, "no usable kvm events in %s%s%s", events_dir,
			   lib_msg[0] ? ": " : "", lib_msg);
		goto fail;
	}
	kvmdecode_exit_names(t->tep, &t->names);

	err = create_instance(t, cfg->prefix ? cfg->prefix : "kvmscope", cfg->suffix);
	if (err) {
		if (err == -EEXIST)
			source_set(st, SOURCE_UNAVAILABLE,
				   "cannot create a tracefs instance: %s and %d more names are "
				   "taken",
				   t->taken, NAME_TRIES - 1);
		else
			source_set(st, SOURCE_UNAVAILABLE, "cannot create a tracefs instance: %s",
				   strerror(-err));
		goto fail;
	}
	t->subbuf_size = subbuf_size(t);
	t->buffer_kb = cfg->buffer_kb;
	if (!t->buffer_kb) {
		long conf = sysconf(_SC_NPROCESSORS_CONF);

		t->buffer_kb = default_buffer_kb(conf > 0 ? (int)conf : 1);
	}
	t->budget = (unsigned int)(t->buffer_kb * 1024ull / (unsigned int)t->subbuf_size) + 16;
	/* Nothing runs until it is all set up: size and clock before the first event. */
	snprintf(num, sizeof(num), "%u", t->buffer_kb);
	err = inst_write(t, "tracing_on", "0");
	if (!err)
		err = inst_write(t, "trace_clock", "mono");
	if (err) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot set up the instance: %s",
			   strerror(-err));
		goto fail;
	}
	err = inst_write(t, "buffer_size_kb", num);
	if (err) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot get a %u KiB buffer per CPU: %s",
			   t->buffer_kb, strerror(-err));
		goto fail;
	}
	trace_wake_early(t, false); /* absent before 5.2: wakeups per page then */

	t->bursts = cfg->bursts;
	if (t->bursts)
		soft_setup(t);
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		if (!(want & KVMDECODE_BIT(type)))
			continue;
		/* Every syscall of the host until filtered: trace_set_vcpus() enables it. */
		if (type == KE_KVM_RUN)
			continue;
		name = kvmdecode_event_name(type, &sys);
		if (t->bursts && soft_add(t, type)) {
			nenabled++;
			continue;
		}
		/* Bursts without triggers: the event exists, trace_burst() enables it. */
		if (t->bursts && !t->soft && tracefs_event_file_exists(t->inst, sys, name, "enable")) {
			nenabled++;
			continue;
		}
		if (tracefs_event_file_write(t->inst, sys, name, "enable", "1") < 0)
			want &= ~KVMDECODE_BIT(type);
		else
			nenabled++;
	}
	t->types = want;
	if (!nenabled) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot enable any kvm event: %s",
			   strerror(errno ? errno : EIO));
		goto fail;
	}
	err = open_cpus(t);
	if (err) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot open trace_pipe_raw: %s",
			   strerror(-err));
		goto fail;
	}
	err = inst_write(t, "tracing_on", "1");
	if (err) {
		source_set(st, SOURCE_UNAVAILABLE, "cannot start tracing: %s", strerror(-err));
		goto fail;
	}
	read_stats(t);
	if (types & ~want) {
		type_list(list, sizeof(list), types & ~want);
		source_set(st, SOURCE_DEGRADED, "no %s on this kernel%s%s%s", list,
			   t->taken[0] ? "; " : "", t->taken, t->taken[0] ? " is taken" : "");
	} else if (t->taken[0]) {
		source_set(st, SOURCE_OK, "instance %s: %s is taken",
			   tracefs_instance_get_name(t->inst), t->taken);
	} else {
		source_set(st, SOURCE_OK, NULL);
	}
	return t;
fail:
	trace_close(t);
	return NULL;
}

int trace_fds(const struct trace *t, int *fds, int max)
{
	int i, n = 0;

	for (i = 0; i < t->ncpus && n < max; i++)
		fds[n++] = t->cpus[i].fd;
	return n;
}

/*
 * A sub-buffer the writer left has less room after its data than the event that did not
 * fit (ours are under 128 bytes): one with more was copied from the sub-buffer the writer is
 * filling, or is the rest of one read before.
 */
#define PARTIAL_ROOM 512

/* Refills a CPU's stream from its trace_pipe_raw: 1 loaded, 0 nothing now, or -errno. */
static int refill_cpu(void *arg, struct kvmdecode_stream *s)
{
	struct trace_cpu *c = (struct trace_cpu *)s;
	struct trace *t = arg;
	unsigned int room = (unsigned int)t->subbuf_size - 8 - (unsigned int)s->commit_size;
	bool first = c->budget == t->budget;
	int n;

	if (!c->budget)
		return 0;
	/* Nonblocking: 0 when empty; a partly written page comes back as far as committed. */
	n = tracefs_cpu_read(c->tcpu, c->page, true);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : (errno ? -errno : -EIO);
	if (!n)
		return 0;
	c->budget--;
	if (kvmdecode_stream_load(s, c->page))
		return 1; /* an unreadable page: s has no record, the merge refills again */
	if (s->missed) {
		t->page_lost += s->missed > 0 ? (uint64_t)s->missed : 1;
		t->stats_due = true;
	}
	/*
	 * A partial page after the first read of a drain (the first may be the rest of the
	 * page the last drain stopped in) is the one the writer is filling: reading on would
	 * take the few events written since, over and over, as fast as we read. The CPU waits
	 * for the next drain: the watermark's wakeup, or the tick.
	 */
	if (!first && (n < t->subbuf_size || s->end + PARTIAL_ROOM < room))
		c->budget = 0;
	return 1;
}

int trace_drain(struct trace *t, trace_event_fn fn, void *arg)
{
	int i, n;

	for (i = 0; i < t->ncpus; i++) {
		t->cpus[i].budget = t->budget;
		t->cpus[i].s.rec = NULL;
		t->streams[i] = &t->cpus[i].s;
	}
	n = kvmdecode_merge(&t->dec, t->streams, t->ncpus, refill_cpu, t, fn, arg);
	if (t->stats_due || clock_ns(CLOCK_MONOTONIC) - t->stats_ns >= STATS_EVERY_NS)
		read_stats(t);
	return n;
}

unsigned int trace_types(const struct trace *t)
{
	return t ? t->types : 0;
}

uint64_t trace_lost(const struct trace *t)
{
	return t->lost;
}

const struct exit_names *trace_exit_names(const struct trace *t)
{
	return &t->names;
}

/* Returns 0 after writing one sched event's filter ("0" lifts it), or -errno. */
static int set_filter(struct trace *t, const char *event, const char *filter)
{
	errno = 0;
	if (tracefs_event_file_write(t->inst, "sched", event, "filter", filter) < 0)
		return errno ? -errno : -EINVAL;
	return 0;
}

/* Returns 0 after naming the sched events' threads in per-event filters, or -errno. */
static int set_pid_filters(struct trace *t, const int *tids, int n)
{
	/* The kernel takes a filter of less than a page: about 150 threads. */
	enum { FILTER_MAX = 4000 };
	char *waking = xmalloc(FILTER_MAX), *sw = xmalloc(FILTER_MAX);
	size_t wl = 0, sl = 0;
	int i, err = 0;

	/* Wakeups by or of these threads; switches from or to them. */
	for (i = 0; i < n && !err; i++) {
		wl += (size_t)snprintf(waking + wl, FILTER_MAX - wl, "%scommon_pid==%d||pid==%d",
				       i ? "||" : "", tids[i], tids[i]);
		sl += (size_t)snprintf(sw + sl, FILTER_MAX - sl, "%sprev_pid==%d||next_pid==%d",
				       i ? "||" : "", tids[i], tids[i]);
		if (wl >= FILTER_MAX || sl >= FILTER_MAX)
			err = -E2BIG;
	}
	if (!err)
		err = set_filter(t, "sched_waking", waking);
	if (!err)
		err = set_filter(t, "sched_switch", sw);
	free(waking);
	free(sw);
	return err;
}

/*
 * Lifts the narrowing of the sched events: in soft mode our own thread is in set_event_pid
 * (the signal that ends a burst must pass it to reach its trigger), so its switches and
 * wakeups are filtered out here instead.
 */
static int sched_unfiltered(struct trace *t)
{
	char f[96];
	int err;

	if (!t->soft)
		snprintf(f, sizeof(f), "0");
	else
		snprintf(f, sizeof(f), "common_pid!=%d&&pid!=%d", (int)getpid(), (int)getpid());
	err = set_filter(t, "sched_waking", f);
	if (t->soft)
		snprintf(f, sizeof(f), "prev_pid!=%d&&next_pid!=%d", (int)getpid(), (int)getpid());
	return err ? err : set_filter(t, "sched_switch", f);
}

/* Returns 0 after writing tids to the instance's set_event_pid (n = 0: empties it), or -errno. */
static int set_event_pids(struct trace *t, const int *tids, int n)
{
	size_t cap = 32 + (size_t)n * 12, len = 0;
	char *buf = xmalloc(cap);
	int i, err = 0;

	buf[0] = '\0';
	/*
	 * Soft mode: events of threads not named are ignored before their triggers run, the
	 * signal_generate of our burst's end too; so we are named (none of our events is
	 * traced: the sched events leave us out by their filters, sched_unfiltered()).
	 */
	if (t->soft && n)
		len += (size_t)snprintf(buf + len, cap - len, "%d ", (int)getpid());
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%d ", tids[i]);
	errno = 0;
	if (tracefs_instance_file_write(t->inst, "set_event_pid", n ? buf : "\n") < 0)
		err = errno ? -errno : -EINVAL;
	free(buf);
	return err;
}

int trace_set_pids(struct trace *t, const int *tids, int n)
{
	int err;

	if (n <= 0) {
		/* No VM thread yet: no sched event is ours (a filter nothing passes). */
		set_event_pids(t, NULL, 0);
		err = set_filter(t, "sched_waking", "common_pid<0");
		return err ? err : set_filter(t, "sched_switch", "common_pid<0");
	}
	/*
	 * set_event_pid keeps any number of threads and filters in the kernel what each CPU
	 * records by the thread it runs: sched_switch when prev or next is named, sched_waking
	 * when the waker or the wakee is, and other events of the named threads only (the
	 * rest would be unattributed anyway).
	 */
	err = set_event_pids(t, tids, n);
	if (!err) {
		sched_unfiltered(t);
		return 0;
	}
	/* A kernel without it: name them in the sched events' filters, up to their size. */
	err = set_pid_filters(t, tids, n);
	if (err) {
		/* Too many threads to name, or refused: every thread rather than a wrong subset. */
		set_filter(t, "sched_waking", "0");
		set_filter(t, "sched_switch", "0");
	}
	return err;
}

int trace_set_sched(struct trace *t, const int *tids, int n)
{
	int err;

	if (!t || !(t->types & KVMDECODE_BIT(KE_SCHED_SWITCH)))
		return 0;
	if (n < 0)
		return sched_unfiltered(t);
	if (!n) {
		err = set_filter(t, "sched_waking", "common_pid<0");
		return err ? err : set_filter(t, "sched_switch", "common_pid<0");
	}
	err = set_pid_filters(t, tids, n);
	if (err)
		sched_unfiltered(t);
	return err;
}

/* Returns 0 after writing a file of the KVM_RUN event (raw_syscalls:sys_enter), or -errno. */
static int run_write(struct trace *t, const char *file, const char *val)
{
	const char *sys, *name = kvmdecode_event_name(KE_KVM_RUN, &sys);

	errno = 0;
	if (tracefs_event_file_write(t->inst, sys, name, file, val) < 0)
		return errno ? -errno : -EINVAL;
	return 0;
}

int trace_set_vcpus(struct trace *t, const int *tids, int n)
{
	enum { FILTER_MAX = 4000 };
	size_t len;
	char *filter;
	int i, err;

	if (!t || !(t->types & KVMDECODE_BIT(KE_KVM_RUN)))
		return -EOPNOTSUPP;
	if (n <= 0) {
		err = t->run_on ? run_write(t, "enable", "0") : 0;
		t->run_on = t->run_on && err;
		return err;
	}
	filter = xmalloc(FILTER_MAX);
	len = (size_t)snprintf(filter, FILTER_MAX, "id==%ld&&(", (long)SYS_ioctl);
	for (i = 0; i < n && len < FILTER_MAX; i++)
		len += (size_t)snprintf(filter + len, FILTER_MAX - len, "%scommon_pid==%d",
					i ? "||" : "", tids[i]);
	if (len < FILTER_MAX)
		len += (size_t)snprintf(filter + len, FILTER_MAX - len, ")");
	/* Filtered first, then enabled: the host's other syscalls are never recorded. */
	err = len < FILTER_MAX ? run_write(t, "filter", filter) : -E2BIG;
	if (!err && !t->run_on)
		err = run_write(t, "enable", "1");
	if (err && t->run_on && !run_write(t, "enable", "0"))
		t->run_on = false;
	else if (!err)
		t->run_on = true;
	free(filter);
	return err;
}

/* Returns 0 after removing our instance, retrying while a reader lets go of it. */
static int remove_instance(struct trace *t)
{
	int i;

	for (i = 0; i < 5; i++) {
		if (!tracefs_instance_destroy(t->inst))
			return 0;
		if (errno != EBUSY)
			break;
		if (!i)
			inst_write(t, "tracing_on", "0");
		usleep(20000);
	}
	return -errno;
}

void trace_close(struct trace *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < LIVE_MAX; i++)
		if (live_trace[i] == t)
			live_trace[i] = NULL;
	/* Our own open files would keep the instance busy. */
	for (i = 0; i < t->ncpus; i++)
		close_cpu(&t->cpus[i]);
	if (t->marker >= 0)
		close(t->marker);
	t->marker = -1;
	if (t->inst) {
		/*
		 * 6.18 removes an instance whose events carry triggers at once, while removing
		 * each trigger costs a grace period or two (~60 ms apiece here: seconds for all of
		 * them, seconds before the terminal is back): only where the kernel refuses.
		 */
		if (t->created && remove_instance(t) == -EBUSY && t->soft_types) {
			soft_teardown(t);
			remove_instance(t);
		}
		tracefs_instance_free(t->inst);
	}
	/* Put back what we found: unmounting fails harmlessly while anyone else uses it. */
	if (t->mounted)
		umount2(DEFAULT_TRACEFS, 0);
	kvmdecode_free(&t->dec);
	if (t->tep)
		tep_free(t->tep);
	exit_names_free(&t->names);
	free(t->cpus);
	free(t->streams);
	free(t);
}

void trace_emergency_cleanup(void)
{
	struct trace *t;
	int i, k;

	for (k = 0; k < LIVE_MAX; k++) {
		t = live_trace[k];
		if (!t)
			continue;
		live_trace[k] = NULL;
		/* System calls only: this runs when memory is gone. */
		for (i = 0; i < t->ncpus; i++) {
			if (t->cpus[i].fd >= 0)
				close(t->cpus[i].fd);
			if (t->cpus[i].stats_fd >= 0)
				close(t->cpus[i].stats_fd);
			t->cpus[i].fd = t->cpus[i].stats_fd = -1;
		}
		if (t->marker >= 0)
			close(t->marker);
		t->marker = -1;
		/* Triggers in place: 6.18 removes such an instance; older ones at next start. */
		rmdir(t->dir);
	}
}
