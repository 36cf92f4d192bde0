/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Detail within a budget: how much of the trace the tick loop records. Below the budget
 * (traced events per second, host-wide) every event is traced, continuously; above it, in
 * bursts: a few ms at a time, at jittered places in every refresh interval, as long as the
 * budget allows, pairs and chains intact inside a burst. Counts stay exact from the
 * kernel's counters; shares and times come from the bursts. Pure: the loop measures, this
 * decides, the loop switches the trace.
 */
#ifndef KVMSCOPE_DETAIL_H
#define KVMSCOPE_DETAIL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A burst lasts this long at least (pairs need room) and, while there are fewer than
 * DETAIL_PLAN_MAX, at most (one per slot then). Each burst costs a switch on and off (a
 * marker write, a signal, two timer settings, a drain: ~0.1 ms of our CPU in a VM host),
 * so a high share of the time is traced in up to DETAIL_PLAN_MAX longer bursts.
 */
#define DETAIL_BURST_MIN_NS 5000000ull
#define DETAIL_BURST_MAX_NS 50000000ull
/* Back to full detail below this share of the budget (no flapping at the edge). */
#define DETAIL_FULL_BELOW 0.8
#define DETAIL_PLAN_MAX	  4

/* The controller's state; a plain value owned by the loop. */
struct detail_ctl {
	double budget; /* traced events per second; 0: no limit (always full) */
	bool sampled;  /* in bursts now */
	double rate;   /* events per second a full trace would record (estimate); -1 unknown */
	double duty;   /* share of the time traced while sampled */
	uint32_t seed; /* for the jitter */
};

void detail_init(struct detail_ctl *d, double budget, uint32_t seed);

/*
 * Returns true when the mode changed after a tick that read events in traced_ns of traced
 * time (what the estimate of the full rate learns from; a few ms teach little). floor: the
 * rate the kernel counted of the traced KVM events over the tick (-1 unknown), which a full
 * trace records at least: a storm is seen at the tick it starts, not after a burst.
 */
bool detail_update(struct detail_ctl *d, uint64_t events, uint64_t traced_ns, double floor);

/* One burst of a plan: its start, from the start of the interval, and its length. */
struct detail_burst {
	uint64_t at_ns;
	uint64_t len_ns;
};

/*
 * Returns the number of bursts (at most max) planned for an interval of interval_ns while
 * sampled: together the budget's share of the interval, each in a slot of its own at a
 * jittered place (no locking onto a periodic load), in order.
 */
int detail_plan(struct detail_ctl *d, uint64_t interval_ns, struct detail_burst *b, int max);

/*
 * The planner behind detail_plan(), for any windows: returns the number of windows (at most
 * max) that together hold duty of an interval of interval_ns, each min_ns to max_ns long
 * (longer when max of them cannot hold it), each in a slot of its own at a jittered place
 * (seed: the jitter's state), in order.
 */
int detail_windows(uint32_t *seed, double duty, uint64_t interval_ns, uint64_t min_ns,
		   uint64_t max_ns, struct detail_burst *b, int max);

/*
 * Detail while nothing changes: once the host's counted KVM rate and its live VMs have held
 * for DETAIL_STEADY_NS, the loop traces at a share of the budget. The rate holds while it
 * stays within DETAIL_STEADY_NEAR of the one the time is measured from (rates under
 * DETAIL_STEADY_FLOOR count as that). A busy host moves one interval's rate that far by
 * itself (scheduling, steal time: a CPU-bound guest's rate is its CPU's), so one interval
 * out of that but within DETAIL_STEADY_FAR is noise unless the next is out too; beyond it
 * (a storm's onset or end), or a VM that comes or goes, the time starts again at once.
 */
#define DETAIL_STEADY_NS    10000000000ull
#define DETAIL_STEADY_NEAR  0.25
#define DETAIL_STEADY_FAR   0.5
#define DETAIL_STEADY_FLOOR 2000.0

/* The steady time's state; a plain value owned by the loop, zeroed to start. */
struct detail_steady {
	double ref;	/* the rate the time is measured from */
	int vms;	/* the live VMs then */
	uint64_t since; /* when it started; 0: not yet */
	bool out;	/* the last interval was out of DETAIL_STEADY_NEAR */
};

/*
 * Returns true when rate (events per second over the interval that ended at now_ns; < 0
 * unknown, which ends the steady time) and vms have held for DETAIL_STEADY_NS.
 */
bool detail_steady(struct detail_steady *st, double rate, int vms, uint64_t now_ns);

/*
 * Sched events while sampled follow two VMs: the two whose threads were switched in most
 * often over the interval. One followed keeps its place until another switches
 * DETAIL_FOLLOW_KEEP times as often (among VMs alike the two would change at every tick).
 */
#define DETAIL_FOLLOW_KEEP 1.25

/* A VM as the follow weighs it: its threads' switches in (schedstat), summed, so far. */
struct detail_vm {
	int pid;
	uint64_t slices;
};

/*
 * Puts in pick (0: none) the two VMs of now (n, sorted by pid) whose slices moved most since
 * prev (np, sorted by pid: the last tick's; a VM not in it moved 0), pick's VMs as they were
 * followed weighed DETAIL_FOLLOW_KEEP times; never skip (0: none).
 */
void detail_follow(const struct detail_vm *prev, int np, const struct detail_vm *now, int n,
		   int skip, int pick[2]);

#endif
