/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decoder behind the tracefs probe: raw ring-buffer records of the KVM and scheduler
 * events become struct kvm_event through event ids and field offsets cached once from a
 * tep_handle; per-CPU streams of sub-buffers are walked in place, in the ring buffer's own
 * format (the hot path: no kbuffer), and merged in timestamp order. It does no ring-buffer
 * I/O: the probe feeds it pages read from trace_pipe_raw, tracedat pages from a file, the
 * unit tests and the ingest benchmark pages built in memory.
 */
#ifndef KVMSCOPE_KVMDECODE_H
#define KVMSCOPE_KVMDECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "exitnames.h"
#include "kvm_event.h"

struct tep_handle;

/* Set of event types: bit (1u << KE_*). */
#define KVMDECODE_BIT(type) (1u << (type))

/* Where a field lives in a record; size 0 when this kernel's format lacks the field. */
struct kvmdecode_field {
	uint16_t offset;
	uint8_t size;
	uint8_t is_signed;
};

#define KVMDECODE_FIELDS 4

/* type_of_id[] of an event we decode whose format lacks a field we need. */
#define KVMDECODE_UNUSABLE 0xff

/*
 * Owned by whoever called kvmdecode_init(); kvmdecode_free() releases the id map. Holds no
 * pointer into the tep it was built from, so the tep may be freed after init.
 */
struct kvmdecode {
	struct kvmdecode_field type_field; /* common_type */
	struct kvmdecode_field pid_field;  /* common_pid */
	struct kvmdecode_field flags_field; /* common_flags; size 0 when absent */
	/* The three lie where every kernel puts them (u16 at 0, u8 at 2, s32 at 4). */
	bool common_std;
	uint8_t *type_of_id;		   /* event id -> KE_*, KE_NONE, or KVMDECODE_UNUSABLE */
	unsigned int nids;
	int id[KE__COUNT];	      /* kernel event id of each type, -1 when absent */
	uint16_t min_size[KE__COUNT]; /* record bytes the required fields need */
	bool pio_early_in;	      /* kvm_pio without val: see kvm_event.pio.early_in */
	struct kvmdecode_field f[KE__COUNT][KVMDECODE_FIELDS];
	/*
	 * Types whose event is there but whose format lacks a field we need (an older or newer
	 * kernel than the decoder knows): their records are counted as undecodable, and lacks[]
	 * names the first missing field.
	 */
	unsigned int unusable;
	const char *lacks[KE__COUNT];
};

/* Returns the tracefs event name of a type ("kvm_pio"), or NULL; sets *system ("kvm"). */
const char *kvmdecode_event_name(unsigned int type, const char **system);

/* Returns the i-th field name the decoder reads for type, or NULL after the last. */
const char *kvmdecode_field_name(unsigned int type, int i);

/*
 * Returns a new tep (free with tep_free) holding the header page and the formats of the
 * types in mask, read from events_dir in the tracefs layout (events_dir/header_page,
 * events_dir/SYSTEM/EVENT/format); kvm_exit is always read, for the exit-reason names.
 * Types whose format is absent are left out and reported in *missing. NULL with errno set
 * when the header page cannot be read or parsed.
 */
struct tep_handle *kvmdecode_load_tep(const char *events_dir, unsigned int mask,
				      unsigned int *missing);

/*
 * Returns 0 after caching what tep knows of our events, or -ENOENT if it has none of them
 * (usable or not) or no common fields. The tep may come from the running kernel or from a
 * trace.dat file: only its formats are read.
 */
int kvmdecode_init(struct kvmdecode *d, struct tep_handle *tep);
void kvmdecode_free(struct kvmdecode *d);

/* Returns whether the decoder found type's event with all the fields it needs. */
static inline bool kvmdecode_has(const struct kvmdecode *d, unsigned int type)
{
	return type > KE_NONE && type < KE__COUNT && d->id[type] >= 0;
}

/* Returns the cached place of a field (size 0: absent); for tests and diagnostics. */
struct kvmdecode_field kvmdecode_field_of(const struct kvmdecode *d, unsigned int type,
					  const char *name);

/*
 * Returns 1 after decoding one record (size bytes of event data) into ev, every field but
 * ts_ns and cpu, which the caller knows; 0 when the record is not an event we decode; -1
 * when it is one but cannot be decoded (too short, or its format lacks a field we need).
 * The hot path: no allocation, no strings.
 */
int kvmdecode_record(const struct kvmdecode *d, const void *rec, unsigned int size,
		     struct kvm_event *ev);

/*
 * Returns the number of names added to names from the __print_symbolic tables of the
 * kvm_exit print format in tep (the table under `isa == 1` is VMX, the other SVM), or
 * -ENOENT when tep has no kvm_exit or its format has no such tables.
 */
int kvmdecode_exit_names(struct tep_handle *tep, struct exit_names *names);

/*
 * Returns the events the kernel lost just before this sub-buffer: 0, their number, or -1
 * when it flagged a loss without room to store the count. commit_size is the size of the
 * sub-buffer header's commit word (tep_get_header_page_size: 8, or 4 on 32-bit kernels).
 * Reads the header in the host's byte order.
 */
long long kvmdecode_subbuf_missed(const void *subbuf, int commit_size);

/*
 * One CPU's sub-buffers during a merge, read in place by kvmdecode's own walker of the ring
 * buffer's format. Owned by whoever set it up (the probe, a test); it holds no allocation,
 * only pointers into the sub-buffer last loaded, which its owner keeps until the next load.
 */
struct kvmdecode_stream {
	const void *rec;	  /* current record; NULL: none loaded, or used up */
	unsigned int size;	  /* bytes of rec */
	unsigned long long ts;	  /* timestamp of rec */
	uint32_t cpu;		  /* written to each event */
	int commit_size;	  /* as for kvmdecode_subbuf_missed */
	unsigned int subbuf_size; /* bytes of each sub-buffer loaded, header included */
	bool swap;		  /* the writer's byte order is not ours */
	bool big;		  /* the writer's is big-endian: bit fields the other way */
	long long missed;	  /* the loss before the last sub-buffer loaded: as above */
	unsigned long long bad;	  /* sub-buffers found malformed and cut short, ever */
	uint64_t records;	  /* records the merge took from this stream */
	uint64_t undecodable;	  /* of which events we decode that could not be decoded */
	/* The loaded sub-buffer's checked data: records in [0, end), the next header at next. */
	const uint8_t *data;
	unsigned int end, next;
	bool lost_pending; /* a loss before rec still to be told (KE_LOST) */
};

/*
 * Returns 0 after setting s up as CPU cpu's stream of sub-buffers of subbuf_size bytes
 * (header included) written by the kernel tep describes: the size of its commit word and its
 * byte order, which a trace.dat from another machine may have unlike ours. -EINVAL when tep
 * has no usable header page. Clears s first.
 */
int kvmdecode_stream_init(struct kvmdecode_stream *s, struct tep_handle *tep,
			  unsigned int subbuf_size, uint32_t cpu);

/*
 * Returns 0 after loading subbuf, s->subbuf_size bytes (positioned on its first record, if
 * any), or -EINVAL. Its commit and headers are checked against that size first and never
 * written to: a malformed sub-buffer (a header, length word or record past the committed data
 * or the page, a record of negative size, a padding that does not move forward, a commit or
 * missed count past the page) is read only up to its first bad item and counted in s->bad,
 * its lost records in s->missed as -1. A padding with no time delta ends the records: the
 * kernel's mark that the rest of the page is empty.
 */
int kvmdecode_stream_load(struct kvmdecode_stream *s, const void *subbuf);

/*
 * Returns 1 after moving s to the next record of its loaded sub-buffer (s->rec, s->size,
 * s->ts), 0 when the sub-buffer has no more (s->rec NULL). What the merge does between
 * records; for tests and tools that walk a sub-buffer alone.
 */
int kvmdecode_stream_next(struct kvmdecode_stream *s);

/*
 * Called by kvmdecode_merge() when a stream has no record: returns 1 after loading another
 * sub-buffer with kvmdecode_stream_load(), 0 when the stream has nothing more for now, or
 * -errno to stop the merge.
 */
typedef int (*kvmdecode_refill_fn)(void *arg, struct kvmdecode_stream *s);

/* Receives each decoded event; same shape as trace_event_fn. */
typedef void (*kvmdecode_event_fn)(void *arg, const struct kvm_event *ev);

/*
 * Returns the number of events delivered to fn, or the first -errno of refill. Takes
 * records from n streams in timestamp order (a stream's own order on ties), refilling each
 * stream when it runs dry, until every stream has nothing more. Before the first record of a
 * sub-buffer the kernel flagged as having lost events, fn also gets a KE_LOST event of that
 * CPU at that record's time (not counted in the number returned).
 */
int kvmdecode_merge(const struct kvmdecode *d, struct kvmdecode_stream **streams, int n,
		    kvmdecode_refill_fn refill, void *refill_arg, kvmdecode_event_fn fn, void *arg);

/*
 * Returns as kvmdecode_merge(), stopping before the first record at or after until: the
 * streams keep their place, so the next call goes on from there (a file read tick by tick).
 * The order of streams[] may change.
 */
int kvmdecode_merge_until(const struct kvmdecode *d, struct kvmdecode_stream **streams, int n,
			  kvmdecode_refill_fn refill, void *refill_arg, unsigned long long until,
			  kvmdecode_event_fn fn, void *arg);

#endif
