// SPDX-License-Identifier: GPL-2.0
/* The JSON schema of a snapshot: what batch JSON prints, one document per tick. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "json.h"
#include "pane.h"
#include "snapjson.h"

static const char *kind_name(enum thread_kind k)
{
	return k == THREAD_VCPU ? "vcpu" : k == THREAD_IOTHREAD ? "iothread" : "other";
}

static void json_cpu(struct json *j, const struct cpu_split *c)
{
	json_obj(j, "cpu");
	json_num(j, "cpu_pct", c->cpu, true);
	json_num(j, "guest_pct", c->guest, true);
	json_num(j, "host_pct", c->host, true);
	json_num(j, "steal_pct", c->steal, true);
	json_num(j, "csw_rate", c->cs, true);
	json_obj_end(j);
}

static void json_split(struct json *j, const struct exit_split *sp)
{
	json_obj(j, "split");
	json_str(j, "source", sp->source == SPLIT_EVENTS   ? "events"
			      : sp->source == SPLIT_PROCFS ? "procfs"
							   : "none");
	json_bool(j, "sched", sp->sched);
	json_num(j, "guest_pct", sp->guest, true);
	json_num(j, "kernel_pct", sp->kernel, true);
	json_num(j, "user_pct", sp->user, true);
	json_num(j, "halted_pct", sp->halted, true);
	json_num(j, "waiting_pct", sp->waiting, true);
	json_obj_end(j);
}

/* Writes an address as "0x..." text, or null for the other bucket, which has none. */
static void json_addr(struct json *j, bool other, uint64_t addr)
{
	char b[FMT_MAX];

	if (other)
		json_num(j, "addr", -1, true);
	else
		json_str(j, "addr", fmt_hex(b, addr));
}

/* Writes a time in ns, or null when none was measured. */
static void json_ns(struct json *j, const char *key, uint64_t ns, bool known)
{
	if (known)
		json_uint(j, key, ns);
	else
		json_num(j, key, -1, true);
}

static void json_exits(struct json *j, const struct snap_exit *e, int n)
{
	static const char *const kinds[] = { [EXIT_KIND_HW] = "hw", [EXIT_KIND_USER] = "user",
					     [EXIT_KIND_EVENT] = "event" };
	int i;

	json_arr(j, "exits");
	for (i = 0; i < n; i++, e++) {
		bool timed = e->time_share >= 0;

		json_obj(j, NULL);
		json_str(j, "name", e->name);
		json_uint(j, "reason", e->reason);
		json_str(j, "kind", e->kind <= EXIT_KIND_EVENT ? kinds[e->kind] : "?");
		if (e->hot >= 0 && e->hot <= HOT_MSR)
			json_str(j, "hot", snap_hot_kind_name((unsigned int)e->hot));
		else
			json_num(j, "hot", -1, true);
		json_uint(j, "count", e->count);
		json_num(j, "rate", e->rate, true);
		json_num(j, "share_pct", e->share, true);
		json_num(j, "time_pct", e->time_share, true);
		json_ns(j, "total_ns", e->total_ns, timed);
		json_num(j, "mean_ns", timed ? e->mean_ns : -1, true);
		json_ns(j, "p99_ns", e->p99_ns, timed);
		json_ns(j, "max_ns", e->max_ns, timed);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_hot(struct json *j, const struct snap_vm *v)
{
	int i;

	json_arr(j, "hot");
	for (i = 0; i < v->nhot; i++) {
		const struct snap_hot *h = &v->hot[i];

		json_obj(j, NULL);
		json_str(j, "kind", snap_hot_kind_name(h->kind));
		json_bool(j, "other", h->other);
		json_addr(j, h->other, h->addr);
		json_str(j, "name", h->name);
		json_str(j, "rw", h->rw == (HOT_READ | HOT_WRITE) ? "rw"
				  : h->rw == HOT_READ		 ? "r"
				  : h->rw == HOT_WRITE		 ? "w"
								 : "");
		json_uint(j, "size", h->size);
		json_bool(j, "user", h->user);
		json_uint(j, "count", h->count);
		json_num(j, "rate", h->rate, true);
		json_num(j, "share_pct", h->share, true);
		json_num(j, "time_pct", h->time_share, true);
		json_ns(j, "total_ns", h->total_ns, h->time_share >= 0);
		json_num(j, "mean_ns", h->time_share >= 0 ? h->mean_ns : -1, true);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static const char *const ctr_kinds[] = { [SNAP_CTR_COUNT] = "count", [SNAP_CTR_TIME_NS] = "time_ns",
					  [SNAP_CTR_HIST] = "hist", [SNAP_CTR_GAUGE] = "gauge",
					  [SNAP_CTR_RATIO] = "ratio" };

/* Writes counters whose source is (or, with not set, is not) src; all when src is NULL. */
static void json_counters(struct json *j, const char *key, const struct snap_counter *c, int n,
			  const char *src, bool not)
{
	int i;

	json_arr(j, key);
	for (i = 0; i < n; i++, c++) {
		if (src && !strcmp(c->source, src) == not)
			continue;
		json_obj(j, NULL);
		json_str(j, "name", c->name);
		json_str(j, "source", c->source);
		json_str(j, "kind", c->kind <= SNAP_CTR_RATIO ? ctr_kinds[c->kind] : "?");
		json_str(j, "why", c->why);
		json_uint(j, "value", c->value);
		json_uint(j, "count", c->count);
		json_num(j, "rate", c->rate, true);
		json_num(j, "share_pct", c->share, true);
		json_num(j, "ratio", c->ratio, true);
		json_num(j, "scale", c->scale, true);
		if (c->kind == SNAP_CTR_HIST)
			json_uint(j, "p50_ns", c->p50);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* A thread's perf summary (the columns of the threads pane) and its counters. */
static void json_perf(struct json *j, const struct snap_thread *t)
{
	const struct snap_counter *c;

	json_obj(j, "perf");
	c = snap_counter_find(t->counters, t->ncounters, "task-clock");
	json_num(j, "task_clock_pct", c ? c->share : -1, true);
	c = snap_counter_find(t->counters, t->ncounters, "context-switches");
	json_num(j, "cs_rate", c ? c->rate : -1, true);
	c = snap_counter_find(t->counters, t->ncounters, "cpu-migrations");
	json_num(j, "migrations_rate", c ? c->rate : -1, true);
	c = snap_counter_find(t->counters, t->ncounters, "ipc:mg");
	json_num(j, "ipc_guest", c ? c->ratio : -1, true);
	json_str(j, "ipc_guest_why", c ? c->why : "not counted");
	c = snap_counter_find(t->counters, t->ncounters, "ipc:mh");
	json_num(j, "ipc_host", c ? c->ratio : -1, true);
	json_str(j, "ipc_host_why", c ? c->why : "not counted");
	json_counters(j, "counters", t->counters, t->ncounters, "perf", false);
	json_obj_end(j);
}

static const char *const wake_nodes[] = { [WAKE_NODE_VCPU] = "vcpu",
					   [WAKE_NODE_IOTHREAD] = "iothread",
					   [WAKE_NODE_VMTHREAD] = "other",
					   [WAKE_NODE_HOST] = "host",
					   [WAKE_NODE_IRQ] = "irq" };

/* The VM's wake graph and round trips; empty arrays when nothing woke. */
static void json_wake(struct json *j, const struct snap_wake *w)
{
	int i;

	json_obj(j, "wake");
	json_uint(j, "unmatched", w ? w->unmatched : 0);
	json_arr(j, "edges");
	for (i = 0; w && i < w->nedges; i++) {
		const struct snap_wake_edge *e = &w->edges[i];

		json_obj(j, NULL);
		json_bool(j, "other", e->other);
		json_int(j, "waker_tid", e->waker);
		json_str(j, "waker", e->waker_comm);
		json_str(j, "waker_kind", e->other || e->waker_node > WAKE_NODE_IRQ
						  ? "" : wake_nodes[e->waker_node]);
		json_int(j, "wakee_tid", e->wakee);
		json_str(j, "wakee", e->wakee_comm);
		json_str(j, "wakee_kind", e->other || e->wakee_node > WAKE_NODE_IRQ
						  ? "" : wake_nodes[e->wakee_node]);
		json_str(j, "how", snap_wake_class_name(e->cls));
		json_uint(j, "count", e->count);
		json_num(j, "rate", e->rate, true);
		json_uint(j, "awake", e->awake);
		json_uint(j, "timed", e->timed);
		json_num(j, "lat_mean_ns", e->mean_ns, true);
		json_num(j, "lat_p99_ns", (double)e->p99_ns, true);
		json_num(j, "lat_max_ns", (double)e->max_ns, true);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr(j, "round_trips");
	for (i = 0; w && i < w->nrts; i++) {
		const struct snap_wake_rt *r = &w->rts[i];

		json_obj(j, NULL);
		json_bool(j, "other", r->other);
		json_str(j, "kind", snap_hot_kind_name(r->kind));
		json_addr(j, r->other, r->addr);
		json_uint(j, "count", r->count);
		json_num(j, "rate", r->rate, true);
		json_num(j, "p50_ns", (double)r->p50_ns, true);
		json_num(j, "p99_ns", (double)r->p99_ns, true);
		json_num(j, "max_ns", (double)r->max_ns, true);
		json_num(j, "mean_ns", r->mean_ns, true);
		json_num(j, "notify_to_iothread_ns", r->notify_run_ns, true);
		json_num(j, "iothread_to_inject_ns", r->run_inject_ns, true);
		json_num(j, "inject_to_vcpu_ns", r->inject_run_ns, true);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void json_vm(struct json *j, const struct snap_vm *v)
{
	char lb[SNAP_LABEL_MAX];
	int i;

	json_obj(j, NULL);
	json_str(j, "label", snap_vm_label(v, lb, sizeof(lb)));
	json_str(j, "name", v->name);
	json_int(j, "pid", v->pid);
	json_str(j, "comm", v->comm);
	json_str(j, "uuid", v->uuid);
	json_bool(j, "gone", v->gone);
	json_int(j, "vcpus", v->nvcpus);
	json_int(j, "iothreads", v->niothreads);
	json_int(j, "other_threads", v->nother);
	json_cpu(j, &v->cpu);
	json_arr(j, "threads");
	for (i = 0; i < v->nthreads; i++) {
		const struct snap_thread *t = &v->threads[i];

		json_obj(j, NULL);
		json_int(j, "tid", t->tid);
		json_str(j, "kind", kind_name(t->kind));
		json_int(j, "index", t->index);
		json_int(j, "threads", t->nthreads);
		json_str(j, "comm", t->comm);
		json_bool(j, "gone", t->gone);
		json_cpu(j, &t->cpu);
		json_split(j, &t->split);
		if (t->kind != THREAD_OTHER) {
			json_perf(j, t);
			json_counters(j, "counters", t->counters, t->ncounters, "perf", true);
		}
		if (t->kind == THREAD_VCPU) {
			json_num(j, "exits_rate", t->exits_rate, true);
			json_uint(j, "exits_count", t->exits_count);
			json_exits(j, t->exits, t->nexits);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_num(j, "exits_rate", v->exits_rate, true);
	json_uint(j, "exits_count", v->exits_count);
	json_str(j, "top_exit", v->top_exit);
	json_num(j, "top_exit_share_pct", v->top_exit_share, true);
	json_split(j, &v->split);
	json_exits(j, v->exits, v->nexits);
	json_hot(j, v);
	json_counters(j, "counters", v->counters, v->ncounters, NULL, false);
	json_wake(j, v->wake);
	json_arr(j, "hints");
	for (i = 0; i < v->nhints; i++)
		json_str(j, NULL, v->hints[i].text);
	json_arr_end(j);
	json_obj_end(j);
}

void snapjson_write(FILE *f, const struct snapshot *s, const regex_t *filter)
{
	struct pane_opts po = { .utf8 = true, .filter = filter };
	time_t wall = (time_t)s->wall_s;
	char tbuf[32];
	struct tm tm;
	struct json j;
	int i;

	gmtime_r(&wall, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_init(&j, f);
	json_obj(&j, NULL);
	json_uint(&j, "seq", s->seq);
	json_str(&j, "time", tbuf);
	json_num(&j, "interval_s", (double)s->interval_ns / 1e9, true);
	json_bool(&j, "cumulative", s->cumulative);
	json_num(&j, "window_s", (double)s->window_ns / 1e9, true);
	json_obj(&j, "host");
	json_str(&j, "hostname", s->host.hostname);
	json_str(&j, "kernel", s->host.release);
	json_str(&j, "kvm", s->host.kvm_module);
	json_bool(&j, "kvm_dev", !s->host.kvm_unregistered);
	json_int(&j, "cpus", s->host.ncpus);
	json_obj_end(&j);
	json_arr(&j, "sources");
	for (i = 0; i < s->nsources; i++) {
		json_obj(&j, NULL);
		json_str(&j, "name", s->sources[i].name);
		json_str(&j, "state", snap_state_name(s->sources[i].state));
		json_str(&j, "why", s->sources[i].why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj(&j, "procfs");
	json_int(&j, "unreadable", s->procfs.unreadable);
	json_int(&j, "unreadable_vmms", s->procfs.unreadable_vmms);
	json_bool(&j, "others_hidden", s->procfs.others_hidden);
	json_obj_end(&j);
	json_obj(&j, "events");
	json_uint(&j, "count", s->events);
	json_uint(&j, "lost", s->events_lost);
	json_uint(&j, "unattributed", s->events_unattributed);
	json_obj_end(&j);
	json_num(&j, "exits_rate", s->exits_rate, true);
	json_counters(&j, "counters", s->counters, s->ncounters, NULL, false);
	json_arr(&j, "vms");
	for (i = 0; i < s->nvms; i++)
		if (pane_vm_visible(&s->vms[i], &po))
			json_vm(&j, &s->vms[i]);
	json_arr_end(&j);
	json_obj_end(&j);
}
