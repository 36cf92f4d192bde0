// SPDX-License-Identifier: GPL-2.0
/*
 * VM names from a raw /proc/PID/cmdline. The bytes belong to whoever started the process:
 * every read is bounded by len, nothing is assumed NUL-terminated, and what is found is
 * copied raw, because escaping for the terminal is the display's job.
 *
 * QEMU parses -name as a merged option list whose first element may omit its key
 * ("guest"), where ",," stands for a literal comma; repeated -name options are merged, so
 * the last guest value given anywhere wins.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vmname.h"

/* One argument: a window into the caller's buffer, never past its end. */
struct vm_arg {
	const char *p;
	size_t len;
};

/* Returns 1 with the argument at *off in a (and moves *off past it), 0 at the end. */
static int arg_next(const char *argv, size_t len, size_t *off, struct vm_arg *a)
{
	const char *nul;

	if (*off >= len)
		return 0;
	a->p = argv + *off;
	nul = memchr(a->p, '\0', len - *off);
	a->len = nul ? (size_t)(nul - a->p) : len - *off;
	*off += a->len + 1;
	return 1;
}

/* Returns 1 when a is "-opt" or "--opt" (QEMU accepts both), else 0. */
static int arg_is(const struct vm_arg *a, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = a->p;
	size_t len = a->len;

	if (len >= 2 && p[0] == '-' && p[1] == '-') {
		p++;
		len--;
	}
	return len == n + 1 && p[0] == '-' && !memcmp(p + 1, opt, n);
}

/*
 * Returns 1 with the value of the last -opt in val, 0 when there is none, -EINVAL when an
 * -opt is the last argument. argv[0] is the program, never an option.
 */
static int opt_last(const char *argv, size_t len, const char *opt, struct vm_arg *val)
{
	struct vm_arg a;
	size_t off = 0;
	int found = 0;

	if (!argv || !arg_next(argv, len, &off, &a))
		return 0;
	while (arg_next(argv, len, &off, &a)) {
		if (!arg_is(&a, opt))
			continue;
		if (!arg_next(argv, len, &off, val))
			return -EINVAL;
		found = 1;
	}
	return found;
}

/* Returns the offset where a value starting at i ends: the first ',' not doubled. */
static size_t value_end(const struct vm_arg *v, size_t i)
{
	while (i < v->len) {
		if (v->p[i] == ',') {
			if (i + 1 < v->len && v->p[i + 1] == ',') {
				i += 2;
				continue;
			}
			break;
		}
		i++;
	}
	return i;
}

/*
 * Returns 1 and sets g to the raw (still ",,"-escaped) guest value of one -name argument
 * when it has one, else 0. Within one argument the last guest value wins, as in QEMU.
 */
static int guest_in(const struct vm_arg *v, struct vm_arg *g)
{
	size_t i = 0, k, start, end;
	int first = 1, found = 0, is_guest;

	while (i < v->len) {
		for (k = i; k < v->len && v->p[k] != '=' && v->p[k] != ','; k++)
			;
		if (k < v->len && v->p[k] == '=') {
			is_guest = k - i == 5 && !memcmp(v->p + i, "guest", 5);
			start = k + 1;
			end = value_end(v, start);
		} else if (first) {
			/* The first element may leave out its key: "web01,debug-threads=on". */
			is_guest = 1;
			start = i;
			end = value_end(v, start);
		} else {
			/* A flag without a value ("debug-threads"): not a name. */
			is_guest = 0;
			start = end = k;
		}
		if (is_guest) {
			g->p = v->p + start;
			g->len = end - start;
			found = 1;
		}
		first = 0;
		i = end + 1;
	}
	return found;
}

/* Returns the length of the UTF-8 sequence a lead byte starts, 1 for anything else. */
static size_t utf8_seq_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/*
 * Returns the bytes kept when out[0..n) was cut short: a UTF-8 sequence left incomplete by
 * the cut is dropped whole, so a cut name stays as valid as the original was.
 */
static size_t utf8_trim(const char *out, size_t n)
{
	size_t k = n;

	while (k > 0 && n - k < 3 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0 || ((unsigned char)out[k - 1] & 0xc0) != 0xc0)
		return n;
	if (n - (k - 1) < utf8_seq_len((unsigned char)out[k - 1]))
		return k - 1;
	return n;
}

/* Returns the length written: v with ",," made ',' into out, cut to outsz - 1 bytes. */
static size_t copy_unescaped(const struct vm_arg *v, char *out, size_t outsz)
{
	size_t i, n = 0;

	for (i = 0; i < v->len; i++) {
		if (n + 1 >= outsz) {
			n = utf8_trim(out, n);
			break;
		}
		out[n++] = v->p[i];
		/* Inside a value a ',' always comes doubled: keep one. */
		if (v->p[i] == ',')
			i++;
	}
	out[n] = '\0';
	return n;
}

int vmname_parse(const char *argv, size_t len, char *name, size_t namesz)
{
	struct vm_arg a, val, guest;
	size_t off = 0;
	int found = 0, empty = 0, ret;

	if (!name || !namesz)
		return -EINVAL;
	name[0] = '\0';
	ret = opt_last(argv, len, "name", &val);
	if (ret <= 0)
		goto out;

	/* Repeated -name options merge: walk them all so that the last guest value wins. */
	arg_next(argv, len, &off, &a);
	while (arg_next(argv, len, &off, &a)) {
		if (!arg_is(&a, "name") || !arg_next(argv, len, &off, &val))
			continue;
		if (!val.len)
			empty = 1;
		if (guest_in(&val, &guest))
			found = 1;
	}
	ret = -EINVAL;
	if (!found) {
		if (!empty)
			ret = 0;
		goto out;
	}
	if (!guest.len)
		goto out;
	copy_unescaped(&guest, name, namesz);
	ret = 1;
out:
	return ret;
}

/* Returns 1 when u is a canonical 36-character UUID (8-4-4-4-12 hex digits), else 0. */
static int uuid_valid(const struct vm_arg *u)
{
	size_t i;

	if (u->len != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		char c = u->p[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

int vmname_uuid(const char *argv, size_t len, char *uuid, size_t uuidsz)
{
	struct vm_arg val;
	size_t n;
	int ret;

	if (!uuid || !uuidsz)
		return -EINVAL;
	uuid[0] = '\0';
	ret = opt_last(argv, len, "uuid", &val);
	if (ret <= 0)
		goto out;
	ret = -EINVAL;
	if (!uuid_valid(&val))
		goto out;
	n = val.len < uuidsz - 1 ? val.len : uuidsz - 1;
	memcpy(uuid, val.p, n);
	uuid[n] = '\0';
	ret = 1;
out:
	return ret;
}

int vmname_id(const char *argv, size_t len, char *id, size_t idsz)
{
	struct vm_arg val;
	size_t n;
	int ret;

	if (!id || !idsz)
		return -EINVAL;
	id[0] = '\0';
	ret = opt_last(argv, len, "id", &val);
	if (ret <= 0)
		return ret;
	if (!val.len)
		return 0;
	/* Cut like a name: a cut UTF-8 sequence is dropped whole. */
	n = val.len < idsz - 1 ? val.len : idsz - 1;
	memcpy(id, val.p, n);
	n = n < val.len ? utf8_trim(id, n) : n;
	id[n] = '\0';
	return 1;
}

/* Returns whether the base name of the program path p (n bytes) is one of a VMM. */
static bool vmm_program(const char *p, size_t n)
{
	static const char *const exact[] = {
		"kvm",
		"lkvm",
		"kvmtool",
		"crosvm",
		"firecracker",
		"cloud-hypervisor",
		"kvmscope-storm",
	};
	const char *slash;
	size_t i;

	while ((slash = memchr(p, '/', n))) {
		n -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	/* qemu-system-x86_64, qemu-kvm, and the comm cut to 15 bytes: qemu-system-x86. */
	if (n >= 4 && !memcmp(p, "qemu", 4))
		return true;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (n == strlen(exact[i]) && !memcmp(p, exact[i], n))
			return true;
	return false;
}

/* Returns whether a holds "accel=kvm" as one of its comma-separated options. */
static bool accel_kvm_in(const struct vm_arg *a)
{
	static const char key[] = "accel=kvm";
	size_t i, k = sizeof(key) - 1;

	for (i = 0; i + k <= a->len; i++)
		if ((i == 0 || a->p[i - 1] == ',' || a->p[i - 1] == '-') &&
		    !memcmp(a->p + i, key, k) &&
		    (i + k == a->len || a->p[i + k] == ',' || a->p[i + k] == ':'))
			return true;
	return false;
}

bool vmname_vmm_like(const char *argv, size_t len, const char *exe, const char *comm)
{
	struct vm_arg a, prev = { NULL, 0 };
	size_t off = 0;

	if (exe && *exe && vmm_program(exe, strlen(exe)))
		return true;
	if (comm && *comm && vmm_program(comm, strnlen(comm, 16)))
		return true;
	if (!arg_next(argv, len, &off, &a))
		return false;
	if (vmm_program(a.p, a.len))
		return true;
	for (; arg_next(argv, len, &off, &a); prev = a) {
		if (arg_is(&a, "enable-kvm") || accel_kvm_in(&a))
			return true;
		/* -accel kvm[,opts], as QEMU spells the accelerator on its own. */
		if (prev.p && arg_is(&prev, "accel") && a.len >= 3 && !memcmp(a.p, "kvm", 3) &&
		    (a.len == 3 || a.p[3] == ','))
			return true;
	}
	return false;
}
