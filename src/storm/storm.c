// SPDX-License-Identifier: GPL-2.0
/*
 * kvmscope-storm: a small VMM on /dev/kvm that makes real exit storms, the guest that
 * kvmscope's demo and end-to-end tests watch. Its command line looks like QEMU's (-name,
 * -uuid, -id; threads "CPU N/KVM" and "IO iothread0") so that kvmscope discovers it the same way,
 * and at exit it prints exact counts of what its guest did, for tests to compare with what
 * a monitor saw. stdout carries the report and nothing else.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "storm_vm.h"

#define PROG "kvmscope-storm"

enum field_kind {
	FIELD_VALUE, /* a member of struct storm_stats */
	FIELD_MEAN,  /* io_ns_total / completions */
	FIELD_PCT,   /* user_ns in percent of run_ns, one decimal */
};

/* One key=value word of the report; the tables below are static and shared. */
struct report_field {
	const char *key;
	size_t off; /* into struct storm_stats */
	enum field_kind kind;
};

#define OFF(member) offsetof(struct storm_stats, member)

static const struct report_field timer_fields[] = {
	{ "iterations", OFF(iterations) },
	{ "pio_0x608", OFF(pio_pmtmr) },
	{ "userspace_exits", OFF(userspace_exits) },
	{ "user_ns", OFF(user_ns) },
	{ "user_pct", 0, FIELD_PCT },
	{ NULL },
};

static const struct report_field pit_fields[] = {
	{ "iterations", OFF(iterations) },
	{ "pio_0x40", OFF(pio_pit) },
	{ "ctl_exits", OFF(ctl_exits) },
	{ "userspace_exits", OFF(userspace_exits) },
	{ "user_ns", OFF(user_ns) },
	{ "user_pct", 0, FIELD_PCT },
	{ NULL },
};

static const struct report_field apic_fields[] = {
	{ "iterations", OFF(iterations) },
	{ "mmio_0xfee000b0", OFF(mmio_eoi) },
	{ "mmio_0xfee00300", OFF(mmio_icr) },
	{ "mmio_0xfee00380", OFF(mmio_tmict) },
	{ "ctl_exits", OFF(ctl_exits) },
	{ "userspace_exits", OFF(userspace_exits) },
	{ "user_ns", OFF(user_ns) },
	{ "user_pct", 0, FIELD_PCT },
	{ NULL },
};

static const struct report_field virtio_fields[] = {
	{ "iterations", OFF(iterations) },
	{ "notifies", OFF(notifies) },
	{ "pio_0xc050", OFF(notifies) },
	{ "completions", OFF(completions) },
	{ "irqs", OFF(irqs) },
	{ "io_ns_total", OFF(io_ns_total) },
	{ "io_ns_mean", 0, FIELD_MEAN },
	{ "io_ns_max", OFF(io_ns_max) },
	{ "userspace_exits", OFF(userspace_exits) },
	{ "user_ns", OFF(user_ns) },
	{ "user_pct", 0, FIELD_PCT },
	{ NULL },
};

static const struct report_field idle_fields[] = {
	{ "iterations", OFF(iterations) },
	{ "irqs", OFF(irqs) },
	{ "halts", OFF(halts) },
	{ "userspace_exits", OFF(userspace_exits) },
	{ "user_ns", OFF(user_ns) },
	{ "user_pct", 0, FIELD_PCT },
	{ NULL },
};

/* A scenario's name and report; static. */
struct scenario_def {
	const char *name;
	enum storm_scenario id;
	const struct report_field *fields;
};

static const struct scenario_def scenarios[] = {
	{ "timer", STORM_TIMER, timer_fields }, { "apic", STORM_APIC, apic_fields },
	{ "pit", STORM_PIT, pit_fields },	{ "virtio", STORM_VIRTIO, virtio_fields },
	{ "idle", STORM_IDLE, idle_fields },
};

enum opt_id {
	OPT_VCPUS,
	OPT_THREADS,
	OPT_RATE,
	OPT_DURATION,
	OPT_START_DELAY,
	OPT_CREATE_DELAY,
	OPT_NAME,
	OPT_UUID,
	OPT_ID,
	OPT_IO_FILE,
	OPT_HALT_POLL,
	OPT_HELP,
};

/* An option as spelled after one or two dashes (exact names, as QEMU takes them); static. */
struct opt_def {
	const char *name;
	enum opt_id id;
	bool has_arg;
};

static const struct opt_def opt_defs[] = {
	{ "vcpus", OPT_VCPUS, true },
	{ "threads", OPT_THREADS, true },
	{ "rate", OPT_RATE, true },
	{ "duration", OPT_DURATION, true },
	{ "start-delay", OPT_START_DELAY, true },
	{ "create-delay", OPT_CREATE_DELAY, true },
	{ "name", OPT_NAME, true },
	{ "uuid", OPT_UUID, true },
	{ "id", OPT_ID, true },
	{ "io-file", OPT_IO_FILE, true },
	{ "halt-poll-ns", OPT_HALT_POLL, true },
	{ "help", OPT_HELP, false },
	{ "h", OPT_HELP, false },
};

static const char usage_text[] =
	"Usage: " PROG " [OPTION]... SCENARIO\n"
	"A small VMM on /dev/kvm whose real-mode guest makes one kind of exit storm.\n"
	"\n"
	"Scenarios:\n"
	"  timer   32-bit reads of the ACPI PM timer, port 0x608, answered in userspace\n"
	"  apic    LAPIC writes by MMIO: EOI 0xfee000b0, ICR 0xfee00300 (a self-IPI left\n"
	"          pending, IF clear), timer count 0xfee00380 (LVT timer masked)\n"
	"  pit     reads of PIT channel 0, port 0x40, in the kernel's PIT\n"
	"  virtio  a notify write to port 0xc050 (ioeventfd), a 4 KiB O_DIRECT read by the\n"
	"          iothread, an MSI through an irqfd that wakes the halted vCPU\n"
	"  idle    HLT, woken by the LAPIC timer at --rate interrupts/s (default 100)\n"
	"\n"
	"Options (one or two dashes):\n"
	"  --vcpus N           vCPUs, each a thread \"CPU N/KVM\" (default 1, at most 64)\n"
	"  --threads N         N more threads named \"worker\" that only sleep (default 0,\n"
	"                      at most 4096)\n"
	"  --rate N            iterations per vCPU per second; 0: as fast as it goes (default)\n"
	"  --duration S        stop after S seconds (fractions allowed); default: on a signal\n"
	"  --start-delay S     create the VM and its threads, wait S seconds, then start\n"
	"  --create-delay S    wait S seconds before opening /dev/kvm and creating the VM\n"
	"                      (a VMM that makes its VM long after it started)\n"
	"  -name ARG           QEMU style: NAME or guest=NAME,debug-threads=on (kept, unused)\n"
	"  -uuid UUID          accepted and ignored\n"
	"  -id ID              accepted and ignored (Proxmox VE's QEMU takes its vmid there)\n"
	"  --io-file PATH      file read by virtio (not on tmpfs); default: a temporary file\n"
	"                      in " STORM_IO_TMP_DIR "\n"
	"  --halt-poll-ns N    the VM's halt polling limit; -1: the kernel's (default 0)\n"
	"  -h, --help          this text\n"
	"\n"
	"Port 0xf00 is the pacing exit of pit and apic (ctl_exits), port 0xf01 a guest fault.\n"
	"SIGINT, SIGTERM, SIGHUP or the end of --duration stop it; it then prints on stdout:\n"
	"  storm scenario=S vcpus=N rate=R seconds=T pid=P\n"
	"  vcpu=I iterations=N KEY=N...      (one line per vCPU)\n"
	"  total iterations=N KEY=N...       (sums; io_ns_max is the largest, user_pct\n"
	"                                    the mean over vCPUs)\n"
	"where KEY is, by scenario:\n"
	"  timer   pio_0x608 userspace_exits\n"
	"  pit     pio_0x40 ctl_exits userspace_exits\n"
	"  apic    mmio_0xfee000b0 mmio_0xfee00300 mmio_0xfee00380 ctl_exits userspace_exits\n"
	"  virtio  notifies pio_0xc050 completions irqs io_ns_total io_ns_mean io_ns_max\n"
	"          userspace_exits\n"
	"  idle    irqs halts userspace_exits\n"
	"and on every line user_ns user_pct: wall time the vCPU threads spent between KVM_RUN's\n"
	"return and the next call (the VMM answering exits), in ns and in percent of their run.\n"
	"Exit status: 0 after a clean stop, 1 on a KVM or I/O failure, 2 on a bad command line.\n";

/* Returns 0 with *out parsed from a whole decimal number in [min, max], else -EINVAL. */
static int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Returns 0 with *out parsed from a non-negative decimal number of seconds, else -EINVAL. */
static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0 || v > 1e9)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Returns 0 after storing one option's value in opts, or -EINVAL after saying why. */
static int parse_value(struct storm_opts *opts, const struct opt_def *d, const char *val)
{
	long long v;

	switch (d->id) {
	case OPT_VCPUS:
		if (parse_int(val, 1, STORM_MAX_VCPUS, &v) < 0)
			goto bad;
		opts->vcpus = (unsigned int)v;
		return 0;
	case OPT_THREADS:
		if (parse_int(val, 0, STORM_MAX_THREADS, &v) < 0)
			goto bad;
		opts->threads = (unsigned int)v;
		return 0;
	case OPT_RATE:
		if (parse_int(val, 0, 1000000000, &v) < 0)
			goto bad;
		opts->rate = (uint64_t)v;
		return 0;
	case OPT_HALT_POLL:
		if (parse_int(val, -1, 1000000000, &v) < 0)
			goto bad;
		opts->halt_poll_ns = (long)v;
		return 0;
	case OPT_DURATION:
		if (parse_seconds(val, &opts->duration) < 0 || opts->duration == 0)
			goto bad;
		return 0;
	case OPT_START_DELAY:
		if (parse_seconds(val, &opts->start_delay) < 0)
			goto bad;
		return 0;
	case OPT_CREATE_DELAY:
		if (parse_seconds(val, &opts->create_delay) < 0)
			goto bad;
		return 0;
	case OPT_NAME:
		opts->name = val;
		return 0;
	case OPT_UUID:
	case OPT_ID:
		return 0;
	case OPT_IO_FILE:
		if (!*val)
			goto bad;
		opts->io_file = val;
		return 0;
	case OPT_HELP:
		break;
	}
bad:
	switch (d->id) {
	case OPT_VCPUS:
		fprintf(stderr, PROG ": --vcpus: '%s' is not a whole number from 1 to %d\n", val,
			STORM_MAX_VCPUS);
		break;
	case OPT_THREADS:
		fprintf(stderr, PROG ": --threads: '%s' is not a whole number from 0 to %d\n", val,
			STORM_MAX_THREADS);
		break;
	case OPT_RATE:
		fprintf(stderr, PROG ": --rate: '%s' is not a whole number from 0 to 1000000000\n",
			val);
		break;
	case OPT_HALT_POLL:
		fprintf(stderr,
			PROG ": --halt-poll-ns: '%s' is not a whole number from -1 to 1000000000\n",
			val);
		break;
	case OPT_DURATION:
		fprintf(stderr, PROG ": --duration: '%s' is not a number of seconds above 0\n",
			val);
		break;
	default:
		fprintf(stderr, PROG ": --%s: '%s' is not a valid value\n", d->name, val);
		break;
	}
	return -EINVAL;
}

/* Returns the option named by arg (dashes already stripped, len bytes), or NULL. */
static const struct opt_def *find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (strlen(opt_defs[i].name) == len && !strncmp(opt_defs[i].name, name, len))
			return &opt_defs[i];
	return NULL;
}

/* Returns the scenario called name, or NULL. */
static const struct scenario_def *find_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

/* Returns 0 when the options fit together, else -EINVAL after saying why. */
static int check_opts(const struct storm_opts *opts)
{
	char why[STORM_WHY_MAX];

	if (opts->scenario == STORM_IDLE && opts->rate > STORM_IDLE_RATE_MAX) {
		fprintf(stderr,
			PROG ": --rate: idle takes at most %d interrupts per second (KVM's minimum "
			     "LAPIC timer period is 200 us)\n",
			STORM_IDLE_RATE_MAX);
		return -EINVAL;
	}
	if (opts->scenario == STORM_VIRTIO && opts->io_file &&
	    storm_io_check(opts->io_file, why, sizeof(why)) < 0) {
		fprintf(stderr, PROG ": --io-file %s\n", why);
		return -EINVAL;
	}
	return 0;
}

/*
 * Returns 0 with opts filled in, 1 after printing the help, or -EINVAL after printing one
 * line on stderr.
 */
static int parse_args(int argc, char **argv, struct storm_opts *opts,
		      const struct scenario_def **scenario)
{
	const struct scenario_def *sc = NULL;
	bool only_operands = false;
	int i;

	*opts = (struct storm_opts){ .vcpus = 1, .halt_poll_ns = 0 };
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val;
		const struct opt_def *d;

		if (only_operands || arg[0] != '-' || !arg[1]) {
			if (sc) {
				fprintf(stderr, PROG ": one scenario only, not '%s' and '%s'\n",
					sc->name, arg);
				return -EINVAL;
			}
			sc = find_scenario(arg);
			if (!sc) {
				fprintf(stderr,
					PROG ": unknown scenario '%s' (timer, apic, pit, virtio or "
					     "idle)\n",
					arg);
				return -EINVAL;
			}
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_operands = true;
			continue;
		}
		name = arg + (arg[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		d = find_opt(name, eq ? (size_t)(eq - name) : strlen(name));
		if (!d) {
			fprintf(stderr, PROG ": unknown option '%s' (see --help)\n", arg);
			return -EINVAL;
		}
		if (d->id == OPT_HELP) {
			fputs(usage_text, stdout);
			fflush(stdout);
			return 1;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, PROG ": option '%s' needs a value\n", arg);
			return -EINVAL;
		}
		if (parse_value(opts, d, val) < 0)
			return -EINVAL;
	}
	if (!sc) {
		fprintf(stderr, PROG ": no scenario given (timer, apic, pit, virtio or idle)\n");
		return -EINVAL;
	}
	opts->scenario = sc->id;
	*scenario = sc;
	return check_opts(opts);
}

/*
 * Returns the signal in set that came first, or 0 once seconds have passed; forever waits
 * for a signal only.
 */
static int wait_signal(const sigset_t *set, double seconds, bool forever)
{
	uint64_t end = storm_now_ns() + (uint64_t)(seconds * 1e9), now;
	struct timespec ts;
	int sig;

	for (;;) {
		if (forever) {
			sig = sigwaitinfo(set, NULL);
		} else {
			now = storm_now_ns();
			if (now >= end)
				return 0;
			ts.tv_sec = (time_t)((end - now) / 1000000000);
			ts.tv_nsec = (long)((end - now) % 1000000000);
			sig = sigtimedwait(set, NULL, &ts);
		}
		if (sig > 0)
			return sig;
	}
}

/* Returns a field's value on one line: a vCPU's, or the total over all of them. */
static uint64_t field_value(const struct report_field *f, const struct storm_stats *st)
{
	if (f->kind == FIELD_MEAN)
		return st->completions ? st->io_ns_total / st->completions : 0;
	return *(const uint64_t *)((const char *)st + f->off);
}

/* Returns nothing; adds st into total, keeping the largest io_ns_max. */
static void stats_add(struct storm_stats *total, const struct storm_stats *st)
{
	const uint64_t *src = (const uint64_t *)st;
	uint64_t *dst = (uint64_t *)total;
	size_t i, max = offsetof(struct storm_stats, io_ns_max) / sizeof(uint64_t);

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = i == max ? (src[i] > dst[i] ? src[i] : dst[i]) : dst[i] + src[i];
}

/* Returns nothing; prints one line of key=value words after head. */
static void report_line(const char *head, const struct report_field *f,
			const struct storm_stats *st)
{
	fputs(head, stdout);
	for (; f->key; f++) {
		if (f->kind == FIELD_PCT)
			printf(" %s=%.1f", f->key,
			       st->run_ns ? 100.0 * (double)st->user_ns / (double)st->run_ns : 0.0);
		else
			printf(" %s=%llu", f->key, (unsigned long long)field_value(f, st));
	}
	putchar('\n');
}

/* Returns nothing; prints the report (format in usage_text and the man page). */
static void report(const struct storm_vm *vm, const struct scenario_def *sc)
{
	const struct storm_opts *opts = vm->opts;
	struct storm_stats total = { 0 };
	uint64_t rate = opts->rate, ns = 0;
	char head[32];
	unsigned int i;

	if (opts->scenario == STORM_IDLE && !rate)
		rate = STORM_IDLE_RATE;
	if (vm->go && vm->t_stop_ns > vm->t_go_ns)
		ns = vm->t_stop_ns - vm->t_go_ns;
	printf("storm scenario=%s vcpus=%u rate=%llu seconds=%llu.%03llu pid=%d\n", sc->name,
	       opts->vcpus, (unsigned long long)rate, (unsigned long long)(ns / 1000000000),
	       (unsigned long long)(ns / 1000000 % 1000), (int)getpid());
	for (i = 0; i < opts->vcpus; i++) {
		snprintf(head, sizeof(head), "vcpu=%u", i);
		report_line(head, sc->fields, &vm->vcpus[i].st);
		stats_add(&total, &vm->vcpus[i].st);
	}
	report_line("total", sc->fields, &total);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const struct scenario_def *sc = NULL;
	struct storm_opts opts;
	struct sigaction old;
	struct storm_vm vm;
	sigset_t set;
	int err, sig;

	err = parse_args(argc, argv, &opts, &sc);
	if (err)
		return err > 0 ? 0 : 2;

	/*
	 * Stop signals are taken by sigtimedwait() in this thread only; threads inherit the
	 * mask. Blocked, SIGINT stops it even from a script's background job, where it
	 * starts ignored; SIGHUP ignored by nohup stays ignored.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Stopped while waiting to make its VM: nothing ran, nothing to report. */
	if (opts.create_delay > 0 && wait_signal(&set, opts.create_delay, false))
		return 0;
	err = storm_vm_create(&vm, &opts);
	if (!err)
		err = storm_vm_start(&vm);
	if (err) {
		fprintf(stderr, PROG ": %s\n", vm.why);
		storm_vm_destroy(&vm);
		return 1;
	}
	sig = 0;
	if (opts.start_delay > 0)
		sig = wait_signal(&set, opts.start_delay, false);
	if (!sig) {
		storm_vm_go(&vm);
		wait_signal(&set, opts.duration, opts.duration == 0);
	}
	storm_vm_stop(&vm);
	if (vm.fail_err) {
		fprintf(stderr, PROG ": %s\n", vm.why);
		storm_vm_destroy(&vm);
		return 1;
	}
	report(&vm, sc);
	storm_vm_destroy(&vm);
	return 0;
}
