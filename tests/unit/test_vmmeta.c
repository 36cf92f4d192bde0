// SPDX-License-Identifier: GPL-2.0
/*
 * vmmeta: the names of a VM's management layer from libvirt's live XML (tests/fixtures/
 * libvirt, written by libvirt 9.0) and Proxmox VE's configs (tests/fixtures/pve), matched to
 * VMs by -name, pid, uuid and -id; each file read once per change; and hostile files (a
 * billion laughs, external entities, 50 000 levels of nesting, 100 MB, truncated, binary
 * junk, a FIFO, a link) that each cost a line saying why and never a hang: Check's
 * timeout (4 s a case) would fail a case that hung, and the worst are timed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"
#include "vmmeta.h"

#define LIBVIRT_FIXTURE FIXTURES "/libvirt/qemu"
#define PVE_FIXTURE	FIXTURES "/pve/qemu-server"
#define FIXTURE_PID	26642 /* <domstatus pid=...> of the live XML in LIBVIRT_FIXTURE */

/* The scratch directories of a case: made by mkdir_tmp(), removed by rm_tmp(). */
static char tmp_dir[64];

static const char *mkdir_tmp(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/kvmscope-vmmeta.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
	return tmp_dir;
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes len bytes of data to dir/name. */
static void put(const char *dir, const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void put_str(const char *dir, const char *name, const char *data)
{
	put(dir, name, data, strlen(data));
}

/* Returns the bytes of a file, NUL-terminated, its length in *len. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = xmalloc(VMMETA_FILE_MAX + 1);
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	*len = fread(buf, 1, VMMETA_FILE_MAX, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A sample of one VM, as procfs would leave it. */
static void one_vm(struct procfs_sample *s, int pid, const char *name, const char *uuid,
		   const char *id)
{
	struct proc_vm *vm;

	s->vms = xrealloc(s->vms, (size_t)(s->nvms + 1) * sizeof(*s->vms));
	vm = &s->vms[s->nvms++];
	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	vm->starttime = 1000 + (uint64_t)pid;
	strlcpy0(vm->comm, "qemu-system-x86", sizeof(vm->comm));
	strlcpy0(vm->name, name, sizeof(vm->name));
	strlcpy0(vm->uuid, uuid, sizeof(vm->uuid));
	strlcpy0(vm->id, id, sizeof(vm->id));
}

/* Returns what parsing text as libvirt XML returns; the names in *meta. */
static int parse_xml(const char *text, struct proc_meta *meta, int *pid)
{
	return vmmeta_parse_libvirt(text, strlen(text), meta, pid);
}

/* ---- libvirt's XML ---- */

/* The live XML libvirt wrote: the domain's names, nova's, and the pid of its status. */
START_TEST(test_live_fixture)
{
	struct proc_meta meta;
	size_t len;
	char *buf = slurp(LIBVIRT_FIXTURE "/instance-0000a3f1.xml", &len);
	int pid;

	ck_assert_int_eq(vmmeta_parse_libvirt(buf, len, &meta, &pid), 0);
	ck_assert_int_eq(pid, FIXTURE_PID);
	ck_assert_int_eq(meta.mgmt, PROC_MGMT_LIBVIRT);
	ck_assert(!meta.unavailable);
	ck_assert_str_eq(meta.why, "");
	ck_assert_str_eq(meta.name, "instance-0000a3f1");
	ck_assert_str_eq(meta.title, "Customer web-3");
	ck_assert_str_eq(meta.uuid, "6f1e3c2a-9b7d-4e5f-8a1b-2c3d4e5f6a7b");
	ck_assert_str_eq(meta.nova_name, "web-3");
	ck_assert_str_eq(meta.nova_flavor, "m1.small");
	ck_assert_str_eq(meta.nova_user, "alice");
	ck_assert_str_eq(meta.nova_project, "acme");
	free(buf);
}
END_TEST

/* Only the domain's own elements count, and only nova's namespace under <metadata>. */
START_TEST(test_xml_structure)
{
	struct proc_meta meta;
	int pid;

	/* A config (no status around it): no pid; names deeper down are not the domain's. */
	ck_assert_int_eq(parse_xml("<domain type='kvm'><name>db</name>"
				   "<devices><disk><name>not-this</name></disk></devices>"
				   "<title>\n  Database  \n</title></domain>",
				   &meta, &pid),
			 0);
	ck_assert_int_eq(pid, 0);
	ck_assert_str_eq(meta.name, "db");
	ck_assert_str_eq(meta.title, "Database");
	/* Another application's metadata, and nova elements out of place, are not nova's. */
	ck_assert_int_eq(
		parse_xml(
			"<domain><metadata>"
			"<app:x xmlns:app='http://example.com/app'><app:name>no</app:name></app:x>"
			"<nova:name xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
			"no</nova:name>"
			"<i:instance xmlns:i='http://openstack.org/xmlns/libvirt/nova/1.0'>"
			"<i:name>old-nova</i:name><i:owner><i:project>p</i:project></i:owner>"
			"<i:x><i:name>no</i:name></i:x></i:instance>"
			"</metadata></domain>",
			&meta, &pid),
		0);
	ck_assert_str_eq(meta.nova_name, "old-nova");
	ck_assert_str_eq(meta.nova_project, "p");
	ck_assert_str_eq(meta.name, "");
	/* A pid that is not a number is none. */
	ck_assert_int_eq(parse_xml("<domstatus pid='12x'><domain><name>a</name></domain>"
				   "</domstatus>",
				   &meta, &pid),
			 0);
	ck_assert_int_eq(pid, 0);
	ck_assert_str_eq(meta.name, "a");
	/* Another root, or a status without a domain: not libvirt's. */
	ck_assert_int_eq(parse_xml("<html><name>x</name></html>", &meta, &pid), -EINVAL);
	ck_assert(meta.unavailable);
	ck_assert_str_eq(meta.name, "");
	ck_assert_msg(strstr(meta.why, "not a libvirt domain"), "%s", meta.why);
	ck_assert_int_eq(parse_xml("<domstatus pid='1'/>", &meta, &pid), -EINVAL);
	ck_assert_str_eq(meta.why, "no <domain> in it");
	ck_assert_int_eq(pid, 0);
}
END_TEST

/* Names are raw bytes, cut to their field on a character's edge. */
START_TEST(test_xml_text)
{
	char long_title[1024] = "<domain><title>", *p;
	struct proc_meta meta;
	int pid, i;

	/* Predefined entities and character references are text, not markup. */
	ck_assert_int_eq(parse_xml("<domain><title>a &lt;b&gt; &amp; &#xe9; &#x9b;[2J</title>"
				   "</domain>",
				   &meta, &pid),
			 0);
	ck_assert_str_eq(meta.title, "a <b> & \xc3\xa9 \xc2\x9b[2J");
	/* A character XML does not allow (ESC) is not well-formed, raw or referenced. */
	ck_assert_int_eq(parse_xml("<domain><title>\x1b[2J</title></domain>", &meta, &pid),
			 -EINVAL);
	ck_assert_int_eq(parse_xml("<domain><title>&#27;</title></domain>", &meta, &pid), -EINVAL);
	ck_assert_msg(strstr(meta.why, "not well-formed XML at line 1"), "%s", meta.why);
	/* 126 ASCII bytes and an 'é' do not fit 127: the 'é' goes whole. */
	p = long_title + strlen(long_title);
	for (i = 0; i < 126; i++)
		*p++ = 'x';
	strcpy(p, "\xc3\xa9yyyy</title></domain>");
	ck_assert_int_eq(parse_xml(long_title, &meta, &pid), 0);
	ck_assert_uint_eq(strlen(meta.title), 126);
	/* Text far over any field: kept to the field, the rest dropped as it comes. */
	p = xmalloc(600000);
	strcpy(p, "<domain><name>");
	memset(p + 14, 'n', 500000);
	strcpy(p + 14 + 500000, "</name></domain>");
	ck_assert_int_eq(parse_xml(p, &meta, &pid), 0);
	ck_assert_uint_eq(strlen(meta.name), PROC_NAME_MAX - 1);
	free(p);
}
END_TEST

/* ---- hostile XML ---- */

/* The billion laughs: ten levels of ten entities, a GB if expanded. */
START_TEST(test_billion_laughs)
{
	static const char bomb[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE domain [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n"
		"<domain><name>lol</name><title>&lol9;</title></domain>\n";
	struct proc_meta meta;
	double t0 = now_s();
	int pid;

	ck_assert_int_eq(parse_xml(bomb, &meta, &pid), -EINVAL);
	ck_assert(meta.unavailable);
	ck_assert_str_eq(meta.why, "a DTD (<!DOCTYPE>) is not allowed");
	ck_assert_str_eq(meta.name, "");
	ck_assert_str_eq(meta.title, "");
	ck_assert_msg(now_s() - t0 < 0.5, "took %.3f s", now_s() - t0);
}
END_TEST

/* External entities (a file, the network) and parameter entities: never fetched. */
START_TEST(test_external_entities)
{
	static const char *const docs[] = {
		"<!DOCTYPE domain [<!ENTITY xxe SYSTEM \"file:///etc/shadow\">]>"
		"<domain><title>&xxe;</title></domain>",
		"<!DOCTYPE domain SYSTEM \"http://203.0.113.1/evil.dtd\"><domain/>",
		"<!DOCTYPE domain [<!ENTITY % p SYSTEM \"http://203.0.113.1/p\"> %p;]><domain/>",
		"<!DOCTYPE domain PUBLIC \"-//x//y\" \"/dev/zero\"><domain><name>z</name></domain>",
	};
	struct proc_meta meta;
	size_t i;
	int pid;

	for (i = 0; i < ARRAY_SIZE(docs); i++) {
		ck_assert_int_eq(parse_xml(docs[i], &meta, &pid), -EINVAL);
		ck_assert_msg(meta.unavailable &&
				      !strcmp(meta.why, "a DTD (<!DOCTYPE>) is not allowed"),
			      "doc %zu: %s", i, meta.why);
		ck_assert_str_eq(meta.title, "");
	}
	/* Without a DTD an entity is undefined: not well-formed, nothing looked up. */
	ck_assert_int_eq(parse_xml("<domain><title>&xxe;</title></domain>", &meta, &pid), -EINVAL);
	ck_assert_msg(strstr(meta.why, "undefined entity"), "%s", meta.why);
}
END_TEST

/* 50 000 levels of nesting: stopped at the cap, fast. */
START_TEST(test_deep_nesting)
{
	size_t n = 50000, i, len = 0;
	char *doc = xmalloc(n * 7 + 64);
	struct proc_meta meta;
	double t0;
	int pid;

	len += (size_t)sprintf(doc, "<domain>");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(doc + len, "<a>");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(doc + len, "</a>");
	len += (size_t)sprintf(doc + len, "</domain>");
	t0 = now_s();
	ck_assert_int_eq(vmmeta_parse_libvirt(doc, len, &meta, &pid), -EINVAL);
	ck_assert_msg(now_s() - t0 < 0.5, "took %.3f s", now_s() - t0);
	ck_assert_str_eq(meta.why, "elements nested deeper than 64");
	/* The cap itself is fine: 64 levels, the domain's included. */
	len = (size_t)sprintf(doc, "<domain><name>d</name>");
	for (i = 0; i < VMMETA_DEPTH_MAX - 1; i++)
		len += (size_t)sprintf(doc + len, "<a>");
	for (i = 0; i < VMMETA_DEPTH_MAX - 1; i++)
		len += (size_t)sprintf(doc + len, "</a>");
	len += (size_t)sprintf(doc + len, "</domain>");
	ck_assert_int_eq(vmmeta_parse_libvirt(doc, len, &meta, &pid), 0);
	ck_assert_str_eq(meta.name, "d");
	free(doc);
}
END_TEST

/* Cut short anywhere, or junk: not well-formed, and no names half read. */
START_TEST(test_truncated_and_junk)
{
	struct proc_meta meta;
	size_t len, cut;
	char *buf = slurp(LIBVIRT_FIXTURE "/instance-0000a3f1.xml", &len);
	unsigned int seed = 1;
	char junk[4096];
	int pid;

	for (cut = 0; cut < len; cut += 97) {
		ck_assert_int_eq(vmmeta_parse_libvirt(buf, cut, &meta, &pid), -EINVAL);
		ck_assert(meta.unavailable);
		ck_assert_str_eq(meta.title, "");
		ck_assert_str_eq(meta.nova_name, "");
		ck_assert_int_eq(pid, 0);
	}
	ck_assert_int_eq(vmmeta_parse_libvirt(buf, len - 2, &meta, &pid), -EINVAL);
	ck_assert_msg(strstr(meta.why, "not well-formed XML"), "%s", meta.why);
	for (cut = 0; cut < sizeof(junk); cut++)
		junk[cut] = (char)(rand_r(&seed) & 0xff);
	ck_assert_int_eq(vmmeta_parse_libvirt(junk, sizeof(junk), &meta, &pid), -EINVAL);
	ck_assert_int_eq(vmmeta_parse_libvirt("", 0, &meta, &pid), -EINVAL);
	/* NUL bytes inside: not XML. */
	ck_assert_int_eq(vmmeta_parse_libvirt("<domain>\0</domain>", 18, &meta, &pid), -EINVAL);
	/* Over the cap, even before a byte is looked at. */
	ck_assert_int_eq(vmmeta_parse_libvirt(buf, VMMETA_FILE_MAX + 1, &meta, &pid), -EFBIG);
	free(buf);
}
END_TEST

/* ---- Proxmox VE's configs ---- */

START_TEST(test_pve_fixture)
{
	struct proc_meta meta;
	size_t len;
	char *buf = slurp(PVE_FIXTURE "/100.conf", &len);

	ck_assert_int_eq(vmmeta_parse_pve(buf, len, &meta), 0);
	ck_assert_int_eq(meta.mgmt, PROC_MGMT_PROXMOX);
	ck_assert_str_eq(meta.name, "web-3"); /* not the snapshot's web-3-old */
	ck_assert_str_eq(meta.uuid, "4b1f5c3e-2a9d-4e8f-b7c6-1d2e3f4a5b6c");
	ck_assert_str_eq(meta.title, "");
	free(buf);
	buf = slurp(PVE_FIXTURE "/101.conf", &len);
	ck_assert_int_eq(vmmeta_parse_pve(buf, len, &meta), 0);
	ck_assert_str_eq(meta.name, "db-1");
	ck_assert_str_eq(meta.uuid, "7c6d5e4f-3a2b-1c0d-9e8f-7a6b5c4d3e2f");
	free(buf);
	/* Junk and odd lines: nothing taken, nothing read past the end. */
	ck_assert_int_eq(vmmeta_parse_pve("name", 4, &meta), 0);
	ck_assert_str_eq(meta.name, "");
	ck_assert_int_eq(vmmeta_parse_pve("name:", 5, &meta), 0);
	ck_assert_str_eq(meta.name, "");
	ck_assert_int_eq(vmmeta_parse_pve("smbios1: uuid=1234\nname: a\x1b[2J\r\n", 31, &meta), 0);
	ck_assert_str_eq(meta.name, "a\x1b[2J");
	ck_assert_str_eq(meta.uuid, "");
	ck_assert_int_eq(vmmeta_parse_pve("name: a\0b\n", 10, &meta), 0);
	ck_assert_str_eq(meta.name, "a");
}
END_TEST

/* ---- the probe ---- */

/* A libvirt VM by -name and its pid; one of the same name but another pid is not it. */
START_TEST(test_sample_libvirt)
{
	struct procfs_sample s = { 0 };
	struct vmmeta *m = vmmeta_open(LIBVIRT_FIXTURE, PVE_FIXTURE);

	one_vm(&s, FIXTURE_PID, "instance-0000a3f1", "6f1e3c2a-9b7d-4e5f-8a1b-2c3d4e5f6a7b", "");
	one_vm(&s, FIXTURE_PID + 1, "instance-0000a3f1", "", "");
	one_vm(&s, FIXTURE_PID + 2, "web01", "", "");
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_int_eq(s.vms[0].meta.mgmt, PROC_MGMT_LIBVIRT);
	ck_assert_str_eq(s.vms[0].meta.title, "Customer web-3");
	ck_assert_str_eq(s.vms[0].meta.nova_name, "web-3");
	ck_assert_int_eq(s.vms[1].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_str_eq(s.vms[1].meta.title, "");
	ck_assert_int_eq(s.vms[2].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_uint_eq(vmmeta_reads(m), 2);
	/* Each file once: the next samples read nothing. */
	memset(&s.vms[0].meta, 0, sizeof(s.vms[0].meta));
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_uint_eq(vmmeta_reads(m), 2);
	ck_assert_str_eq(s.vms[0].meta.title, "Customer web-3");
	free(s.vms);
	vmmeta_close(m);
}
END_TEST

/* Proxmox by -id; a -name or -id that would leave the directory is never a path. */
START_TEST(test_sample_pve_and_paths)
{
	struct procfs_sample s = { 0 };
	struct vmmeta *m = vmmeta_open(LIBVIRT_FIXTURE, PVE_FIXTURE);

	one_vm(&s, 100, "web-3", "", "100");
	one_vm(&s, 101, "../pve/qemu-server/100.conf", "", "../101");
	one_vm(&s, 102, "..", "", "101 ");
	one_vm(&s, 103, "x", "", "00000000101");
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_int_eq(s.vms[0].meta.mgmt, PROC_MGMT_PROXMOX);
	ck_assert_str_eq(s.vms[0].meta.name, "web-3");
	ck_assert_str_eq(s.vms[0].meta.uuid, "4b1f5c3e-2a9d-4e8f-b7c6-1d2e3f4a5b6c");
	ck_assert_int_eq(s.vms[1].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_int_eq(s.vms[2].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_int_eq(s.vms[3].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_uint_eq(vmmeta_reads(m), 1);
	free(s.vms);
	vmmeta_close(m);
}
END_TEST

/* A file is read again when it changes, and a directory that appears is looked into. */
START_TEST(test_sample_changes)
{
	struct procfs_sample s = { 0 };
	char lv[128], pve[128], from[160], to[160];
	struct vmmeta *m;

	mkdir_tmp();
	snprintf(lv, sizeof(lv), "%s/libvirt", tmp_dir);
	snprintf(pve, sizeof(pve), "%s/pve", tmp_dir);
	m = vmmeta_open(lv, pve);
	one_vm(&s, 4242, "db", "", "");
	one_vm(&s, 4343, "mail", "", "");
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_int_eq(s.vms[0].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_int_eq(mkdir(lv, 0700), 0);
	put_str(lv, "db.xml",
		"<domstatus pid='4242'><domain><name>db</name>"
		"<title>one</title></domain></domstatus>");
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_str_eq(s.vms[0].meta.title, "one");
	ck_assert_int_eq(s.vms[1].meta.mgmt, PROC_MGMT_NONE);
	ck_assert_uint_eq(vmmeta_reads(m), 1);
	/* Rewritten as libvirt does (a new file renamed over the old): read again. */
	put_str(lv, "db.new",
		"<domstatus pid='4242'><domain><name>db</name>"
		"<title>two</title></domain></domstatus>");
	snprintf(from, sizeof(from), "%s/db.new", lv);
	snprintf(to, sizeof(to), "%s/db.xml", lv);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_str_eq(s.vms[0].meta.title, "two");
	ck_assert_uint_eq(vmmeta_reads(m), 2);
	/* Broken in place: unavailable, saying why. */
	put_str(lv, "db.xml", "<domstatus pid='4242'><domain><name>db</name>");
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert(s.vms[0].meta.unavailable);
	ck_assert_str_eq(s.vms[0].meta.title, "");
	ck_assert_msg(strstr(s.vms[0].meta.why, "db.xml: not well-formed XML"), "%s",
		      s.vms[0].meta.why);
	/* Gone: the VM has no names from it any more. */
	put_str(lv, "other.xml", "x");
	ck_assert_int_eq(unlink(to), 0);
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_int_eq(s.vms[0].meta.mgmt, PROC_MGMT_NONE);
	/* A config without a status: matched by uuid when both have one. */
	s.nvms = 0;
	one_vm(&s, 5000, "cfg", "11111111-2222-3333-4444-555555555555", "");
	one_vm(&s, 5001, "cfg2", "11111111-2222-3333-4444-555555555555", "");
	put_str(lv, "cfg.xml",
		"<domain><name>cfg</name><title>t</title>"
		"<uuid>11111111-2222-3333-4444-555555555555</uuid></domain>");
	put_str(lv, "cfg2.xml",
		"<domain><name>cfg2</name><title>t</title>"
		"<uuid>99999999-2222-3333-4444-555555555555</uuid></domain>");
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_str_eq(s.vms[0].meta.title, "t");
	ck_assert_int_eq(s.vms[1].meta.mgmt, PROC_MGMT_NONE);
	free(s.vms);
	vmmeta_close(m);
	rm_tmp();
}
END_TEST

/* Files that are no files to read: each says why, none blocks, none is read through. */
START_TEST(test_sample_hostile_files)
{
	struct procfs_sample s = { 0 };
	struct vmmeta *m;
	char path[256];
	double t0;
	int fd;

	mkdir_tmp();
	/* 100 MB (sparse): refused by its size, not read. */
	snprintf(path, sizeof(path), "%s/big.xml", tmp_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 100 << 20), 0);
	close(fd);
	/* A FIFO nobody writes: opening it for reading must not wait for a writer. */
	snprintf(path, sizeof(path), "%s/fifo.xml", tmp_dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	/* A link to a file elsewhere: not followed. */
	snprintf(path, sizeof(path), "%s/link.xml", tmp_dir);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/dir.xml", tmp_dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	put_str(tmp_dir, "laughs.xml", "<!DOCTYPE d [<!ENTITY a \"aa\">]><domain>&a;</domain>");
	m = vmmeta_open(tmp_dir, tmp_dir);
	one_vm(&s, 1, "big", "", "");
	one_vm(&s, 2, "fifo", "", "");
	one_vm(&s, 3, "link", "", "");
	one_vm(&s, 4, "dir", "", "");
	one_vm(&s, 5, "laughs", "", "");
	t0 = now_s();
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_msg(now_s() - t0 < 0.5, "took %.3f s", now_s() - t0);
	ck_assert_str_eq(s.vms[0].meta.why, "big.xml: 104857600 bytes, over the 1024 KiB cap");
	ck_assert_str_eq(s.vms[1].meta.why, "fifo.xml: not a regular file");
	ck_assert_str_eq(s.vms[2].meta.why, "link.xml: a symbolic link, not followed");
	ck_assert_str_eq(s.vms[3].meta.why, "dir.xml: not a regular file");
	ck_assert_str_eq(s.vms[4].meta.why, "laughs.xml: a DTD (<!DOCTYPE>) is not allowed");
	for (fd = 0; fd < 5; fd++) {
		ck_assert(s.vms[fd].meta.unavailable);
		ck_assert_int_eq(s.vms[fd].meta.mgmt, PROC_MGMT_LIBVIRT);
	}
	/* Unavailable is remembered like a name: not tried again while nothing changes. */
	ck_assert_uint_eq(vmmeta_reads(m), 5);
	ck_assert_int_eq(vmmeta_sample(m, &s), 0);
	ck_assert_uint_eq(vmmeta_reads(m), 5);
	free(s.vms);
	vmmeta_close(m);
	rm_tmp();
}
END_TEST

static Suite *vmmeta_suite(void)
{
	Suite *s = suite_create("vmmeta");
	TCase *tc = tcase_create("libvirt");

	tcase_add_test(tc, test_live_fixture);
	tcase_add_test(tc, test_xml_structure);
	tcase_add_test(tc, test_xml_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_test(tc, test_billion_laughs);
	tcase_add_test(tc, test_external_entities);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_truncated_and_junk);
	suite_add_tcase(s, tc);
	tc = tcase_create("pve");
	tcase_add_test(tc, test_pve_fixture);
	suite_add_tcase(s, tc);
	tc = tcase_create("probe");
	tcase_add_test(tc, test_sample_libvirt);
	tcase_add_test(tc, test_sample_pve_and_paths);
	tcase_add_test(tc, test_sample_changes);
	tcase_add_test(tc, test_sample_hostile_files);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vmmeta_suite)
