// SPDX-License-Identifier: GPL-2.0
/*
 * Reads the JSON schema snapjson.c writes back into a snapshot. Every key is looked up by
 * name, so order does not matter and keys this reader does not know are ignored (a newer
 * minor addition); a key of the wrong type fails the document with its path. A derived
 * number the compact form left out is computed with the writer's own functions.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapjson.h"
#include "snapread.h"
#include "util.h"

#define PATH_DEPTH 8

/* The reader's state for one document: where it is (for messages) and the first error. */
struct rd {
	struct {
		const char *key;
		int index; /* -1: an object's key */
	} path[PATH_DEPTH];
	int depth;
	int err;
	char *why;
	size_t whysz;
	int schema;
	uint64_t window_ns;
};

static void push(struct rd *r, const char *key, int index)
{
	if (r->depth < PATH_DEPTH) {
		r->path[r->depth].key = key;
		r->path[r->depth].index = index;
	}
	r->depth++;
}

static void pop(struct rd *r)
{
	r->depth--;
}

/* Records the first error: the path to key, then what is wrong with it. */
static void fail(struct rd *r, const char *key, const char *what)
{
	size_t n = 0;
	int i;

	if (r->err)
		return;
	r->err = -EINVAL;
	r->why[0] = '\0';
	for (i = 0; i < r->depth && i < PATH_DEPTH && n < r->whysz; i++) {
		if (r->path[i].index >= 0)
			n += (size_t)snprintf(r->why + n, r->whysz - n, "[%d]", r->path[i].index);
		else
			n += (size_t)snprintf(r->why + n, r->whysz - n, "%s%s", n ? "." : "",
					      r->path[i].key);
	}
	if (key && n < r->whysz)
		n += (size_t)snprintf(r->why + n, r->whysz - n, "%s%s", n ? "." : "", key);
	if (n < r->whysz)
		snprintf(r->why + n, r->whysz - n, "%s%s", n ? ": " : "", what);
}

/* Returns the member key of o: NULL when o has none, and also when it is null (json-c). */
static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* Returns true when o has the member key, null included. */
static bool has(json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

static bool is_null(json_object *v)
{
	return json_object_get_type(v) == json_type_null;
}

/* Returns the value of a hex digit, or -1. */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex text into dst (n bytes, NUL-terminated, cut at a NUL byte); false if not hex. */
static bool unhex(const char *hex, size_t len, char *dst, size_t n)
{
	bool ended = false;
	size_t i, k = 0;

	if (len % 2)
		return false;
	for (i = 0; i < len; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		/* A NUL byte ends the C string, as it ended the original. */
		if (!(hi | lo))
			ended = true;
		if (!ended && k + 1 < n)
			dst[k++] = (char)(hi << 4 | lo);
	}
	dst[k] = '\0';
	return true;
}

/* Copies a string member into dst (n bytes): its KEY_hex bytes when given; "" when absent. */
static void get_str(struct rd *r, json_object *o, const char *key, char *dst, size_t n)
{
	json_object *v = get(o, key), *h;
	char hkey[64];

	dst[0] = '\0';
	if (!v || is_null(v))
		return;
	if (!json_object_is_type(v, json_type_string)) {
		fail(r, key, "not a string");
		return;
	}
	snprintf(hkey, sizeof(hkey), "%s_hex", key);
	h = get(o, hkey);
	if (h && json_object_is_type(h, json_type_string)) {
		if (!unhex(json_object_get_string(h), (size_t)json_object_get_string_len(h), dst,
			   n))
			fail(r, hkey, "not hex");
		return;
	}
	/* A NUL inside ends the C string, as it would have ended the original. */
	strlcpy0(dst, json_object_get_string(v), n);
}

/*
 * Returns true and sets *dst from an integer member within [min, max] (as int64, or for
 * max > INT64_MAX as uint64); false, leaving *dst, when absent or null. A whole double
 * (as kvmscope 0.1 printed some counts) is taken too.
 */
static bool get_int_range(struct rd *r, json_object *v, const char *key, int64_t min, uint64_t max,
			  uint64_t *dst)
{
	enum json_type t;
	int64_t s;
	uint64_t u;
	double d;

	if (!v || is_null(v))
		return false;
	t = json_object_get_type(v);
	if (t == json_type_int) {
		s = json_object_get_int64(v);
		u = json_object_get_uint64(v);
		if (s < 0) {
			if (s < min) {
				fail(r, key, "out of range");
				return false;
			}
			*dst = (uint64_t)s;
			return true;
		}
		/* json-c keeps values past INT64_MAX as unsigned: get_uint64 has them. */
		if (u > max) {
			fail(r, key, "out of range");
			return false;
		}
		*dst = u;
		return true;
	}
	if (t == json_type_double) {
		d = json_object_get_double(v);
		if (d == floor(d) && d >= (double)min && d <= (double)max &&
		    d < 18446744073709551616.0) {
			*dst = d < 0 ? (uint64_t)(int64_t)d : (uint64_t)d;
			return true;
		}
	}
	fail(r, key, "not a whole number in range");
	return false;
}

static uint64_t get_u64(struct rd *r, json_object *o, const char *key, uint64_t null_val)
{
	uint64_t v = null_val;

	get_int_range(r, get(o, key), key, 0, UINT64_MAX, &v);
	return v;
}

static int64_t get_i64(struct rd *r, json_object *o, const char *key, int64_t null_val)
{
	uint64_t v = (uint64_t)null_val;

	get_int_range(r, get(o, key), key, INT64_MIN, INT64_MAX, &v);
	return (int64_t)v;
}

static int get_int(struct rd *r, json_object *o, const char *key, int null_val)
{
	uint64_t v = (uint64_t)(int64_t)null_val;

	get_int_range(r, get(o, key), key, INT32_MIN, INT32_MAX, &v);
	return (int)(int64_t)v;
}

/* Returns true and sets *dst when key is present: a number, null (null_val) or NaN/Infinity. */
static bool get_dbl_p(struct rd *r, json_object *o, const char *key, double null_val, double *dst)
{
	json_object *v = get(o, key);
	const char *s;

	if (!has(o, key))
		return false;
	switch (json_object_get_type(v)) {
	case json_type_null:
		*dst = null_val;
		return true;
	case json_type_double:
		*dst = json_object_get_double(v);
		return true;
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			*dst = (double)json_object_get_int64(v);
		else
			*dst = (double)json_object_get_uint64(v);
		return true;
	case json_type_string:
		s = json_object_get_string(v);
		if (!strcmp(s, "NaN")) {
			*dst = NAN;
			return true;
		}
		if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
			*dst = s[0] == '-' ? -INFINITY : INFINITY;
			return true;
		}
		break;
	default:
		break;
	}
	fail(r, key, "not a number");
	return false;
}

static double get_dbl(struct rd *r, json_object *o, const char *key, double null_val)
{
	double v = null_val;

	get_dbl_p(r, o, key, null_val, &v);
	return v;
}

static bool get_bool(struct rd *r, json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!v || is_null(v))
		return false;
	if (!json_object_is_type(v, json_type_boolean)) {
		fail(r, key, "not true or false");
		return false;
	}
	return json_object_get_boolean(v);
}

/* Names no value: for a plain number read with get_enum(). */
static const char *no_words(unsigned int v)
{
	(void)v;
	return NULL;
}

/*
 * Returns an enum value given as its word (name()) or as a number from min to max; null_val
 * when absent, null or "".
 */
static int64_t get_enum(struct rd *r, json_object *o, const char *key,
			const char *(*name)(unsigned int), int64_t min, uint64_t max,
			int64_t null_val)
{
	json_object *v = get(o, key);
	uint64_t n;
	unsigned int i;
	const char *s, *w;

	if (!v || is_null(v))
		return null_val;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		/* "" is the word for none where a field has one (a wake edge's other bucket). */
		if (!*s && !(name(0) && !*name(0)))
			return null_val;
		for (i = 0; i < 64 && (w = name(i)); i++)
			if (!strcmp(s, w))
				return i;
		fail(r, key, "not a known word");
		return null_val;
	}
	n = (uint64_t)null_val;
	get_int_range(r, v, key, min, max, &n);
	return (int64_t)n;
}

/* Returns the array member key (NULL when absent or null); fails on another type. */
static json_object *get_arr(struct rd *r, json_object *o, const char *key, int *n)
{
	json_object *v = get(o, key);

	*n = 0;
	if (!v || is_null(v))
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		fail(r, key, "not a list");
		return NULL;
	}
	*n = (int)json_object_array_length(v);
	return v;
}

/* Returns the object member key (NULL when absent or null); fails on another type. */
static json_object *get_obj(struct rd *r, json_object *o, const char *key)
{
	json_object *v = get(o, key);

	if (!v || is_null(v))
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		fail(r, key, "not an object");
		return NULL;
	}
	return v;
}

/* Returns element i of a list (its path pushed already), failing unless it is an object. */
static json_object *elem(struct rd *r, json_object *arr, int i)
{
	json_object *v = json_object_array_get_idx(arr, (size_t)i);

	if (!v || !json_object_is_type(v, json_type_object)) {
		push(r, NULL, i);
		fail(r, NULL, "not an object");
		pop(r);
		return NULL;
	}
	return v;
}

/* Returns an address: "0x..." text (as written), a number, or 0 for null. */
static uint64_t get_addr(struct rd *r, json_object *o)
{
	json_object *v = get(o, "addr");
	const char *s;
	char *end;
	uint64_t a;

	if (!v || is_null(v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return get_u64(r, o, "addr", 0);
	s = json_object_get_string(v);
	errno = 0;
	a = strtoull(s, &end, 16);
	if (strncmp(s, "0x", 2) || errno || end == s + 2 || *end) {
		fail(r, "addr", "not a hex address");
		return 0;
	}
	return a;
}

/* ---- the parts ---- */

/* Reads a latency distribution, [[low_ns, count], ...] (absent: all zero). */
static void read_lat(struct rd *r, json_object *o, const char *key, struct snap_lat *l)
{
	json_object *arr, *p;
	uint64_t low, n;
	int i, len;

	memset(l, 0, sizeof(*l));
	arr = get_arr(r, o, key, &len);
	push(r, key, -1);
	for (i = 0; i < len && !r->err; i++) {
		p = json_object_array_get_idx(arr, (size_t)i);
		push(r, NULL, i);
		if (!p || !json_object_is_type(p, json_type_array) ||
		    json_object_array_length(p) != 2) {
			fail(r, NULL, "not a [low_ns, count] pair");
			pop(r);
			break;
		}
		low = n = 0;
		if (get_int_range(r, json_object_array_get_idx(p, 0), "low_ns", 0, UINT64_MAX,
				  &low) &&
		    get_int_range(r, json_object_array_get_idx(p, 1), "count", 0, UINT64_MAX, &n))
			l->b[snap_lat_bucket(low)] += n;
		pop(r);
	}
	pop(r);
}

static void read_mgmt(struct rd *r, json_object *o, struct snap_mgmt *m)
{
	json_object *v = get_obj(r, o, "mgmt");

	push(r, "mgmt", -1);
	m->source = (uint8_t)get_enum(r, v, "source", snapjson_mgmt_source, 0, UINT8_MAX, 0);
	m->state = (uint8_t)get_enum(r, v, "state", snapjson_state, 0, UINT8_MAX, 0);
	get_str(r, v, "why", m->why, sizeof(m->why));
	get_str(r, v, "name", m->name, sizeof(m->name));
	get_str(r, v, "title", m->title, sizeof(m->title));
	get_str(r, v, "uuid", m->uuid, sizeof(m->uuid));
	get_str(r, v, "nova_name", m->nova_name, sizeof(m->nova_name));
	get_str(r, v, "nova_project", m->nova_project, sizeof(m->nova_project));
	get_str(r, v, "nova_user", m->nova_user, sizeof(m->nova_user));
	get_str(r, v, "nova_flavor", m->nova_flavor, sizeof(m->nova_flavor));
	pop(r);
}

static void read_cpu(struct rd *r, json_object *o, struct cpu_split *c)
{
	json_object *v = get_obj(r, o, "cpu");

	push(r, "cpu", -1);
	c->cpu = get_dbl(r, v, "cpu_pct", -1);
	c->guest = get_dbl(r, v, "guest_pct", -1);
	c->steal = get_dbl(r, v, "steal_pct", -1);
	c->cs = get_dbl(r, v, "csw_rate", -1);
	if (!get_dbl_p(r, v, "host_pct", -1, &c->host))
		c->host = snapjson_host_pct(c);
	pop(r);
}

static void read_split(struct rd *r, json_object *o, struct exit_split *sp)
{
	json_object *v = get_obj(r, o, "split");

	push(r, "split", -1);
	sp->source = (uint8_t)get_enum(r, v, "source", snapjson_split_source, 0, UINT8_MAX, 0);
	sp->sched = get_bool(r, v, "sched");
	sp->guest = get_dbl(r, v, "guest_pct", -1);
	sp->kernel = get_dbl(r, v, "kernel_pct", -1);
	sp->user = get_dbl(r, v, "user_pct", -1);
	sp->halted = get_dbl(r, v, "halted_pct", -1);
	sp->waiting = get_dbl(r, v, "waiting_pct", -1);
	sp->est = get_bool(r, v, "estimate");
	pop(r);
}

static int read_exits(struct rd *r, json_object *o, struct snap_exit **out)
{
	json_object *arr, *x;
	struct snap_exit *e;
	bool *have_share;
	uint64_t denom;
	int n, i;

	*out = NULL;
	arr = get_arr(r, o, "exits", &n);
	if (!n)
		return 0;
	e = xcalloc((size_t)n, sizeof(*e));
	have_share = xcalloc((size_t)n, sizeof(*have_share));
	push(r, "exits", -1);
	for (i = 0; i < n && !r->err; i++) {
		if (!(x = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		get_str(r, x, "name", e[i].name, sizeof(e[i].name));
		e[i].reason = (uint32_t)get_u64(r, x, "reason", 0);
		e[i].kind = (uint8_t)get_enum(r, x, "kind", snapjson_exit_kind, 0, UINT8_MAX, 0);
		e[i].hot = (int8_t)get_enum(r, x, "hot", snapjson_hot_kind, INT8_MIN, INT8_MAX, -1);
		e[i].count = get_u64(r, x, "count", 0);
		e[i].est = get_bool(r, x, "estimate");
		e[i].traced = get_u64(r, x, "traced", e[i].count);
		e[i].timed = get_u64(r, x, "timed", e[i].count); /* compact: left out when equal */
		if (!get_dbl_p(r, x, "rate", -1, &e[i].rate))
			e[i].rate = snapjson_per_s(e[i].count, r->window_ns);
		have_share[i] = get_dbl_p(r, x, "share_pct", -1, &e[i].share);
		e[i].time_share = get_dbl(r, x, "time_pct", -1);
		e[i].total_ns = get_u64(r, x, "total_ns", 0);
		/* Left out by the compact form where total / timed gives it. */
		if (!get_dbl_p(r, x, "mean_ns", 0, &e[i].mean_ns))
			e[i].mean_ns = e[i].time_share >= 0 && e[i].timed ?
					       snapjson_mean(e[i].total_ns, e[i].timed) : 0;
		e[i].p50_ns = get_u64(r, x, "p50_ns", 0);
		e[i].p99_ns = get_u64(r, x, "p99_ns", 0);
		e[i].max_ns = get_u64(r, x, "max_ns", 0);
		read_lat(r, x, "lat_buckets", &e[i].lat);
		/* Absent before each exit was counted once: no VMM part then. */
		e[i].vmm_count = get_u64(r, x, "vmm_count", 0);
		if (!get_dbl_p(r, x, "vmm_pct", -1, &e[i].vmm_share))
			e[i].vmm_share = snapjson_vmm_share(e[i].vmm_count, e[i].count);
		e[i].vmm_total_ns = get_u64(r, x, "vmm_total_ns", 0);
		e[i].vmm_max_ns = get_u64(r, x, "vmm_max_ns", 0);
		if (!get_dbl_p(r, x, "vmm_mean_ns", -1, &e[i].vmm_mean_ns))
			e[i].vmm_mean_ns = snapjson_mean(e[i].vmm_total_ns, e[i].vmm_count);
		e[i].vmm_p50_ns = get_u64(r, x, "vmm_p50_ns", 0);
		e[i].vmm_p99_ns = get_u64(r, x, "vmm_p99_ns", 0);
		read_lat(r, x, "vmm_lat_buckets", &e[i].vmm_lat);
		pop(r);
	}
	pop(r);
	denom = snapjson_exit_denom(e, n);
	for (i = 0; i < n; i++)
		if (!have_share[i])
			e[i].share = snapjson_share(e[i].count, denom);
	free(have_share);
	*out = e;
	return n;
}

static int read_hot(struct rd *r, json_object *o, struct snap_hot **out)
{
	json_object *arr, *x;
	struct snap_hot *h;
	bool *have_share;
	int n, i;

	*out = NULL;
	arr = get_arr(r, o, "hot", &n);
	if (!n)
		return 0;
	h = xcalloc((size_t)n, sizeof(*h));
	have_share = xcalloc((size_t)n, sizeof(*have_share));
	push(r, "hot", -1);
	for (i = 0; i < n && !r->err; i++) {
		if (!(x = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		h[i].kind = (uint8_t)get_enum(r, x, "kind", snapjson_hot_kind, 0, UINT8_MAX, 0);
		h[i].other = get_bool(r, x, "other");
		h[i].addr = get_addr(r, x);
		get_str(r, x, "name", h[i].name, sizeof(h[i].name));
		h[i].rw = (uint8_t)get_enum(r, x, "rw", snapjson_rw, 0, UINT8_MAX, 0);
		h[i].size = (uint8_t)get_enum(r, x, "size", no_words, 0, UINT8_MAX, 0);
		h[i].user = get_bool(r, x, "user");
		h[i].pattern = get_bool(r, x, "pattern");
		h[i].count = get_u64(r, x, "count", 0);
		h[i].est = get_bool(r, x, "estimate");
		h[i].traced = get_u64(r, x, "traced", h[i].count);
		if (!get_dbl_p(r, x, "rate", -1, &h[i].rate))
			h[i].rate = snapjson_per_s(h[i].count, r->window_ns);
		have_share[i] = get_dbl_p(r, x, "share_pct", -1, &h[i].share);
		h[i].time_share = get_dbl(r, x, "time_pct", -1);
		h[i].total_ns = get_u64(r, x, "total_ns", 0);
		if (!get_dbl_p(r, x, "mean_ns", 0, &h[i].mean_ns))
			h[i].mean_ns = h[i].time_share >= 0 && h[i].count ?
					       snapjson_mean(h[i].total_ns, h[i].count) : 0;
		pop(r);
	}
	pop(r);
	for (i = 0; i < n; i++)
		if (!have_share[i])
			h[i].share =
				snapjson_share(h[i].count, snapjson_hot_denom(h, n, h[i].kind));
	free(have_share);
	*out = h;
	return n;
}

/* Appends the counters of list key of o to *out (*n of them so far). */
static void read_counters(struct rd *r, json_object *o, const char *key, struct snap_counter **out,
			  int *n)
{
	uint64_t window = 0; /* carried from row to row, as the compact form writes it */
	json_object *arr, *x;
	int m, i;

	arr = get_arr(r, o, key, &m);
	if (!m)
		return;
	*out = xrealloc(*out, (size_t)(*n + m) * sizeof(**out));
	push(r, key, -1);
	for (i = 0; i < m && !r->err; i++) {
		struct snap_counter *c = &(*out)[*n];

		if (!(x = elem(r, arr, i)))
			break;
		memset(c, 0, sizeof(*c));
		push(r, NULL, i);
		get_str(r, x, "name", c->name, sizeof(c->name));
		get_str(r, x, "source", c->source, sizeof(c->source));
		c->kind = (uint8_t)get_enum(r, x, "kind", snapjson_ctr_kind, 0, UINT8_MAX, 0);
		get_str(r, x, "why", c->why, sizeof(c->why));
		c->value = get_u64(r, x, "value", 0);
		c->count = get_u64(r, x, "count", 0);
		window = get_u64(r, x, "window_ns", window);
		if (!get_dbl_p(r, x, "rate", -1, &c->rate))
			c->rate = snapjson_ctr_rate(c->count, window);
		if (!get_dbl_p(r, x, "share_pct", -1, &c->share))
			c->share = snapjson_ctr_share(c->kind, c->count, window);
		c->ratio = get_dbl(r, x, "ratio", -1);
		c->scale = get_dbl(r, x, "scale", -1);
		if (!has(x, "scale"))
			c->scale = 1;
		c->p50 = get_u64(r, x, "p50_ns", 0);
		pop(r);
		(*n)++;
	}
	pop(r);
}

/*
 * Puts a thread's perf counters first, in their order, then the others: the model's order,
 * which the two lists of the schema stand for (and a row under the wrong one is moved).
 */
static void perf_first(struct snap_counter *c, int n)
{
	struct snap_counter *tmp;
	int i, k = 0;

	if (n < 2)
		return;
	tmp = xmalloc((size_t)n * sizeof(*tmp));
	for (i = 0; i < n; i++)
		if (!strcmp(c[i].source, "perf"))
			tmp[k++] = c[i];
	for (i = 0; i < n; i++)
		if (strcmp(c[i].source, "perf"))
			tmp[k++] = c[i];
	memcpy(c, tmp, (size_t)n * sizeof(*tmp));
	free(tmp);
}

static void read_thread(struct rd *r, json_object *x, struct snap_thread *t)
{
	t->tid = get_int(r, x, "tid", 0);
	t->kind = (enum thread_kind)get_enum(r, x, "kind", snapjson_thread_kind, 0, INT32_MAX, 0);
	t->index = get_int(r, x, "index", -1);
	t->nthreads = get_int(r, x, "threads", 1);
	get_str(r, x, "comm", t->comm, sizeof(t->comm));
	t->gone = get_bool(r, x, "gone");
	read_cpu(r, x, &t->cpu);
	read_split(r, x, &t->split);
	/* The model puts a thread's perf counters first, then the others. */
	push(r, "perf", -1);
	read_counters(r, get_obj(r, x, "perf"), "counters", &t->counters, &t->ncounters);
	pop(r);
	read_counters(r, x, "counters", &t->counters, &t->ncounters);
	perf_first(t->counters, t->ncounters);
	t->exits_count = get_u64(r, x, "exits_count", 0);
	if (!get_dbl_p(r, x, "exits_rate", -1, &t->exits_rate))
		t->exits_rate = snapjson_per_s(t->exits_count, r->window_ns);
	t->nexits = read_exits(r, x, &t->exits);
}

static struct snap_wake *read_wake(struct rd *r, json_object *o)
{
	json_object *w = get_obj(r, o, "wake"), *arr, *x;
	struct snap_wake *sw;
	int ne, nr, i;

	push(r, "wake", -1);
	get_arr(r, w, "edges", &ne);
	get_arr(r, w, "round_trips", &nr);
	/* Nothing woke: no graph, as the model leaves it. */
	if (!w || (!ne && !nr && !get_u64(r, w, "unmatched", 0))) {
		pop(r);
		return NULL;
	}
	sw = xcalloc(1,
		     sizeof(*sw) + (size_t)ne * sizeof(*sw->edges) + (size_t)nr * sizeof(*sw->rts));
	sw->edges = (struct snap_wake_edge *)(sw + 1);
	sw->rts = (struct snap_wake_rt *)(sw->edges + ne);
	sw->unmatched = get_u64(r, w, "unmatched", 0);
	arr = get_arr(r, w, "edges", &ne);
	push(r, "edges", -1);
	for (i = 0; i < ne && !r->err; i++) {
		struct snap_wake_edge *e = &sw->edges[i];

		if (!(x = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		e->other = get_bool(r, x, "other");
		e->waker = get_int(r, x, "waker_tid", 0);
		get_str(r, x, "waker", e->waker_comm, sizeof(e->waker_comm));
		e->waker_node =
			(uint8_t)get_enum(r, x, "waker_kind", snapjson_wake_node, 0, UINT8_MAX, 0);
		e->wakee = get_int(r, x, "wakee_tid", 0);
		get_str(r, x, "wakee", e->wakee_comm, sizeof(e->wakee_comm));
		e->wakee_node =
			(uint8_t)get_enum(r, x, "wakee_kind", snapjson_wake_node, 0, UINT8_MAX, 0);
		e->cls = (uint8_t)get_enum(r, x, "how", snapjson_wake_how, 0, UINT8_MAX, 0);
		e->count = get_u64(r, x, "count", 0);
		if (!get_dbl_p(r, x, "rate", -1, &e->rate))
			e->rate = snapjson_wake_rate(e->count, r->window_ns);
		e->awake = get_u64(r, x, "awake", 0);
		e->timed = get_u64(r, x, "timed", 0);
		e->mean_ns = get_dbl(r, x, "lat_mean_ns", -1);
		e->p50_ns = get_i64(r, x, "lat_p50_ns", -1);
		e->p99_ns = get_i64(r, x, "lat_p99_ns", -1);
		e->max_ns = get_i64(r, x, "lat_max_ns", -1);
		e->est = get_bool(r, x, "estimate");
		read_lat(r, x, "lat_buckets", &e->lat);
		pop(r);
		sw->nedges++;
	}
	pop(r);
	arr = get_arr(r, w, "round_trips", &nr);
	push(r, "round_trips", -1);
	for (i = 0; i < nr && !r->err; i++) {
		struct snap_wake_rt *rt = &sw->rts[i];

		if (!(x = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		rt->other = get_bool(r, x, "other");
		rt->kind = (uint8_t)get_enum(r, x, "kind", snapjson_hot_kind, 0, UINT8_MAX, 0);
		rt->addr = get_addr(r, x);
		rt->count = get_u64(r, x, "count", 0);
		if (!get_dbl_p(r, x, "rate", -1, &rt->rate))
			rt->rate = snapjson_wake_rate(rt->count, r->window_ns);
		rt->p50_ns = get_i64(r, x, "p50_ns", -1);
		rt->p99_ns = get_i64(r, x, "p99_ns", -1);
		rt->max_ns = get_i64(r, x, "max_ns", -1);
		rt->notify_run_ns = get_dbl(r, x, "notify_to_iothread_ns", -1);
		rt->run_inject_ns = get_dbl(r, x, "iothread_to_inject_ns", -1);
		rt->inject_run_ns = get_dbl(r, x, "inject_to_vcpu_ns", -1);
		read_lat(r, x, "lat_buckets", &rt->lat);
		if (!get_dbl_p(r, x, "mean_ns", -1, &rt->mean_ns))
			rt->mean_ns = snapjson_rt_mean(rt);
		rt->est = get_bool(r, x, "estimate");
		pop(r);
		sw->nrts++;
	}
	pop(r);
	pop(r);
	return sw;
}

static void read_hints(struct rd *r, json_object *x, struct snap_vm *v)
{
	json_object *arr, *hex, *s;
	int n, nh, i;

	arr = get_arr(r, x, "hints", &n);
	hex = get_arr(r, x, "hints_hex", &nh);
	if (!n)
		return;
	if (hex && nh != n) {
		fail(r, "hints_hex", "not one per hint");
		return;
	}
	v->hints = xcalloc((size_t)n, sizeof(*v->hints));
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(hex ? hex : arr, (size_t)i);
		if (!s || !json_object_is_type(s, json_type_string)) {
			fail(r, hex ? "hints_hex" : "hints", "not a list of strings");
			return;
		}
		if (!hex)
			strlcpy0(v->hints[i].text, json_object_get_string(s),
				 sizeof(v->hints[i].text));
		else if (!unhex(json_object_get_string(s), (size_t)json_object_get_string_len(s),
				v->hints[i].text, sizeof(v->hints[i].text)))
			fail(r, "hints_hex", "not hex");
		v->nhints++;
	}
}

static void read_vm(struct rd *r, json_object *x, struct snap_vm *v)
{
	json_object *arr, *t;
	double d;
	int n, i;

	get_str(r, x, "name", v->name, sizeof(v->name));
	v->pid = get_int(r, x, "pid", 0);
	get_str(r, x, "comm", v->comm, sizeof(v->comm));
	get_str(r, x, "uuid", v->uuid, sizeof(v->uuid));
	get_str(r, x, "id", v->id, sizeof(v->id));
	read_mgmt(r, x, &v->mgmt);
	v->gone = get_bool(r, x, "gone");
	v->starttime = get_u64(r, x, "starttime", 0);
	v->nvcpus = get_int(r, x, "vcpus", 0);
	v->niothreads = get_int(r, x, "iothreads", 0);
	v->nother = get_int(r, x, "other_threads", 0);
	read_cpu(r, x, &v->cpu);
	arr = get_arr(r, x, "threads", &n);
	if (n)
		v->threads = xcalloc((size_t)n, sizeof(*v->threads));
	push(r, "threads", -1);
	for (i = 0; i < n && !r->err; i++) {
		if (!(t = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		read_thread(r, t, &v->threads[i]);
		v->nthreads++;
		pop(r);
	}
	pop(r);
	v->exits_count = get_u64(r, x, "exits_count", 0);
	v->exits_est = get_bool(r, x, "exits_estimate");
	if (!get_dbl_p(r, x, "exits_rate", -1, &v->exits_rate))
		v->exits_rate = snapjson_per_s(v->exits_count, r->window_ns);
	get_str(r, x, "top_exit", v->top_exit, sizeof(v->top_exit));
	read_split(r, x, &v->split);
	v->nexits = read_exits(r, x, &v->exits);
	if (get_dbl_p(r, x, "top_exit_share_pct", -1, &d))
		v->top_exit_share = d;
	else
		v->top_exit_share = snapjson_top_exit_share(v->exits, v->nexits);
	v->nhot = read_hot(r, x, &v->hot);
	read_counters(r, x, "counters", &v->counters, &v->ncounters);
	v->wake = read_wake(r, x);
	read_hints(r, x, v);
}

/* Returns the seconds of "YYYY-MM-DDTHH:MM:SSZ", or 0 when it is not that. */
static int64_t parse_utc(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);

	return end && !*end ? (int64_t)timegm(&tm) : 0;
}

static void read_doc(struct rd *r, json_object *doc, struct snapshot *s)
{
	json_object *o, *arr, *x;
	char tbuf[32];
	double d;
	int n, i;

	s->seq = (unsigned int)get_u64(r, doc, "seq", 0);
	if (get_u64(r, doc, "seq", 0) > UINT32_MAX)
		fail(r, "seq", "out of range");
	s->wall_s = get_i64(r, doc, "wall_s", INT64_MIN);
	if (s->wall_s == INT64_MIN) {
		/* Schema 1 had the time as text only. */
		get_str(r, doc, "time", tbuf, sizeof(tbuf));
		s->wall_s = parse_utc(tbuf);
	}
	s->ts_ns = get_u64(r, doc, "ts_ns", 0);
	s->trace_ns = get_u64(r, doc, "trace_ns", 0);
	s->interval_ns = get_u64(r, doc, "interval_ns", UINT64_MAX);
	if (s->interval_ns == UINT64_MAX)
		s->interval_ns = get_dbl_p(r, doc, "interval_s", 0, &d) && d > 0 && d < 1e9
					 ? (uint64_t)llround(d * 1e9)
					 : 0;
	s->cumulative = get_bool(r, doc, "cumulative");
	s->window_ns = get_u64(r, doc, "window_ns", UINT64_MAX);
	if (s->window_ns == UINT64_MAX)
		s->window_ns = get_dbl_p(r, doc, "window_s", 0, &d) && d > 0 && d < 1e9
				       ? (uint64_t)llround(d * 1e9)
				       : 0;
	r->window_ns = s->window_ns;

	o = get_obj(r, doc, "host");
	push(r, "host", -1);
	get_str(r, o, "hostname", s->host.hostname, sizeof(s->host.hostname));
	get_str(r, o, "kernel", s->host.release, sizeof(s->host.release));
	get_str(r, o, "kvm", s->host.kvm_module, sizeof(s->host.kvm_module));
	s->host.kvm_unregistered = get(o, "kvm_dev") && !get_bool(r, o, "kvm_dev");
	s->host.ncpus = get_int(r, o, "cpus", 0);
	pop(r);

	arr = get_arr(r, doc, "sources", &n);
	if (n > SNAP_SOURCES_MAX)
		fail(r, "sources", "more sources than a snapshot holds");
	push(r, "sources", -1);
	for (i = 0; i < n && i < SNAP_SOURCES_MAX && !r->err; i++) {
		struct snap_source *src = &s->sources[i];

		if (!(x = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		get_str(r, x, "name", src->name, sizeof(src->name));
		src->state = (uint8_t)get_enum(r, x, "state", snapjson_state, 0, UINT8_MAX, 0);
		get_str(r, x, "why", src->why, sizeof(src->why));
		s->nsources++;
		pop(r);
	}
	pop(r);

	/* Absent before kvmscope said which processes it could not read. */
	o = get_obj(r, doc, "procfs");
	push(r, "procfs", -1);
	s->procfs.unreadable = get_int(r, o, "unreadable", 0);
	s->procfs.unreadable_vmms = get_int(r, o, "unreadable_vmms", 0);
	s->procfs.others_hidden = get_bool(r, o, "others_hidden");
	pop(r);

	o = get_obj(r, doc, "events");
	push(r, "events", -1);
	s->events = get_u64(r, o, "count", 0);
	s->events_lost = get_u64(r, o, "lost", 0);
	s->events_unattributed = get_u64(r, o, "unattributed", 0);
	pop(r);

	/* Absent before detail had a budget: every event was traced. */
	o = get_obj(r, doc, "detail");
	push(r, "detail", -1);
	s->detail.mode = (uint8_t)get_enum(r, o, "mode", snapjson_detail_mode, 0, UINT8_MAX,
					   o ? SNAP_DETAIL_OFF : SNAP_DETAIL_FULL);
	s->detail.ratio = get_dbl(r, o, "ratio", 1);
	s->detail.traced_rate = get_dbl(r, o, "traced_rate", 0);
	s->detail.exact_rate = get_dbl(r, o, "exact_rate", -1);
	s->detail.budget = get_dbl(r, o, "budget", 0);
	s->detail.focus_pid = get_int(r, o, "focus_pid", 0);
	s->detail.focus_rate = get_dbl(r, o, "focus_rate", 0);
	s->detail.own_cpu = get_dbl(r, o, "own_cpu_pct", -1);
	s->detail.lost = get_u64(r, o, "lost", 0);
	s->detail.lost_share = get_dbl(r, o, "lost_pct", 0);
	pop(r);

	read_counters(r, doc, "counters", &s->counters, &s->ncounters);

	arr = get_arr(r, doc, "vms", &n);
	if (n)
		s->vms = xcalloc((size_t)n, sizeof(*s->vms));
	push(r, "vms", -1);
	for (i = 0; i < n && !r->err; i++) {
		if (!(x = elem(r, arr, i)))
			break;
		push(r, NULL, i);
		read_vm(r, x, &s->vms[i]);
		s->nvms++;
		pop(r);
	}
	pop(r);
	if (!get_dbl_p(r, doc, "exits_rate", -1, &s->exits_rate))
		s->exits_rate = snapjson_host_exits_rate(s, NULL);
}

int snapread_parse(const char *buf, size_t len, struct snapshot **out, int *schema, char *why,
		   size_t whysz)
{
	struct rd r = { .why = why, .whysz = whysz };
	struct json_tokener *tok;
	struct snapshot *s;
	json_object *doc;
	size_t end;

	*out = NULL;
	why[0] = '\0';
	/* A document is one line: what follows its newline is not part of it. */
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\r' ||
		       buf[len - 1] == '\t'))
		len--;
	if (!len) {
		snprintf(why, whysz, "empty document");
		return -EINVAL;
	}
	if (len > INT32_MAX - 1) {
		snprintf(why, whysz, "document of %zu bytes is too long", len);
		return -EINVAL;
	}
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc && json_tokener_get_error(tok) == json_tokener_continue)
		snprintf(why, whysz, "byte %zu: the document ends early", len);
	else if (!doc)
		snprintf(why, whysz, "byte %zu: %s", json_tokener_get_parse_end(tok),
			 json_tokener_error_desc(json_tokener_get_error(tok)));
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!doc)
		return -EINVAL;
	if (end < len || !json_object_is_type(doc, json_type_object)) {
		snprintf(why, whysz,
			 end < len ? "byte %zu: more after the document" : "not a JSON object",
			 end);
		json_object_put(doc);
		return -EINVAL;
	}
	r.schema = get_int(&r, doc, "schema", 1);
	if (r.err) {
		json_object_put(doc);
		return r.err;
	}
	if ((r.schema < 1 || r.schema > SNAPJSON_SCHEMA)) {
		snprintf(why, whysz, "schema %d %s (this kvmscope reads 1 to %d)", r.schema,
			 r.schema > SNAPJSON_SCHEMA ? "is newer than this kvmscope reads"
						    : "is not a schema",
			 SNAPJSON_SCHEMA);
		json_object_put(doc);
		return r.schema > SNAPJSON_SCHEMA ? -EPROTONOSUPPORT : -EINVAL;
	}
	if (schema)
		*schema = r.schema;
	if (!get(doc, "seq") || !get(doc, "vms")) {
		snprintf(why, whysz, "not a kvmscope snapshot (no \"seq\" or \"vms\")");
		json_object_put(doc);
		return -EINVAL;
	}
	s = xcalloc(1, sizeof(*s));
	read_doc(&r, doc, s);
	json_object_put(doc);
	if (r.err) {
		snapshot_free(s);
		return r.err;
	}
	*out = s;
	return 0;
}
