// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <time.h>

#include "batch.h"
#include "header.h"
#include "json.h"

void batch_header(FILE *f, const struct snapshot *s)
{
	char buf[1024];
	int i;

	for (i = 0; i < HEADER_LINES; i++)
		fprintf(f, "%s\n", header_line(s, i, buf, sizeof(buf), false));
}

/* Prints every pane that has something for scope, each followed by a blank line. */
static void print_panes(FILE *f, const struct snapshot *s, const struct pane_opts *po,
			struct table *t)
{
	int i;

	for (i = 0; panes[i]; i++) {
		if (!(panes[i]->scopes & SCOPE_F(po->scope.kind)))
			continue;
		panes[i]->build(s, po, t);
		if (!t->nrows && !t->note[0])
			continue;
		table_print(f, t);
		fputc('\n', f);
	}
}

int batch_print(FILE *f, const struct snapshot *s, const struct batch_opts *o)
{
	struct pane_opts po = { .sort = -1, .utf8 = o->utf8, .filter = o->filter };
	struct table t = { 0 };
	int i;

	if (o->format == BATCH_JSON) {
		batch_json(f, s, o);
	} else {
		batch_header(f, s);
		fputc('\n', f);
		po.scope.kind = SCOPE_HOST;
		print_panes(f, s, &po, &t);
		for (i = 0; o->detail && i < s->nvms; i++) {
			if (s->vms[i].gone || !pane_vm_visible(&s->vms[i], &po))
				continue;
			po.scope.kind = SCOPE_VM;
			po.scope.pid = s->vms[i].pid;
			print_panes(f, s, &po, &t);
		}
		table_free(&t);
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

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

static void json_vm(struct json *j, const struct snap_vm *v)
{
	char lb[PROC_NAME_MAX + 32];
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
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

void batch_json(FILE *f, const struct snapshot *s, const struct batch_opts *o)
{
	struct pane_opts po = { .utf8 = true, .filter = o->filter };
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
	json_int(&j, "cpus", s->host.ncpus);
	json_obj_end(&j);
	json_arr(&j, "sources");
	for (i = 0; i < s->nsources; i++) {
		json_obj(&j, NULL);
		json_str(&j, "name", s->sources[i].name);
		json_str(&j, "state", source_state_name(s->sources[i].state));
		json_str(&j, "why", s->sources[i].why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj(&j, "events");
	json_uint(&j, "count", s->events);
	json_uint(&j, "lost", s->events_lost);
	json_uint(&j, "unattributed", s->events_unattributed);
	json_obj_end(&j);
	json_num(&j, "exits_rate", s->exits_rate, true);
	json_arr(&j, "vms");
	for (i = 0; i < s->nvms; i++)
		if (pane_vm_visible(&s->vms[i], &po))
			json_vm(&j, &s->vms[i]);
	json_arr_end(&j);
	json_obj_end(&j);
}
