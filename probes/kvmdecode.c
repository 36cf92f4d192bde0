// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <linux/kvm.h>
#include <sys/syscall.h>

#include "kvmdecode.h"
#include "util.h"

/* What the decoder reads of each event: the fields, in the order kvmdecode_record uses. */
struct event_desc {
	const char *system;
	const char *name;
	const char *fields[KVMDECODE_FIELDS];
	unsigned int required; /* bit i: fields[i] must exist, or the event is not decoded */
};

static const struct event_desc descs[KE__COUNT] = {
	[KE_EXIT] = { "kvm", "kvm_exit", { "exit_reason", "isa", "vcpu_id" }, 0x1 },
	[KE_ENTRY] = { "kvm", "kvm_entry", { "vcpu_id" }, 0x1 },
	[KE_PIO] = { "kvm", "kvm_pio", { "rw", "port", "size", "count" }, 0x7 },
	[KE_MMIO] = { "kvm", "kvm_mmio", { "type", "len", "gpa" }, 0x7 },
	[KE_FAST_MMIO] = { "kvm", "kvm_fast_mmio", { "gpa" }, 0x1 },
	[KE_MSR] = { "kvm", "kvm_msr", { "write", "ecx", "exception" }, 0x3 },
	[KE_USER_EXIT] = { "kvm", "kvm_userspace_exit", { "reason", "errno" }, 0x1 },
	[KE_VCPU_WAKEUP] = { "kvm", "kvm_vcpu_wakeup", { "ns", "waited", "valid" }, 0x1 },
	[KE_SET_IRQ] = { "kvm", "kvm_set_irq", { "gsi", "level" }, 0x1 },
	[KE_MSI_SET_IRQ] = { "kvm", "kvm_msi_set_irq", { "address", "data" }, 0x3 },
	[KE_APIC] = { "kvm", "kvm_apic", { "rw", "reg", "val" }, 0x3 },
	[KE_EMULATE] = { "kvm", "kvm_emulate_insn", { "rip", "failed" }, 0x1 },
	[KE_SCHED_WAKING] = { "sched", "sched_waking", { "pid", "target_cpu" }, 0x1 },
	[KE_SCHED_SWITCH] = { "sched",
			      "sched_switch",
			      { "prev_pid", "prev_state", "next_pid" },
			      0x7 },
	/* Every syscall: the probe filters it in the kernel to the vCPU threads' ioctls. */
	[KE_KVM_RUN] = { "raw_syscalls", "sys_enter", { "id", "args[0]", "args[1]" }, 0x7 },
};

const char *kvmdecode_event_name(unsigned int type, const char **system)
{
	if (type >= KE__COUNT || !descs[type].name)
		return NULL;
	if (system)
		*system = descs[type].system;
	return descs[type].name;
}

const char *kvmdecode_field_name(unsigned int type, int i)
{
	if (type >= KE__COUNT || i < 0 || i >= KVMDECODE_FIELDS)
		return NULL;
	return descs[type].fields[i];
}

/* Returns the malloc'd, NUL-terminated contents of path and its length, or NULL with errno. */
static char *read_file(const char *path, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf = NULL;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
out:
	close(fd);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	return buf;
}

/* Returns 0 after parsing one event's format into tep, or -errno (-ENOENT: not there). */
static int parse_event(struct tep_handle *tep, const char *dir, unsigned int type)
{
	char path[PATH_MAX];
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s/%s/format", dir, descs[type].system, descs[type].name);
	buf = read_file(path, &len);
	if (!buf)
		return -errno;
	/* A print format libtraceevent cannot parse still leaves the fields we need. */
	tep_parse_event(tep, buf, len, descs[type].system);
	free(buf);
	return tep_find_event_by_name(tep, descs[type].system, descs[type].name) ? 0 : -EINVAL;
}

struct tep_handle *kvmdecode_load_tep(const char *events_dir, unsigned int mask,
				      unsigned int *missing)
{
	char path[PATH_MAX];
	struct tep_handle *tep;
	unsigned int type;
	size_t len;
	char *buf;
	int err = 0;

	*missing = 0;
	tep = tep_alloc();
	if (!tep)
		return NULL;
	tep_set_long_size(tep, (int)sizeof(long));
	tep_set_file_bigendian(tep,
			       tep_is_local_bigendian(tep) ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	snprintf(path, sizeof(path), "%s/header_page", events_dir);
	buf = read_file(path, &len);
	if (!buf) {
		err = errno;
		goto out;
	}
	if (tep_parse_header_page(tep, buf, len, (int)sizeof(long))) {
		err = EINVAL;
		goto out;
	}
	mask |= KVMDECODE_BIT(KE_EXIT);
	/* Types no tracepoint stands behind (KE_LOST) have no format to read. */
	for (type = KE_NONE + 1; type < KE__COUNT; type++)
		if ((mask & KVMDECODE_BIT(type)) && descs[type].name &&
		    parse_event(tep, events_dir, type))
			*missing |= KVMDECODE_BIT(type);
out:
	free(buf);
	if (err) {
		tep_free(tep);
		errno = err;
		return NULL;
	}
	return tep;
}

/*
 * Returns where a plain integer field lives (size 0: absent or not a plain integer), or with
 * index >= 0 the element of that index of an array of integers ("args[1]").
 */
static struct kvmdecode_field field_at(const struct tep_format_field *f, int index)
{
	struct kvmdecode_field out = { 0 };
	int off;

	if (!f || f->offset < 0)
		return out;
	if (index >= 0) {
		if (!(f->flags & TEP_FIELD_IS_ARRAY) || (f->flags & TEP_FIELD_IS_DYNAMIC) ||
		    (unsigned int)index >= f->arraylen || f->elementsize != 8)
			return out;
		off = f->offset + index * f->elementsize;
		if (off > UINT16_MAX)
			return out;
		out.offset = (uint16_t)off;
		out.size = 8;
		return out;
	}
	if (f->offset > UINT16_MAX)
		return out;
	/* Only plain integers: arrays, strings and odd sizes read as absent. */
	if (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
		return out;
	if (f->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_STRING | TEP_FIELD_IS_DYNAMIC))
		return out;
	out.offset = (uint16_t)f->offset;
	out.size = (uint8_t)f->size;
	out.is_signed = !!(f->flags & TEP_FIELD_IS_SIGNED);
	return out;
}

static struct kvmdecode_field field_from(const struct tep_format_field *f)
{
	return field_at(f, -1);
}

/* Returns the field of ev named name, "array[i]" naming an element of an array. */
static struct kvmdecode_field field_named(struct tep_event *ev, const char *name)
{
	const char *br = strchr(name, '[');
	char base[32];
	size_t n;

	if (!br)
		return field_from(tep_find_field(ev, name));
	n = (size_t)(br - name);
	if (n >= sizeof(base) || !isdigit((unsigned char)br[1]))
		return field_from(NULL);
	memcpy(base, name, n);
	base[n] = '\0';
	return field_at(tep_find_field(ev, base), atoi(br + 1));
}

/*
 * Returns 0 after caching one event's id and fields; -ENOENT when tep has no such event;
 * -EPROTO when it has the event but its format lacks a field we need (named in lacks[]).
 */
static int init_event(struct kvmdecode *d, struct tep_handle *tep, unsigned int type)
{
	const struct event_desc *desc = &descs[type];
	struct tep_event *ev;
	unsigned int end, min = 0;
	int i;

	if (!desc->name)
		return -ENOENT;
	ev = tep_find_event_by_name(tep, desc->system, desc->name);
	if (!ev || ev->id < 0 || ev->id > UINT16_MAX)
		return -ENOENT;
	d->id[type] = ev->id;
	for (i = 0; i < KVMDECODE_FIELDS && desc->fields[i]; i++) {
		struct kvmdecode_field f = field_named(ev, desc->fields[i]);

		if (!f.size && (desc->required & (1u << i))) {
			d->lacks[type] = desc->fields[i];
			return -EPROTO;
		}
		end = f.size ? f.offset + f.size : 0;
		if (end > min)
			min = end;
		d->f[type][i] = f;
	}
	d->min_size[type] = (uint16_t)min;
	/*
	 * Kernels whose kvm_pio has no val traced every access before handling it: an IN the
	 * VMM answers shows before its exit and not at its completion.
	 */
	if (type == KE_PIO)
		d->pio_early_in = !tep_find_field(ev, "val");
	return 0;
}

int kvmdecode_init(struct kvmdecode *d, struct tep_handle *tep)
{
	unsigned int type, max_id = 0, found = 0;
	struct tep_event *any = NULL;
	int err;

	memset(d, 0, sizeof(*d));
	for (type = 0; type < KE__COUNT; type++)
		d->id[type] = -1;
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		err = init_event(d, tep, type);
		if (err) {
			memset(d->f[type], 0, sizeof(d->f[type]));
			d->min_size[type] = 0;
			if (err != -EPROTO) {
				d->id[type] = -1;
				continue;
			}
			/* Kept by id, so that its records are counted rather than ignored. */
			d->unusable |= KVMDECODE_BIT(type);
		}
		found++;
		if ((unsigned int)d->id[type] > max_id)
			max_id = (unsigned int)d->id[type];
		any = tep_find_event_by_name(tep, descs[type].system, descs[type].name);
	}
	if (!found)
		return -ENOENT;
	d->type_field = field_from(tep_find_common_field(any, "common_type"));
	d->pid_field = field_from(tep_find_common_field(any, "common_pid"));
	d->flags_field = field_from(tep_find_common_field(any, "common_flags"));
	if (!d->type_field.size || !d->pid_field.size)
		return -ENOENT;
	d->common_std = d->type_field.offset == 0 && d->type_field.size == 2 &&
			d->flags_field.offset == 2 && d->flags_field.size == 1 &&
			d->pid_field.offset == 4 && d->pid_field.size == 4;
	d->nids = max_id + 1;
	d->type_of_id = xcalloc(d->nids, 1);
	for (type = KE_NONE + 1; type < KE__COUNT; type++) {
		if (d->id[type] < 0)
			continue;
		if (d->unusable & KVMDECODE_BIT(type)) {
			d->type_of_id[d->id[type]] = KVMDECODE_UNUSABLE;
			d->id[type] = -1; /* kvmdecode_has() says no */
			continue;
		}
		d->type_of_id[d->id[type]] = (uint8_t)type;
		/* Every record carries the common fields too. */
		if (d->min_size[type] < d->pid_field.offset + d->pid_field.size)
			d->min_size[type] = d->pid_field.offset + d->pid_field.size;
	}
	return 0;
}

void kvmdecode_free(struct kvmdecode *d)
{
	free(d->type_of_id);
	d->type_of_id = NULL;
	d->nids = 0;
}

struct kvmdecode_field kvmdecode_field_of(const struct kvmdecode *d, unsigned int type,
					  const char *name)
{
	struct kvmdecode_field none = { 0 };
	int i;

	if (type >= KE__COUNT)
		return none;
	for (i = 0; i < KVMDECODE_FIELDS && descs[type].fields[i]; i++)
		if (!strcmp(descs[type].fields[i], name))
			return d->f[type][i];
	return none;
}

/* Returns a field's value zero-extended; absent fields read as 0. */
static inline uint64_t get_u(const uint8_t *rec, struct kvmdecode_field f)
{
	uint64_t v8;
	uint32_t v4;
	uint16_t v2;

	switch (f.size) {
	case 4:
		memcpy(&v4, rec + f.offset, 4);
		return v4;
	case 8:
		memcpy(&v8, rec + f.offset, 8);
		return v8;
	case 1:
		return rec[f.offset];
	case 2:
		memcpy(&v2, rec + f.offset, 2);
		return v2;
	}
	return 0;
}

/* Returns a field's value, sign-extended when the format says it is signed. */
static inline int64_t get_s(const uint8_t *rec, struct kvmdecode_field f)
{
	uint64_t v = get_u(rec, f);

	if (f.is_signed && f.size < 8) {
		uint64_t sign = 1ull << (f.size * 8 - 1);

		return (int64_t)((v ^ sign) - sign);
	}
	return (int64_t)v;
}

/* Returns the KE_CTX_* bits of a record's common_flags (the kernel's TRACE_FLAG_*). */
static inline uint8_t ctx_of(uint64_t flags)
{
	enum { FLAG_HARDIRQ = 0x08, FLAG_SOFTIRQ = 0x10, FLAG_NMI = 0x40 };

	return (uint8_t)((flags & FLAG_HARDIRQ ? KE_CTX_HARDIRQ : 0) |
			 (flags & FLAG_SOFTIRQ ? KE_CTX_SOFTIRQ : 0) | (flags & FLAG_NMI ? KE_CTX_NMI : 0));
}

int kvmdecode_record(const struct kvmdecode *d, const void *rec, unsigned int size,
		     struct kvm_event *ev)
{
	const uint8_t *p = rec;
	const struct kvmdecode_field *f;
	unsigned int type;
	uint64_t id;
	uint16_t id16;

	/* The common fields where every kernel puts them: read without the table. */
	if (d->common_std) {
		if (size < 2)
			return 0;
		memcpy(&id16, p, 2);
		id = id16;
	} else {
		if (size < (unsigned int)d->type_field.offset + d->type_field.size)
			return 0;
		id = get_u(p, d->type_field);
	}
	if (id >= d->nids)
		return 0;
	type = d->type_of_id[id];
	if (!type)
		return 0;
	if (type == KVMDECODE_UNUSABLE || size < d->min_size[type])
		return -1;
	f = d->f[type];
	memset(ev, 0, sizeof(*ev));
	ev->type = (uint16_t)type;
	if (d->common_std) {
		memcpy(&ev->tid, p + 4, 4);
		ev->ctx = ctx_of(p[2]);
	} else {
		ev->tid = (uint32_t)get_u(p, d->pid_field);
		ev->ctx = ctx_of(get_u(p, d->flags_field));
	}
	switch (type) {
	case KE_EXIT:
		ev->exit.reason = (uint32_t)get_u(p, f[0]);
		ev->exit.isa = (uint32_t)get_u(p, f[1]);
		ev->exit.vcpu = (uint32_t)get_u(p, f[2]);
		break;
	case KE_ENTRY:
		ev->entry.vcpu = (uint32_t)get_u(p, f[0]);
		break;
	case KE_PIO:
		ev->pio.write = !!get_u(p, f[0]);
		ev->pio.port = (uint32_t)get_u(p, f[1]);
		ev->pio.size = (uint8_t)get_u(p, f[2]);
		ev->pio.count = (uint32_t)get_u(p, f[3]);
		ev->pio.early_in = d->pio_early_in;
		break;
	case KE_MMIO:
		ev->mmio.kind = (uint8_t)get_u(p, f[0]);
		ev->mmio.len = (uint32_t)get_u(p, f[1]);
		ev->mmio.gpa = get_u(p, f[2]);
		break;
	case KE_FAST_MMIO:
		ev->fast_mmio.gpa = get_u(p, f[0]);
		break;
	case KE_MSR:
		ev->msr.write = !!get_u(p, f[0]);
		ev->msr.index = (uint32_t)get_u(p, f[1]);
		ev->msr.failed = !!get_u(p, f[2]);
		break;
	case KE_USER_EXIT:
		ev->user_exit.reason = (uint32_t)get_u(p, f[0]);
		ev->user_exit.err = (int32_t)get_s(p, f[1]);
		break;
	case KE_VCPU_WAKEUP:
		ev->wakeup.wait_ns = get_u(p, f[0]);
		ev->wakeup.waited = !!get_u(p, f[1]);
		ev->wakeup.valid = !!get_u(p, f[2]);
		break;
	case KE_SET_IRQ:
		ev->set_irq.gsi = (uint32_t)get_u(p, f[0]);
		ev->set_irq.level = (int32_t)get_s(p, f[1]);
		break;
	case KE_MSI_SET_IRQ:
		ev->msi.address = get_u(p, f[0]);
		ev->msi.data = get_u(p, f[1]);
		break;
	case KE_APIC:
		ev->apic.write = !!get_u(p, f[0]);
		ev->apic.reg = (uint32_t)get_u(p, f[1]);
		ev->apic.val = (uint32_t)get_u(p, f[2]);
		break;
	case KE_EMULATE:
		ev->emulate.rip = get_u(p, f[0]);
		ev->emulate.failed = !!get_u(p, f[1]);
		break;
	case KE_SCHED_WAKING:
		ev->waking.target = (uint32_t)get_u(p, f[0]);
		ev->waking.target_cpu = (uint32_t)get_u(p, f[1]);
		break;
	case KE_SCHED_SWITCH:
		ev->sw.prev_tid = (uint32_t)get_u(p, f[0]);
		ev->sw.prev_state = get_u(p, f[1]);
		ev->sw.next_tid = (uint32_t)get_u(p, f[2]);
		break;
	case KE_KVM_RUN:
		/* Only the VMM's way back into KVM is an event; the filter should pass no other. */
		if (get_s(p, f[0]) != SYS_ioctl || get_u(p, f[2]) != KVM_RUN)
			return 0;
		ev->kvm_run.fd = (int32_t)get_u(p, f[1]);
		break;
	}
	return 1;
}

/* Returns what an argument is once typecasts are peeled off. */
static struct tep_print_arg *peel(struct tep_print_arg *a)
{
	while (a && a->type == TEP_PRINT_TYPE)
		a = a->typecast.item;
	return a;
}

/* Returns the isa value N of a condition `isa == N` (either order), or 0. */
static uint32_t isa_condition(struct tep_print_arg *cond)
{
	struct tep_print_arg *l, *r, *t;

	cond = peel(cond);
	if (!cond || cond->type != TEP_PRINT_OP || strcmp(cond->op.op, "=="))
		return 0;
	l = peel(cond->op.left);
	r = peel(cond->op.right);
	if (l && l->type == TEP_PRINT_ATOM) {
		t = l;
		l = r;
		r = t;
	}
	if (!l || !r || l->type != TEP_PRINT_FIELD || r->type != TEP_PRINT_ATOM ||
	    strcmp(l->field.name, "isa"))
		return 0;
	return (uint32_t)strtoul(r->atom.atom, NULL, 0);
}

/* Returns the number of names of one __print_symbolic table added for isa. */
static int add_table(struct exit_names *names, uint32_t isa, struct tep_print_arg *sym)
{
	struct tep_print_flag_sym *s;
	int n = 0;

	sym = peel(sym);
	if (!sym || sym->type != TEP_PRINT_SYMBOL)
		return 0;
	for (s = sym->symbol.symbols; s; s = s->next) {
		char *end;
		long long v;

		if (!s->value || !s->str)
			continue;
		/* Values are numbers as written ("0x07b") or evaluated ("64", "-1"). */
		v = strtoll(s->value, &end, 0);
		if (end == s->value || *end)
			continue;
		if (!exit_names_add(names, isa, (uint32_t)v, s->str))
			n++;
	}
	return n;
}

/* Returns the names found under the first `isa == N ? A : B` in the argument tree a. */
static int walk_exit_args(struct exit_names *names, struct tep_print_arg *a)
{
	struct tep_print_arg *alt;
	uint32_t isa;
	int n;

	for (; a; a = a->next) {
		if (a->type == TEP_PRINT_TYPE) {
			n = walk_exit_args(names, a->typecast.item);
			if (n)
				return n;
			continue;
		}
		if (a->type != TEP_PRINT_OP)
			continue;
		alt = a->op.right;
		isa = strcmp(a->op.op, "?") ? 0 : isa_condition(a->op.left);
		if ((isa == KE_ISA_VMX || isa == KE_ISA_SVM) && alt && alt->type == TEP_PRINT_OP &&
		    !strcmp(alt->op.op, ":")) {
			n = add_table(names, isa, alt->op.left);
			n += add_table(names, isa == KE_ISA_VMX ? KE_ISA_SVM : KE_ISA_VMX,
				       alt->op.right);
			if (n)
				return n;
		}
		n = walk_exit_args(names, a->op.left);
		if (!n)
			n = walk_exit_args(names, a->op.right);
		if (n)
			return n;
	}
	return 0;
}

int kvmdecode_exit_names(struct tep_handle *tep, struct exit_names *names)
{
	struct tep_event *ev = tep_find_event_by_name(tep, "kvm", "kvm_exit");
	int n;

	if (!ev)
		return -ENOENT;
	n = walk_exit_args(names, ev->print_fmt.args);
	exit_names_sort(names);
	return n ? n : -ENOENT;
}

/*
 * The ring buffer's sub-buffer format (kernel/trace/ring_buffer.c, and events/header_page):
 * a header of a u64 timestamp and a commit word of the kernel's long (the data length in
 * the low 27 bits, RB_MISSED_EVENTS and RB_MISSED_STORED in bits 31 and 30, the missed count
 * stored right after the data), then items of a 32-bit header, type_len:5 and
 * time_delta:27 in the writer's bit field order, and their payload.
 */
#define SUBBUF_MISSED_EVENTS (1ull << 31)
#define SUBBUF_MISSED_STORED (1ull << 30)
#define SUBBUF_COMMIT_MASK   ((1ull << 27) - 1)

/* type_len 1..28: a record of that many words; 0: its length word follows; else these. */
#define RB_TYPE_DATA_MAX    28
#define RB_TYPE_PADDING	    29
#define RB_TYPE_TIME_EXTEND 30
#define RB_TYPE_TIME_STAMP  31
#define RB_DELTA_BITS	    27
/* An absolute time stamp holds 59 bits; the top 5 are those of the time before it. */
#define RB_TS_MSB (0xf8ull << 56)

/* The byte order of this machine: a writer of the same needs no swaps. */
#define HOST_BIG (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

long long kvmdecode_subbuf_missed(const void *subbuf, int commit_size)
{
	const uint8_t *p = subbuf;
	uint64_t commit, count;
	uint32_t c4;

	if (commit_size == 4) {
		memcpy(&c4, p + 8, 4);
		commit = c4;
	} else {
		memcpy(&commit, p + 8, 8);
	}
	if (!(commit & SUBBUF_MISSED_EVENTS))
		return 0;
	if (!(commit & SUBBUF_MISSED_STORED))
		return -1;
	/* The count sits right after the data, in a word of the commit's size. */
	p += 8 + (unsigned int)commit_size + (commit & SUBBUF_COMMIT_MASK);
	if (commit_size == 4) {
		memcpy(&c4, p, 4);
		count = c4;
	} else {
		memcpy(&count, p, 8);
	}
	return count > LLONG_MAX ? LLONG_MAX : (long long)count;
}

int kvmdecode_stream_init(struct kvmdecode_stream *s, struct tep_handle *tep,
			  unsigned int subbuf_size, uint32_t cpu)
{
	memset(s, 0, sizeof(*s));
	s->cpu = cpu;
	s->subbuf_size = subbuf_size;
	s->commit_size = tep_get_header_page_size(tep);
	s->big = tep_is_file_bigendian(tep);
	s->swap = s->big != HOST_BIG;
	return s->commit_size == 4 || s->commit_size == 8 ? 0 : -EINVAL;
}

/* Returns the 32-bit word at p in the host's byte order, from the writer's (swap: not ours). */
static inline uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* Returns the word of the writer's long (the commit word's size) at p. */
static inline uint64_t rd_long(const struct kvmdecode_stream *s, const uint8_t *p)
{
	uint64_t v;

	if (s->commit_size == 4)
		return rd32(p, s->swap);
	memcpy(&v, p, 8);
	return s->swap ? __builtin_bswap64(v) : v;
}

/* Returns an item header's type_len: the low bits of the word, or the high on big-endian. */
static inline unsigned int type_len_of(uint32_t w, bool big)
{
	return big ? w >> 27 : w & 31;
}

/* Returns an item header's time delta, the other 27 bits. */
static inline uint32_t delta_of(uint32_t w, bool big)
{
	return big ? w & ((1u << RB_DELTA_BITS) - 1) : w >> 5;
}

/*
 * The walks of a sub-buffer's items below are written once for any writer's byte order and
 * inlined twice: for this machine's (the live trace, most files), where the tests of the
 * order fold away, and for the others.
 */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Returns whether a stream's writer has this machine's byte order. */
static inline bool native(const struct kvmdecode_stream *s)
{
	return !s->swap && s->big == HOST_BIG;
}

/* What ends the records of a sub-buffer, as subbuf_check() finds it. */
enum subbuf_end { SUBBUF_END, SUBBUF_EMPTY_REST, SUBBUF_CUT };

/*
 * Returns where the records of the len data bytes at data end, and in *how why: at len; at
 * a padding with no time delta, the kernel's mark that the rest is empty (it has no length
 * word: its first word is undefined); or cut at the first item a reader could not step
 * over inside len: a header or length word past len, a record past len or of negative
 * size, a padding that does not move forward or ends past len. The steps are kbuffer's
 * (kbuffer-parse.c translate_data: a long record's size is its length word - 4 rounded up,
 * a padding's length word counts the bytes after the header, both signed), in 64 bits, so
 * every step taken lands where kbuffer's would, and none that kbuffer would take backwards,
 * in place or past the data is.
 */
static ALWAYS_INLINE unsigned int check_items(const uint8_t *data, unsigned int len, bool swap,
					      bool big, enum subbuf_end *how)
{
	unsigned int off = 0, type_len;
	uint32_t w, w2;
	int64_t next;

	*how = SUBBUF_CUT;
	/* off never passes len; 1 to 3 bytes left over are a cut too. */
	while (len - off >= 4) {
		w = rd32(data + off, swap);
		type_len = type_len_of(w, big);
		/* Most records: the short form, type_len data words. */
		if (type_len - 1 < RB_TYPE_DATA_MAX) {
			if (len - off < 4 + type_len * 4)
				return off;
			off += 4 + type_len * 4;
			continue;
		}
		if (type_len == RB_TYPE_PADDING && !delta_of(w, big)) {
			*how = SUBBUF_EMPTY_REST;
			return off;
		}
		if (len - off < 8)
			return off;
		w2 = rd32(data + off + 4, swap);
		if (type_len == RB_TYPE_TIME_EXTEND || type_len == RB_TYPE_TIME_STAMP)
			next = off + 8;
		else if (type_len == RB_TYPE_PADDING)
			next = off + 4 + (int64_t)(int32_t)w2;
		else /* 0: a negative size would end the record before its payload starts */
			next = off + 8 + (((int64_t)(int32_t)(w2 - 4) + 3) & ~(int64_t)3);
		if (next < (int64_t)off + (type_len ? 1 : 8) || next > len)
			return off;
		off = (unsigned int)next;
	}
	if (off == len)
		*how = SUBBUF_END;
	return off;
}

/* Returns as check_items(), in the byte order of s's writer. */
static unsigned int subbuf_check(const struct kvmdecode_stream *s, const uint8_t *data,
				 unsigned int len, enum subbuf_end *how)
{
	if (native(s))
		return check_items(data, len, false, HOST_BIG, how);
	return check_items(data, len, s->swap, s->big, how);
}

int kvmdecode_stream_load(struct kvmdecode_stream *s, const void *subbuf)
{
	unsigned int hdr = 8 + (unsigned int)s->commit_size, room, len, committed;
	const uint8_t *p = subbuf;
	enum subbuf_end how;
	uint64_t commit, ts, count;

	s->rec = NULL;
	s->data = NULL;
	if ((s->commit_size != 4 && s->commit_size != 8) || s->subbuf_size < hdr + 4)
		return -EINVAL;
	memcpy(&ts, p, 8);
	s->ts = s->swap ? __builtin_bswap64(ts) : ts;
	commit = rd_long(s, p + 8);
	room = s->subbuf_size - hdr;
	committed = (unsigned int)(commit & SUBBUF_COMMIT_MASK);
	/* Trust neither the commit nor the headers: read nothing past the page. */
	len = committed < room ? committed : room;
	s->data = p + hdr;
	s->end = subbuf_check(s, s->data, len, &how);
	s->next = 0;
	if (!(commit & SUBBUF_MISSED_EVENTS)) {
		s->missed = 0;
	} else if (!(commit & SUBBUF_MISSED_STORED) ||
		   committed + (unsigned int)s->commit_size > room) {
		s->missed = -1; /* no count, or one that would lie past the page */
	} else {
		count = rd_long(s, s->data + committed);
		s->missed = count > LLONG_MAX ? LLONG_MAX : (long long)count;
	}
	if (how == SUBBUF_CUT || len != committed) {
		/* Cut short: the records after the cut are lost, how many no one knows. */
		s->bad++;
		if (!s->missed)
			s->missed = -1;
	}
	s->lost_pending = s->lost_pending || s->missed;
	kvmdecode_stream_next(s);
	return 0;
}

/*
 * Returns the next record of s's sub-buffer, its size and time in s, or NULL when there is
 * no more. Time extends add to the time, padding too (a discarded event keeps its delta, and
 * the next delta counts from it, as kbuffer reads it), and an absolute time stamp replaces it.
 * Unchecked: the load checked every step up to s->end.
 */
static ALWAYS_INLINE const void *walk_items(struct kvmdecode_stream *s, bool swap, bool big)
{
	const uint8_t *d = s->data;
	unsigned int off = s->next, type_len;
	uint64_t ts = s->ts;
	uint32_t w, w2;

	while (off < s->end) {
		w = rd32(d + off, swap);
		type_len = type_len_of(w, big);
		ts += delta_of(w, big);
		if (__builtin_expect(type_len - 1 < RB_TYPE_DATA_MAX, 1)) {
			s->ts = ts;
			s->size = type_len * 4;
			s->next = off + 4 + s->size;
			return d + off + 4;
		}
		w2 = rd32(d + off + 4, swap);
		switch (type_len) {
		case 0:
			s->ts = ts;
			s->size = (w2 - 4 + 3) & ~3u; /* checked: 0 or more */
			s->next = off + 8 + s->size;
			return d + off + 8;
		case RB_TYPE_PADDING:
			off += 4 + w2;
			break;
		case RB_TYPE_TIME_EXTEND:
			ts += (uint64_t)w2 << RB_DELTA_BITS;
			off += 8;
			break;
		default: /* RB_TYPE_TIME_STAMP */
			ts = (((uint64_t)w2 << RB_DELTA_BITS) + delta_of(w, big)) |
			     (s->ts & RB_TS_MSB);
			off += 8;
			break;
		}
		s->ts = ts;
	}
	s->next = off;
	return NULL;
}

/* Returns as walk_items(): the next record of s's sub-buffer, or NULL. */
static ALWAYS_INLINE const void *stream_step(struct kvmdecode_stream *s)
{
	if (__builtin_expect(native(s), 1))
		return walk_items(s, false, HOST_BIG);
	return walk_items(s, s->swap, s->big);
}

int kvmdecode_stream_next(struct kvmdecode_stream *s)
{
	s->rec = s->data ? stream_step(s) : NULL;
	return !!s->rec;
}

/* Returns 1 when s has a record (refilled if need be), 0 when it is done, or -errno. */
static int stream_ready(struct kvmdecode_stream *s, kvmdecode_refill_fn refill, void *arg)
{
	int ret;

	while (!s->rec) {
		ret = refill(arg, s);
		if (ret <= 0)
			return ret;
	}
	return 1;
}

int kvmdecode_merge_until(const struct kvmdecode *d, struct kvmdecode_stream **streams, int n,
			  kvmdecode_refill_fn refill, void *refill_arg, unsigned long long until,
			  kvmdecode_event_fn fn, void *arg)
{
	unsigned long long next_ts, second;
	struct kvmdecode_stream *s;
	struct kvm_event ev;
	int i, best, ret, got, delivered = 0;

	/* Streams with nothing are swapped past n; the rest stay in front. */
	for (i = 0; i < n;) {
		ret = stream_ready(streams[i], refill, refill_arg);
		if (ret < 0)
			return ret;
		if (ret) {
			i++;
			continue;
		}
		s = streams[i];
		streams[i] = streams[--n];
		streams[n] = s;
	}
	while (n > 0) {
		/*
		 * The earliest stream runs until it passes the next earliest one, or until: both
		 * found in one pass, as with CPUs taking turns this runs for every few records.
		 */
		best = 0;
		second = ~0ull;
		for (i = 1; i < n; i++) {
			if (streams[i]->ts < streams[best]->ts) {
				second = streams[best]->ts;
				best = i;
			} else if (streams[i]->ts < second) {
				second = streams[i]->ts;
			}
		}
		s = streams[best];
		if (s->ts >= until)
			break;
		next_ts = second < until - 1 ? second : until - 1;
		do {
			/* Told in time order, so no span of any thread is taken across the gap. */
			if (s->lost_pending) {
				memset(&ev, 0, sizeof(ev));
				ev.type = KE_LOST;
				ev.ts_ns = s->ts;
				ev.cpu = s->cpu;
				ev.lost.count = s->missed > 0 ? s->missed : -1;
				s->lost_pending = false;
				fn(arg, &ev);
			}
			s->records++;
			got = kvmdecode_record(d, s->rec, s->size, &ev);
			if (got > 0) {
				ev.ts_ns = s->ts;
				ev.cpu = s->cpu;
				fn(arg, &ev);
				delivered++;
			} else if (got < 0) {
				s->undecodable++;
			}
			s->rec = stream_step(s);
			ret = s->rec ? 1 : stream_ready(s, refill, refill_arg);
			if (ret < 0)
				return ret;
		} while (ret && s->ts <= next_ts);
		if (!ret) {
			streams[best] = streams[--n];
			streams[n] = s;
		}
	}
	return delivered;
}

int kvmdecode_merge(const struct kvmdecode *d, struct kvmdecode_stream **streams, int n,
		    kvmdecode_refill_fn refill, void *refill_arg, kvmdecode_event_fn fn, void *arg)
{
	return kvmdecode_merge_until(d, streams, n, refill, refill_arg, ~0ull, fn, arg);
}
