// SPDX-License-Identifier: GPL-2.0
/*
 * The trace decoder: formats parsed from the kernel's own format files (fixtures, and the
 * live kernel's when readable), every field of every event type, exit-reason names from
 * the kvm_exit print format, sub-buffers in the kernel's layout (time extends, absolute time
 * stamps, padding, the long header form, missed-event flags, 4- and 8-byte commit words,
 * either byte order) through the decoder's walker, read alike by kbuffer, the reader it
 * replaced, and the cross-CPU merge.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>

#include "kvm_event.h"
#include "kvmdecode.h"
#include "rbpage.h"
#include "rbref.h"
#include "unit.h"
#include "util.h"

#define FIXTURE_EVENTS FIXTURES "/events"
#define LIVE_EVENTS    "/sys/kernel/tracing/events"
#define ALL_TYPES      (((1u << KE__COUNT) - 1) & ~KVMDECODE_BIT(KE_NONE))
#define PAGE	       4096

static struct tep_handle *load(const char *dir)
{
	unsigned int missing = ~0u;
	struct tep_handle *tep = kvmdecode_load_tep(dir, ALL_TYPES, &missing);

	ck_assert_msg(tep, "cannot load formats from %s: %s", dir, strerror(errno));
	ck_assert_msg(!missing, "formats missing under %s: mask 0x%x", dir, missing);
	return tep;
}

/* Returns 0 after finding a field's offset and size in a format file's text, by hand. */
static int format_field(const char *dir, unsigned int type, const char *name, int *off, int *size)
{
	const char *sys, *ev = kvmdecode_event_name(type, &sys);
	char path[512], line[1024];
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s/format", dir, sys, ev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *decl = strstr(line, "field:"), *semi, *p, *word;

		if (!decl || !(semi = strchr(decl, ';')))
			continue;
		*semi = '\0';
		word = decl;
		for (p = decl; *p; p++)
			if (*p == ' ' || *p == '\t')
				word = p + 1;
		p = strchr(word, '[');
		if (p)
			*p = '\0';
		if (strcmp(word, name))
			continue;
		if (sscanf(semi + 1, " offset:%d; size:%d;", off, size) == 2)
			found = 0;
	}
	fclose(f);
	return found;
}

/* Checks every cached offset and size against the format text under dir. */
static void check_offsets(const struct kvmdecode *d, const char *dir)
{
	unsigned int type;
	int i, off, size;

	ck_assert_int_eq(format_field(dir, KE_PIO, "common_type", &off, &size), 0);
	ck_assert_int_eq(d->type_field.offset, off);
	ck_assert_int_eq(d->type_field.size, size);
	ck_assert_int_eq(format_field(dir, KE_PIO, "common_pid", &off, &size), 0);
	ck_assert_int_eq(d->pid_field.offset, off);
	ck_assert_int_eq(d->pid_field.size, size);
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		/* A loss marker has no tracepoint behind it. */
		if (type == KE_LOST) {
			ck_assert_ptr_null(kvmdecode_event_name(type, NULL));
			ck_assert(!kvmdecode_has(d, type));
			continue;
		}
		ck_assert_msg(kvmdecode_has(d, type), "%s not decoded",
			      kvmdecode_event_name(type, NULL));
		for (i = 0; kvmdecode_field_name(type, i); i++) {
			const char *name = kvmdecode_field_name(type, i);
			struct kvmdecode_field f = kvmdecode_field_of(d, type, name);
			const char *br = strchr(name, '[');
			char base[32];

			/* "args[1]": the element of an array of longs, 8 bytes past the one before.
			 */
			snprintf(base, sizeof(base), "%.*s", br ? (int)(br - name) : 31, name);
			ck_assert_msg(!format_field(dir, type, base, &off, &size), "%s.%s",
				      kvmdecode_event_name(type, NULL), name);
			if (br) {
				off += 8 * atoi(br + 1);
				size = 8;
			}
			ck_assert_msg(f.offset == off && f.size == size,
				      "%s.%s: decoder %u/%u, format %d/%d",
				      kvmdecode_event_name(type, NULL), name, f.offset, f.size, off,
				      size);
		}
	}
}

/* A record under construction, written at the offsets the tep parsed. */
struct rec {
	struct tep_event *ev;
	uint8_t data[256];
	unsigned int size;
};

static void put(struct rec *r, const char *name, uint64_t v)
{
	struct tep_format_field *f = tep_find_field(r->ev, name);

	if (!f)
		f = tep_find_common_field(r->ev, name);
	ck_assert_msg(f, "%s has no field %s", r->ev->name, name);
	ck_assert_int_le(f->offset + f->size, sizeof(r->data));
	/* Little- or big-endian host alike: store the low f->size bytes in host order. */
	switch (f->size) {
	case 1:
		r->data[f->offset] = (uint8_t)v;
		break;
	case 2:
		memcpy(r->data + f->offset, &(uint16_t){ (uint16_t)v }, 2);
		break;
	case 4:
		memcpy(r->data + f->offset, &(uint32_t){ (uint32_t)v }, 4);
		break;
	case 8:
		memcpy(r->data + f->offset, &v, 8);
		break;
	default:
		ck_abort_msg("%s.%s: size %d", r->ev->name, name, f->size);
	}
}

/* Starts a record of type's event from pid; its size is the end of its last field. */
static void rec_start(struct rec *r, struct tep_handle *tep, unsigned int type, int pid)
{
	const char *sys, *name = kvmdecode_event_name(type, &sys);
	struct tep_format_field *f;

	memset(r, 0, sizeof(*r));
	r->ev = tep_find_event_by_name(tep, sys, name);
	ck_assert_ptr_nonnull(r->ev);
	for (f = r->ev->format.fields; f; f = f->next)
		if ((unsigned int)(f->offset + f->size) > r->size)
			r->size = (unsigned int)(f->offset + f->size);
	put(r, "common_type", (uint64_t)r->ev->id);
	put(r, "common_pid", (uint64_t)pid);
	put(r, "common_flags", 0x5);
	put(r, "common_preempt_count", 0x2);
}

static struct kvm_event decode(const struct kvmdecode *d, const struct rec *r)
{
	struct kvm_event ev;

	memset(&ev, 0xa5, sizeof(ev));
	ck_assert_int_eq(kvmdecode_record(d, r->data, r->size, &ev), 1);
	ck_assert_int_eq(ev.pad, 0);
	return ev;
}

/* Decodes one record of every kind and checks every field against what was written. */
static void check_all_fields(struct tep_handle *tep, const struct kvmdecode *d)
{
	static const struct {
		unsigned int write, port, size, count;
	} pios[] = { { 0, 0x608, 4, 1 },
		     { 1, 0x70, 1, 1 },
		     { 0, 0x40, 1, 1 },
		     { 1, 0xcfc, 2, 1 },
		     { 0, 0x1f0, 2, 256 } };
	static const struct {
		unsigned int kind, len;
		uint64_t gpa;
	} mmios[] = { { KE_MMIO_WRITE, 4, 0xfee00300ull },
		      { KE_MMIO_READ, 4, 0xfee00390ull },
		      { KE_MMIO_READ_UNSATISFIED, 8, 0xfebf1000ull },
		      { KE_MMIO_WRITE, 2, 0x10000000000ull } };
	struct kvm_event ev;
	struct rec r;
	unsigned int i;

	rec_start(&r, tep, KE_EXIT, 4242);
	put(&r, "exit_reason", 30);
	put(&r, "isa", KE_ISA_VMX);
	put(&r, "vcpu_id", 3);
	put(&r, "guest_rip", 0xffffffff81000000ull);
	put(&r, "info1", ~0ull);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_EXIT);
	ck_assert_uint_eq(ev.tid, 4242);
	ck_assert_uint_eq(ev.exit.reason, 30);
	ck_assert_uint_eq(ev.exit.isa, KE_ISA_VMX);
	ck_assert_uint_eq(ev.exit.vcpu, 3);

	/* SVM, with the full reason kept (vmgexit codes use the top bit). */
	rec_start(&r, tep, KE_EXIT, 77);
	put(&r, "exit_reason", 0x80000010u);
	put(&r, "isa", KE_ISA_SVM);
	put(&r, "vcpu_id", 250);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.exit.reason, 0x80000010u);
	ck_assert_uint_eq(ev.exit.isa, KE_ISA_SVM);
	ck_assert_uint_eq(ev.exit.vcpu, 250);
	rec_start(&r, tep, KE_EXIT, 77);
	put(&r, "exit_reason", 0x400);
	put(&r, "isa", KE_ISA_SVM);
	ck_assert_uint_eq(decode(d, &r).exit.reason, 0x400);

	rec_start(&r, tep, KE_ENTRY, 4243);
	put(&r, "vcpu_id", 7);
	put(&r, "rip", 0xfff0);
	put(&r, "immediate_exit", 1);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_ENTRY);
	ck_assert_uint_eq(ev.tid, 4243);
	ck_assert_uint_eq(ev.entry.vcpu, 7);

	for (i = 0; i < ARRAY_SIZE(pios); i++) {
		rec_start(&r, tep, KE_PIO, 100 + (int)i);
		put(&r, "rw", pios[i].write);
		put(&r, "port", pios[i].port);
		put(&r, "size", pios[i].size);
		put(&r, "count", pios[i].count);
		put(&r, "val", 0xdeadbeef);
		ev = decode(d, &r);
		ck_assert_int_eq(ev.type, KE_PIO);
		ck_assert_uint_eq(ev.tid, 100 + i);
		ck_assert_uint_eq(ev.pio.write, pios[i].write);
		ck_assert_uint_eq(ev.pio.port, pios[i].port);
		ck_assert_uint_eq(ev.pio.size, pios[i].size);
		ck_assert_uint_eq(ev.pio.count, pios[i].count);
		/* This kernel's kvm_pio has val: an IN is traced once its data is there. */
		ck_assert_uint_eq(ev.pio.early_in, 0);
	}
	/* Any non-zero rw is a write. */
	rec_start(&r, tep, KE_PIO, 1);
	put(&r, "rw", 0x100);
	ck_assert_uint_eq(decode(d, &r).pio.write, 1);

	for (i = 0; i < ARRAY_SIZE(mmios); i++) {
		rec_start(&r, tep, KE_MMIO, 200);
		put(&r, "type", mmios[i].kind);
		put(&r, "len", mmios[i].len);
		put(&r, "gpa", mmios[i].gpa);
		put(&r, "val", 0x1234);
		ev = decode(d, &r);
		ck_assert_int_eq(ev.type, KE_MMIO);
		ck_assert_uint_eq(ev.mmio.kind, mmios[i].kind);
		ck_assert_uint_eq(ev.mmio.len, mmios[i].len);
		ck_assert_uint_eq(ev.mmio.gpa, mmios[i].gpa);
	}

	rec_start(&r, tep, KE_FAST_MMIO, 201);
	put(&r, "gpa", 0xfe003000ull);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_FAST_MMIO);
	ck_assert_uint_eq(ev.fast_mmio.gpa, 0xfe003000ull);

	rec_start(&r, tep, KE_MSR, 202); /* read */
	put(&r, "write", 0);
	put(&r, "ecx", 0x1b);
	put(&r, "data", 0xfee00900ull);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_MSR);
	ck_assert_uint_eq(ev.msr.index, 0x1b);
	ck_assert_uint_eq(ev.msr.write, 0);
	ck_assert_uint_eq(ev.msr.failed, 0);
	rec_start(&r, tep, KE_MSR, 202); /* write */
	put(&r, "write", 1);
	put(&r, "ecx", 0x6e0);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.msr.index, 0x6e0);
	ck_assert_uint_eq(ev.msr.write, 1);
	ck_assert_uint_eq(ev.msr.failed, 0);
	rec_start(&r, tep, KE_MSR, 202); /* failed write (#GP) */
	put(&r, "write", 1);
	put(&r, "ecx", 0xc0010000u);
	put(&r, "exception", 1);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.msr.index, 0xc0010000u);
	ck_assert_uint_eq(ev.msr.write, 1);
	ck_assert_uint_eq(ev.msr.failed, 1);

	rec_start(&r, tep, KE_USER_EXIT, 300);
	put(&r, "reason", 2); /* KVM_EXIT_IO */
	put(&r, "errno", 0);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_USER_EXIT);
	ck_assert_uint_eq(ev.user_exit.reason, 2);
	ck_assert_int_eq(ev.user_exit.err, 0);
	rec_start(&r, tep, KE_USER_EXIT, 300);
	put(&r, "reason", 0);
	put(&r, "errno", (uint64_t)-EINTR);
	ck_assert_int_eq(decode(d, &r).user_exit.err, -EINTR);

	rec_start(&r, tep, KE_VCPU_WAKEUP, 301);
	put(&r, "ns", 123456789012ull);
	put(&r, "waited", 1);
	put(&r, "valid", 0);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_VCPU_WAKEUP);
	ck_assert_uint_eq(ev.wakeup.wait_ns, 123456789012ull);
	ck_assert_uint_eq(ev.wakeup.waited, 1);
	ck_assert_uint_eq(ev.wakeup.valid, 0);
	rec_start(&r, tep, KE_VCPU_WAKEUP, 301);
	put(&r, "ns", 5);
	put(&r, "waited", 0);
	put(&r, "valid", 1);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.wakeup.wait_ns, 5);
	ck_assert_uint_eq(ev.wakeup.waited, 0);
	ck_assert_uint_eq(ev.wakeup.valid, 1);

	rec_start(&r, tep, KE_SET_IRQ, 302);
	put(&r, "gsi", 24);
	put(&r, "level", (uint64_t)-1);
	put(&r, "irq_source_id", 1);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_SET_IRQ);
	ck_assert_uint_eq(ev.set_irq.gsi, 24);
	ck_assert_int_eq(ev.set_irq.level, -1);

	rec_start(&r, tep, KE_MSI_SET_IRQ, 303);
	put(&r, "address", 0xfee01004ull);
	put(&r, "data", 0x4031);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_MSI_SET_IRQ);
	ck_assert_uint_eq(ev.msi.address, 0xfee01004ull);
	ck_assert_uint_eq(ev.msi.data, 0x4031);

	rec_start(&r, tep, KE_APIC, 304);
	put(&r, "rw", 1);
	put(&r, "reg", 0x300);
	put(&r, "val", 0x1000000000000fdull);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_APIC);
	ck_assert_uint_eq(ev.apic.write, 1);
	ck_assert_uint_eq(ev.apic.reg, 0x300);
	ck_assert_uint_eq(ev.apic.val, 0xfd);
	rec_start(&r, tep, KE_APIC, 304);
	put(&r, "rw", 0);
	put(&r, "reg", 0x390);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.apic.write, 0);
	ck_assert_uint_eq(ev.apic.reg, 0x390);

	rec_start(&r, tep, KE_EMULATE, 305);
	put(&r, "rip", 0xfff0);
	put(&r, "failed", 1);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_EMULATE);
	ck_assert_uint_eq(ev.emulate.rip, 0xfff0);
	ck_assert_uint_eq(ev.emulate.failed, 1);

	rec_start(&r, tep, KE_SCHED_WAKING, 306);
	put(&r, "pid", 4000000);
	put(&r, "prio", 120);
	put(&r, "target_cpu", 63);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_SCHED_WAKING);
	ck_assert_uint_eq(ev.tid, 306);
	ck_assert_uint_eq(ev.waking.target, 4000000);
	ck_assert_uint_eq(ev.waking.target_cpu, 63);
	ck_assert_uint_eq(ev.ctx, 0);
	/* common_flags: TRACE_FLAG_HARDIRQ 0x08, SOFTIRQ 0x10, NMI 0x40 (irqs-off 0x01 is not). */
	put(&r, "common_flags", 0x11);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.ctx, KE_CTX_SOFTIRQ);
	put(&r, "common_flags", 0x0d);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.ctx, KE_CTX_HARDIRQ);
	put(&r, "common_flags", 0x48);
	ev = decode(d, &r);
	ck_assert_uint_eq(ev.ctx, KE_CTX_HARDIRQ | KE_CTX_NMI);

	/* Only ioctl(KVM_RUN) is the VMM's return into KVM: any other syscall is no event. */
	rec_start(&r, tep, KE_KVM_RUN, 307);
	put(&r, "id", SYS_ioctl);
	memcpy(r.data + kvmdecode_field_of(d, KE_KVM_RUN, "args[0]").offset, &(uint64_t){ 13 }, 8);
	memcpy(r.data + kvmdecode_field_of(d, KE_KVM_RUN, "args[1]").offset, &(uint64_t){ KVM_RUN },
	       8);
	ev = decode(d, &r);
	ck_assert_int_eq(ev.type, KE_KVM_RUN);
	ck_assert_uint_eq(ev.tid, 307);
	ck_assert_int_eq(ev.kvm_run.fd, 13);
	memcpy(r.data + kvmdecode_field_of(d, KE_KVM_RUN, "args[1]").offset,
	       &(uint64_t){ KVM_GET_REGS }, 8);
	ck_assert_int_eq(kvmdecode_record(d, r.data, r.size, &ev), 0);
	put(&r, "id", SYS_read);
	memcpy(r.data + kvmdecode_field_of(d, KE_KVM_RUN, "args[1]").offset, &(uint64_t){ KVM_RUN },
	       8);
	ck_assert_int_eq(kvmdecode_record(d, r.data, r.size, &ev), 0);

	/* prev_state: 0 preempted (R), 1 S, 2 D, and the preempt bit above the states. */
	{
		static const uint64_t states[] = { KE_TASK_RUNNING, 0x1, 0x2, 0x100, 0x81 };

		for (i = 0; i < ARRAY_SIZE(states); i++) {
			rec_start(&r, tep, KE_SCHED_SWITCH, 0);
			put(&r, "prev_pid", 1234);
			put(&r, "prev_state", states[i]);
			put(&r, "next_pid", 5678);
			ev = decode(d, &r);
			ck_assert_int_eq(ev.type, KE_SCHED_SWITCH);
			ck_assert_uint_eq(ev.tid, 0);
			ck_assert_uint_eq(ev.sw.prev_tid, 1234);
			ck_assert_uint_eq(ev.sw.next_tid, 5678);
			ck_assert_uint_eq(ev.sw.prev_state, states[i]);
		}
	}
}

START_TEST(fixture_offsets)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct kvmdecode d;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	check_offsets(&d, FIXTURE_EVENTS);
	/* A few known places in this kernel's layout, written out. */
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_PIO, "port").offset, 12);
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_MMIO, "gpa").offset, 16);
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_EXIT, "vcpu_id").offset, 56);
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_SCHED_SWITCH, "prev_state").size, 8);
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_SCHED_SWITCH, "prev_state").offset, 32);
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_USER_EXIT, "errno").is_signed, 1);
	ck_assert_int_eq(kvmdecode_field_of(&d, KE_PIO, "nonesuch").size, 0);
	ck_assert_int_eq(d.id[KE_PIO], 110);
	ck_assert_int_eq(d.id[KE_SCHED_SWITCH], 372);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

START_TEST(fixture_fields)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct kvmdecode d;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	check_all_fields(tep, &d);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

START_TEST(rejects_unknown_and_short)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct kvm_event ev;
	struct kvmdecode d;
	struct rec r;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	rec_start(&r, tep, KE_PIO, 1);
	/* One of ours, too short: counted as undecodable; too short to say whose: not ours. */
	ck_assert_int_eq(kvmdecode_record(&d, r.data, r.size - 9, &ev), -1);
	ck_assert_int_eq(kvmdecode_record(&d, r.data, 1, &ev), 0);
	put(&r, "common_type", 111); /* an id no decoded event has */
	ck_assert_int_eq(kvmdecode_record(&d, r.data, r.size, &ev), 0);
	put(&r, "common_type", 0xffff);
	ck_assert_int_eq(kvmdecode_record(&d, r.data, r.size, &ev), 0);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

static void check_exit_names(const struct exit_names *n)
{
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_VMX, 0), "EXCEPTION_NMI");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_VMX, 30), "IO_INSTRUCTION");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_VMX, 48), "EPT_VIOLATION");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_VMX, 12), "HLT");
	/* The basic reason is the low 16 bits; FAILED_VMENTRY and friends sit above. */
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_VMX, 0x80000021u), "INVALID_STATE");
	ck_assert_ptr_null(exit_names_lookup(n, KE_ISA_VMX, 35));
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0x7b), "io");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0x400), "npf");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0x78), "hlt");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0x000), "read_cr0");
	/* "0x040 + 14" in the format: libtraceevent evaluates it. */
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0x4e), "PF excp");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0xffffffffu), "invalid_guest_state");
	ck_assert_str_eq(exit_names_lookup(n, KE_ISA_SVM, 0x8000fffdu),
			 "vmgexit_hypervisor_feature");
	/* The tables did not mix. */
	ck_assert_ptr_null(exit_names_lookup(n, KE_ISA_SVM, 0x401 + 0x10000));
	ck_assert_str_ne(exit_names_lookup(n, KE_ISA_VMX, 0x7b & 0xff) ?: "", "io");
}

START_TEST(exit_names_fixture)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct exit_names n = { 0 };
	int i;

	ck_assert_int_eq(kvmdecode_exit_names(tep, &n), n.nvmx + n.nsvm);
	/* Every entry of both tables in the fixture: 65 VMX, 110 SVM. */
	ck_assert_int_eq(n.nvmx, 65);
	ck_assert_int_eq(n.nsvm, 110);
	for (i = 1; i < n.nvmx; i++)
		ck_assert_uint_lt(n.vmx[i - 1].code, n.vmx[i].code);
	check_exit_names(&n);
	exit_names_free(&n);
	tep_free(tep);
}
END_TEST

/* In-memory CPU streams for the merge: each a list of sub-buffers. */
struct fake_cpu {
	struct kvmdecode_stream s;
	uint8_t (*pages)[PAGE];
	int npages, next;
	long long missed; /* sum of what the loaded sub-buffers reported */
	int refills_after_end;
};

struct fake_set {
	struct fake_cpu *cpu;
	int n;
	int fail_at; /* refill number that fails with -EIO; 0 never */
	int refills;
};

static int fake_refill(void *arg, struct kvmdecode_stream *s)
{
	struct fake_set *set = arg;
	struct fake_cpu *c = (struct fake_cpu *)s; /* s is the first member */

	if (set->fail_at && ++set->refills == set->fail_at)
		return -EIO;
	if (c->next >= c->npages) {
		c->refills_after_end++;
		return 0;
	}
	ck_assert_int_eq(kvmdecode_stream_load(s, c->pages[c->next++]), 0);
	if (s->missed)
		c->missed += s->missed;
	return 1;
}

/* What the merge delivered, in order. */
struct got {
	struct kvm_event ev[4096];
	int n;
	int lost; /* merge_one(): the loss markers it took out of ev */
};

static void collect(void *arg, const struct kvm_event *ev)
{
	struct got *g = arg;

	ck_assert_int_lt(g->n, (int)ARRAY_SIZE(g->ev));
	g->ev[g->n++] = *ev;
}

static void fake_init(struct fake_cpu *c, struct tep_handle *tep, uint32_t cpu, int npages)
{
	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(kvmdecode_stream_init(&c->s, tep, PAGE, cpu), 0);
	c->pages = calloc((size_t)(npages ? npages : 1), PAGE);
	ck_assert_ptr_nonnull(c->pages);
	c->npages = npages;
}

static void fake_free(struct fake_cpu *c)
{
	free(c->pages);
}

/* One sub-buffer with a time extend, a discarded event, the long header form. */
START_TEST(subbuf_layout)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct kvmdecode_stream *sp;
	struct fake_set set = { 0 };
	struct fake_cpu c;
	struct kvmdecode d;
	struct rbpage p;
	struct rec r;
	static struct got g;
	const uint64_t t0 = 5000000000ull; /* 5 s on CLOCK_MONOTONIC */

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	ck_assert_int_eq(tep_get_header_page_size(tep), 8);
	ck_assert_int_eq(tep_get_sub_buffer_size(tep), PAGE);
	fake_init(&c, tep, 1, 2);
	set.cpu = &c;
	set.n = 1;

	rbpage_start(&p, c.pages[0], PAGE, t0);
	rec_start(&r, tep, KE_PIO, 10);
	put(&r, "port", 0x608);
	put(&r, "size", 4);
	ck_assert_int_eq(rbpage_add(&p, t0 + 100, r.data, r.size, false), 0); /* delta 100 */
	rec_start(&r, tep, KE_MMIO, 10);
	put(&r, "type", KE_MMIO_WRITE);
	put(&r, "gpa", 0xfee000b0ull);
	put(&r, "len", 4);
	/* 2^27 ns and more after the last event: needs a time extend. */
	ck_assert_int_eq(rbpage_add(&p, t0 + 100 + (3ull << 27) + 17, r.data, r.size, false), 0);
	/* A filtered-out event: padding that keeps its delta. */
	ck_assert_int_eq(rbpage_discarded(&p, t0 + 100 + (3ull << 27) + 20, 28), 0);
	rec_start(&r, tep, KE_SCHED_SWITCH, 0);
	put(&r, "prev_pid", 10);
	put(&r, "prev_state", 1);
	put(&r, "next_pid", 0);
	ck_assert_int_eq(rbpage_add(&p, t0 + 100 + (3ull << 27) + 25, r.data, r.size, true), 0);
	rec_start(&r, tep, KE_EXIT, 10);
	put(&r, "exit_reason", 48);
	put(&r, "isa", KE_ISA_VMX);
	/* Same timestamp as the one before: delta 0. */
	ck_assert_int_eq(rbpage_add(&p, t0 + 100 + (3ull << 27) + 25, r.data, r.size, false), 0);
	rbpage_finish(&p, 0);

	/* The next sub-buffer says 42 events were lost before it. */
	rbpage_start(&p, c.pages[1], PAGE, t0 + 10000000000ull);
	rec_start(&r, tep, KE_ENTRY, 11);
	put(&r, "vcpu_id", 1);
	ck_assert_int_eq(rbpage_add(&p, t0 + 10000000000ull, r.data, r.size, false), 0);
	rbpage_finish(&p, 42);

	memset(&g, 0, sizeof(g));
	sp = &c.s;
	ck_assert_int_eq(kvmdecode_merge(&d, &sp, 1, fake_refill, &set, collect, &g), 5);
	ck_assert_int_eq(g.n, 6);
	ck_assert_int_eq(g.ev[0].type, KE_PIO);
	ck_assert_uint_eq(g.ev[0].ts_ns, t0 + 100);
	ck_assert_uint_eq(g.ev[0].cpu, 1);
	ck_assert_uint_eq(g.ev[0].pio.port, 0x608);
	ck_assert_int_eq(g.ev[1].type, KE_MMIO);
	ck_assert_uint_eq(g.ev[1].ts_ns, t0 + 100 + (3ull << 27) + 17);
	ck_assert_uint_eq(g.ev[1].mmio.gpa, 0xfee000b0ull);
	ck_assert_int_eq(g.ev[2].type, KE_SCHED_SWITCH);
	ck_assert_uint_eq(g.ev[2].ts_ns, t0 + 100 + (3ull << 27) + 25);
	ck_assert_uint_eq(g.ev[2].sw.prev_tid, 10);
	ck_assert_uint_eq(g.ev[2].sw.prev_state, 1);
	ck_assert_int_eq(g.ev[3].type, KE_EXIT);
	ck_assert_uint_eq(g.ev[3].ts_ns, t0 + 100 + (3ull << 27) + 25);
	ck_assert_uint_eq(g.ev[3].exit.reason, 48);
	/* The loss is told first, at the time of the first event after it, on its CPU. */
	ck_assert_int_eq(g.ev[4].type, KE_LOST);
	ck_assert_uint_eq(g.ev[4].ts_ns, t0 + 10000000000ull);
	ck_assert_uint_eq(g.ev[4].cpu, 1);
	ck_assert_int_eq(g.ev[4].lost.count, 42);
	ck_assert_int_eq(g.ev[5].type, KE_ENTRY);
	ck_assert_uint_eq(g.ev[5].ts_ns, t0 + 10000000000ull);
	ck_assert_uint_eq(g.ev[5].tid, 11);
	ck_assert_int_eq(c.missed, 42);
	ck_assert_int_eq(c.s.missed, 42);

	fake_free(&c);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

START_TEST(subbuf_missed_flags)
{
	uint8_t page[PAGE];
	struct rbpage p;

	rbpage_start(&p, page, PAGE, 1);
	rbpage_finish(&p, 0);
	ck_assert_int_eq(kvmdecode_subbuf_missed(page, 8), 0);
	rbpage_start(&p, page, PAGE, 1);
	rbpage_add(&p, 2, "abcdefgh", 8, false);
	rbpage_finish(&p, 123456);
	ck_assert_int_eq(kvmdecode_subbuf_missed(page, 8), 123456);
	rbpage_start(&p, page, PAGE, 1);
	rbpage_finish(&p, -1); /* flagged, no room for the count */
	ck_assert_int_eq(kvmdecode_subbuf_missed(page, 8), -1);

	/* A 32-bit kernel: a 4-byte commit word, data from offset 12, a 4-byte count. */
	memset(page, 0, sizeof(page));
	memcpy(page + 8, &(uint32_t){ 16u | 1u << 31 | 1u << 30 }, 4);
	memcpy(page + 12 + 16, &(uint32_t){ 77 }, 4);
	ck_assert_int_eq(kvmdecode_subbuf_missed(page, 4), 77);
	memcpy(page + 8, &(uint32_t){ 16u }, 4);
	ck_assert_int_eq(kvmdecode_subbuf_missed(page, 4), 0);
}
END_TEST

/* Fills CPU c's sub-buffers with kvm_pio events at the given times (port = cpu). */
static void fill_cpu(struct fake_cpu *c, struct tep_handle *tep, const uint64_t *ts, int n,
		     int per_page)
{
	struct rbpage p;
	struct rec r;
	int i, page = -1;

	for (i = 0; i < n; i++) {
		if (i % per_page == 0) {
			if (page >= 0)
				rbpage_finish(&p, 0);
			page++;
			ck_assert_int_lt(page, c->npages);
			rbpage_start(&p, c->pages[page], PAGE, ts[i]);
		}
		rec_start(&r, tep, KE_PIO, 1000 + (int)c->s.cpu);
		put(&r, "port", c->s.cpu);
		put(&r, "count", (uint64_t)i); /* sequence number within the CPU */
		ck_assert_int_eq(rbpage_add(&p, ts[i], r.data, r.size, false), 0);
	}
	if (page >= 0)
		rbpage_finish(&p, 0);
	c->npages = page + 1;
}

START_TEST(merge_across_cpus)
{
	enum { NCPU = 3, N = 300 };
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct kvmdecode_stream *sp[NCPU];
	struct fake_cpu cpus[NCPU];
	struct fake_set set = { .cpu = cpus, .n = NCPU };
	uint64_t ts[NCPU][N];
	uint32_t seq[NCPU] = { 0 };
	static struct got g;
	struct kvmdecode d;
	int i, k;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	/* CPU 0 steady, CPU 1 in bursts, CPU 2 quiet then busy; ties between 0 and 1. */
	for (i = 0; i < N; i++) {
		ts[0][i] = 1000 + (uint64_t)i * 10;
		ts[1][i] = 1000 + (uint64_t)(i / 20) * 200 + (uint64_t)(i % 20);
		ts[2][i] = i < N / 2 ? 500 + (uint64_t)i : 4000 + (uint64_t)i * 3;
	}
	ts[1][0] = ts[0][0]; /* a tie across CPUs */
	for (k = 0; k < NCPU; k++) {
		fake_init(&cpus[k], tep, (uint32_t)k, 64);
		/* Short sub-buffers so the merge crosses many of them. */
		fill_cpu(&cpus[k], tep, ts[k], N, 7 + k * 5);
		sp[k] = &cpus[k].s;
	}
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(kvmdecode_merge(&d, sp, NCPU, fake_refill, &set, collect, &g), NCPU * N);
	ck_assert_int_eq(g.n, NCPU * N);
	for (i = 0; i < g.n; i++) {
		const struct kvm_event *e = &g.ev[i];

		if (i)
			ck_assert_msg(e->ts_ns >= g.ev[i - 1].ts_ns, "event %d: %llu after %llu", i,
				      (unsigned long long)e->ts_ns,
				      (unsigned long long)g.ev[i - 1].ts_ns);
		ck_assert_uint_eq(e->cpu, e->pio.port);
		/* Each CPU's own order is kept, and nothing is skipped or repeated. */
		ck_assert_uint_eq(e->pio.count, seq[e->cpu]);
		ck_assert_uint_eq(e->ts_ns, ts[e->cpu][seq[e->cpu]]);
		seq[e->cpu]++;
	}
	for (k = 0; k < NCPU; k++) {
		ck_assert_uint_eq(seq[k], N);
		ck_assert_int_eq(cpus[k].refills_after_end, 1);
	}

	/* A drain again finds nothing new and asks each CPU once. */
	g.n = 0;
	for (k = 0; k < NCPU; k++)
		sp[k] = &cpus[k].s;
	ck_assert_int_eq(kvmdecode_merge(&d, sp, NCPU, fake_refill, &set, collect, &g), 0);
	for (k = 0; k < NCPU; k++)
		ck_assert_int_eq(cpus[k].refills_after_end, 2);

	/* An empty CPU, and a refill error that stops the merge. */
	for (k = 0; k < NCPU; k++) {
		cpus[k].next = 0;
		cpus[k].s.rec = NULL;
		sp[k] = &cpus[k].s;
	}
	cpus[1].npages = 0;
	set.fail_at = 10;
	g.n = 0;
	ck_assert_int_eq(kvmdecode_merge(&d, sp, NCPU, fake_refill, &set, collect, &g), -EIO);

	for (k = 0; k < NCPU; k++)
		fake_free(&cpus[k]);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/* A merge bounded in time stops before until and goes on from there on the next call. */
START_TEST(merge_until_resumes)
{
	enum { NCPU = 2, N = 200 };
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	struct kvmdecode_stream *sp[NCPU];
	struct fake_cpu cpus[NCPU];
	struct fake_set set = { .cpu = cpus, .n = NCPU };
	uint64_t ts[NCPU][N], until;
	static struct got g;
	struct kvmdecode d;
	int i, k, n, total = 0, calls = 0;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	for (i = 0; i < N; i++) {
		ts[0][i] = 1000 + (uint64_t)i * 7;
		ts[1][i] = 1003 + (uint64_t)i * 5;
	}
	for (k = 0; k < NCPU; k++) {
		fake_init(&cpus[k], tep, (uint32_t)k, 64);
		fill_cpu(&cpus[k], tep, ts[k], N, 9);
		sp[k] = &cpus[k].s;
	}
	memset(&g, 0, sizeof(g));
	/* Windows of 100 ns: each call delivers exactly the records before its bound. */
	for (until = 1100; total < NCPU * N; until += 100, calls++) {
		int before = g.n;

		n = kvmdecode_merge_until(&d, sp, NCPU, fake_refill, &set, until, collect, &g);
		ck_assert_int_ge(n, 0);
		total += n;
		for (i = before; i < g.n; i++) {
			ck_assert_uint_lt(g.ev[i].ts_ns, until);
			ck_assert_uint_ge(g.ev[i].ts_ns, until - 100);
			if (i)
				ck_assert_uint_ge(g.ev[i].ts_ns, g.ev[i - 1].ts_ns);
		}
		ck_assert_int_lt(calls, 100);
	}
	ck_assert_int_eq(total, NCPU * N);
	ck_assert_int_eq(g.n, NCPU * N);
	for (k = 0; k < NCPU; k++) {
		ck_assert_uint_eq(cpus[k].s.records, N);
		ck_assert_uint_eq(cpus[k].s.undecodable, 0);
		fake_free(&cpus[k]);
	}
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/* A format that lacks a field we need: its records are counted, the others still decode. */
START_TEST(unusable_format)
{
	static const char fmt[] =
		"name: kvm_pio\nID: 77\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:unsigned int rw;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int prt;\toffset:12;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int size;\toffset:16;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"%u\", REC->rw\n";
	unsigned int missing = 0;
	struct tep_handle *tep = kvmdecode_load_tep(FIXTURE_EVENTS, KVMDECODE_BIT(KE_MMIO),
						    &missing);
	struct kvm_event ev;
	struct kvmdecode d;
	struct rec r;
	uint8_t raw[24] = { 77, 0 };

	/* The fixture's kvm_mmio, and a kvm_pio whose port field has another name. */
	ck_assert_ptr_nonnull(tep);
	rec_start(&r, tep, KE_MMIO, 42);
	ck_assert_int_eq(tep_parse_event(tep, fmt, sizeof(fmt) - 1, "kvm"), 0);
	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	ck_assert(d.unusable & KVMDECODE_BIT(KE_PIO));
	ck_assert_str_eq(d.lacks[KE_PIO], "port");
	ck_assert(!kvmdecode_has(&d, KE_PIO));
	ck_assert(kvmdecode_has(&d, KE_MMIO));
	ck_assert_int_eq(kvmdecode_record(&d, raw, sizeof(raw), &ev), -1);
	ck_assert_int_eq(kvmdecode_record(&d, r.data, r.size, &ev), 1);
	ck_assert_uint_eq(ev.tid, 42);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/*
 * Malformed sub-buffers: a kernel never writes them, but a trace.dat or a recording can hold
 * anything, and the monitor must neither read past a sub-buffer nor loop on one.
 */

/*
 * Returns the events a merge of c's sub-buffers alone delivered into g; the markers of lost
 * events (a cut sub-buffer loses what was after the cut) are counted in g->lost, not kept.
 */
static int merge_one(const struct kvmdecode *d, struct fake_cpu *c, struct got *g)
{
	struct fake_set set = { .cpu = c, .n = 1 };
	struct kvmdecode_stream *sp = &c->s;
	int ret, i, k = 0;

	g->n = 0;
	g->lost = 0;
	c->next = 0;
	c->s.rec = NULL;
	ret = kvmdecode_merge(d, &sp, 1, fake_refill, &set, collect, g);
	for (i = 0; i < g->n; i++) {
		if (g->ev[i].type == KE_LOST)
			g->lost++;
		else
			g->ev[k++] = g->ev[i];
	}
	g->n = k;
	return ret;
}

/* Writes a 32-bit word at a data offset of a sub-buffer (after its 16-byte header). */
static void put_word(uint8_t *page, unsigned int off, uint32_t v)
{
	memcpy(page + RB_HDR + off, &v, 4);
}

static void set_commit(uint8_t *page, uint64_t commit)
{
	memcpy(page + 8, &commit, 8);
}

/* Writes a kvm_pio record of tid on port, with count as a sequence number; its size. */
static unsigned int put_pio(uint8_t *at, struct tep_handle *tep, int tid, unsigned int port,
			    unsigned int count)
{
	struct rec r;

	rec_start(&r, tep, KE_PIO, tid);
	put(&r, "port", port);
	put(&r, "count", count);
	memcpy(at, r.data, r.size);
	return r.size;
}

/*
 * Lays a trap right after a sub-buffer, in memory the sub-buffer does not own: a reader
 * that takes the word at data offset 4076 for a long-form header and reads on finds a
 * length word and a kvm_pio record on port 0xbad, from tid 666.
 */
static void trap_after(uint8_t *page, struct tep_handle *tep)
{
	unsigned int size = put_pio(page + PAGE + 4, tep, 666, 0xbad, 0);

	memcpy(page + PAGE, &(uint32_t){ size + 4 }, 4);
}

static void check_no_trap(const struct got *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		ck_assert_msg(g->ev[i].pio.port != 0xbad && g->ev[i].tid != 666,
			      "event %d was read from past the sub-buffer", i);
}

/*
 * The last record claims more than the page holds: commit 4080 and a long-form record of
 * 4072 bytes at data offset 0 leave a header word at 4076 whose length word lies past the
 * page. The first record is read; nothing from beyond the page is.
 */
START_TEST(record_past_page)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	static struct got g;
	struct fake_cpu c;
	struct kvmdecode d;
	int k;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	/* Twice: a page with a trap after it, and a page of its own (for ASan). */
	for (k = 0; k < 2; k++) {
		fake_init(&c, tep, 0, 2 - k);
		c.npages = 1;
		set_commit(c.pages[0], PAGE - RB_HDR);
		put_word(c.pages[0], 0, 0);
		put_word(c.pages[0], 4, 4072);
		put_pio(c.pages[0] + RB_HDR + 8, tep, 7, 0x608, 0);
		if (!k)
			trap_after(c.pages[0], tep);
		ck_assert_int_eq(merge_one(&d, &c, &g), 1);
		check_no_trap(&g);
		ck_assert_uint_eq(g.ev[0].tid, 7);
		ck_assert_uint_eq(g.ev[0].pio.port, 0x608);
		ck_assert_uint_eq(c.s.bad, 1);
		ck_assert_int_eq(c.missed, -1); /* records lost, not counted */
		fake_free(&c);
	}
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/* A commit past the end of the page, and a missed count that would lie past it. */
START_TEST(commit_past_page)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	static struct got g;
	struct fake_cpu c;
	struct kvmdecode d;
	struct rbpage p;
	struct rec r;
	int i;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	fake_init(&c, tep, 0, 2);
	c.npages = 1;
	rbpage_start(&p, c.pages[0], PAGE, 1000);
	for (i = 0; i < 3; i++) {
		rec_start(&r, tep, KE_PIO, 8);
		put(&r, "count", (uint64_t)i);
		ck_assert_int_eq(rbpage_add(&p, 1000 + (uint64_t)i, r.data, r.size, false), 0);
	}
	trap_after(c.pages[0], tep);
	set_commit(c.pages[0], 2 * PAGE);
	ck_assert_int_eq(merge_one(&d, &c, &g), 3);
	check_no_trap(&g);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(g.ev[i].pio.count, i);
	ck_assert_uint_eq(c.s.bad, 1);

	/* Flagged with a stored count, but the count would lie at the page's end. */
	set_commit(c.pages[0], (PAGE - RB_HDR) | 1ull << 31 | 1ull << 30);
	ck_assert_int_eq(merge_one(&d, &c, &g), 3);
	check_no_trap(&g);
	ck_assert_int_eq(c.s.missed, -1);
	ck_assert_uint_eq(c.s.bad, 2);

	/* A sub-buffer size the header does not fit in: nothing is read. */
	c.s.subbuf_size = 8;
	ck_assert_int_eq(kvmdecode_stream_load(&c.s, c.pages[0]), -EINVAL);
	ck_assert_ptr_null(c.s.rec);
	fake_free(&c);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/*
 * A long-form length word of 0x80000000 or more: kbuffer's signed arithmetic moves the
 * cursor backwards (here from data offset 348 to 224), and a reader that follows it loops
 * for ever. The page from the report: commit 512, type_len 28 records at 0, 116 and 232,
 * and 00 00 00 00 80 ff ff ff at 348.
 */
START_TEST(length_backwards)
{
	static const uint8_t bad[8] = { 0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff };
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	static struct got g;
	struct fake_cpu c;
	struct kvmdecode d;
	unsigned int i;
	int k;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	/* As reported (records of zeros, none decoded), then with kvm_pio records in them. */
	for (k = 0; k < 2; k++) {
		fake_init(&c, tep, 0, 1);
		set_commit(c.pages[0], 512);
		for (i = 0; i < 3; i++) {
			put_word(c.pages[0], i * 116, 0x3c);
			if (k)
				put_pio(c.pages[0] + RB_HDR + i * 116 + 4, tep, 9, 0x40, i);
		}
		memcpy(c.pages[0] + RB_HDR + 348, bad, sizeof(bad));
		ck_assert_int_eq(merge_one(&d, &c, &g), k ? 3 : 0);
		for (i = 0; i < (unsigned int)g.n; i++)
			ck_assert_uint_eq(g.ev[i].pio.count, i);
		ck_assert_uint_eq(c.s.bad, 1);
		fake_free(&c);
	}
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/*
 * Padding whose length word points back at itself or before: kbuffer skips padding inside
 * one call, so it would loop there, in kbuffer_next_event or already in the load.
 */
START_TEST(padding_backwards)
{
	static const uint32_t lens[] = { 0xfffffffcu, 0xfffffff0u, 0x80000000u };
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	static struct got g;
	struct fake_cpu c;
	struct kvmdecode d;
	unsigned int i, size;
	int first;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		for (first = 0; first < 2; first++) {
			unsigned int off = 0;

			fake_init(&c, tep, 0, 1);
			if (!first) {
				/* A short-form kvm_pio record, then the padding. */
				size = put_pio(c.pages[0] + RB_HDR + 4, tep, 5, 0x70, 0);
				put_word(c.pages[0], 0, (size + 3) / 4 | 1u << 5);
				off = 4 + (size + 3) / 4 * 4;
			}
			put_word(c.pages[0], off, RB_TYPE_PADDING | 1u << 5);
			put_word(c.pages[0], off + 4, lens[i]);
			set_commit(c.pages[0], off + 64);
			ck_assert_int_eq(merge_one(&d, &c, &g), first ? 0 : 1);
			ck_assert_uint_eq(c.s.bad, 1);
			fake_free(&c);
		}
	}
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/*
 * The walker against kbuffer, the reader it replaced (rbref.h): the same records, times and
 * sizes on every page, real and built, and through the merge the same events.
 */

#define MAXREC	   1024
#define REAL_PAGES "tests/fuzz/corpus/fuzz_decode/storm-*"

static struct rbref_rec rec_w[MAXREC], rec_k[MAXREC];

/* Checks that the walker reads page as kbuffer does (rbref_compare); returns its records. */
static int check_page(struct kvmdecode_stream *s, const uint8_t *page, const char *what, int i)
{
	struct kbuffer *kb = rbref_kbuffer(s);
	uint8_t *scratch = xmalloc(s->subbuf_size);
	struct rbref_result r;
	bool same;

	ck_assert_ptr_nonnull(kb);
	same = rbref_compare(s, kb, page, scratch, rec_w, rec_k, MAXREC, &r);
	ck_assert_msg(same,
		      "%s, page %d: walker %d records, kbuffer %d, first differing %d (kbuffer "
		      "unsafe at %u, records end at %u, walker cut %d)",
		      what, i, r.walker, r.kbuffer, r.first_diff, r.unsafe, r.empty_at,
		      r.walker_cut);
	kbuffer_free(kb);
	free(scratch);
	return r.walker;
}

/* A growing list of events. Owned by the test that fills it. */
struct evlist {
	struct kvm_event *ev;
	int n, cap;
};

static void evlist_add(struct evlist *l, const struct kvm_event *ev)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->ev = xrealloc(l->ev, (size_t)l->cap * sizeof(*l->ev));
	}
	l->ev[l->n++] = *ev;
}

static void collect_list(void *arg, const struct kvm_event *ev)
{
	evlist_add(arg, ev);
}

/*
 * Appends to l the events of one CPU's pages as kbuffer reads them, decoded in order, with
 * the merge's loss markers: before the first record after a page that says events were lost.
 */
static void ref_events(const struct kvmdecode *d, const struct kvmdecode_stream *s,
		       uint8_t (*pages)[PAGE], int npages, struct evlist *l)
{
	struct kbuffer *kb = rbref_kbuffer(s);
	struct kvm_event ev;
	bool pending = false;
	long long missed;
	int p, i, n;

	ck_assert_ptr_nonnull(kb);
	for (p = 0; p < npages; p++) {
		missed = kvmdecode_subbuf_missed(pages[p], s->commit_size);
		pending = pending || missed;
		n = rbref_kbuffer_read(s, kb, pages[p], rec_k, MAXREC);
		ck_assert_int_ge(n, 0);
		for (i = 0; i < n; i++) {
			if (pending) {
				memset(&ev, 0, sizeof(ev));
				ev.type = KE_LOST;
				ev.ts_ns = rec_k[i].ts;
				ev.cpu = s->cpu;
				ev.lost.count = missed > 0 ? missed : -1;
				evlist_add(l, &ev);
				pending = false;
			}
			if (kvmdecode_record(d, pages[p] + rbref_hdr(s) + rec_k[i].off,
					     rec_k[i].size, &ev) > 0) {
				ev.ts_ns = rec_k[i].ts;
				ev.cpu = s->cpu;
				evlist_add(l, &ev);
			}
		}
	}
	kbuffer_free(kb);
}

/*
 * Checks one file of captured sub-buffers in fuzz_decode's layout (a setup byte, CPUs - 1 in
 * bits 0-1; then 4096-byte sub-buffers dealt to the CPUs in turn): every page read alike,
 * and the merge's events of each CPU those of kbuffer's records. Returns the records read.
 */
static int check_capture(const struct kvmdecode *d, struct tep_handle *tep, const char *path)
{
	enum { MAXCPU = 4 };
	struct kvmdecode_stream *sp[MAXCPU];
	struct fake_cpu cpus[MAXCPU];
	struct fake_set set = { .cpu = cpus };
	struct evlist merged = { 0 }, ref = { 0 };
	int ncpu, npages, i, k, m, records = 0;
	uint8_t *buf;
	long size;
	FILE *f;

	f = fopen(path, "rb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)size);
	ck_assert_int_eq(fread(buf, 1, (size_t)size, f), size);
	fclose(f);
	ck_assert_msg(size > 1 && !(buf[0] & 0xc), "%s: not 4096-byte sub-buffers", path);
	ncpu = (buf[0] & 3) + 1;
	npages = (int)((size - 1) / PAGE);
	set.n = ncpu;
	for (k = 0; k < ncpu; k++) {
		fake_init(&cpus[k], tep, (uint32_t)k, npages / ncpu + 1);
		cpus[k].npages = 0;
		sp[k] = &cpus[k].s;
	}
	for (i = 0; i < npages; i++) {
		struct fake_cpu *c = &cpus[i % ncpu];

		memcpy(c->pages[c->npages++], buf + 1 + (size_t)i * PAGE, PAGE);
		records += check_page(&c->s, c->pages[c->npages - 1], path, i);
	}
	ck_assert_int_ge(kvmdecode_merge(d, sp, ncpu, fake_refill, &set, collect_list, &merged), 0);
	for (k = 0; k < ncpu; k++) {
		ck_assert_uint_eq(cpus[k].s.bad, 0);
		ref.n = 0;
		ref_events(d, &cpus[k].s, cpus[k].pages, cpus[k].npages, &ref);
		for (i = 0, m = 0; i < merged.n; i++) {
			if (merged.ev[i].cpu != (uint32_t)k)
				continue;
			ck_assert_msg(m < ref.n, "%s, CPU %d: more events merged than kbuffer's",
				      path, k);
			ck_assert_msg(!memcmp(&merged.ev[i], &ref.ev[m], sizeof(ref.ev[m])),
				      "%s, CPU %d: event %d differs (type %u/%u, ts %llu/%llu)",
				      path, k, m, merged.ev[i].type, ref.ev[m].type,
				      (unsigned long long)merged.ev[i].ts_ns,
				      (unsigned long long)ref.ev[m].ts_ns);
			m++;
		}
		ck_assert_msg(m == ref.n, "%s, CPU %d: %d events merged, kbuffer's %d", path, k, m,
			      ref.n);
		fake_free(&cpus[k]);
	}
	for (i = 1; i < merged.n; i++)
		ck_assert_uint_ge(merged.ev[i].ts_ns, merged.ev[i - 1].ts_ns);
	free(merged.ev);
	free(ref.ev);
	free(buf);
	return records;
}

/* Real sub-buffers of the storms (and those of $KVMSCOPE_TEST_PAGES, a glob, if set). */
START_TEST(walker_real_pages)
{
	struct tep_handle *tep = load(FIXTURE_EVENTS);
	const char *more = getenv("KVMSCOPE_TEST_PAGES");
	struct kvmdecode d;
	glob_t g = { 0 };
	size_t i;
	int records = 0;

	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	ck_assert_int_eq(glob(REAL_PAGES, 0, NULL, &g), 0);
	if (more)
		ck_assert_int_eq(glob(more, GLOB_APPEND, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++)
		records += check_capture(&d, tep, g.gl_pathv[i]);
	printf("walker_real_pages: %zu files, %d records read alike\n", g.gl_pathc, records);
	/* The storms of the corpus, time extends among them (storm-idle). */
	ck_assert_int_ge(records, 3000);
	globfree(&g);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

/*
 * A sub-buffer being written in any kernel's layout: a commit word of 4 or 8 bytes, either
 * byte order (the stream that will read it says which). Owned by the test.
 */
struct pgw {
	struct kvmdecode_stream s;
	uint8_t *mem;
	unsigned int used; /* data bytes written */
	uint64_t ts;	   /* the time a reader has after the last item */
};

static unsigned int pgw_room(const struct pgw *w)
{
	return w->s.subbuf_size - rbref_hdr(&w->s);
}

static void pgw_start(struct pgw *w, uint8_t *mem, uint64_t ts)
{
	uint64_t t = w->s.swap ? __builtin_bswap64(ts) : ts;

	w->mem = mem;
	w->used = 0;
	w->ts = ts;
	memset(mem, 0, w->s.subbuf_size);
	memcpy(mem, &t, 8);
}

static void pgw_word(struct pgw *w, uint32_t v)
{
	v = w->s.swap ? __builtin_bswap32(v) : v;
	memcpy(w->mem + rbref_hdr(&w->s) + w->used, &v, 4);
	w->used += 4;
}

/* Writes an item header: type_len and time delta in the writer's bit field order. */
static void pgw_head(struct pgw *w, uint32_t type_len, uint32_t delta)
{
	pgw_word(w, w->s.big ? type_len << 27 | delta : delta << 5 | type_len);
}

static uint64_t rnd(uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return *rng;
}

static void pgw_bytes(struct pgw *w, unsigned int n, uint64_t *rng)
{
	while (n--)
		w->mem[rbref_hdr(&w->s) + w->used++] = (uint8_t)rnd(rng);
}

/* Finishes the page: its commit word with len and the loss flags; missed > 0 is stored. */
static void pgw_finish(struct pgw *w, unsigned int len, long long missed)
{
	uint64_t commit = len, m = (uint64_t)missed;
	unsigned int at = rbref_hdr(&w->s) + len;

	if (missed)
		commit |= 1ull << 31;
	if (missed > 0) {
		commit |= 1ull << 30;
		if (w->s.commit_size == 4) {
			uint32_t m4 = (uint32_t)m;

			m4 = w->s.swap ? __builtin_bswap32(m4) : m4;
			memcpy(w->mem + at, &m4, 4);
		} else {
			m = w->s.swap ? __builtin_bswap64(m) : m;
			memcpy(w->mem + at, &m, 8);
		}
	}
	rbref_set_commit(&w->s, w->mem, commit);
}

/* Returns a time delta for a header: often 0 or small, sometimes up to the 27 bits. */
static uint32_t rnd_delta(uint64_t *rng)
{
	uint64_t r = rnd(rng);

	if (r % 4 == 0)
		return 0;
	return r % 4 == 1 ? (uint32_t)(r >> 8) % 100 : (uint32_t)(r >> 8) & ((1u << 27) - 1);
}

/*
 * Fills w's page with random items of every kind the kernel writes, each where it fits,
 * noting the records a reader must find in expect (at most max); returns their number and
 * sets *missed to what the page says was lost before it.
 */
static int build_page(struct pgw *w, uint64_t *rng, struct rbref_rec *expect, int max,
		      long long *missed)
{
	unsigned int room = pgw_room(w), len, words;
	uint32_t delta, w2;
	uint64_t r, abs;
	int n = 0, kind;

	while (n < max) {
		r = rnd(rng);
		kind = (int)(r % 100);
		delta = rnd_delta(rng);
		if (kind < 55) {
			/* A short record: 1..28 words. */
			words = 1 + (unsigned int)(r >> 8) % 28;
			if (w->used + 4 + words * 4 > room)
				break;
			pgw_head(w, words, delta);
			w->ts += delta;
			expect[n++] = (struct rbref_rec){ w->ts, w->used, words * 4 };
			pgw_bytes(w, words * 4, rng);
		} else if (kind < 67) {
			/* A long record: its length word, rounded up as kbuffer does. */
			w2 = 1 + (uint32_t)(r >> 8) % 200;
			len = (w2 - 4 + 3) & ~3u; /* 0 for length words 1 to 4 */
			if (w->used + 8 + len > room)
				break;
			pgw_head(w, 0, delta);
			pgw_word(w, w2);
			w->ts += delta;
			expect[n++] = (struct rbref_rec){ w->ts, w->used, len };
			pgw_bytes(w, len, rng);
		} else if (kind < 77) {
			/* A time extend, its high bits mostly small. */
			if (w->used + 8 > room)
				break;
			w2 = (uint32_t)(r >> 32);
			if ((r >> 16) % 4)
				w2 %= 64;
			pgw_head(w, 30, delta);
			pgw_word(w, w2);
			w->ts += ((uint64_t)w2 << 27) + delta;
		} else if (kind < 83) {
			/* An absolute time stamp: 59 bits, the 5 top ones kept. */
			if (w->used + 8 > room)
				break;
			abs = rnd(rng) & ((1ull << 59) - 1);
			pgw_head(w, 31, (uint32_t)(abs & ((1u << 27) - 1)));
			pgw_word(w, (uint32_t)(abs >> 27));
			w->ts = abs | (w->ts & (0x1full << 59));
		} else if (kind < 95) {
			/* A discarded event: padding with a delta and a length. */
			len = 4 * ((unsigned int)(r >> 8) % 20);
			/* Now and then an odd length: kbuffer follows it, and so must we. */
			if ((r >> 40) % 16 == 0)
				len += 1 + (unsigned int)(r >> 44) % 3;
			if (w->used + 4 + len > room || len < 4)
				break;
			pgw_head(w, 29, delta ? delta : 1);
			w->ts += delta ? delta : 1;
			pgw_word(w, len);
			pgw_bytes(w, len - 4, rng);
		} else if (w->used + 4 <= room) {
			/* The kernel's mark that the rest is empty. */
			pgw_head(w, 29, 0);
			/* What follows is undefined, and the commit may or may not cover it. */
			len = (r >> 20) & 1 ? (unsigned int)(r >> 8) % 64 : 0;
			len = len < room - w->used ? len : room - w->used;
			pgw_bytes(w, len, rng);
			break;
		} else {
			break;
		}
	}
	*missed = 0;
	r = rnd(rng) % 4;
	if (r == 1)
		*missed = -1;
	else if (r == 2 && w->used + (unsigned int)w->s.commit_size <= room)
		*missed = 1 + (long long)(rnd(rng) % 100000);
	pgw_finish(w, w->used, *missed);
	return n;
}

/* The four layouts: commit word 8 or 4 bytes, written little- or big-endian. */
static void pgw_layout(struct pgw *w, int layout, unsigned int subbuf)
{
	bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

	memset(w, 0, sizeof(*w));
	w->s.commit_size = layout & 1 ? 4 : 8;
	w->s.big = layout & 2;
	w->s.swap = w->s.big != host_big;
	w->s.subbuf_size = subbuf;
}

/*
 * Random pages with every kind of item (short and long records, time extends, absolute time
 * stamps, discarded events, the end mark, odd lengths kbuffer follows), missed counts, in
 * every layout and several page sizes: the walker finds what was written, as kbuffer does.
 */
START_TEST(walker_built_pages)
{
	static const unsigned int sizes[] = { 4096, 1024, 256, 64, 65536 };
	static struct rbref_rec expect[MAXREC];
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	long long missed;
	int layout, k, i, n, pages = 0, records = 0;
	struct pgw w;

	for (layout = 0; layout < 4; layout++) {
		for (k = 0; k < 3000; k++) {
			unsigned int subbuf = sizes[k % ARRAY_SIZE(sizes)];
			uint8_t *page = xmalloc(subbuf);
			/* Times from 0 to ones with the top bits set (TAI, or a clock far on). */
			uint64_t t0 = k % 7 ? rnd(&rng) >> (rnd(&rng) % 64) : rnd(&rng);

			pgw_layout(&w, layout, subbuf);
			pgw_start(&w, page, t0);
			n = build_page(&w, &rng, expect, MAXREC, &missed);
			ck_assert_int_eq(check_page(&w.s, page, "built", k), n);
			/* check_page left the walker's reading in rec_w. */
			for (i = 0; i < n; i++) {
				const struct rbref_rec *g = &rec_w[i], *e = &expect[i];

				ck_assert_msg(
					g->ts == e->ts && g->off == e->off && g->size == e->size,
					"layout %d page %d record %d: %llu at %u (%u) for %llu "
					"at %u (%u)",
					layout, k, i, (unsigned long long)g->ts, g->off, g->size,
					(unsigned long long)e->ts, e->off, e->size);
			}
			ck_assert_uint_eq(w.s.bad, 0);
			ck_assert_int_eq(w.s.missed, missed);
			records += n;
			pages++;
			free(page);
		}
	}
	printf("walker_built_pages: %d pages, %d records read alike\n", pages, records);
}
END_TEST

/* The cases by hand, with the times they must give. */
START_TEST(walker_edge_cases)
{
	const uint64_t t0 = 0xf800000000001000ull; /* the 5 top bits set */
	const uint64_t abs = 0x0123456789abcdefull & ((1ull << 59) - 1);
	uint8_t page[PAGE], copy[PAGE];
	struct kbuffer *kb;
	struct rbref_result r;
	struct pgw w;
	int layout, n;

	for (layout = 0; layout < 4; layout++) {
		/* A first time extend as the kernel writes it (zero), then an absolute stamp. */
		pgw_layout(&w, layout, PAGE);
		pgw_start(&w, page, t0);
		pgw_head(&w, 30, 0);
		pgw_word(&w, 0);
		pgw_head(&w, 2, 5);
		pgw_word(&w, 0x11);
		pgw_word(&w, 0x12);
		pgw_head(&w, 31, (uint32_t)(abs & ((1u << 27) - 1)));
		pgw_word(&w, (uint32_t)(abs >> 27));
		pgw_head(&w, 1, 7);
		pgw_word(&w, 0x21);
		/* A discarded event: its delta counts. */
		pgw_head(&w, 29, 100);
		pgw_word(&w, 12);
		pgw_word(&w, 0);
		pgw_word(&w, 0);
		pgw_head(&w, 1, 3);
		pgw_word(&w, 0x31);
		/* Long records: length words 5 and 2 (sizes 4 and 0). */
		pgw_head(&w, 0, 1);
		pgw_word(&w, 5);
		pgw_word(&w, 0x41);
		pgw_head(&w, 0, 1);
		pgw_word(&w, 2);
		pgw_finish(&w, w.used, 77);
		ck_assert_int_eq(rbref_walker_read(&w.s, page, rec_w, MAXREC), 5);
		ck_assert_uint_eq(rec_w[0].ts, t0 + 5);
		ck_assert_uint_eq(rec_w[0].size, 8);
		ck_assert_uint_eq(rec_w[1].ts, (abs | 0xf8ull << 56) + 7);
		ck_assert_uint_eq(rec_w[2].ts, (abs | 0xf8ull << 56) + 7 + 100 + 3);
		ck_assert_uint_eq(rec_w[3].size, 4);
		ck_assert_uint_eq(rec_w[4].size, 0);
		ck_assert_uint_eq(rec_w[4].ts, rec_w[2].ts + 2);
		ck_assert_int_eq(w.s.missed, 77);
		ck_assert_int_eq(check_page(&w.s, page, "edge", layout), 5);

		/*
		 * A padding with no time delta ends the records, even with a length word after
		 * it that kbuffer follows to a record: not a malformed page.
		 */
		pgw_start(&w, page, 1000);
		pgw_head(&w, 1, 1);
		pgw_word(&w, 0x51);
		pgw_head(&w, 29, 0);
		pgw_word(&w, 0);
		pgw_head(&w, 1, 1);
		pgw_word(&w, 0x52);
		pgw_finish(&w, w.used, 0);
		ck_assert_int_eq(rbref_walker_read(&w.s, page, rec_w, MAXREC), 1);
		ck_assert_uint_eq(w.s.bad, 0);
		ck_assert_int_eq(w.s.missed, 0);
		kb = rbref_kbuffer(&w.s);
		memcpy(copy, page, PAGE);
		ck_assert_int_eq(rbref_kbuffer_read(&w.s, kb, copy, rec_k, MAXREC), 2);
		ck_assert_int_eq(check_page(&w.s, page, "end mark", layout), 1);

		/* The end mark in the last 4 committed bytes: kbuffer would read past them. */
		pgw_start(&w, page, 1000);
		pgw_head(&w, 1, 1);
		pgw_word(&w, 0x61);
		pgw_head(&w, 29, 0);
		pgw_finish(&w, w.used, 0);
		ck_assert_int_eq(rbref_walker_read(&w.s, page, rec_w, MAXREC), 1);
		ck_assert_uint_eq(w.s.bad, 0);
		ck_assert(rbref_compare(&w.s, kb, page, copy, rec_w, rec_k, MAXREC, &r));
		ck_assert_uint_eq(r.unsafe, 8);
		ck_assert_uint_eq(r.empty_at, 8);

		/*
		 * A count that would lie past the page: the loss is told, its size is not. A
		 * discarded event fills the page to 2 bytes before its end.
		 */
		pgw_start(&w, page, 1000);
		pgw_head(&w, 1, 1);
		pgw_word(&w, 0x71);
		pgw_head(&w, 29, 1);
		pgw_word(&w, pgw_room(&w) - 2 - w.used);
		rbref_set_commit(&w.s, page, (pgw_room(&w) - 2) | 3ull << 30);
		n = rbref_walker_read(&w.s, page, rec_w, MAXREC);
		ck_assert_int_eq(n, 1);
		ck_assert_int_eq(w.s.missed, -1);
		ck_assert_uint_eq(w.s.bad, 0);
		kbuffer_free(kb);
	}
}
END_TEST

/* The running kernel's own formats, when readable: same offsets as its format text. */
START_TEST(live_formats)
{
	char probe[256];
	struct tep_handle *tep;
	struct exit_names n = { 0 };
	struct kvmdecode d;
	unsigned int missing = 0;

	snprintf(probe, sizeof(probe), "%s/kvm/kvm_pio/format", LIVE_EVENTS);
	if (access(probe, R_OK))
		unit_skip("%s not readable (%s): needs root, tracefs and kvm", probe,
			  strerror(errno));
	tep = kvmdecode_load_tep(LIVE_EVENTS, ALL_TYPES, &missing);
	ck_assert_ptr_nonnull(tep);
	if (missing)
		printf("live_formats: this kernel lacks event mask 0x%x\n", missing);
	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	if (!missing) {
		check_offsets(&d, LIVE_EVENTS);
		check_all_fields(tep, &d);
	}
	/* x86 kernels carry both tables; other architectures have no kvm_exit isa. */
	if (kvmdecode_exit_names(tep, &n) > 0) {
		ck_assert_str_eq(exit_names_lookup(&n, KE_ISA_VMX, 30), "IO_INSTRUCTION");
		ck_assert_str_eq(exit_names_lookup(&n, KE_ISA_SVM, 0x7b), "io");
	}
	exit_names_free(&n);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(kvm_event_type_name(KE_PIO), "pio");
	ck_assert_str_eq(kvm_event_type_name(KE_SCHED_SWITCH), "sched_switch");
	ck_assert_str_eq(kvm_event_type_name(KE_FAST_MMIO), "fast_mmio");
	ck_assert_str_eq(kvm_event_type_name(KE__COUNT), "unknown");
	for (unsigned int t = 0; t < KE__COUNT; t++)
		ck_assert_ptr_nonnull(kvm_event_type_name(t));
}
END_TEST

/* A kvm_pio without val (kernels that traced an access before handling it): early INs. */
START_TEST(pio_without_val)
{
	static const char fmt[] =
		"name: kvm_pio\nID: 110\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:unsigned int rw;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int port;\toffset:12;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int size;\toffset:16;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int count;\toffset:20;\tsize:4;\tsigned:0;\n\n"
		"print fmt: \"pio_%s at 0x%x size %d count %d\", REC->rw ? \"write\" : "
		"\"read\", REC->port, REC->size, REC->count\n";
	struct tep_handle *tep = tep_alloc();
	struct kvm_event ev;
	struct kvmdecode d;
	struct rec r;

	ck_assert_ptr_nonnull(tep);
	ck_assert_int_eq(tep_parse_event(tep, fmt, sizeof(fmt) - 1, "kvm"), 0);
	ck_assert_int_eq(kvmdecode_init(&d, tep), 0);
	rec_start(&r, tep, KE_PIO, 9);
	put(&r, "port", 0x608);
	ev = decode(&d, &r);
	ck_assert_uint_eq(ev.pio.port, 0x608);
	ck_assert_uint_eq(ev.pio.early_in, 1);
	kvmdecode_free(&d);
	tep_free(tep);
}
END_TEST

START_TEST(missing_formats)
{
	unsigned int missing = 0;
	struct tep_handle *tep = kvmdecode_load_tep(FIXTURES "/nonesuch", ALL_TYPES, &missing);

	ck_assert_ptr_null(tep);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, fixture_offsets);
	tcase_add_test(tc, fixture_fields);
	tcase_add_test(tc, rejects_unknown_and_short);
	tcase_add_test(tc, exit_names_fixture);
	tcase_add_test(tc, subbuf_layout);
	tcase_add_test(tc, subbuf_missed_flags);
	tcase_add_test(tc, merge_across_cpus);
	tcase_add_test(tc, merge_until_resumes);
	tcase_add_test(tc, unusable_format);
	tcase_add_test(tc, record_past_page);
	tcase_add_test(tc, commit_past_page);
	tcase_add_test(tc, length_backwards);
	tcase_add_test(tc, padding_backwards);
	tcase_add_test(tc, walker_real_pages);
	tcase_add_test(tc, walker_built_pages);
	tcase_add_test(tc, walker_edge_cases);
	tcase_add_test(tc, live_formats);
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, missing_formats);
	tcase_add_test(tc, pio_without_val);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(decode_suite)
