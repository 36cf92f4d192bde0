// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "offline.h"
#include "procfs.h"
#include "tracedat.h"
#include "util.h"

/* Host threads named per tick for the wake graph, as the live loop does. */
#define OFFLINE_NAMES_MAX 32

/* Everything the offline loop holds; torn down in one place. */
struct offline {
	const struct options *opt;
	struct tracedat *td;
	struct model model;
	bool have_model;
	struct procfs_sample ps; /* the VMs and threads learnt from the file */
	unsigned int gen;	 /* tracedat_threads_gen() the model last got */
	uint64_t t0;		 /* the first record: tick 0 starts here */
	uint64_t tick_ns;
	long next; /* the tick the model is at: its events are next */
	struct source_status perf_st, kstat_st;
};

/* Feeds one event; VMs and threads the file just revealed go to the model first. */
static void on_event(void *arg, const struct kvm_event *ev)
{
	struct offline *o = arg;

	if (tracedat_threads_gen(o->td) != o->gen) {
		o->gen = tracedat_threads_gen(o->td);
		tracedat_sample(o->td, &o->ps);
		model_update_procfs(&o->model, &o->ps);
	}
	model_event(&o->model, ev);
}

/* Records the sources: the file's three, and the live-only probes as off. */
static void set_sources(struct offline *o)
{
	int i;

	for (i = 0; i < TRACEDAT_SOURCES; i++)
		model_set_source(&o->model, tracedat_status(o->td, i));
	model_set_source(&o->model, &o->perf_st);
	model_set_source(&o->model, &o->kstat_st);
}

/*
 * Names the host threads the wake graph met, from the file's saved cmdlines: all of them
 * (the live loop names some per tick, as /proc is read), bounded all the same.
 */
static void name_wakers(struct offline *o)
{
	char comm[PROC_COMM_MAX];
	int tids[OFFLINE_NAMES_MAX];
	int i, n, rounds = 0;

	do {
		n = model_wake_unnamed(&o->model, tids, OFFLINE_NAMES_MAX);
		for (i = 0; i < n; i++) {
			if (tracedat_comm(o->td, tids[i], comm, sizeof(comm)) || !comm[0])
				strlcpy0(comm, "?", sizeof(comm));
			model_wake_name(&o->model, tids[i], comm);
		}
	} while (n == OFFLINE_NAMES_MAX && ++rounds < 64);
}

/* Returns 0 with a fresh model at the start of the file, or -errno with why. */
static int restart(struct offline *o, char *why, size_t whysz)
{
	struct proc_host host;
	int err;

	if (o->have_model) {
		model_free(&o->model);
		o->have_model = false;
		err = tracedat_rewind(o->td);
		if (err) {
			snprintf(why, whysz, "%s: cannot read it again: %s", o->opt->input,
				 strerror(-err));
			return err;
		}
	}
	o->t0 = tracedat_next_ns(o->td);
	model_init(&o->model, o->t0);
	o->have_model = true;
	tracedat_host(o->td, &host);
	model_set_host(&o->model, &host);
	model_set_exit_names(&o->model, tracedat_exit_names(o->td));
	o->gen = tracedat_threads_gen(o->td);
	tracedat_sample(o->td, &o->ps);
	model_update_procfs(&o->model, &o->ps);
	set_sources(o);
	model_prime(&o->model, o->t0);
	o->next = 0;
	return 0;
}

/*
 * Returns the snapshot of the model's next tick, reading the file up to until (~0: to its
 * end), or NULL at the end of the file (*err 0) or on an error (*err -errno, why written).
 */
static struct snapshot *step(struct offline *o, uint64_t until, bool cumulative, int *err,
			     char *why, size_t whysz)
{
	uint64_t end = until;
	struct snapshot *s;
	int n;

	*err = 0;
	if (tracedat_done(o->td))
		return NULL;
	n = tracedat_read(o->td, until, on_event, o);
	if (n < 0) {
		*err = n;
		snprintf(why, whysz, "%s: %s", o->opt->input, strerror(-n));
		return NULL;
	}
	/* The last tick ends with the last record, so its rates cover what it holds. */
	if (tracedat_done(o->td))
		end = tracedat_last_ns(o->td) + 1;
	model_set_lost(&o->model, tracedat_lost(o->td));
	set_sources(o);
	name_wakers(o);
	o->next++;
	s = model_snapshot(&o->model, end, 0, cumulative);
	/* The file holds no wall clock: its ticks are dated on its own. */
	s->trace_ns = end - o->t0;
	return s;
}

struct snapshot *offline_tick(struct offline *o, long i, bool cumulative, int *err, char *why,
			      size_t whysz)
{
	struct snapshot *s = NULL;

	*err = 0;
	if (i < 0)
		return NULL;
	if (i < o->next || !o->have_model) {
		*err = restart(o, why, whysz);
		if (*err)
			return NULL;
	}
	/* Ticks before i go through the model too: their windows fold into the cumulative one. */
	while (o->next <= i) {
		snapshot_free(s);
		s = step(o, o->t0 + (uint64_t)(o->next + 1) * o->tick_ns, cumulative, err, why,
			 whysz);
		if (!s)
			return NULL;
	}
	return s;
}

struct snapshot *offline_summary(struct offline *o, int *err, char *why, size_t whysz)
{
	*err = restart(o, why, whysz);
	if (*err)
		return NULL;
	return step(o, ~0ull, false, err, why, whysz);
}

struct offline *offline_open(const struct options *opt, char *why, size_t whysz)
{
	struct offline *o = xcalloc(1, sizeof(*o));

	o->opt = opt;
	o->tick_ns = (uint64_t)(opt->delay_s * 1e9);
	o->td = tracedat_open(opt->input, opt->tgids, why, whysz);
	if (!o->td) {
		free(o);
		return NULL;
	}
	o->perf_st.name = "perf";
	source_set(&o->perf_st, SOURCE_OFF, "reading a trace.dat");
	o->kstat_st.name = "kvmstat";
	source_set(&o->kstat_st, SOURCE_OFF, "reading a trace.dat");
	return o;
}

void offline_close(struct offline *o)
{
	if (!o)
		return;
	if (o->have_model)
		model_free(&o->model);
	procfs_sample_free(&o->ps);
	tracedat_close(o->td);
	free(o);
}

int offline_run(const struct options *opt, const struct tick_output *out, char *why, size_t whysz)
{
	struct tick_ctl ctl = { .cumulative = opt->cumulative, .delay_s = opt->delay_s };
	struct offline *o = offline_open(opt, why, whysz);
	struct snapshot *s;
	int err = 0, ret = 0;
	long i;

	if (!o)
		return errno ? -errno : -EINVAL;
	if (tracedat_done(o->td)) {
		snprintf(why, whysz, "%s: no events in the file", opt->input);
		offline_close(o);
		return -ENODATA;
	}
	for (i = 0; !ret; i++) {
		if (opt->summary)
			s = i ? NULL : offline_summary(o, &err, why, whysz);
		else
			s = offline_tick(o, i, ctl.cumulative, &err, why, whysz);
		if (!s)
			break;
		ret = out->show(out->arg, s, &ctl);
		snapshot_free(s);
	}
	offline_close(o);
	if (err)
		return err;
	return ret < 0 ? ret : 0;
}
