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
#include "incident.h"
#include "offline.h"
#include "openmetrics.h"
#include "options.h"
#include "perf.h"
#include "recorder.h"
#include "replay.h"
#include "serve.h"
#include "textfile.h"
#include "tick.h"
#include "timeline.h"
#include "tui.h"
#include "util.h"

#ifndef KVMSCOPE_VERSION
#define KVMSCOPE_VERSION "0.1"
#endif

static const char usage_text[] =
	"Usage: kvmscope [OPTIONS]\n"
	"       kvmscope -i FILE.dat [OPTIONS]\n"
	"       kvmscope record [OPTIONS]\n"
	"       kvmscope -r PATH [OPTIONS]\n"
	"A live monitor for KVM hosts: which VM exits, why, where, and what it costs.\n"
	"\n"
	"Output:\n"
	"  -b, --batch            print records instead of the live screen\n"
	"  -n, --iterations N     stop after N records (batch) or refreshes\n"
	"  -d, --delay SECONDS    refresh interval, fractions allowed (default 1)\n"
	"      --format FMT       batch format: text (default), json (one document per tick),\n"
	"                         csv (a row per VM), openmetrics or prometheus (an exposition)\n"
	"  -o, --output FILE      batch: write to FILE (openmetrics and prometheus replace it\n"
	"                         at each tick, atomically); implies -b\n"
	"  -H, --threads          batch: each VM's threads, panes and latencies, not only\n"
	"                         the host view\n"
	"  -c, --cumulative       counts and shares since start, not per interval\n"
	"      --no-color         no colours (also when NO_COLOR is set)\n"
	"      --history MINUTES  the live screen keeps the last MINUTES of ticks for its\n"
	"                         w key: a recording and an incident summary, and the\n"
	"                         rows' exits/s for the HISTORY sparklines (default 10)\n"
	"\n"
	"Selection:\n"
	"  -p, --pid PID          only the VM with this pid\n"
	"  -f, --filter REGEX     only VMs one of whose names (or pid) matches REGEX\n"
	"\n"
	"Sources:\n"
	"      --no-trace         do not trace (no trace events, no tracepoint counters)\n"
	"      --buffer-kb N      trace ring buffer per CPU in KiB (default 8192)\n"
	"      --sched MODE       scheduler events for the wake graph: tid (the VMs' threads,\n"
	"                         filtered in the kernel; default), all, or off\n"
	"      --no-syscalls      do not trace the vCPUs' ioctl(KVM_RUN) (sys_enter, which\n"
	"                         slows every syscall of the host): USER% then runs from an\n"
	"                         exit to its completion, KVM's return path included\n"
	"      --budget N         trace detail within N events per second (K, M allowed;\n"
	"                         default 20K; 0: every event): above it, in bursts, with the\n"
	"                         counts exact from the kernel's counters and the rest scaled;\n"
	"                         a quarter of it while the host's rates hold for 10 s\n"
	"      --full-detail      trace every event of the VM -p or -f names (the busiest)\n"
	"      --proc DIR         read procfs from DIR (default /proc)\n"
	"      --libvirt DIR      libvirt's live domain XML, for VM names (default\n"
	"                         /run/libvirt/qemu)\n"
	"      --pve DIR          Proxmox VE's guest configs, for VM names (default\n"
	"                         /etc/pve/qemu-server)\n"
	"  -e, --events LIST      perf counters per vCPU/iothread, libpfm4 names, comma-separated\n"
	"                         (default cycles:mg,instructions:mg,cycles:mh,instructions:mh\n"
	"                         where a PMU exists, on the vCPUs of the VM in focus only)\n"
	"      --debugfs DIR      read KVM stats from DIR/kvm (default: the mounted debugfs)\n"
	"\n"
	"Exporter:\n"
	"      --serve [ADDR:]PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	"                         (ADDR 127.0.0.1 unless given; [::1]:PORT for IPv6)\n"
	"      --per-vcpu         --serve, openmetrics, prometheus: per-vCPU series too\n"
	"      --hot-top N        --serve, openmetrics, prometheus: hot addresses exported per\n"
	"                         VM and kind, 1 to 16 (default 5), the rest as \"other\"\n"
	"\n"
	"A trace-cmd recording (how to record it: kvmscope(8), READING A TRACE.DAT):\n"
	"  -i, --input FILE       read a trace.dat instead of the live host: the replay\n"
	"                         screen on a terminal, records with -b; -d is then\n"
	"                         seconds of the file's time per tick\n"
	"      --summary          one record for the whole file\n"
	"      --tgids FILE       the recording's saved_tgids: threads grouped by VM\n"
	"\n"
	"Flight recorder (kvmscope record: every tick to a recording, nothing printed):\n"
	"  -o, --output PATH      record: a file, or a directory of daily files\n"
	"                         (default " RECORDER_DIR "/)\n"
	"      --record PATH      also record every tick while showing or printing it\n"
	"      --rotate WHEN      a directory's files: daily (default) or never\n"
	"      --max-size SIZE    a directory: a new file once one has SIZE (K, M, G)\n"
	"      --keep-days N      a directory: remove recordings not written for N days\n"
	"      --max-total SIZE   a directory: remove the oldest while all take more\n"
	"      --daemon           record: detach from the terminal\n"
	"      --pidfile FILE     record: write the process id to FILE\n"
	"  -r, --read PATH        a recording (a file, a directory of them, batch JSON):\n"
	"                         the replay screen on a terminal (the live keys, and\n"
	"                         , . step, Space plays, [ ] pace, b jumps: see ?);\n"
	"                         with -b, --format or -o, its ticks as -b printed them\n"
	"      --begin TIME       -r: from TIME: YYYY-MM-DD HH:MM[:SS], HH:MM[:SS] (the\n"
	"                         last such time in it) or @SECONDS; local, or Z/+HH:MM\n"
	"      --end TIME         -r: up to TIME (inclusive)\n"
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
	OPT_SERVE,
	OPT_PER_VCPU,
	OPT_HOT_TOP,
	OPT_SUMMARY,
	OPT_TGIDS,
	OPT_NO_SYSCALLS,
	OPT_RECORD,
	OPT_ROTATE,
	OPT_MAX_SIZE,
	OPT_KEEP_DAYS,
	OPT_MAX_TOTAL,
	OPT_DAEMON,
	OPT_PIDFILE,
	OPT_BEGIN,
	OPT_END,
	OPT_BUDGET,
	OPT_FULL_DETAIL,
	OPT_HISTORY,
	OPT_LIBVIRT,
	OPT_PVE,
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
	{ "no-syscalls", no_argument, NULL, OPT_NO_SYSCALLS },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "full-detail", no_argument, NULL, OPT_FULL_DETAIL },
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "libvirt", required_argument, NULL, OPT_LIBVIRT },
	{ "pve", required_argument, NULL, OPT_PVE },
	{ "events", required_argument, NULL, 'e' },
	{ "debugfs", required_argument, NULL, OPT_DEBUGFS },
	{ "output", required_argument, NULL, 'o' },
	{ "serve", required_argument, NULL, OPT_SERVE },
	{ "per-vcpu", no_argument, NULL, OPT_PER_VCPU },
	{ "hot-top", required_argument, NULL, OPT_HOT_TOP },
	{ "input", required_argument, NULL, 'i' },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "tgids", required_argument, NULL, OPT_TGIDS },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "rotate", required_argument, NULL, OPT_ROTATE },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "keep-days", required_argument, NULL, OPT_KEEP_DAYS },
	{ "max-total", required_argument, NULL, OPT_MAX_TOTAL },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "read", required_argument, NULL, 'r' },
	{ "begin", required_argument, NULL, OPT_BEGIN },
	{ "end", required_argument, NULL, OPT_END },
	{ "history", required_argument, NULL, OPT_HISTORY },
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

/* Returns a rate: a number with an optional K or M (thousands, millions). */
static double parse_rate(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && (*end == 'k' || *end == 'K'))
		v *= 1e3, end++;
	else if (!errno && end != s && (*end == 'm' || *end == 'M'))
		v *= 1e6, end++;
	if (errno || end == s || *end || !(v >= 0 && v <= 1e9))
		die("%s: '%s' is not a number of events per second (K, M allowed) up to 1G", opt,
		    s);
	return v;
}

/* Returns a size in bytes: a whole number with an optional K, M, G or T (powers of 1024). */
static uint64_t parse_size(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end && !end[1]) {
		const char *u = strchr("KMGT", *end & ~0x20);

		shift = u ? 10 * (int)(u - "KMGT" + 1) : -1;
		end++;
	}
	if (errno || end == s || *end || shift < 0 || !v || s[0] == '-' ||
	    v > (UINT64_MAX >> shift))
		die("%s: '%s' is not a size (a number of bytes, or with K, M, G or T)", opt, s);
	return (uint64_t)v << shift;
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

/* Returns whether the batch format is one of the metrics expositions. */
static bool metrics_format(enum batch_format f)
{
	return f == BATCH_OPENMETRICS || f == BATCH_PROMETHEUS;
}

/* Dies on options that do not go together: --serve is a mode of its own, like -b. */
static void check_modes(const struct options *o, bool format_set)
{
	if (o->serve) {
		if (o->batch && !o->output)
			die("--serve and -b: give one of them (--serve is a mode of its own)");
		if (format_set || o->output)
			die("--serve answers in the format a scraper asks for: no --format, no -o");
		if (o->cumulative)
			die("-c and --serve: the exporter keeps running totals of each interval");
		if (o->detail)
			die("-H is for batch output, not --serve");
		return;
	}
	if (o->cumulative && metrics_format(o->format))
		die("-c and --format %s: its counters are running totals already",
		    o->format == BATCH_OPENMETRICS ? "openmetrics" : "prometheus");
	if ((o->per_vcpu || o->hot_top) && !metrics_format(o->format))
		die("--%s is for --serve and --format openmetrics|prometheus",
		    o->per_vcpu ? "per-vcpu" : "hot-top");
}

/* Dies on options that need -i without it, or that -i cannot honour. */
static void check_input(const struct options *o, const char *live_opt)
{
	if (!o->input) {
		if (o->summary)
			die("--summary reads a file: give -i FILE");
		if (o->tgids)
			die("--tgids goes with a file: give -i FILE");
		return;
	}
	if (o->serve)
		live_opt = "--serve";
	if (live_opt)
		die("%s is for the live host; it means nothing with -i", live_opt);
}

/*
 * The first option given of each kind that applies to some modes only, for one clear line:
 * the record command and a replay (-r).
 */
struct given {
	const char *sampling; /* how the host is sampled: not for a replay */
	const char *output;   /* what is printed, drawn or served: not for the record command */
	const char *rotation; /* how recordings are kept: only when recording */
	const char *command;  /* the record command's own */
	const char *range;    /* of a replay */
	const char *history;  /* of the live screen */
};

static void seen(const char **first, const char *name)
{
	if (!*first)
		*first = name;
}

/* Dies when an option of the flight recorder's was given where it does not apply. */
static void check_record(const struct options *o, const struct given *g)
{
	if (o->replay && (o->input || o->serve))
		die("-r and %s: give one of them", o->input ? "-i" : "--serve");
	if (o->replay && g->sampling)
		die("-r: %s does not apply to a recording (it holds what was sampled)", g->sampling);
	if (o->record && (o->replay || o->input))
		die("record: %s does not apply (it records the live host)", o->replay ? "-r" : "-i");
	if (o->record && g->output)
		die("record: %s does not apply (record prints nothing)", g->output);
	if (o->record_path && o->input)
		die("--record records the live host, not a trace.dat (-i)");
	if (!o->record && g->command)
		die("%s: only with kvmscope record", g->command);
	if (!o->record && !o->record_path && g->rotation)
		die("%s: only when recording (kvmscope record, or --record)", g->rotation);
	if (!o->replay && g->range)
		die("%s: only with -r", g->range);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	const char *live_opt = NULL;
	bool format_set = false;
	struct given g = { 0 };
	int c, err;
	int64_t t;

	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":bn:d:cHp:f:e:o:i:r:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			seen(&g.output, "-b");
			o->batch = true;
			break;
		case 'n':
			o->iterations = parse_long("-n", optarg, 1, LONG_MAX);
			break;
		case 'd':
			seen(&g.sampling, "-d");
			o->delay_s = parse_seconds("-d", optarg);
			break;
		case OPT_FORMAT:
			seen(&g.output, "--format");
			format_set = true;
			if (!strcmp(optarg, "text"))
				o->format = BATCH_TEXT;
			else if (!strcmp(optarg, "json"))
				o->format = BATCH_JSON;
			else if (!strcmp(optarg, "csv"))
				o->format = BATCH_CSV;
			else if (!strcmp(optarg, "openmetrics"))
				o->format = BATCH_OPENMETRICS;
			else if (!strcmp(optarg, "prometheus"))
				o->format = BATCH_PROMETHEUS;
			else
				die("--format: '%s' is not text, json, csv, openmetrics or "
				    "prometheus", optarg);
			break;
		case 'o':
			if (!*optarg)
				die("-o needs a file name");
			if (o->record) {
				/* The record command's output is its recording. */
				o->record_path = optarg;
				break;
			}
			o->output = optarg;
			o->batch = true;
			break;
		case OPT_SERVE: {
			struct sockaddr_storage ss;
			char why[160];
			socklen_t len;

			if (serve_parse_addr(optarg, &ss, &len, why, sizeof(why)))
				die("--serve: %s", why);
			seen(&g.output, "--serve");
			o->serve = optarg;
			break;
		}
		case OPT_PER_VCPU:
			seen(&g.output, "--per-vcpu");
			o->per_vcpu = true;
			break;
		case OPT_HOT_TOP:
			seen(&g.output, "--hot-top");
			o->hot_top = (int)parse_long("--hot-top", optarg, 1, OM_HOT_TOP_MAX);
			break;
		case 'H':
			seen(&g.output, "-H");
			o->detail = true;
			break;
		case 'c':
			seen(&g.sampling, "-c");
			o->cumulative = true;
			break;
		case OPT_NO_COLOR:
			seen(&g.output, "--no-color");
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
			seen(&g.sampling, "--no-trace");
			o->no_trace = true;
			live_opt = "--no-trace";
			break;
		case OPT_BUFFER_KB:
			seen(&g.sampling, "--buffer-kb");
			o->buffer_kb = (unsigned int)parse_long("--buffer-kb", optarg, 64, 4194304);
			live_opt = "--buffer-kb";
			break;
		case OPT_SCHED:
			seen(&g.sampling, "--sched");
			live_opt = "--sched";
			if (!strcmp(optarg, "tid"))
				o->sched = SCHED_TID;
			else if (!strcmp(optarg, "all"))
				o->sched = SCHED_ALL;
			else if (!strcmp(optarg, "off"))
				o->sched = SCHED_OFF;
			else
				die("--sched: '%s' is not tid, all or off", optarg);
			break;
		case OPT_NO_SYSCALLS:
			o->no_syscalls = true;
			break;
		case OPT_BUDGET:
			seen(&g.sampling, "--budget");
			live_opt = "--budget";
			o->budget = parse_rate("--budget", optarg);
			break;
		case OPT_FULL_DETAIL:
			seen(&g.sampling, "--full-detail");
			live_opt = "--full-detail";
			o->full_detail = true;
			break;
		case OPT_PROC:
			seen(&g.sampling, "--proc");
			o->proc_root = optarg;
			live_opt = "--proc";
			break;
		case OPT_LIBVIRT:
		case OPT_PVE: {
			const char *opt = c == OPT_LIBVIRT ? "--libvirt" : "--pve";
			struct stat sb;

			/* Given by hand, a typo would silently name nothing. */
			seen(&g.sampling, opt);
			errno = 0;
			if (stat(optarg, &sb) || !S_ISDIR(sb.st_mode))
				die("%s: %s: %s", opt, optarg,
				    errno ? strerror(errno) : "not a directory");
			*(c == OPT_LIBVIRT ? &o->libvirt_dir : &o->pve_dir) = optarg;
			live_opt = opt;
			break;
		}
		case 'e':
			seen(&g.sampling, "-e");
			o->events = optarg;
			live_opt = "-e";
			break;
		case OPT_DEBUGFS:
			seen(&g.sampling, "--debugfs");
			o->debugfs = optarg;
			live_opt = "--debugfs";
			break;
		case 'i':
			o->input = optarg;
			break;
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case OPT_TGIDS:
			o->tgids = optarg;
			break;
		case OPT_RECORD:
			seen(&g.sampling, "--record");
			seen(&g.output, "--record");
			o->record_path = optarg;
			break;
		case OPT_ROTATE:
			seen(&g.rotation, "--rotate");
			if (!strcmp(optarg, "never"))
				o->never_rotate = true;
			else if (strcmp(optarg, "daily"))
				die("--rotate: '%s' is not daily or never", optarg);
			break;
		case OPT_MAX_SIZE:
			seen(&g.rotation, "--max-size");
			o->max_size = parse_size("--max-size", optarg);
			break;
		case OPT_KEEP_DAYS:
			seen(&g.rotation, "--keep-days");
			o->keep_days = (int)parse_long("--keep-days", optarg, 1, 36500);
			break;
		case OPT_MAX_TOTAL:
			seen(&g.rotation, "--max-total");
			o->max_total = parse_size("--max-total", optarg);
			break;
		case OPT_DAEMON:
			seen(&g.command, "--daemon");
			o->daemon = true;
			break;
		case OPT_PIDFILE:
			seen(&g.command, "--pidfile");
			o->pidfile = optarg;
			break;
		case 'r':
			/* The replay screen on a terminal; records with -b (or not a terminal). */
			o->replay = optarg;
			break;
		case OPT_HISTORY:
			seen(&g.history, "--history");
			o->history_min = (double)parse_long("--history", optarg, 0, 1440);
			break;
		case OPT_BEGIN:
		case OPT_END:
			seen(&g.range, c == OPT_BEGIN ? "--begin" : "--end");
			if (replay_time(optarg, 0, &t))
				die("%s: '%s' is not a time (YYYY-MM-DD HH:MM[:SS], HH:MM[:SS] or "
				    "@SECONDS)", c == OPT_BEGIN ? "--begin" : "--end", optarg);
			*(c == OPT_BEGIN ? &o->begin : &o->end) = optarg;
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
	/* A format or one record of a file is text to print, not a screen to step through. */
	if ((o->replay || o->input) && (format_set || o->summary))
		o->batch = true;
	if (g.history && (o->batch || o->replay || o->input || o->serve || o->record))
		die("--history is for the live screen (its w key)");
	check_record(o, &g);
	check_modes(o, format_set);
	check_input(o, live_opt);
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

/*
 * Dies when FILE's directory takes no new file (read-only, not ours): -o with a metrics
 * format writes a temporary file beside FILE at each tick, and the first tick is too late
 * to say so, with tracing set up for nothing.
 */
static void check_replace_dir(const char *file)
{
	const char *slash = strrchr(file, '/');
	char dir[PATH_MAX];

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file) + 1, file);
	if (access(dir, W_OK | X_OK))
		die("-o: %s: %s", file, strerror(errno));
}

/* Batch output state. */
struct batch_out {
	const struct options *opt;
	struct batch_opts bo;
	struct table table; /* bo.table: text records are built in it */
	long printed;
	FILE *f;		    /* where records go, unless replaced */
	bool replace;		    /* -o with a metrics format: FILE replaced at each tick */
	const struct snapshot *s;   /* the record being written by batch_replace() */
	int err;		    /* -o failed: -errno */
};

static int batch_replace(FILE *f, void *arg)
{
	struct batch_out *b = arg;

	return batch_print(f, b->s, &b->bo);
}

static int batch_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	struct batch_out *b = arg;

	(void)ctl;
	b->bo.header = !b->printed;
	if (b->replace) {
		b->s = s;
		b->err = textfile_replace(b->opt->output, batch_replace, b);
		if (b->err)
			return 1;
	} else if (batch_print(b->f, s, &b->bo)) {
		return 1; /* the reader went away: stop quietly */
	}
	if (b->opt->format == BATCH_TEXT)
		fputs("\n", b->f);
	b->printed++;
	return b->opt->iterations && b->printed >= b->opt->iterations ? 1 : 0;
}

/*
 * The recorder beside the output (tick_output.taken): writes each snapshot taken, also while
 * the screen is paused. A failure to record is said once, and again when it recovers; the
 * monitor goes on either way.
 */
struct rec_out {
	const struct options *opt;
	struct recorder *rec;
	bool quiet; /* the screen is up: say nothing until it is down */
	bool failing;
	long ticks; /* recorded */
	char why[512];
};

static void rec_note(void *arg, const char *line)
{
	const struct rec_out *r = arg;

	if (!r->quiet)
		fprintf(stderr, "kvmscope: %s\n", line);
}

static void rec_result(struct rec_out *r, int err)
{
	if (err && !r->failing)
		rec_note(r, r->why);
	r->failing = err != 0;
}

static int rec_taken(void *arg, const struct snapshot *s)
{
	struct rec_out *r = arg;

	rec_result(r, recorder_tick(r->rec, s, r->why, sizeof(r->why)));
	r->ticks++;
	return 0;
}

/* The record command's output: nothing to show; -n counts the ticks recorded. */
static int rec_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	struct rec_out *r = arg;

	(void)s;
	(void)ctl;
	return r->opt->iterations && r->ticks >= r->opt->iterations ? 1 : 0;
}

/* SIGHUP in the record command: logrotate moved the file. */
static int rec_hangup(void *arg)
{
	struct rec_out *r = arg;

	rec_result(r, recorder_reopen(r->rec, r->why, sizeof(r->why)));
	return 0;
}

static void replay_warn(const char *line)
{
	fprintf(stderr, "kvmscope: %s\n", line);
}

/* The replay screen's: damage skipped at open, the first said on its bottom line. */
struct warned {
	char *line;
	size_t n;
	int count;
};

static void note_warn(void *arg, const char *line)
{
	struct warned *w = arg;

	if (!w->count++)
		snprintf(w->line, w->n, "%s", line);
}

/* Opens the recorder of the record command or --record; dies when it cannot. */
static struct recorder *record_start(const struct options *opt, struct rec_out *rout)
{
	struct recorder_config rc = {
		.path = opt->record_path,
		.never_rotate = opt->never_rotate,
		.max_size = opt->max_size,
		.keep_days = opt->keep_days,
		.max_total = opt->max_total,
		/*
		 * -p/-f choose what the record command keeps; beside a live view they are the
		 * view's, and the recording keeps every VM, as the view's snapshot has them.
		 */
		.info = { .kvmscope = KVMSCOPE_VERSION,
			  .interval_s = opt->delay_s,
			  .cumulative = opt->cumulative,
			  .filter = opt->record ? opt->filter_src : NULL,
			  .filter_re = opt->record && opt->have_filter ? &opt->filter : NULL },
		.note = rec_note,
		.note_arg = rout,
	};
	struct recorder *rec;
	char why[512];
	FILE *pf = NULL;

	/* Say what cannot work while there is a terminal to say it on. */
	rout->quiet = !opt->record && !opt->batch && !opt->serve;
	if (recorder_open(&rc, &rec, why, sizeof(why)))
		die("%s%s", opt->record ? "record: " : "--record: ", why);
	if (!opt->record)
		return rec;
	if (opt->pidfile && !(pf = fopen(opt->pidfile, "we")))
		die("--pidfile: %s: %s", opt->pidfile, strerror(errno));
	if (opt->daemon && daemon(0, 0))
		die("--daemon: %s", strerror(errno));
	if (pf) {
		fprintf(pf, "%d\n", (int)getpid());
		if (fclose(pf))
			die("--pidfile: %s: %s", opt->pidfile, strerror(errno));
	}
	return rec;
}

int main(int argc, char **argv)
{
	struct options opt = {
		.delay_s = 1.0,
		.proc_root = "/proc",
		.budget = TICK_BUDGET_DEFAULT,
		.history_min = INCIDENT_MINUTES,
	};
	struct batch_out bout = { .opt = &opt, .f = stdout };
	struct tick_output out = { .input_fd = -1, .output_fd = -1 };
	struct om_config omc = { .version = KVMSCOPE_VERSION };
	struct rec_out rout = { .opt = &opt };
	struct incident *inc = NULL;
	struct timeline *tl = NULL;
	struct serve *sv = NULL;
	struct tui *tui = NULL;
	char why[1024], note[640] = "";
	int err;

	setlocale(LC_ALL, "");
	/* JSON and recordings need "." in numbers whatever the user's locale writes. */
	setlocale(LC_NUMERIC, "C");
	opt.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		opt.no_color = true;
	util_set_fatal_hook(fatal_hook);
	/* The record command: kvmscope record [OPTIONS]. */
	if (argc > 1 && !strcmp(argv[1], "record")) {
		opt.record = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	parse_args(argc, argv, &opt);
	omc.per_vcpu = opt.per_vcpu;
	omc.hot_top = opt.hot_top;
	omc.filter = opt.have_filter ? &opt.filter : NULL;

	if (!opt.serve && !opt.batch && !opt.record && !isatty(STDOUT_FILENO))
		opt.batch = true;
	/* The replay screen's file is opened first: what is wrong with it is one line. */
	if (!opt.batch && !opt.serve && !opt.record && (opt.replay || opt.input)) {
		struct warned w = { .line = note, .n = sizeof(note) };

		err = opt.replay ? timeline_open_recording(opt.replay, opt.begin, opt.end,
							   note_warn, &w, &tl, why, sizeof(why))
				 : timeline_open_tracedat(&opt, &tl, why, sizeof(why));
		if (err) {
			fprintf(stderr, "kvmscope: %s\n", why);
			return 1;
		}
		if (w.count > 1)
			snprintf(note + strlen(note), sizeof(note) - strlen(note),
				 " (and %d more problems skipped)", w.count - 1);
	}
	bout.bo.format = opt.format;
	bout.bo.detail = opt.detail;
	bout.bo.utf8 = opt.utf8;
	bout.bo.filter = opt.have_filter ? &opt.filter : NULL;
	bout.bo.delay_s = opt.delay_s;
	bout.bo.table = &bout.table;
	if (opt.batch && metrics_format(opt.format))
		bout.bo.metrics = openmetrics_new(&omc);
	bout.replace = opt.output && metrics_format(opt.format);
	if (opt.output && !bout.replace && !(bout.f = fopen(opt.output, "w")))
		die("-o: %s: %s", opt.output, strerror(errno));
	if (bout.replace)
		check_replace_dir(opt.output);
	out.show = batch_show;
	out.arg = &bout;
	if (opt.record || opt.record_path) {
		rout.rec = record_start(&opt, &rout);
		out.taken = rec_taken;
		out.rec = &rout;
	}
	if (opt.record) {
		out.show = rec_show;
		out.arg = &rout;
		out.hangup = rec_hangup;
	} else if (opt.serve) {
		struct serve_config sc = {
			.listen = opt.serve,
			.om = omc,
			.iterations = opt.iterations,
		};

		sv = serve_start(&sc, why, sizeof(why));
		if (!sv) {
			fprintf(stderr, "kvmscope: --serve: %s\n", why);
			return 1;
		}
		out.show = serve_show;
		out.arg = sv;
	} else if (!opt.batch) {
		struct tui_config tc = {
			.color = !opt.no_color,
			.utf8 = opt.utf8,
			.filter_src = opt.filter_src,
			.iterations = tl ? 0 : opt.iterations,
			.delay_s = opt.delay_s,
		};

		tui = tui_start(&tc, why, sizeof(why));
		if (!tui) {
			fprintf(stderr, "kvmscope: %s\n", why);
			recorder_close(rout.rec);
			timeline_close(tl);
			return 1;
		}
		out.show = tui_show;
		out.input = tui_input;
		out.resize = tui_resize;
		out.input_fd = tui_input_fd(tui);
		out.output_fd = tui_output_fd(tui);
		out.arg = tui;
		if (!tl && opt.history_min > 0) {
			struct incident_config ic = { .minutes = opt.history_min,
						      .interval_s = opt.delay_s,
						      .version = KVMSCOPE_VERSION };

			inc = incident_wrap(&ic, &out);
			tui_set_history(tui, incident_history(inc));
		} else if (tl && opt.history_min > 0) {
			/* A trace.dat's ticks are -d of its time: a slot a tick, its seconds are few. */
			tui_keep_history(tui, opt.input ? SPARK_SLOTS * opt.delay_s
						       : opt.history_min * 60);
		}
	} else if (!bout.replace) {
		out.output_fd = fileno(bout.f);
	}

	if (tl) {
		err = replay_screen_run(tl, &out, opt.cumulative, note[0] ? note : NULL, why,
					sizeof(why));
	} else if (opt.replay) {
		struct replay_config rc = { .path = opt.replay, .begin = opt.begin, .end = opt.end,
					    .warn = replay_warn, .interval_s = &bout.bo.delay_s };

		err = replay_run(&rc, &out, why, sizeof(why));
		/* Damage skipped: said already, and the exit status says so. */
		rout.failing = err > 0;
		err = err > 0 ? 0 : err;
	} else if (opt.input) {
		err = offline_run(&opt, &out, why, sizeof(why));
	} else {
		err = tick_run(&opt, &out, why, sizeof(why));
	}
	/* Signals and q end the loop; the terminal is restored before anything is printed. */
	tui_stop(tui);
	incident_free(inc);
	timeline_close(tl);
	serve_stop(sv);
	recorder_close(rout.rec);
	if (opt.pidfile)
		unlink(opt.pidfile);
	openmetrics_free(bout.bo.metrics);
	table_free(&bout.table);
	if (bout.f != stdout && fclose(bout.f) && !err) {
		err = -errno;
		snprintf(why, sizeof(why), "-o: %s: %s", opt.output, strerror(errno));
	}
	if (bout.err && !err) {
		err = bout.err;
		snprintf(why, sizeof(why), "-o: %s: %s", opt.output, strerror(-bout.err));
	}
	if (opt.have_filter)
		regfree(&opt.filter);
	if (err) {
		fprintf(stderr, "kvmscope: %s\n", why);
		return 1;
	}
	if (rout.failing) {
		if (!opt.replay)
			fprintf(stderr, "kvmscope: %s\n", rout.why);
		return 1;
	}
	return 0;
}
