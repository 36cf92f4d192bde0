// SPDX-License-Identifier: GPL-2.0
/*
 * Names from the management layer's files: libvirt's live domain XML and Proxmox VE's guest
 * configs. Everything here is read as root from files that others write (a tenant chooses
 * a nova instance name; whoever starts a QEMU chooses its -name), so:
 *  - a path is built only from a -name without '/' (as libvirt's domain names are) or an
 *    all-digit -id, and a symbolic link, a FIFO or a device is not read (O_NOFOLLOW,
 *    O_NONBLOCK, fstat);
 *  - a file is read through a 1 MiB cap, and only when the VM is new or the file changed;
 *  - XML goes through expat, forced to UTF-8, with no DTD at all: a <!DOCTYPE> or an entity
 *    declaration stops the parse (so no billion laughs, no external entity, no network),
 *    and elements nested deeper than VMMETA_DEPTH_MAX stop it too;
 *  - a file that fails leaves the VM's names empty and says why (meta.unavailable), rather
 *    than half a document.
 * Names are copied raw: escaping them for a terminal is each output's job.
 */
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vmmeta.h"

/* nova's namespace, any version: .../nova/1.0, 1.1 ... */
#define NOVA_NS "http://openstack.org/xmlns/libvirt/nova/"
/* Between a namespace and a local name in what expat hands over: no URI holds a space. */
#define NS_SEP ' '
/* Text kept of one element before it is cut to its field. */
#define TEXT_MAX (4 * PROC_NAME_MAX)

/* ---- a file, read once per change ---- */

/* What tells one version of a file (or directory) from the next. */
struct file_key {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* Returns whether two keys are of the same version of a file. */
static bool key_same(const struct file_key *a, const struct file_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void key_of(const struct stat *st, struct file_key *k)
{
	memset(k, 0, sizeof(*k));
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = st->st_size;
	k->mtime = st->st_mtim;
	k->ctime = st->st_ctim;
}

/* Returns 0 with the key of path (a link itself, not what it points to), or -errno. */
static int key_stat(const char *path, struct file_key *k)
{
	struct stat st;

	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	key_of(&st, k);
	return 0;
}

/* Sets meta unavailable, why from a printf format; returns nothing. */
static void __attribute__((format(printf, 2, 3)))
meta_fail(struct proc_meta *meta, const char *fmt, ...)
{
	uint8_t mgmt = meta->mgmt;
	va_list ap;

	memset(meta, 0, sizeof(*meta));
	meta->mgmt = mgmt;
	meta->unavailable = true;
	va_start(ap, fmt);
	vsnprintf(meta->why, sizeof(meta->why), fmt, ap);
	va_end(ap);
}

/*
 * Returns the bytes of path read into buf (cap + 1 bytes, NUL-terminated), or -errno with
 * why in meta: a file that is not regular, is a link or is over cap is not read at all.
 */
static ssize_t read_capped(const char *path, const char *base, char *buf, size_t cap,
			   struct proc_meta *meta)
{
	struct stat st;
	ssize_t n = 0, r;
	int fd, err;

	/* O_NONBLOCK: a FIFO put there must not block the loop; it is refused below. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			meta_fail(meta, "%s: a symbolic link, not followed", base);
		else
			meta_fail(meta, "%s: %s", base, strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		meta_fail(meta, "%s: %s", base, strerror(-err));
		goto out;
	}
	err = -EINVAL;
	if (!S_ISREG(st.st_mode)) {
		meta_fail(meta, "%s: not a regular file", base);
		goto out;
	}
	err = -EFBIG;
	if ((uint64_t)st.st_size > cap) {
		meta_fail(meta, "%s: %lld bytes, over the %zu KiB cap", base, (long long)st.st_size,
			  cap >> 10);
		goto out;
	}
	/* It may grow while read: one byte past the cap tells. */
	while ((size_t)n <= cap) {
		r = read(fd, buf + n, cap + 1 - (size_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			meta_fail(meta, "%s: %s", base, strerror(-err));
			goto out;
		}
		if (!r)
			break;
		n += r;
	}
	if ((size_t)n > cap) {
		meta_fail(meta, "%s: over the %zu KiB cap", base, cap >> 10);
		goto out;
	}
	buf[n] = '\0';
	err = 0;
out:
	close(fd);
	return err ? err : n;
}

/* ---- text into fields ---- */

/* Returns the bytes kept of s[0..n) so that no UTF-8 sequence is cut in two. */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t k = n, need;
	unsigned char c;

	while (k > 0 && n - k < 4 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0)
		return n;
	c = (unsigned char)s[k - 1];
	if (c < 0xc0)
		return n;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return n - (k - 1) < need ? k - 1 : n;
}

/* Copies s[0..n) to out (outsz bytes) without surrounding blanks, cut whole; returns nothing. */
static void field_set(char *out, size_t outsz, const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	/* A NUL (from a config file's junk) ends the text, as it would end the C string. */
	n = strnlen(s, n);
	if (n >= outsz)
		n = utf8_cut(s, outsz - 1);
	memcpy(out, s, n);
	out[n] = '\0';
}

/* ---- libvirt's domain XML ---- */

/* The element whose text is being collected. */
enum xml_field {
	XF_NONE = 0,
	XF_NAME,
	XF_TITLE,
	XF_UUID,
	XF_NOVA_NAME,
	XF_NOVA_USER,
	XF_NOVA_PROJECT
};

/* One parse's state; allocated by the parse and freed at its end. */
struct xml_state {
	XML_Parser p;
	struct proc_meta *meta;
	int depth;
	int domain;   /* depth of <domain>; 0 outside it */
	int metadata; /* depth of the domain's <metadata>; 0 outside */
	int nova;     /* depth of its nova:instance; 0 outside */
	int owner;    /* depth of nova:owner; 0 outside */
	bool seen_domain;
	int pid; /* <domstatus pid=...>, 0 when none */
	enum xml_field field;
	int field_depth;
	char text[TEXT_MAX];
	size_t text_len;
	char stop[96]; /* why a handler stopped the parse; "" when none did */
};

static void __attribute__((format(printf, 2, 3))) halt(struct xml_state *x, const char *fmt, ...)
{
	va_list ap;

	if (x->stop[0])
		return;
	va_start(ap, fmt);
	vsnprintf(x->stop, sizeof(x->stop), fmt, ap);
	va_end(ap);
	XML_StopParser(x->p, XML_FALSE);
}

/* Returns the local name of an element of nova's namespace ("name"), or NULL for another. */
static const char *nova_local(const XML_Char *el)
{
	const char *sep;

	if (strncmp(el, NOVA_NS, sizeof(NOVA_NS) - 1))
		return NULL;
	sep = strchr(el, NS_SEP);
	return sep ? sep + 1 : NULL;
}

/* Returns the value of attribute name in attr (expat's name, value pairs), or NULL. */
static const char *attr_get(const XML_Char **attr, const char *name)
{
	int i;

	for (i = 0; attr[i] && attr[i + 1]; i += 2)
		if (!strcmp(attr[i], name))
			return attr[i + 1];
	return NULL;
}

/* Returns the pid an attribute value holds, 0 when it holds none. */
static int pid_of(const char *v)
{
	long long n = 0;

	if (!v || !*v)
		return 0;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return 0;
		n = n * 10 + (*v - '0');
		if (n > INT_MAX)
			return 0;
	}
	return (int)n;
}

static void collect(struct xml_state *x, enum xml_field f)
{
	x->field = f;
	x->field_depth = x->depth;
	x->text_len = 0;
}

/* Returns the field of meta that f fills, and its size in *n. */
static char *field_of(struct proc_meta *meta, enum xml_field f, size_t *n)
{
	switch (f) {
	case XF_NAME:
		*n = sizeof(meta->name);
		return meta->name;
	case XF_TITLE:
		*n = sizeof(meta->title);
		return meta->title;
	case XF_UUID:
		*n = sizeof(meta->uuid);
		return meta->uuid;
	case XF_NOVA_NAME:
		*n = sizeof(meta->nova_name);
		return meta->nova_name;
	case XF_NOVA_USER:
		*n = sizeof(meta->nova_user);
		return meta->nova_user;
	case XF_NOVA_PROJECT:
		*n = sizeof(meta->nova_project);
		return meta->nova_project;
	default:
		*n = 0;
		return NULL;
	}
}

static void on_start(void *arg, const XML_Char *el, const XML_Char **attr)
{
	struct xml_state *x = arg;
	const char *nova, *v;
	int d;

	if (x->stop[0])
		return;
	d = ++x->depth;
	if (d > VMMETA_DEPTH_MAX) {
		halt(x, "elements nested deeper than %d", VMMETA_DEPTH_MAX);
		return;
	}
	if (d == 1) {
		/* The live XML wraps the domain in libvirt's status; a config is the domain. */
		if (!strcmp(el, "domstatus")) {
			x->pid = pid_of(attr_get(attr, "pid"));
		} else if (!strcmp(el, "domain")) {
			x->domain = 1;
			x->seen_domain = true;
		} else {
			halt(x, "not a libvirt domain: the root element is not <domain>");
		}
		return;
	}
	if (d == 2 && !x->seen_domain && !strcmp(el, "domain")) {
		x->domain = 2;
		x->seen_domain = true;
		return;
	}
	if (!x->domain)
		return;
	if (d == x->domain + 1) {
		if (!strcmp(el, "name"))
			collect(x, XF_NAME);
		else if (!strcmp(el, "title"))
			collect(x, XF_TITLE);
		else if (!strcmp(el, "uuid"))
			collect(x, XF_UUID);
		else if (!strcmp(el, "metadata"))
			x->metadata = d;
		return;
	}
	if (x->metadata && d == x->metadata + 1) {
		nova = nova_local(el);
		if (nova && !strcmp(nova, "instance"))
			x->nova = d;
		return;
	}
	if (x->nova && d == x->nova + 1) {
		nova = nova_local(el);
		if (!nova)
			return;
		if (!strcmp(nova, "name")) {
			collect(x, XF_NOVA_NAME);
		} else if (!strcmp(nova, "owner")) {
			x->owner = d;
		} else if (!strcmp(nova, "flavor")) {
			v = attr_get(attr, "name");
			if (v)
				field_set(x->meta->nova_flavor, sizeof(x->meta->nova_flavor), v,
					  strlen(v));
		}
		return;
	}
	if (x->owner && d == x->owner + 1) {
		nova = nova_local(el);
		if (nova && !strcmp(nova, "user"))
			collect(x, XF_NOVA_USER);
		else if (nova && !strcmp(nova, "project"))
			collect(x, XF_NOVA_PROJECT);
	}
}

static void on_end(void *arg, const XML_Char *el)
{
	struct xml_state *x = arg;
	char *out;
	size_t n;
	int d;

	(void)el;
	if (x->stop[0])
		return;
	d = x->depth--;
	if (x->field && d == x->field_depth) {
		out = field_of(x->meta, x->field, &n);
		field_set(out, n, x->text, x->text_len);
		x->field = XF_NONE;
	}
	if (d == x->owner)
		x->owner = 0;
	if (d == x->nova)
		x->nova = 0;
	if (d == x->metadata)
		x->metadata = 0;
	if (d == x->domain)
		x->domain = 0;
}

static void on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_state *x = arg;
	size_t n;

	/* Text of the element itself, not of elements inside it; the rest of a long one goes. */
	if (x->stop[0] || !x->field || x->depth != x->field_depth || len <= 0)
		return;
	n = MIN((size_t)len, sizeof(x->text) - x->text_len);
	memcpy(x->text + x->text_len, s, n);
	x->text_len += n;
}

/* A DTD is where entities live: libvirt never writes one, so none is taken. */
static void on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	halt(arg, "a DTD (<!DOCTYPE>) is not allowed");
}

static void on_entity(void *arg, const XML_Char *name, int param, const XML_Char *value,
		      int value_len, const XML_Char *base, const XML_Char *sysid,
		      const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	halt(arg, "an entity declaration is not allowed");
}

int vmmeta_parse_libvirt(const char *buf, size_t len, struct proc_meta *meta, int *pid)
{
	struct xml_state *x;
	enum XML_Status st;
	int ret = -EINVAL;

	memset(meta, 0, sizeof(*meta));
	meta->mgmt = PROC_MGMT_LIBVIRT;
	*pid = 0;
	if (len > VMMETA_FILE_MAX) {
		meta_fail(meta, "%zu bytes, over the %d KiB cap", len, VMMETA_FILE_MAX >> 10);
		return -EFBIG;
	}
	x = xcalloc(1, sizeof(*x));
	x->meta = meta;
	/* UTF-8 whatever the document declares: libvirt writes nothing else. */
	x->p = XML_ParserCreateNS("UTF-8", NS_SEP);
	if (!x->p) {
		free(x);
		meta_fail(meta, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetEntityDeclHandler(x->p, on_entity);
	/* No external entity handler: expat then never loads one. Nor parameter entities. */
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(x->p, buf, (int)len, XML_TRUE);
	if (st != XML_STATUS_OK) {
		if (x->stop[0])
			meta_fail(meta, "%s", x->stop);
		else
			meta_fail(meta, "not well-formed XML at line %lu: %s",
				  (unsigned long)XML_GetCurrentLineNumber(x->p),
				  XML_ErrorString(XML_GetErrorCode(x->p)));
		goto out;
	}
	if (!x->seen_domain) {
		meta_fail(meta, "no <domain> in it");
		goto out;
	}
	*pid = x->pid;
	ret = 0;
out:
	XML_ParserFree(x->p);
	free(x);
	return ret;
}

/* ---- Proxmox VE's guest config ---- */

/* Returns the length of the prefix of s (n bytes) made of bytes in set. */
static size_t strspn_n(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n && s[i] && strchr(set, s[i]); i++)
		;
	return i;
}

/* Copies the uuid= of a Proxmox smbios1 value (v, n bytes) to out when it is a UUID. */
static void pve_uuid(const char *v, size_t n, char *out, size_t outsz)
{
	const char *end = v + n, *p = v, *comma;
	size_t len;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		len = comma ? (size_t)(comma - p) : (size_t)(end - p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len == 5 + 36 && !memcmp(p, "uuid=", 5) &&
		    strspn_n(p + 5, len - 5, "0123456789abcdefABCDEF-") == 36)
			field_set(out, outsz, p + 5, 36);
		p = comma ? comma + 1 : end;
	}
}

int vmmeta_parse_pve(const char *buf, size_t len, struct proc_meta *meta)
{
	const char *p = buf, *end = buf + len, *nl, *colon;
	size_t n, k;

	memset(meta, 0, sizeof(*meta));
	meta->mgmt = PROC_MGMT_PROXMOX;
	if (len > VMMETA_FILE_MAX) {
		meta_fail(meta, "%zu bytes, over the %d KiB cap", len, VMMETA_FILE_MAX >> 10);
		return -EFBIG;
	}
	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* "[snapshot]" starts the first snapshot's config: the current one is above. */
		if (n && p[0] == '[')
			break;
		/* '#' lines are the description. */
		if (!n || p[0] == '#')
			continue;
		colon = memchr(p, ':', n);
		if (!colon)
			continue;
		k = (size_t)(colon - p);
		if (k == 4 && !memcmp(p, "name", 4))
			field_set(meta->name, sizeof(meta->name), colon + 1, n - k - 1);
		else if (k == 7 && !memcmp(p, "smbios1", 7))
			pve_uuid(colon + 1, n - k - 1, meta->uuid, sizeof(meta->uuid));
	}
	return 0;
}

/* ---- the probe ---- */

enum { DIR_LIBVIRT = 0, DIR_PVE, DIR__N };

/* A directory of files: looked at once per sample, its key telling when it changed. */
struct meta_dir {
	char *path;
	struct file_key key; /* at the last look; ino 0 while it is missing */
	unsigned int gen;    /* bumped whenever the key changed */
};

/* What the probe knows of one VM; owned by the probe's entries array. */
struct meta_entry {
	int pid;
	uint64_t starttime;
	uint64_t seen;		      /* the sample that last found it */
	unsigned int gen[DIR__N];     /* the directories' gens when it was last resolved */
	int dir;		      /* whose file it has: DIR_*, -1 none */
	char base[PROC_NAME_MAX + 8]; /* that file's name in it */
	struct file_key key;	      /* of that file, as read */
	struct proc_meta meta;
};

/* The probe; owned by whoever called vmmeta_open(), freed by vmmeta_close(). */
struct vmmeta {
	struct meta_dir dirs[DIR__N];
	struct meta_entry *entries; /* sorted by pid, starttime up to nsorted; new ones after */
	int n, nsorted, cap;
	uint64_t seq;
	unsigned long reads;
	char *buf; /* VMMETA_FILE_MAX + 1 bytes, allocated on the first read */
};

struct vmmeta *vmmeta_open(const char *libvirt_dir, const char *pve_dir)
{
	struct vmmeta *m = xcalloc(1, sizeof(*m));

	m->dirs[DIR_LIBVIRT].path = xstrdup(libvirt_dir ? libvirt_dir : VMMETA_LIBVIRT_DIR);
	m->dirs[DIR_PVE].path = xstrdup(pve_dir ? pve_dir : VMMETA_PVE_DIR);
	return m;
}

void vmmeta_close(struct vmmeta *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < DIR__N; i++)
		free(m->dirs[i].path);
	free(m->entries);
	free(m->buf);
	free(m);
}

/* Returns the order of two entries: by pid, then start time. */
static int entry_cmp(const void *a, const void *b)
{
	const struct meta_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->starttime > y->starttime) - (x->starttime < y->starttime);
}

/* Returns the entry of vm, added (dir -1, seen 0: to be resolved) when it is new. */
static struct meta_entry *entry_get(struct vmmeta *m, const struct proc_vm *vm)
{
	struct meta_entry key = { .pid = vm->pid, .starttime = vm->starttime }, *e;

	e = m->nsorted ? bsearch(&key, m->entries, (size_t)m->nsorted, sizeof(*e), entry_cmp)
		       : NULL;
	if (e)
		return e;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->entries = xrealloc(m->entries, (size_t)m->cap * sizeof(*m->entries));
	}
	e = &m->entries[m->n++];
	memset(e, 0, sizeof(*e));
	e->pid = vm->pid;
	e->starttime = vm->starttime;
	e->dir = -1;
	return e;
}

/* Returns whether a -name can name a file in libvirt's directory (libvirt's names can). */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n + 4 < NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* Returns whether an -id is a Proxmox VE vmid: digits only (100 to 999999999). */
static bool vmid_ok(const char *id)
{
	size_t n = strspn(id, "0123456789");

	return n && n <= 9 && !id[n];
}

/*
 * Returns true when the file base in directory dir is vm's (e->meta filled, or unavailable
 * with why), false when it is absent or another VM's.
 */
static bool try_file(struct vmmeta *m, struct meta_entry *e, const struct proc_vm *vm, int dir,
		     const char *base)
{
	char path[PATH_MAX];
	struct proc_meta meta = { .mgmt = dir == DIR_LIBVIRT ? PROC_MGMT_LIBVIRT
							     : PROC_MGMT_PROXMOX };
	struct file_key key;
	ssize_t n;
	int pid = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->dirs[dir].path, base) >= sizeof(path))
		return false;
	if (key_stat(path, &key))
		return false;
	if (!m->buf)
		m->buf = xmalloc(VMMETA_FILE_MAX + 1);
	m->reads++;
	n = read_capped(path, base, m->buf, VMMETA_FILE_MAX, &meta);
	if (n >= 0 && dir == DIR_LIBVIRT) {
		if (!vmmeta_parse_libvirt(m->buf, (size_t)n, &meta, &pid)) {
			/*
			 * A file of this name is this VM's only if its pid (the live XML's) or its
			 * uuid agree: anyone may start a QEMU named like a libvirt domain.
			 */
			if (pid && pid != vm->pid)
				return false;
			if (!pid && meta.uuid[0] && vm->uuid[0] && strcasecmp(meta.uuid, vm->uuid))
				return false;
		} else {
			/* Say which file: the why is about its bytes. */
			char why[sizeof(meta.why)];

			memcpy(why, meta.why, sizeof(why));
			/* A name too long for both leaves the why: it matters more. */
			if (snprintf(meta.why, sizeof(meta.why), "%s: %s", base, why) >=
			    (int)sizeof(meta.why))
				memcpy(meta.why, why, sizeof(why));
		}
	} else if (n >= 0) {
		vmmeta_parse_pve(m->buf, (size_t)n, &meta);
	}
	e->meta = meta;
	e->dir = dir;
	e->key = key;
	strlcpy0(e->base, base, sizeof(e->base));
	return true;
}

/* Finds vm's file afresh: libvirt's by its -name, else Proxmox's by its -id. */
static void resolve(struct vmmeta *m, struct meta_entry *e, const struct proc_vm *vm)
{
	char base[PROC_NAME_MAX + 8];
	int i;

	memset(&e->meta, 0, sizeof(e->meta));
	e->dir = -1;
	for (i = 0; i < DIR__N; i++)
		e->gen[i] = m->dirs[i].gen;
	/* libvirt names the file after the domain, and passes the domain's name as -name. */
	if (name_ok(vm->name)) {
		snprintf(base, sizeof(base), "%s.xml", vm->name);
		if (try_file(m, e, vm, DIR_LIBVIRT, base))
			return;
	}
	if (vmid_ok(vm->id)) {
		snprintf(base, sizeof(base), "%s.conf", vm->id);
		try_file(m, e, vm, DIR_PVE, base);
	}
}

/* Returns whether e must be resolved again: its file changed, or a directory did. */
static bool stale(const struct vmmeta *m, const struct meta_entry *e)
{
	char path[PATH_MAX];
	struct file_key key;
	int i;

	if (!e->seen)
		return true;
	if (e->dir >= 0) {
		snprintf(path, sizeof(path), "%s/%s", m->dirs[e->dir].path, e->base);
		return key_stat(path, &key) || !key_same(&key, &e->key);
	}
	for (i = 0; i < DIR__N; i++)
		if (e->gen[i] != m->dirs[i].gen)
			return true;
	return false;
}

/* Bumps the gen of each directory that changed since the last look (or came or went). */
static void dirs_look(struct vmmeta *m)
{
	struct file_key key;
	int i;

	for (i = 0; i < DIR__N; i++) {
		struct meta_dir *d = &m->dirs[i];

		if (key_stat(d->path, &key))
			memset(&key, 0, sizeof(key));
		if (!key_same(&key, &d->key)) {
			d->key = key;
			d->gen++;
		}
	}
}

int vmmeta_sample(struct vmmeta *m, struct procfs_sample *s)
{
	int i, k;

	m->seq++;
	dirs_look(m);
	for (i = 0; i < s->nvms; i++) {
		struct proc_vm *vm = &s->vms[i];
		struct meta_entry *e = entry_get(m, vm);

		if (stale(m, e))
			resolve(m, e, vm);
		e->seen = m->seq;
		vm->meta = e->meta;
	}
	/* VMs gone are forgotten; the new ones take their place in the order. */
	for (i = k = 0; i < m->n; i++)
		if (m->entries[i].seen == m->seq)
			m->entries[k++] = m->entries[i];
	m->n = m->nsorted = k;
	if (k > 1)
		qsort(m->entries, (size_t)k, sizeof(*m->entries), entry_cmp);
	return 0;
}

unsigned long vmmeta_reads(const struct vmmeta *m)
{
	return m->reads;
}
