// SPDX-License-Identifier: GPL-2.0
/*
 * kvmscope: a top-like live monitor for KVM hosts. This file parses the command line,
 * picks the output, runs the tick loop and is the only place that exits.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "options.h"
#include "perf.h"
#include "tick.h"
#include "tui.h"
#include "util.h"

#ifndef KVMSCOPE_VERSION
#define KVMSCOPE_VERSION "0.1"
#endif

static const char usage_text[] =
	"Usage: kvmscope [OPTIONS]\n"
	"A live monitor for KVM hosts: which VM exits, why, where, and what it costs.\n"
	"\n"
	"Output:\n"
	"  -b, --batch            print records instead of the live screen\n"
	"  -n, --iterations N     stop after N records (batch) or refreshes\n"
	"  -d, --delay SECONDS    refresh interval, fractions allowed (default 1)\n"
	"      --format FMT       batch format: text (default) or json (one document per tick)\n"
	"  -H, --threads          batch: each VM's threads and panes, not only the host view\n"
	"  -c, --cumulative       counts and shares since start, not per interval\n"
	"      --no-color         no colours (also when NO_COLOR is set)\n"
	"\n"
	"Selection:\n"
	"  -p, --pid PID          only the VM with this pid\n"
	"  -f, --filter REGEX     only VMs whose name (or pid) matches REGEX\n"
	"\n"
	"Sources:\n"
	"      --no-trace         do not trace (no trace events, no tracepoint counters)\n"
	"      --buffer-kb N      trace ring buffer per CPU in KiB (default 8192)\n"
	"      --sched MODE       scheduler events for the wake graph: tid (the VMs' threads,\n"
	"                         filtered in the kernel; default), all, or off\n"
	"      --proc DIR         read procfs from DIR (default /proc)\n"
	"  -e, --events LIST      perf counters per vCPU/iothread, libpfm4 names, comma-separated\n"
	"                         (default task-clock,context-switches,cpu-migrations,\n"
	"                         cycles:mg,instructions:mg,cycles:mh,instructions:mh)\n"
	"      --debugfs DIR      read KVM stats from DIR/kvm (default: the mounted debugfs)\n"
	"\n"
	"  -h, --help             this text\n"
	"  -V, --version          the version\n"
	"\n"
	"Run as root for tracing. See kvmscope(8).\n";

enum {
	OPT_FORMAT = 256,
	OPT_NO_COLOR,
	OPT_NO_TRACE,
	OPT_PROC,
	OPT_BUFFER_KB,
	OPT_DEBUGFS,
	OPT_SCHED,
};

static const struct option long_opts[] = {
	{ "batch", no_argument, NULL, 'b' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "delay", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "threads", no_argument, NULL, 'H' },
	{ "cumulative", no_argument, NULL, 'c' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
	{ "pid", required_argument, NULL, 'p' },
	{ "filter", required_argument, NULL, 'f' },
	{ "no-trace", no_argument, NULL, OPT_NO_TRACE },
	{ "buffer-kb", required_argument, NULL, OPT_BUFFER_KB },
	{ "sched", required_argument, NULL, OPT_SCHED },
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "events", required_argument, NULL, 'e' },
	{ "debugfs", required_argument, NULL, OPT_DEBUGFS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void fatal_hook(const char *what)
{
	/* The terminal first, so the message lands on a normal screen. */
	tui_abort();
	tick_emergency_cleanup();
	fprintf(stderr, "kvmscope: %s\n", what);
	exit(1);
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		if (max == LONG_MAX)
			die("%s: '%s' is not a whole number from %ld up", opt, s, min);
		die("%s: '%s' is not a whole number from %ld to %ld", opt, s, min, max);
	}
	return v;
}

static double parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.05 && v <= 3600))
		die("%s: '%s' is not a number of seconds from 0.05 to 3600", opt, s);
	return v;
}

/* Dies on an -e name libpfm4 cannot encode, or a --debugfs without a kvm directory. */
static void check_counters(const struct options *o)
{
	struct perf_event_def defs[PERF_EVENTS_MAX];
	char why[SOURCE_WHY_MAX], kvm[PATH_MAX];
	struct stat sb;

	if (o->events && perf_parse_list(o->events, defs, PERF_EVENTS_MAX, why, sizeof(why)) < 0)
		die("-e: %s", why);
	if (!o->debugfs)
		return;
	errno = 0;
	if (stat(o->debugfs, &sb) || !S_ISDIR(sb.st_mode))
		die("--debugfs: %s: %s", o->debugfs, errno ? strerror(errno) : "not a directory");
	snprintf(kvm, sizeof(kvm), "%s/kvm", o->debugfs);
	if (stat(kvm, &sb) || !S_ISDIR(sb.st_mode))
		die("--debugfs: %s has no kvm directory", o->debugfs);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int c, err;

	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":bn:d:cHp:f:e:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->batch = true;
			break;
		case 'n':
			o->iterations = parse_long("-n", optarg, 1, LONG_MAX);
			break;
		case 'd':
			o->delay_s = parse_seconds("-d", optarg);
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text"))
				o->format = BATCH_TEXT;
			else if (!strcmp(optarg, "json"))
				o->format = BATCH_JSON;
			else
				die("--format: '%s' is not text or json", optarg);
			break;
		case 'H':
			o->detail = true;
			break;
		case 'c':
			o->cumulative = true;
			break;
		case OPT_NO_COLOR:
			o->no_color = true;
			break;
		case 'p':
			if (o->filter_src)
				die("-p and -f: give one of them");
			snprintf(o->pid_re, sizeof(o->pid_re), "^%ld$",
				 parse_long("-p", optarg, 1, INT_MAX));
			o->filter_src = o->pid_re;
			break;
		case 'f':
			if (o->filter_src)
				die("-p and -f: give one of them");
			o->filter_src = optarg;
			break;
		case OPT_NO_TRACE:
			o->no_trace = true;
			break;
		case OPT_BUFFER_KB:
			o->buffer_kb = (unsigned int)parse_long("--buffer-kb", optarg, 64, 4194304);
			break;
		case OPT_SCHED:
			if (!strcmp(optarg, "tid"))
				o->sched = SCHED_TID;
			else if (!strcmp(optarg, "all"))
				o->sched = SCHED_ALL;
			else if (!strcmp(optarg, "off"))
				o->sched = SCHED_OFF;
			else
				die("--sched: '%s' is not tid, all or off", optarg);
			break;
		case OPT_PROC:
			o->proc_root = optarg;
			break;
		case 'e':
			o->events = optarg;
			break;
		case OPT_DEBUGFS:
			o->debugfs = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("kvmscope %s\n", KVMSCOPE_VERSION);
			exit(0);
		case ':':
			die("%s needs a value (try --help)", argv[optind - 1]);
		default:
			if (optopt)
				die("unknown option '-%c' (try --help)", optopt);
			die("unknown option '%s' (try --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (try --help)", argv[optind]);
	check_counters(o);
	if (o->filter_src) {
		err = regcomp(&o->filter, o->filter_src, REG_EXTENDED | REG_NOSUB | REG_ICASE);
		if (err) {
			char msg[128];

			regerror(err, &o->filter, msg, sizeof(msg));
			die("-f: bad regular expression '%s': %s", o->filter_src, msg);
		}
		o->have_filter = true;
	}
}

/* Batch output state. */
struct batch_out {
	const struct options *opt;
	struct batch_opts bo;
	long printed;
};

static int batch_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	struct batch_out *b = arg;

	(void)ctl;
	if (batch_print(stdout, s, &b->bo))
		return 1; /* the reader went away: stop quietly */
	if (b->opt->format == BATCH_TEXT)
		fputs("\n", stdout);
	b->printed++;
	return b->opt->iterations && b->printed >= b->opt->iterations ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options opt = {
		.delay_s = 1.0,
		.proc_root = "/proc",
	};
	struct batch_out bout = { .opt = &opt };
	struct tick_output out = { .input_fd = -1 };
	struct tui *tui = NULL;
	char why[256];
	int err;

	setlocale(LC_ALL, "");
	/* JSON and recordings need "." in numbers whatever the user's locale writes. */
	setlocale(LC_NUMERIC, "C");
	opt.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		opt.no_color = true;
	util_set_fatal_hook(fatal_hook);
	parse_args(argc, argv, &opt);

	if (!opt.batch && !isatty(STDOUT_FILENO))
		opt.batch = true;
	bout.bo.format = opt.format;
	bout.bo.detail = opt.detail;
	bout.bo.utf8 = opt.utf8;
	bout.bo.filter = opt.have_filter ? &opt.filter : NULL;
	out.show = batch_show;
	out.arg = &bout;
	if (!opt.batch) {
		struct tui_config tc = {
			.color = !opt.no_color,
			.utf8 = opt.utf8,
			.filter_src = opt.filter_src,
			.iterations = opt.iterations,
			.delay_s = opt.delay_s,
		};

		tui = tui_start(&tc, why, sizeof(why));
		if (!tui) {
			fprintf(stderr, "kvmscope: %s\n", why);
			return 1;
		}
		out.show = tui_show;
		out.input = tui_input;
		out.resize = tui_resize;
		out.input_fd = tui_input_fd(tui);
		out.arg = tui;
	}

	err = tick_run(&opt, &out, why, sizeof(why));
	/* Signals and q end the loop; the terminal is restored before anything is printed. */
	tui_stop(tui);
	if (opt.have_filter)
		regfree(&opt.filter);
	if (err) {
		fprintf(stderr, "kvmscope: %s\n", why);
		return 1;
	}
	return 0;
}
