// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exits.h"
#include "iomap.h"
#include "util.h"

/* --- tables of reasons --- */

static void table_init(struct exit_table *tab)
{
	tab->n = 0;
	memset(tab->hash, 0xff, sizeof(tab->hash));
}

static void table_release(struct exit_table *tab)
{
	int i;

	for (i = 0; i < tab->n; i++) {
		acc2_free(&tab->rows[i].a);
		acc2_free(&tab->rows[i].vmm);
	}
}

static unsigned int row_hash(uint8_t kind, uint8_t isa, uint32_t reason)
{
	uint32_t k = reason ^ ((uint32_t)kind << 24) ^ ((uint32_t)isa << 28);

	return (k * 2654435761u) >> 25; /* top 7 bits: EXITS_HASH slots */
}

/* Returns the row of (kind, isa, reason), added if new; the last row takes what does not fit. */
static int row_get(struct exit_table *tab, uint8_t kind, uint8_t isa, uint32_t reason)
{
	unsigned int h = row_hash(kind, isa, reason);
	struct exit_row *r;
	int i;

	for (; (i = tab->hash[h]) >= 0; h = (h + 1) & (EXITS_HASH - 1)) {
		r = &tab->rows[i];
		if (r->reason == reason && r->kind == kind && r->isa == isa)
			return i;
	}
	/* Full: one last row, found again through its own key, holds the rest. */
	if (tab->n >= EXITS_ROWS - 1 && !(reason == EXITS_OTHER && kind == EXIT_KIND_HW && !isa))
		return row_get(tab, EXIT_KIND_HW, 0, EXITS_OTHER);
	i = tab->n++;
	r = &tab->rows[i];
	memset(r, 0, sizeof(*r));
	r->reason = reason;
	r->kind = kind;
	r->isa = isa;
	tab->hash[h] = (int16_t)i;
	return i;
}

static void row_count(struct exit_table *tab, int i)
{
	tab->rows[i].a.win.count++;
}

static void row_time(struct exit_table *tab, int i, uint64_t ns)
{
	/* The histograms come once per reason seen: bounded by EXITS_ROWS. */
	acc_time(&tab->rows[i].a.win, ns, true);
}

static void table_fold(struct exit_table *tab, bool drop_win)
{
	int i;

	for (i = 0; i < tab->n; i++) {
		acc2_fold(&tab->rows[i].a, drop_win);
		acc2_fold(&tab->rows[i].vmm, drop_win);
	}
}

static void table_reset(struct exit_table *tab)
{
	int i;

	for (i = 0; i < tab->n; i++) {
		acc2_reset(&tab->rows[i].a);
		acc2_reset(&tab->rows[i].vmm);
	}
}

static void table_clear(struct exit_table *tab)
{
	table_release(tab);
	table_init(tab);
}

/* --- state --- */

struct exits_vm *exits_vm_new(void)
{
	struct exits_vm *v = xcalloc(1, sizeof(*v));
	int k;

	table_init(&v->tab);
	for (k = 0; k < 3; k++)
		hot_init(&v->hot[k]);
	return v;
}

void exits_vm_free(struct exits_vm *v)
{
	int k;

	if (!v)
		return;
	table_release(&v->tab);
	/* The VMM's times have histograms: the accesses' part too. */
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_free(&v->ev[k]);
		acc2_free(&v->ev_vmm[k]);
	}
	free(v);
}

struct exits_thread *exits_thread_new(void)
{
	struct exits_thread *t = xcalloc(1, sizeof(*t));

	table_init(&t->tab);
	return t;
}

void exits_thread_free(struct exits_thread *t)
{
	int k;

	if (!t)
		return;
	table_release(&t->tab);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_free(&t->ev[k]);
		acc2_free(&t->ev_vmm[k]);
	}
	free(t);
}

/* --- exact counts --- */

static void exact_set(struct exits_exact_acc *a, const struct exits_exact *x)
{
	int k;

	for (k = 0; k < EXACT__N; k++) {
		unsigned int bit = 1u << k;

		if (!(x->have & bit))
			continue;
		/*
		 * First sample of a counter opened at the last sample (it counted from zero, over
		 * about the window): a baseline of 0, the window known. Else a first sample, or a
		 * counter that started again: a new baseline, WIN unknown.
		 */
		if (!(a->have & bit) && x->fresh) {
			a->win0[k] = a->tot0[k] = 0;
			a->win_ok |= bit;
			a->have |= bit;
		} else if (!(a->have & bit) || x->v[k] < a->cur[k]) {
			a->win0[k] = a->tot0[k] = x->v[k];
			a->win_ok &= ~bit;
			a->have |= bit;
		}
		a->cur[k] = x->v[k];
	}
}

static void exact_fold(struct exits_exact_acc *a)
{
	memcpy(a->win0, a->cur, sizeof(a->win0));
	a->win_ok = a->have;
}

static void exact_reset(struct exits_exact_acc *a)
{
	memcpy(a->tot0, a->cur, sizeof(a->tot0));
}

static void exact_clear(struct exits_exact_acc *a)
{
	exact_fold(a);
	exact_reset(a);
}

/* Returns the EXACT_* bits known for view, their counts in the window written to e. */
static unsigned int exact_view(const struct exits_exact_acc *a, unsigned int view, uint64_t *e)
{
	unsigned int ok = 0;
	int k;

	for (k = 0; k < EXACT__N; k++) {
		unsigned int bit = 1u << k;

		if (!(a->have & bit))
			continue;
		if (view & ACC_TOT) {
			e[k] = a->cur[k] - a->tot0[k];
			ok |= bit;
		} else if (a->win_ok & bit) {
			e[k] = a->cur[k] - a->win0[k];
			ok |= bit;
		}
	}
	return ok;
}

void exits_set_exact_vm(struct exits_vm *v, const struct exits_exact *x)
{
	exact_set(&v->exact, x);
}

void exits_set_exact_thread(struct exits_thread *t, const struct exits_exact *x)
{
	exact_set(&t->exact, x);
}

/* --- the hot path --- */

/*
 * Returns the VMM's time of the userspace exit in progress after closing it at ts, timed
 * when it ended there (0 when untimed or none was in progress).
 */
static uint64_t user_end(struct exits_vm *v, struct exits_thread *t, uint64_t ts, bool timed)
{
	uint64_t ns;

	if (!t->in_user)
		return 0;
	t->in_user = false;
	if (!timed || ts < t->user_ts)
		return 0;
	ns = ts - t->user_ts;
	/* Rows emptied since it began (the first interval started) take no time. */
	if (t->user_ev < 0 && (t->user_row_t >= t->tab.n || t->user_row_v >= v->tab.n))
		return ns;
	if (t->user_ev >= 0) {
		/* The VMM's times get histograms too: without kvm_entry, all there is to see. */
		acc_time(&t->ev_vmm[t->user_ev].win, ns, true);
		acc_time(&v->ev_vmm[t->user_ev].win, ns, true);
	} else if (t->user_vmm) {
		acc_time(&t->tab.rows[t->user_row_t].vmm.win, ns, true);
		acc_time(&v->tab.rows[t->user_row_v].vmm.win, ns, true);
	} else {
		row_time(&t->tab, t->user_row_t, ns);
		row_time(&v->tab, t->user_row_v, ns);
	}
	return ns;
}

/* Gives the access r the VMM's ns: without kvm_entry, all the handling time we can see. */
static void access_time(struct exits_vm *v, const struct exits_thread *t, const struct exits_ref *r,
			uint64_t ns)
{
	if (ns && !t->in_exit && r->valid)
		hot_time(&v->hot[r->kind], r->slot, r->addr, ns);
}

/* Returns whether the IO exit in progress is for an IN whose completion is still to come. */
static bool io_awaits_in(const struct exits_thread *t)
{
	return t->io_pending && !t->early_in &&
	       !(t->cand.valid && t->cand.kind == HOT_PIO && (t->cand.rw & HOT_WRITE));
}

/* The userspace exit was for the candidate access: it went to the VMM. */
static void cand_resolve(struct exits_vm *v, struct exits_thread *t, bool was_cause)
{
	if (t->cand.valid && was_cause)
		hot_mark_user(&v->hot[t->cand.kind], t->cand.slot, t->cand.addr);
	t->cand.valid = false;
}

/* Returns the slot after counting one access of kind at addr. */
static int access(struct exits_vm *v, struct exits_thread *t, uint8_t kind, uint64_t addr,
		  uint8_t rw, uint8_t size, bool completion)
{
	int slot = hot_touch(&v->hot[kind], addr, rw, size);
	struct exits_ref ref = { true, kind, rw, (int16_t)slot, addr };

	v->ev[kind].win.count++;
	t->ev[kind].win.count++;
	/* Inside an exit the first access is what it was for; otherwise the latest. */
	if (!t->in_exit || !t->acc.valid)
		t->acc = ref;
	/* A completion already belongs to the exit before it; it explains no later one. */
	if (!completion)
		t->fresh = ref;
	return slot;
}

/* Returns flags after a kvm_pio; first: the thread's first event in the trace. */
static unsigned int on_pio(struct exits_vm *v, struct exits_thread *t, const struct kvm_event *ev,
			   bool first)
{
	uint8_t rw = ev->pio.write ? HOT_WRITE : HOT_READ;
	bool completion = false, was_user = t->in_user;
	uint64_t ns;
	int slot;

	t->early_in = ev->pio.early_in;
	if (!ev->pio.write && io_awaits_in(t)) {
		int known = hot_find(&v->hot[HOT_PIO], ev->pio.port);

		/*
		 * The IN that KVM_RUN completes is the first access after the exit, so this is
		 * it, unless the kernel is known to answer this port (the exit was for an OUT
		 * whose trace came before the trace started).
		 */
		completion = !(known >= 0 && v->hot[HOT_PIO].slot[known].kern);
	}
	t->io_pending = false;
	cand_resolve(v, t, !completion);
	/*
	 * The thread's first IN in the trace may complete an exit from before it started: it
	 * tells nothing of what follows it (the kernel answering its port, say).
	 */
	slot = access(v, t, HOT_PIO, ev->pio.port, rw, ev->pio.size,
		      completion || (first && !ev->pio.write));
	if (!completion) {
		t->vmm_ns = 0;
		if (t->in_user) {
			user_end(v, t, ev->ts_ns, false);
			return EXITS_USER_DROPPED;
		}
		return 0;
	}
	hot_mark_user(&v->hot[HOT_PIO], slot, ev->pio.port);
	/* Timed here, or at the VMM's ioctl(KVM_RUN) before: the port is known only now. */
	ns = was_user ? user_end(v, t, ev->ts_ns, true) : t->vmm_ns;
	t->vmm_ns = 0;
	access_time(v, t, &t->acc, ns);
	return was_user ? EXITS_REENTRY : 0;
}

/*
 * Returns flags after the trace lost events: whatever ended in the gap is unknown, so the
 * exit and the userspace exit in progress end untimed, and nothing pairs across it.
 */
static unsigned int on_lost(struct exits_vm *v, struct exits_thread *t, const struct kvm_event *ev)
{
	unsigned int flags = t->in_user ? EXITS_USER_DROPPED : 0;

	user_end(v, t, ev->ts_ns, false);
	t->in_exit = t->io_pending = t->mmio_unsat = false;
	t->acc.valid = t->fresh.valid = t->cand.valid = false;
	t->vmm_ns = 0;
	/* The next IN may complete an exit the gap hid: as at the start of the trace. */
	t->traced = false;
	return flags;
}

/* Returns flags after the VMM's ioctl(KVM_RUN): its part of the exit in progress ends. */
static unsigned int on_kvm_run(struct exits_vm *v, struct exits_thread *t,
			       const struct kvm_event *ev)
{
	uint64_t ns;

	if (!t->in_user)
		return 0;
	ns = user_end(v, t, ev->ts_ns, true);
	if (io_awaits_in(t))
		t->vmm_ns = ns;
	else
		access_time(v, t, &t->acc, ns);
	return EXITS_REENTRY;
}

/* Returns flags after a kvm_mmio. */
static unsigned int on_mmio(struct exits_vm *v, struct exits_thread *t, const struct kvm_event *ev)
{
	uint64_t gpa = ev->mmio.gpa;
	uint8_t size = ev->mmio.len > 255 ? 0 : (uint8_t)ev->mmio.len;
	unsigned int flags = 0;
	int slot;

	t->io_pending = false;
	if (ev->mmio.kind == KE_MMIO_READ && t->mmio_unsat && t->mmio_unsat_gpa == gpa) {
		/* The VMM's answer to a read counted when it went out: the same access. */
		t->mmio_unsat = false;
		cand_resolve(v, t, false);
		if (!t->in_user)
			return 0;
		access_time(v, t, &t->acc, user_end(v, t, ev->ts_ns, true));
		return EXITS_REENTRY;
	}
	cand_resolve(v, t, true);
	if (t->in_user) {
		user_end(v, t, ev->ts_ns, false);
		flags = EXITS_USER_DROPPED;
	}
	slot = access(v, t, HOT_MMIO, gpa, ev->mmio.kind == KE_MMIO_WRITE ? HOT_WRITE : HOT_READ,
		      size, false);
	if (ev->mmio.kind == KE_MMIO_READ_UNSATISFIED) {
		t->mmio_unsat = true;
		t->mmio_unsat_gpa = gpa;
		hot_mark_user(&v->hot[HOT_MMIO], slot, gpa);
	}
	return flags;
}

/* Returns flags after an access that never completes a userspace exit (fast MMIO, MSR). */
static unsigned int on_plain(struct exits_vm *v, struct exits_thread *t, uint8_t kind,
			     uint64_t addr, uint8_t rw, bool fast, uint64_t ts)
{
	unsigned int flags = 0;
	int slot;

	t->io_pending = false;
	cand_resolve(v, t, true);
	if (t->in_user) {
		user_end(v, t, ts, false);
		flags = EXITS_USER_DROPPED;
	}
	slot = access(v, t, kind, addr, rw, 0, false);
	if (fast)
		v->hot[kind].slot[slot].fast = true;
	return flags;
}

/* Returns the kind of access a userspace exit answers (KVM_EXIT_* of linux/kvm.h), or -1. */
static int8_t user_kind(uint32_t reason)
{
	switch (reason) {
	case 2: /* KVM_EXIT_IO */
		return HOT_PIO;
	case 6: /* KVM_EXIT_MMIO */
		return HOT_MMIO;
	case 29: /* KVM_EXIT_X86_RDMSR */
	case 30: /* KVM_EXIT_X86_WRMSR */
		return HOT_MSR;
	default:
		return -1;
	}
}

/* Returns flags after a kvm_userspace_exit; fresh is the access just before it, if any. */
static unsigned int on_user_exit(struct exits_vm *v, struct exits_thread *t,
				 const struct kvm_event *ev, const struct exits_ref *fresh)
{
	uint32_t reason = ev->user_exit.reason;
	unsigned int flags = 0;

	if (ev->user_exit.err < 0)
		reason = ev->user_exit.err == -EINTR ? EXITS_USER_RESTART : EXITS_USER_ERROR;
	cand_resolve(v, t, true);
	if (t->in_user) {
		user_end(v, t, ev->ts_ns, false);
		flags = EXITS_USER_DROPPED;
	}
	/* An exit is one exit: the VMM's part of the one in progress, not another. */
	t->user_vmm = t->in_exit;
	t->user_ev = -1;
	if (t->in_exit) {
		t->user_row_t = t->exit_row_t;
		t->user_row_v = t->exit_row_v;
		t->tab.rows[t->user_row_t].vmm.win.count++;
		v->tab.rows[t->user_row_v].vmm.win.count++;
	} else if (!v->hw_seen && (t->user_ev = user_kind(reason)) >= 0) {
		/* Without kvm_exit the access is the exit: the VMM answered it. */
		t->ev_vmm[t->user_ev].win.count++;
		v->ev_vmm[t->user_ev].win.count++;
	} else {
		t->user_row_t = (int16_t)row_get(&t->tab, EXIT_KIND_USER, 0, reason);
		t->user_row_v = (int16_t)row_get(&v->tab, EXIT_KIND_USER, 0, reason);
		row_count(&t->tab, t->user_row_t);
		row_count(&v->tab, t->user_row_v);
	}
	t->in_user = true;
	t->io_pending = reason == 2 /* KVM_EXIT_IO */;
	t->vmm_ns = 0;
	t->user_ts = ev->ts_ns;
	/* The access just before may be what the VMM is asked to handle; what follows says. */
	if (fresh->valid && ((reason == 2 /* KVM_EXIT_IO */ && fresh->kind == HOT_PIO) ||
			     (reason == 6 /* KVM_EXIT_MMIO */ && fresh->kind == HOT_MMIO)))
		t->cand = *fresh;
	return flags;
}

/* exits_event(), inlined into the module's event hook: the hot path. */
static inline __attribute__((always_inline)) unsigned int
count_event(struct exits_vm *v, struct exits_thread *t, const struct kvm_event *ev)
{
	struct exits_ref fresh = t->fresh;
	unsigned int flags = 0;
	bool first = !t->traced;

	/* Between the exit and what completes it: it changes no access. */
	if (ev->type == KE_KVM_RUN)
		return on_kvm_run(v, t, ev);
	if (ev->type == KE_LOST)
		return on_lost(v, t, ev);
	t->traced = true;
	t->fresh.valid = false;
	/* An access followed by anything but an exit to the VMM was answered in the kernel. */
	if (fresh.valid && ev->type != KE_USER_EXIT)
		hot_mark_kernel(&v->hot[fresh.kind], fresh.slot, fresh.addr);
	switch (ev->type) {
	case KE_EXIT:
		v->hw_seen = true;
		t->io_pending = false;
		cand_resolve(v, t, true);
		if (t->in_user) {
			user_end(v, t, ev->ts_ns, false);
			flags = EXITS_USER_DROPPED;
		}
		/* An exit without the entry before it (lost events) stays untimed. */
		t->exit_row_t = (int16_t)row_get(&t->tab, EXIT_KIND_HW, (uint8_t)ev->exit.isa,
						 ev->exit.reason);
		t->exit_row_v = (int16_t)row_get(&v->tab, EXIT_KIND_HW, (uint8_t)ev->exit.isa,
						 ev->exit.reason);
		row_count(&t->tab, t->exit_row_t);
		row_count(&v->tab, t->exit_row_v);
		t->in_exit = true;
		t->exit_ts = ev->ts_ns;
		t->acc.valid = false;
		t->mmio_unsat = false;
		return flags;
	case KE_ENTRY:
		t->io_pending = false;
		cand_resolve(v, t, true);
		access_time(v, t, &t->acc, user_end(v, t, ev->ts_ns, true));
		if (t->in_exit && ev->ts_ns >= t->exit_ts) {
			uint64_t ns = ev->ts_ns - t->exit_ts;

			row_time(&t->tab, t->exit_row_t, ns);
			row_time(&v->tab, t->exit_row_v, ns);
			if (t->acc.valid)
				hot_time(&v->hot[t->acc.kind], t->acc.slot, t->acc.addr, ns);
		}
		t->in_exit = false;
		t->acc.valid = false;
		t->mmio_unsat = false;
		return 0;
	case KE_PIO:
		return on_pio(v, t, ev, first);
	case KE_MMIO:
		return on_mmio(v, t, ev);
	case KE_FAST_MMIO:
		return on_plain(v, t, HOT_MMIO, ev->fast_mmio.gpa, HOT_WRITE, true, ev->ts_ns);
	case KE_MSR:
		return on_plain(v, t, HOT_MSR, ev->msr.index, ev->msr.write ? HOT_WRITE : HOT_READ,
				false, ev->ts_ns);
	case KE_USER_EXIT:
		return on_user_exit(v, t, ev, &fresh);
	default:
		/* Any other event of the thread in KVM_RUN (a halt ending): the VMM is back. */
		t->io_pending = false;
		cand_resolve(v, t, true);
		if (t->in_user) {
			user_end(v, t, ev->ts_ns, false);
			return EXITS_USER_DROPPED;
		}
		return 0;
	}
}

unsigned int exits_event(struct exits_vm *v, struct exits_thread *t, const struct kvm_event *ev)
{
	return count_event(v, t, ev);
}

/* --- windows --- */

void exits_fold_vm(struct exits_vm *v, bool drop_win)
{
	int k;

	exact_fold(&v->exact);
	table_fold(&v->tab, drop_win);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_fold(&v->ev[k], drop_win);
		acc2_fold(&v->ev_vmm[k], drop_win);
		hot_fold(&v->hot[k], drop_win);
	}
}

void exits_fold_thread(struct exits_thread *t, bool drop_win)
{
	int k;

	exact_fold(&t->exact);
	table_fold(&t->tab, drop_win);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_fold(&t->ev[k], drop_win);
		acc2_fold(&t->ev_vmm[k], drop_win);
	}
}

void exits_reset_vm(struct exits_vm *v)
{
	int k;

	exact_reset(&v->exact);
	table_reset(&v->tab);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_reset(&v->ev[k]);
		acc2_reset(&v->ev_vmm[k]);
		hot_reset(&v->hot[k]);
	}
}

void exits_reset_thread(struct exits_thread *t)
{
	int k;

	exact_reset(&t->exact);
	table_reset(&t->tab);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_reset(&t->ev[k]);
		acc2_reset(&t->ev_vmm[k]);
	}
}

void exits_clear_vm(struct exits_vm *v)
{
	int k;

	exact_clear(&v->exact);
	table_clear(&v->tab);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_zero(&v->ev[k]);
		acc2_zero(&v->ev_vmm[k]);
		hot_clear(&v->hot[k]);
	}
}

void exits_clear_thread(struct exits_thread *t)
{
	int k;

	exact_clear(&t->exact);
	table_clear(&t->tab);
	for (k = 0; k < HOT__KINDS; k++) {
		acc2_zero(&t->ev[k]);
		acc2_zero(&t->ev_vmm[k]);
	}
	/* Slots named in references are gone with the hot tables. */
	t->acc.valid = t->fresh.valid = t->cand.valid = false;
	t->vmm_ns = 0;
}

/* --- snapshots --- */

int exits_hot_kind(const char *name)
{
	static const struct {
		const char *name;
		int hot;
	} map[] = {
		{ "IO_INSTRUCTION", HOT_PIO },
		{ "io", HOT_PIO },
		{ "KVM_EXIT_IO", HOT_PIO },
		{ "EPT_MISCONFIG", HOT_MMIO },
		{ "EPT_VIOLATION", HOT_MMIO },
		{ "APIC_ACCESS", HOT_MMIO },
		{ "npf", HOT_MMIO },
		{ "KVM_EXIT_MMIO", HOT_MMIO },
		{ "MSR_READ", HOT_MSR },
		{ "MSR_WRITE", HOT_MSR },
		{ "msr", HOT_MSR },
		{ "KVM_EXIT_X86_RDMSR", HOT_MSR },
		{ "KVM_EXIT_X86_WRMSR", HOT_MSR },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].name, name))
			return map[i].hot;
	return -1;
}

static const char *const event_names[3] = {
	[HOT_PIO] = "io (pio)",
	[HOT_MMIO] = "mmio",
	[HOT_MSR] = "msr",
};

static void row_name(const struct exit_row *r, const struct exit_names *names, char *buf,
		     size_t bufsz)
{
	const char *n = NULL;

	if (r->reason == EXITS_OTHER) {
		snprintf(buf, bufsz, "other");
		return;
	}
	if (r->kind == EXIT_KIND_HW) {
		n = names ? exit_names_lookup(names, r->isa, r->reason) : NULL;
		if (n && r->isa == KE_ISA_VMX && (r->reason & 0x80000000u))
			snprintf(buf, bufsz, "%s (failed entry)", n);
		else if (n)
			snprintf(buf, bufsz, "%s", n);
		else
			snprintf(buf, bufsz, "reason %u", r->reason);
		return;
	}
	if (r->reason == EXITS_USER_RESTART)
		n = "KVM_RUN interrupted";
	else if (r->reason == EXITS_USER_ERROR)
		n = "KVM_RUN error";
	else
		n = iomap_user_exit_name(r->reason);
	if (n)
		snprintf(buf, bufsz, "%s", n);
	else
		snprintf(buf, bufsz, "KVM_EXIT %u", r->reason);
}

static double per_s(uint64_t count, uint64_t window_ns)
{
	return window_ns ? (double)count * 1e9 / (double)window_ns : 0;
}

static double time_share(uint64_t timed, uint64_t total_ns, uint64_t window_ns, int nvcpus)
{
	if (!timed || !window_ns)
		return -1;
	return 100.0 * (double)total_ns / ((double)window_ns * (nvcpus > 0 ? nvcpus : 1));
}

static int exit_cmp(const void *pa, const void *pb)
{
	const struct snap_exit *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->reason < b->reason ? -1 : a->reason > b->reason;
}

/*
 * How a scope's counts from the trace become its figures: multiplied by a factor per kind,
 * the kernel's exact count over the traced one where the kernel counts it, else (sampled
 * detail) the traced share of time. est: the figures are estimates (the trace saw a part).
 */
struct exits_scale {
	double hw, kind[HOT__KINDS], other; /* other: userspace exits of no known kind */
	uint64_t exact[EXACT__N];
	unsigned int ok; /* EXACT_* bits known */
	bool est;
	double dflt;
};

static const int exact_of_kind[HOT__KINDS] = { [HOT_PIO] = EXACT_PIO, [HOT_MMIO] = EXACT_MMIO,
					       [HOT_MSR] = -1 };

/* Returns the factor bringing traced to exact (bit known), else the default. */
static double factor(const struct exits_scale *f, int bit, uint64_t traced)
{
	if (bit < 0 || !(f->ok & (1u << bit)))
		return f->dflt;
	return traced ? (double)f->exact[bit] / (double)traced : 0;
}

/* Fills f for a scope whose traced accesses by kind are ev and hardware exits hw. */
static void scale_of(struct exits_scale *f, const struct exits_exact_acc *xa,
		     const struct acc *ev, uint64_t hw, const struct model_view *w)
{
	uint64_t ex = 0, tr = 0;
	int k;

	memset(f, 0, sizeof(*f));
	f->est = w->sampled || w->lost;
	f->dflt = w->sampled && w->ratio > 0 ? 1.0 / w->ratio : 1;
	/*
	 * A full trace that lost nothing counts every exit itself; the kernel's counts, read a
	 * moment apart from the drain, would only move them by that moment.
	 */
	f->ok = xa && f->est ? exact_view(xa, w->view, f->exact) : 0;
	/*
	 * A full trace that lost events misses at most what it lost, host-wide (and the moment
	 * between the counters' read and the drain): a count beyond that is not of this window.
	 */
	if (!w->sampled)
		for (k = 0; k < EXACT__N; k++) {
			uint64_t seen = k == EXACT_EXIT ? hw
				      : k == EXACT_PIO	? ev[HOT_PIO].count
							: ev[HOT_MMIO].count;

			if ((f->ok & (1u << k)) &&
			    f->exact[k] > seen + w->nlost + seen / 20 + 100)
				f->ok &= ~(1u << k);
		}
	f->hw = factor(f, EXACT_EXIT, hw);
	for (k = 0; k < HOT__KINDS; k++) {
		f->kind[k] = factor(f, exact_of_kind[k], ev[k].count);
		if (exact_of_kind[k] >= 0 && (f->ok & (1u << exact_of_kind[k]))) {
			ex += f->exact[exact_of_kind[k]];
			tr += ev[k].count;
		}
	}
	f->other = hw ? f->hw : tr ? (double)ex / (double)tr : f->dflt;
}

static uint64_t scaled(uint64_t n, double f)
{
	return f == 1 ? n : (uint64_t)((double)n * f + 0.5);
}

/* Returns the factor for a userspace exit's reason: an IO exit scales as the ports... */
static double user_factor(const struct exits_scale *f, uint32_t reason)
{
	if (reason == 2 /* KVM_EXIT_IO */)
		return f->kind[HOT_PIO];
	if (reason == 6 /* KVM_EXIT_MMIO */)
		return f->kind[HOT_MMIO];
	return f->other;
}

/*
 * Returns the number of rows put in *out (allocated; NULL when none) from a table and its
 * access counts; *exits gets the exits in the window (hardware, or accesses without them),
 * *est whether that is an estimate. Counts are scaled to the exact counts in xa (NULL: none).
 */
/* Fills e's VMM part from vmm, the exits of e that went to the VMM, over the view. */
static void snap_vmm(struct snap_exit *e, const struct acc2 *vmm, unsigned int view)
{
	struct acc a;

	acc2_view(vmm, view, &a);
	e->vmm_count = a.count;
	e->vmm_total_ns = a.timed ? a.total_ns : 0;
	e->vmm_max_ns = a.timed ? a.max_ns : 0;
	e->vmm_mean_ns = a.timed ? (double)a.total_ns / (double)a.timed : -1;
	e->vmm_share = e->count ? 100.0 * (double)a.count / (double)e->count : -1;
	if (a.timed) {
		e->vmm_p50_ns = MIN(acc2_quantile(vmm, view, 0.5), a.max_ns);
		e->vmm_p99_ns = MIN(acc2_quantile(vmm, view, 0.99), a.max_ns);
		acc2_lat(vmm, view, &e->vmm_lat);
	}
}

/* Scales e's VMM part as its row was (x), once e->count is final: its share stays of it. */
static void scale_vmm(struct snap_exit *e, double x)
{
	if (x == 1)
		return;
	e->vmm_count = scaled(e->vmm_count, x);
	e->vmm_total_ns = scaled(e->vmm_total_ns, x);
	if (e->vmm_count > e->count)
		e->vmm_count = e->count;
	e->vmm_share = e->count ? 100.0 * (double)e->vmm_count / (double)e->count : -1;
}

/*
 * Returns the number of rows put in *out (allocated; NULL when none) from a table, its
 * access counts (ev) and their userspace part (ev_vmm); *exits gets the exits in the window,
 * *exits_est whether that is an estimate. Each exit is counted once: a userspace exit is the
 * VMM's part of the exit it belongs to, or a row of its own when there is none (kvm_exit
 * missed, or KVM_EXIT_HLT without it). Counts are scaled to the exact counts in xa.
 */
static int snap_rows(const struct exit_table *tab, const struct acc2 *ev, const struct acc2 *ev_vmm,
		     bool hw_seen, const struct exits_exact_acc *xa, const struct model_view *w,
		     int nvcpus, struct snap_exit **out, uint64_t *exits, bool *exits_est)
{
	struct snap_exit *rows = xcalloc((size_t)tab->n + 4, sizeof(*rows));
	uint64_t total = 0, hw = 0;
	struct acc evk[HOT__KINDS];
	struct exits_scale f;
	bool est = false;
	int i, n = 0, k;

	for (k = 0; k < HOT__KINDS; k++)
		acc2_view(&ev[k], w->view, &evk[k]);
	for (i = 0; i < tab->n; i++) {
		struct acc a;

		acc2_view(&tab->rows[i].a, w->view, &a);
		if (tab->rows[i].kind == EXIT_KIND_HW)
			hw += a.count;
	}
	scale_of(&f, xa, evk, hw, w);
	for (i = 0; i < tab->n; i++) {
		const struct exit_row *r = &tab->rows[i];
		struct snap_exit *e = &rows[n];
		struct acc a;
		double x;

		acc2_view(&r->a, w->view, &a);
		if (!a.count && !a.timed)
			continue;
		x = r->kind == EXIT_KIND_HW ? f.hw : user_factor(&f, r->reason);
		row_name(r, w->names, e->name, sizeof(e->name));
		e->reason = r->reason;
		e->kind = r->kind;
		e->traced = a.count;
		e->count = scaled(a.count, x);
		e->est = f.est;
		e->timed = a.timed;
		if (a.timed) {
			e->total_ns = scaled(a.total_ns, x);
			e->max_ns = a.max_ns;
			e->mean_ns = (double)a.total_ns / (double)a.timed;
			e->p99_ns = MIN(acc2_quantile(&r->a, w->view, 0.99), e->max_ns);
			e->p50_ns = MIN(acc2_quantile(&r->a, w->view, 0.5), e->max_ns);
			acc2_lat(&r->a, w->view, &e->lat);
		}
		e->time_share = time_share(a.timed, e->total_ns, w->window_ns, nvcpus);
		e->hot = (int8_t)exits_hot_kind(e->name);
		snap_vmm(e, &r->vmm, w->view);
		scale_vmm(e, x);
		total += e->count;
		est |= e->est;
		n++;
	}
	/* Exits the kernel counted that no traced one stands for: of unknown reason. */
	if (hw_seen && (f.ok & (1u << EXACT_EXIT)) && !hw && f.exact[EXACT_EXIT]) {
		struct snap_exit *e = &rows[n++];

		snprintf(e->name, sizeof(e->name), "other");
		e->reason = EXITS_OTHER;
		e->kind = EXIT_KIND_HW;
		e->count = f.exact[EXACT_EXIT];
		e->est = f.est;
		e->time_share = -1;
		e->hot = -1;
		total += e->count;
	}
	for (k = 0; k < HOT__KINDS && !hw_seen; k++) {
		struct snap_exit *e = &rows[n];
		int bit = exact_of_kind[k];
		bool exact = bit >= 0 && (f.ok & (1u << bit));
		uint64_t c = exact ? f.exact[bit] : scaled(evk[k].count, f.dflt);

		if (!c)
			continue;
		snprintf(e->name, sizeof(e->name), "%s", event_names[k]);
		e->reason = (uint32_t)k;
		e->kind = EXIT_KIND_EVENT;
		e->count = c;
		e->traced = evk[k].count;
		/* The kernel's own count of the kind: exact whatever the trace saw. */
		e->est = f.est && !exact;
		e->time_share = -1;
		e->hot = (int8_t)k;
		snap_vmm(e, &ev_vmm[k], w->view);
		scale_vmm(e, evk[k].count ? (double)c / (double)evk[k].count : 1);
		total += c;
		est |= e->est;
		n++;
	}
	for (i = 0; i < n; i++) {
		rows[i].rate = per_s(rows[i].count, w->window_ns);
		rows[i].share = total ? 100.0 * (double)rows[i].count / (double)total : 0;
	}
	qsort(rows, (size_t)n, sizeof(*rows), exit_cmp);
	*exits = total;
	*exits_est = est;
	if (!n) {
		free(rows);
		rows = NULL;
	}
	*out = rows;
	return n;
}

static int hot_cmp(const void *pa, const void *pb)
{
	const struct snap_hot *a = pa, *b = pb;

	if (a->other != b->other)
		return a->other ? 1 : -1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/*
 * Returns the number of hot rows of v put in *out (allocated; NULL when none), their counts
 * scaled by f (exact count of the kind over the traced one).
 */
static int snap_hot_rows(const struct exits_vm *v, const struct model_view *w, int nvcpus,
			 const struct exits_scale *f, struct snap_hot **out)
{
	struct snap_hot *rows = xcalloc(3 * (HOT_SHOW + 1), sizeof(*rows));
	int k, i, n = 0;

	for (k = 0; k < 3; k++) {
		const struct hot_table *t = &v->hot[k];
		struct acc all, shown = { 0 }, a;
		int idx[HOT_SHOW], m, bit = exact_of_kind[k];
		unsigned int view = w->view;
		double fk = f->kind[k];

		hot_total(t, view, &all);
		/*
		 * The kernel counted accesses that no burst of the window saw (a storm that began
		 * or ended between bursts): the shares of the cumulative window stand for them.
		 */
		if (!all.count && bit >= 0 && (f->ok & (1u << bit)) && f->exact[bit] &&
		    !(view & ACC_TOT)) {
			view = ACC_TOT | ACC_WIN;
			hot_total(t, view, &all);
			fk = all.count ? (double)f->exact[bit] / (double)all.count : 0;
		}
		if (!all.count)
			continue;
		m = hot_top(t, view, idx, HOT_SHOW);
		for (i = 0; i < m; i++) {
			const struct hot_slot *sl = &t->slot[idx[i]];
			struct snap_hot *h = &rows[n++];

			hot_slot_acc(t, idx[i], view, &a);
			h->kind = (uint8_t)k;
			h->rw = sl->rw;
			h->size = sl->size;
			h->user = sl->user;
			h->addr = sl->addr;
			h->pattern = iomap_class((unsigned int)k, sl->addr) != IOC_NONE;
			iomap_name((unsigned int)k, sl->addr, h->name, sizeof(h->name));
			if (!h->name[0] && sl->fast)
				snprintf(h->name, sizeof(h->name), "ioeventfd (notify)");
			h->count = a.count;
			h->total_ns = a.total_ns;
			h->mean_ns = a.timed ? (double)a.total_ns / (double)a.timed : 0;
			h->time_share = time_share(a.timed, a.total_ns, w->window_ns, nvcpus);
			shown.count += a.count;
			shown.timed += a.timed;
			shown.total_ns += a.total_ns;
		}
		if (all.count > shown.count) {
			struct snap_hot *h = &rows[n++];

			h->kind = (uint8_t)k;
			h->other = true;
			snprintf(h->name, sizeof(h->name), "other");
			h->count = all.count - shown.count;
			a.timed = all.timed - shown.timed;
			h->total_ns = all.total_ns - shown.total_ns;
			h->mean_ns = a.timed ? (double)h->total_ns / (double)a.timed : 0;
			h->time_share = time_share(a.timed, h->total_ns, w->window_ns, nvcpus);
		}
		for (i = n - 1; i >= 0 && rows[i].kind == k; i--) {
			struct snap_hot *h = &rows[i];

			h->share = 100.0 * (double)h->count / (double)all.count;
			h->traced = view == w->view ? h->count : 0;
			h->est = f->est;
			if (fk != 1) {
				h->count = scaled(h->count, fk);
				if (h->time_share >= 0) {
					h->total_ns = scaled(h->total_ns, fk);
					h->time_share = 100.0 * (double)h->total_ns /
							((double)w->window_ns * (nvcpus > 0 ? nvcpus : 1));
				}
			}
			h->rate = per_s(h->count, w->window_ns);
		}
	}
	qsort(rows, (size_t)n, sizeof(*rows), hot_cmp);
	if (!n) {
		free(rows);
		rows = NULL;
	}
	*out = rows;
	return n;
}

#define HINTS_MAX 4

void exits_snap_vm(const struct exits_vm *v, const struct model_view *w, int nvcpus,
		   struct snap_vm *sv)
{
	struct snap_hint hints[HINTS_MAX];
	int i, k;

	sv->exits_rate = 0;
	sv->exits_count = 0;
	sv->top_exit[0] = '\0';
	sv->top_exit_share = 0;
	if (!v)
		return;
	sv->nexits = snap_rows(&v->tab, v->ev, v->ev_vmm, v->hw_seen, &v->exact, w, nvcpus,
			       &sv->exits, &sv->exits_count, &sv->exits_est);
	sv->exits_rate = per_s(sv->exits_count, w->window_ns);
	/* The top exit is the busiest real exit; userspace exits only when nothing else shows. */
	for (i = 0; i < sv->nexits; i++)
		if (sv->exits[i].kind != EXIT_KIND_USER)
			break;
	if (i == sv->nexits)
		i = 0;
	if (sv->nexits) {
		snprintf(sv->top_exit, sizeof(sv->top_exit), "%s", sv->exits[i].name);
		sv->top_exit_share = sv->exits[i].share;
	}
	{
		struct acc evk[HOT__KINDS];
		struct exits_scale f;
		uint64_t hw = 0;

		for (k = 0; k < HOT__KINDS; k++)
			acc2_view(&v->ev[k], w->view, &evk[k]);
		for (i = 0; i < sv->nexits; i++)
			if (sv->exits[i].kind == EXIT_KIND_HW)
				hw += sv->exits[i].traced;
		scale_of(&f, &v->exact, evk, hw, w);
		sv->nhot = snap_hot_rows(v, w, nvcpus, &f, &sv->hot);
	}
	sv->nhints = iomap_hints(sv->hot, sv->nhot, sv->exits_rate, hints, HINTS_MAX);
	if (sv->nhints) {
		sv->hints = xcalloc((size_t)sv->nhints, sizeof(*sv->hints));
		memcpy(sv->hints, hints, (size_t)sv->nhints * sizeof(*hints));
	}
}

void exits_snap_thread(const struct exits_thread *t, const struct exits_vm *v,
		       const struct model_view *w, struct snap_thread *st)
{
	bool est;

	st->exits_rate = 0;
	st->exits_count = 0;
	if (!t)
		return;
	st->nexits = snap_rows(&t->tab, t->ev, t->ev_vmm, v && v->hw_seen, &t->exact, w, 1,
			       &st->exits, &st->exits_count, &est);
	st->exits_rate = per_s(st->exits_count, w->window_ns);
}

/* --- the module --- */

static void *vm_new(void)
{
	return exits_vm_new();
}

static void *thread_new(void *vm_state, const struct vm_thread *t)
{
	(void)vm_state;
	(void)t;
	return exits_thread_new();
}

static void vm_free(void *st)
{
	exits_vm_free(st);
}

static void thread_free(void *st)
{
	exits_thread_free(st);
}

static void on_event(struct model_ev *e)
{
	/* The VM's state first: a thread's is created beside it. */
	struct exits_vm *v = model_ev_vm(e, e->self->vm);

	e->flags = count_event(v, model_ev_thread(e, e->self), e->ev);
}

static void vm_window(void *st, enum model_win op, uint64_t now)
{
	(void)now;
	if (op == MODEL_FOLD || op == MODEL_FOLD_DROP)
		exits_fold_vm(st, op == MODEL_FOLD_DROP);
	else if (op == MODEL_RESET)
		exits_reset_vm(st);
	else if (op == MODEL_CLEAR)
		exits_clear_vm(st);
}

static void thread_window(void *st, enum model_win op, uint64_t now)
{
	(void)now;
	if (op == MODEL_FOLD || op == MODEL_FOLD_DROP)
		exits_fold_thread(st, op == MODEL_FOLD_DROP);
	else if (op == MODEL_RESET)
		exits_reset_thread(st);
	else if (op == MODEL_CLEAR)
		exits_clear_thread(st);
}

static void snap_thread(const void *st, const void *vm_st, const struct vm_thread *t,
			const struct model_view *w, struct snap_thread *out)
{
	if (t)
		exits_snap_thread(st, vm_st, w, out);
}

static void snap_vm(const void *st, const struct vm *vm, const struct model_view *w,
		    struct snap_vm *out)
{
	(void)vm;
	/* Handling time is a share of the VM's vCPU time: of all its vCPUs together. */
	exits_snap_vm(st, w, MAX(out->nvcpus, 1), out);
}

const struct model_module exits_module = {
	.name = "exits",
	.events = MODEL_EV(KE_EXIT) | MODEL_EV(KE_ENTRY) | MODEL_EV(KE_PIO) | MODEL_EV(KE_MMIO) |
		  MODEL_EV(KE_FAST_MMIO) | MODEL_EV(KE_MSR) | MODEL_EV(KE_USER_EXIT) |
		  MODEL_EV(KE_VCPU_WAKEUP) | MODEL_EV(KE_KVM_RUN) | MODEL_EV(KE_LOST),
	.vm_new = vm_new,
	.thread_new = thread_new,
	.vm_free = vm_free,
	.thread_free = thread_free,
	.event = on_event,
	.vm_window = vm_window,
	.thread_window = thread_window,
	.snap_thread = snap_thread,
	.snap_vm = snap_vm,
};
