// SPDX-License-Identifier: GPL-2.0
/*
 * perf probe: libpfm4 encoding of the default events and of bad names, and real counters
 * opened on this test's own thread (task-clock against the thread's CPU clock; hardware
 * events either count or say why not).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "perf.h"
#include "unit.h"

START_TEST(encode_defaults)
{
	struct perf_event_def defs[PERF_EVENTS_MAX];
	char why[128] = "";
	int n = perf_parse_list(PERF_DEFAULT_EVENTS, defs, PERF_EVENTS_MAX, why, sizeof(why));

	/* Hardware counters only: software ones duplicate schedstat and cost every switch. */
	ck_assert_msg(n == 4, "%d: %s", n, why);
	/* cycles:mg counts guest mode only, cycles:mh host mode only. */
	ck_assert_str_eq(defs[0].name, "cycles:mg");
	ck_assert(defs[0].hw);
	ck_assert_int_eq(defs[0].attr.type, PERF_TYPE_HARDWARE);
	ck_assert_int_eq(defs[0].attr.config, PERF_COUNT_HW_CPU_CYCLES);
	ck_assert(defs[0].attr.exclude_host && !defs[0].attr.exclude_guest);
	ck_assert_int_eq(defs[1].attr.config, PERF_COUNT_HW_INSTRUCTIONS);
	ck_assert(defs[2].attr.exclude_guest && !defs[2].attr.exclude_host);
	ck_assert_int_eq(defs[3].attr.config, PERF_COUNT_HW_INSTRUCTIONS);
	/* -e still takes software events, which count the thread in any mode. */
	n = perf_parse_list("task-clock,context-switches,cpu-migrations", defs, PERF_EVENTS_MAX,
			    why, sizeof(why));
	ck_assert_msg(n == 3, "%d: %s", n, why);
	ck_assert_int_eq(defs[0].attr.type, PERF_TYPE_SOFTWARE);
	ck_assert_int_eq(defs[0].attr.config, PERF_COUNT_SW_TASK_CLOCK);
	ck_assert_int_eq(defs[0].kind, CTR_TIME_NS);
	ck_assert(!defs[0].hw);
	ck_assert(!defs[0].attr.exclude_guest && !defs[0].attr.exclude_host);
	ck_assert_int_eq(defs[1].attr.config, PERF_COUNT_SW_CONTEXT_SWITCHES);
	ck_assert_int_eq(defs[2].attr.config, PERF_COUNT_SW_CPU_MIGRATIONS);
}
END_TEST

START_TEST(encode_bad_names)
{
	struct perf_event_def defs[PERF_EVENTS_MAX];
	char why[128] = "";

	ck_assert_int_eq(perf_parse_list("task-clock,no-such-event", defs, PERF_EVENTS_MAX, why,
					 sizeof(why)),
			 -ENOENT);
	ck_assert_str_eq(why, "'no-such-event': event not found");
	ck_assert_int_lt(perf_parse_list("cycles:zz", defs, PERF_EVENTS_MAX, why, sizeof(why)), 0);
	ck_assert(strstr(why, "cycles:zz") != NULL);
	ck_assert_int_lt(perf_parse_list(",", defs, PERF_EVENTS_MAX, why, sizeof(why)), 0);
	ck_assert_int_lt(perf_parse_list("cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs,cs", defs,
					 PERF_EVENTS_MAX, why, sizeof(why)),
			 0);
	/* A full perf:: name is as good as the short one. */
	ck_assert_int_eq(perf_parse_list("perf::cs", defs, PERF_EVENTS_MAX, why, sizeof(why)), 1);
	ck_assert_int_eq(defs[0].attr.config, PERF_COUNT_SW_CONTEXT_SWITCHES);
}
END_TEST

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const struct ctr_raw *get(const struct ctr_set *s, const char *name)
{
	const struct ctr_raw *c = ctr_set_find(s, name);

	ck_assert_msg(c != NULL, "%s missing", name);
	return c;
}

/*
 * Returns NULL when perf_event_open may count this process's own threads, else why not:
 * not root, perf_event_paranoid (above 1 the kernel refuses what the probe opens).
 */
static const char *perf_refused(void)
{
	static char why[96];
	FILE *f;
	int level = -9;

	if (!geteuid())
		return NULL;
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = -9;
		fclose(f);
	}
	if (level <= 1)
		return NULL;
	snprintf(why, sizeof(why), "not root and perf_event_paranoid is %d", level);
	return why;
}

START_TEST(count_own_thread)
{
	struct perf_event_def defs[PERF_EVENTS_MAX];
	struct perf_sample s = { 0 };
	const struct ctr_raw *tc, *cyc;
	volatile uint64_t spin = 0;
	uint64_t c0, c1, v0;
	char why[128];
	int n, pid = getpid(), tid = (int)syscall(SYS_gettid);
	struct perf *p;

	if (perf_refused())
		unit_skip("%s", perf_refused());
	n = perf_parse_list("task-clock,context-switches,cycles:mh", defs, PERF_EVENTS_MAX, why,
			    sizeof(why));
	ck_assert_int_eq(n, 3);
	p = perf_open(defs, n);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(perf_sync(p, &pid, &tid, 1, NULL, NULL), 0);
	ck_assert_int_eq(perf_sample(p, &s), 0);
	ck_assert_int_eq(s.nthreads, 1);
	ck_assert_int_eq(s.threads[0].tid, tid);
	tc = get(&s.threads[0].set, "task-clock");
	ck_assert_msg(tc->err == 0, "task-clock: %s", strerror(-tc->err));
	v0 = tc->value;
	c0 = thread_cpu_ns();
	while (thread_cpu_ns() - c0 < 100000000ull)
		spin++;
	/*
	 * Context switches at least. One sleep of 20 ms on an idle machine went uncounted in
	 * most runs here (a bare perf_event_open() group reads 0 too); ten of 2 ms
	 * count ten.
	 */
	for (n = 0; n < 10; n++)
		usleep(2000);
	c1 = thread_cpu_ns();
	ck_assert_int_eq(perf_sample(p, &s), 0);
	tc = get(&s.threads[0].set, "task-clock");
	/* Counted what the thread's CPU clock saw, within 10%. */
	ck_assert_msg((double)(tc->value - v0) > 0.9 * (double)(c1 - c0) &&
			      (double)(tc->value - v0) < 1.1 * (double)(c1 - c0),
		      "task-clock %llu ns, thread clock %llu ns",
		      (unsigned long long)(tc->value - v0), (unsigned long long)(c1 - c0));
	ck_assert_uint_ge(tc->enabled, tc->running);
	ck_assert_uint_ge(get(&s.threads[0].set, "context-switches")->value, 1);
	/* A hardware event counts, or says why it cannot (no PMU here), and the rest goes on. */
	cyc = get(&s.threads[0].set, "cycles:mh");
	if (cyc->err) {
		ck_assert_str_eq(ctr_why(cyc->err, cyc->hw), "no PMU");
		ck_assert_int_eq(perf_status(p)->state, SOURCE_DEGRADED);
		ck_assert_str_eq(perf_status(p)->why, "cycles:mh: no PMU");
	} else {
		ck_assert_uint_gt(cyc->value, 0);
		ck_assert_int_eq(perf_status(p)->state, SOURCE_OK);
	}
	/* The thread is dropped: counters closed, final values handed over. */
	ck_assert_int_eq(perf_sync(p, NULL, NULL, 0, NULL, NULL), 0);
	ck_assert_int_eq(perf_sample(p, &s), 0);
	ck_assert_int_eq(s.nthreads, 0);
	perf_sample_free(&s);
	perf_close(p);
}
END_TEST

struct spinner {
	int tid;
	volatile int go;
};

static void *spin_thread(void *arg)
{
	struct spinner *sp = arg;
	uint64_t c0;

	sp->tid = (int)syscall(SYS_gettid);
	while (!sp->go)
		usleep(1000);
	c0 = thread_cpu_ns();
	while (thread_cpu_ns() - c0 < 50000000ull)
		;
	return NULL;
}

static uint64_t final_ns;

static void on_gone(void *arg, int pid, int tid, const struct ctr_set *set)
{
	(void)pid;
	ck_assert_int_eq(tid, *(int *)arg);
	final_ns = get(set, "task-clock")->value;
}

/* A thread that exits still reads its final counts when it is dropped. */
START_TEST(final_counts_of_gone_thread)
{
	struct perf_event_def def;
	struct spinner sp = { 0 };
	char why[128];
	pthread_t th;
	struct perf *p;
	int pid = getpid();

	if (perf_refused())
		unit_skip("%s", perf_refused());
	ck_assert_int_eq(perf_encode("task-clock", &def, why, sizeof(why)), 0);
	p = perf_open(&def, 1);
	ck_assert_int_eq(pthread_create(&th, NULL, spin_thread, &sp), 0);
	while (!__atomic_load_n(&sp.tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	ck_assert_int_eq(perf_sync(p, &pid, &sp.tid, 1, on_gone, &sp.tid), 0);
	sp.go = 1;
	pthread_join(th, NULL);
	final_ns = 0;
	ck_assert_int_eq(perf_sync(p, NULL, NULL, 0, on_gone, &sp.tid), 0);
	ck_assert_msg(final_ns >= 45000000ull && final_ns < 200000000ull, "final %llu ns",
		      (unsigned long long)final_ns);
	perf_close(p);
}
END_TEST

/*
 * Per-CPU counting (every thread on each CPU, one group read per CPU) of a tracepoint, with a
 * filter: sched_switch away from this thread only, which a sleep makes happen.
 */
START_TEST(per_cpu_filtered_tracepoint)
{
	struct perf_event_def defs[2];
	struct perf_sample s = { 0 };
	uint64_t mine = 0, all = 0;
	struct perf *p;
	int i, k;

	if (geteuid())
		unit_skip("needs root: per-CPU counters and tracefs");
	if (perf_tracepoint("/sys/kernel/tracing", "sched", "sched_switch", &defs[0]))
		unit_skip("no sched:sched_switch id in /sys/kernel/tracing");
	ck_assert_int_eq(perf_tracepoint("/sys/kernel/tracing", "sched", "no_such_event", &defs[1]),
			 -ENOENT);
	ck_assert_int_eq(perf_tracepoint("/sys/kernel/tracing", "sched", "sched_switch", &defs[1]),
			 0);
	ck_assert_int_eq(defs[0].attr.sample_period, 0);
	snprintf(defs[1].name, sizeof(defs[1].name), "sched_switch(mine)");
	snprintf(defs[1].filter, sizeof(defs[1].filter), "prev_pid == %d",
		 (int)syscall(SYS_gettid));
	p = perf_open(defs, 2);
	ck_assert_int_eq(perf_open_cpus(p, (int)sysconf(_SC_NPROCESSORS_CONF)), 0);
	for (i = 0; i < 20; i++)
		usleep(1000);
	ck_assert_int_eq(perf_sample(p, &s), 0);
	ck_assert_int_ge(s.nthreads, 1);
	for (i = 0; i < s.nthreads; i++) {
		ck_assert_int_eq(s.threads[i].tid, -1);
		ck_assert_int_ge(s.threads[i].cpu, 0);
		for (k = 0; k < 2; k++)
			ck_assert_int_eq(s.threads[i].set.v[k].err, 0);
		all += s.threads[i].set.v[0].value;
		mine += s.threads[i].set.v[1].value;
	}
	/* At least our 20 sleeps, and more switches of everyone than of ours. */
	ck_assert_uint_ge(mine, 20);
	ck_assert_uint_ge(all, mine);
	/* A filter the kernel refuses: the event says why, the probe goes on. */
	perf_sample_free(&s);
	perf_close(p);
	snprintf(defs[1].filter, sizeof(defs[1].filter), "no_such_field == 1");
	p = perf_open(defs, 2);
	ck_assert_int_eq(perf_open_cpus(p, (int)sysconf(_SC_NPROCESSORS_CONF)), 0);
	ck_assert_int_eq(perf_sample(p, &s), 0);
	ck_assert_int_ne(s.threads[0].set.v[1].err, 0);
	ck_assert_int_eq(s.threads[0].set.v[0].err, 0);
	perf_sample_free(&s);
	perf_close(p);
}
END_TEST

/* Near the fd limit: raised toward the hard limit, else the counter says why. */
START_TEST(fd_limit)
{
	struct perf_event_def def;
	struct perf_sample s = { 0 };
	struct rlimit rl;
	char why[128];
	struct perf *p;
	int pid = getpid(), tid = (int)syscall(SYS_gettid);

	if (perf_refused())
		unit_skip("%s", perf_refused());
	ck_assert_int_eq(perf_encode("task-clock", &def, why, sizeof(why)), 0);
	/* Soft limit low, hard limit above it: raised, and counting. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Room above the soft limit to raise it into: root makes it (in this test's process). */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 200 && !geteuid()) {
		rl.rlim_max = 1024;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 200)
		unit_skip("the hard fd limit is %llu, under 200, and only root may raise it",
			  (unsigned long long)rl.rlim_max);
	rl.rlim_cur = 60;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	p = perf_open(&def, 1);
	ck_assert_int_eq(perf_sync(p, &pid, &tid, 1, NULL, NULL), 0);
	perf_sample(p, &s);
	ck_assert_int_eq(s.threads[0].set.v[0].err, 0);
	ck_assert_int_eq(perf_status(p)->state, SOURCE_OK);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_gt(rl.rlim_cur, 60);
	perf_close(p);

	/* Hard limit low: nothing to raise; fd limit named, with the limit. */
	rl.rlim_cur = rl.rlim_max = 60;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	p = perf_open(&def, 1);
	ck_assert_int_eq(perf_sync(p, &pid, &tid, 1, NULL, NULL), 0);
	perf_sample(p, &s);
	ck_assert_int_eq(s.threads[0].set.v[0].err, -EMFILE);
	ck_assert_int_eq(perf_status(p)->state, SOURCE_UNAVAILABLE);
	ck_assert_str_eq(perf_status(p)->why,
			 "task-clock: fd limit (RLIMIT_NOFILE at its hard limit 60)");

	/*
	 * Newcomers at the limit are not tried (a failed try of a tracepoint counter costs
	 * an RCU grace period in its close); they say the same.
	 */
	{
		int pids[3] = { pid, pid + 1, pid + 2 }, tids[3] = { tid, tid, tid };

		ck_assert_int_eq(perf_sync(p, pids, tids, 3, NULL, NULL), 0);
		perf_sample(p, &s);
		ck_assert_int_eq(s.nthreads, 3);
		ck_assert_int_eq(s.threads[2].set.v[0].err, -EMFILE);
		ck_assert_int_eq(perf_status(p)->state, SOURCE_UNAVAILABLE);
	}
	perf_sample_free(&s);
	perf_close(p);
}
END_TEST

static Suite *perf_suite(void)
{
	Suite *s = suite_create("perf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, encode_defaults);
	tcase_add_test(tc, encode_bad_names);
	tcase_add_test(tc, count_own_thread);
	tcase_add_test(tc, final_counts_of_gone_thread);
	tcase_add_test(tc, fd_limit);
	tcase_add_test(tc, per_cpu_filtered_tracepoint);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(perf_suite)
