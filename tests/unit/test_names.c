// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's names in the outputs: the best-name rule (snap_vm_label), the list of all its names
 * (snap_vm_names), -f and g matching any of them, the VM list's ALSO KNOWN AS column (only
 * when some VM has other names) and the Names pane of a VM with a management layer, in batch
 * text; names from files others write reach the text escaped.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "openmetrics.h"
#include "pane.h"
#include "snapshot.h"
#include "unit.h"
#include "util.h"

/* Three VMs: one under OpenStack, one under Proxmox, one with -name only; a fourth bare. */
static void make(struct snapshot *s, struct snap_vm *vms)
{
	memset(s, 0, sizeof(*s));
	memset(vms, 0, 4 * sizeof(*vms));
	s->seq = 1;
	s->interval_ns = s->window_ns = 1000000000ull;
	strcpy(s->host.hostname, "hv");
	s->sources[0] = (struct snap_source){ .name = "procfs", .state = SNAP_SRC_OK };
	s->nsources = 1;
	s->vms = vms;
	s->nvms = 4;
	for (int i = 0; i < 4; i++) {
		vms[i].pid = 100 + i;
		strcpy(vms[i].comm, "qemu-system-x86");
		vms[i].cpu = (struct cpu_split){ -1, -1, -1, -1, -1 };
	}
	strcpy(vms[0].name, "instance-0000a3f1");
	strcpy(vms[0].uuid, "6f1e3c2a-9b7d-4e5f-8a1b-2c3d4e5f6a7b");
	vms[0].mgmt = (struct snap_mgmt){ .source = SNAP_MGMT_LIBVIRT,
					  .state = SNAP_SRC_OK,
					  .name = "instance-0000a3f1",
					  .title = "Customer web-3",
					  .uuid = "6f1e3c2a-9b7d-4e5f-8a1b-2c3d4e5f6a7b",
					  .nova_name = "web-3",
					  .nova_project = "acme",
					  .nova_user = "alice",
					  .nova_flavor = "m1.small" };
	strcpy(vms[1].name, "vm100");
	strcpy(vms[1].id, "100");
	vms[1].mgmt = (struct snap_mgmt){ .source = SNAP_MGMT_PROXMOX,
					  .state = SNAP_SRC_OK,
					  .name = "db-1",
					  .uuid = "4b1f5c3e-2a9d-4e8f-b7c6-1d2e3f4a5b6c" };
	strcpy(vms[2].name, "plain");
	strcpy(vms[2].uuid, "00000000-0000-0000-0000-000000000001");
}

START_TEST(label_rule)
{
	struct snap_vm vm = { .pid = 7, .comm = "qemu" };
	char buf[SNAP_LABEL_MAX];

	ck_assert_str_eq(snap_vm_label(&vm, buf, sizeof(buf)), "qemu:7");
	strcpy(vm.name, "n");
	ck_assert_str_eq(snap_vm_label(&vm, buf, sizeof(buf)), "n");
	strcpy(vm.mgmt.name, "m");
	ck_assert_str_eq(snap_vm_label(&vm, buf, sizeof(buf)), "m");
	strcpy(vm.mgmt.nova_name, "nova");
	ck_assert_str_eq(snap_vm_label(&vm, buf, sizeof(buf)), "nova");
	strcpy(vm.mgmt.title, "title");
	ck_assert_str_eq(snap_vm_label(&vm, buf, sizeof(buf)), "title");
	/* A project, user or flavor never names a VM. */
	memset(&vm.mgmt, 0, sizeof(vm.mgmt));
	vm.name[0] = '\0';
	strcpy(vm.mgmt.nova_project, "acme");
	ck_assert_str_eq(snap_vm_label(&vm, buf, sizeof(buf)), "qemu:7");
}
END_TEST

START_TEST(names_listed_once)
{
	struct snap_vm vms[4], *v = &vms[0];
	struct snap_vm_name n[SNAP_VM_NAMES_MAX];
	struct snapshot s;
	int k;

	make(&s, vms);
	k = snap_vm_names(v, n, SNAP_VM_NAMES_MAX);
	/* -name is libvirt's name, -uuid libvirt's uuid: once each, under the first. */
	ck_assert_int_eq(k, 7);
	ck_assert_str_eq(n[0].what, "title");
	ck_assert_str_eq(n[1].what, "nova name");
	ck_assert_str_eq(n[2].what, "libvirt name");
	ck_assert_str_eq(n[2].value, "instance-0000a3f1");
	ck_assert_str_eq(n[3].what, "nova project");
	ck_assert_str_eq(n[6].what, "-uuid");
	k = snap_vm_names(&vms[1], n, SNAP_VM_NAMES_MAX);
	ck_assert_int_eq(k, 4);
	ck_assert_str_eq(n[0].what, "proxmox name");
	ck_assert_str_eq(n[1].what, "-name");
	ck_assert_str_eq(n[2].what, "proxmox uuid");
	ck_assert_str_eq(n[3].what, "-id (vmid)");
	ck_assert_int_eq(snap_vm_names(&vms[3], n, SNAP_VM_NAMES_MAX), 0);
	ck_assert_int_eq(snap_vm_names(v, n, 2), 2);
}
END_TEST

/* Returns whether -f re shows the VM. */
static bool shown(const struct snap_vm *v, const char *re)
{
	struct pane_opts o = { .utf8 = true };
	regex_t r;
	bool ok;

	ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB | REG_ICASE), 0);
	o.filter = &r;
	ok = pane_vm_visible(v, &o);
	regfree(&r);
	return ok;
}

START_TEST(filter_and_pick_any_name)
{
	struct snap_vm vms[4];
	struct snapshot s;

	make(&s, vms);
	ck_assert(shown(&vms[0], "^web-3$"));
	ck_assert(shown(&vms[0], "^customer web"));
	ck_assert(shown(&vms[0], "^instance-0000a3f1$"));
	ck_assert(shown(&vms[0], "^acme$"));
	ck_assert(shown(&vms[0], "^alice$"));
	ck_assert(shown(&vms[0], "^6f1e3c2a"));
	ck_assert(shown(&vms[0], "^100$")); /* its pid */
	ck_assert(!shown(&vms[0], "^web-3-x$"));
	ck_assert(shown(&vms[1], "^100$"));
	ck_assert(shown(&vms[1], "^db-1$"));
	ck_assert(shown(&vms[1], "^vm100$"));
	ck_assert(!shown(&vms[2], "acme"));
	ck_assert(shown(&vms[3], "^qemu-system-x86:103$"));
	/* Names as shown: an ESC is matched as the "\e" the screen shows. */
	strcpy(vms[2].mgmt.title, "x\x1b[2J");
	ck_assert(shown(&vms[2], "x\\\\e\\[2J"));
	ck_assert(!shown(&vms[2], "\x1b"));
	/* g: exact first (any case), or a part. */
	ck_assert(pane_vm_named(&vms[0], "WEB-3", false, true));
	ck_assert(!pane_vm_named(&vms[0], "web", false, true));
	ck_assert(pane_vm_named(&vms[0], "web", true, true));
	ck_assert(pane_vm_named(&vms[0], "instance-0000a3f1", false, true));
	ck_assert(pane_vm_named(&vms[3], "qemu-system-x86:103", false, true));
	ck_assert(!pane_vm_named(&vms[3], "103", false, true));
}
END_TEST

/* Returns the batch text of s (with -H), to free. */
static char *text_of(const struct snapshot *s, bool detail)
{
	struct batch_opts o = { .format = BATCH_TEXT, .detail = detail, .utf8 = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(batch_print(f, s, &o), 0);
	fclose(f);
	return buf;
}

START_TEST(vm_list_and_names_pane)
{
	struct snap_vm vms[4];
	struct snapshot s;
	char *t;

	make(&s, vms);
	t = text_of(&s, true);
	if (getenv("TEST_NAMES_SHOW"))
		fputs(t, stderr);
	ck_assert_msg(strstr(t, "STEAL% ALSO KNOWN AS\n"), "%s", t);
	ck_assert_msg(strstr(t, "\nCustomer web-3 "), "%s", t);
	ck_assert_msg(strstr(t, " nova name web-3, libvirt name instance-0000a3f1, nova project "
				"acme, nova user alice, nova flavor m1.small\n"),
		      "%s", t);
	ck_assert_msg(strstr(t, " -name vm100, -id (vmid) 100\n"), "%s", t);
	ck_assert_msg(strstr(t, "\nNames of Customer web-3\nWHAT         NAME\n"
				"title        Customer web-3\n"
				"nova name    web-3\n"),
		      "%s", t);
	ck_assert_msg(strstr(t, "-uuid        6f1e3c2a-9b7d-4e5f-8a1b-2c3d4e5f6a7b\n"
				"from libvirt's live domain XML and OpenStack nova's metadata in "
				"it\n"),
		      "%s", t);
	ck_assert_msg(strstr(t, "\nNames of db-1\n"), "%s", t);
	ck_assert_msg(strstr(t, "\nfrom the Proxmox VE guest config\n"), "%s", t);
	/* A VM with no management layer has no Names pane. */
	ck_assert_msg(!strstr(t, "Names of plain"), "%s", t);
	ck_assert_msg(!strstr(t, "Names of qemu-system-x86:103"), "%s", t);
	free(t);

	/* Unavailable: said in the list and the pane, the file's name escaped. */
	memset(&vms[0].mgmt, 0, sizeof(vms[0].mgmt));
	vms[0].mgmt.source = SNAP_MGMT_LIBVIRT;
	vms[0].mgmt.state = SNAP_SRC_UNAVAILABLE;
	strcpy(vms[0].mgmt.why, "x\x1b]0;pwned\x07.xml: a DTD (<!DOCTYPE>) is not allowed");
	t = text_of(&s, true);
	ck_assert_msg(strstr(t, " libvirt unavailable: x\\e]0;pwned\\x07.xml: a DTD (<!DOCTYPE>) "
				"is not allowed\n"),
		      "%s", t);
	ck_assert_msg(strstr(t, "\nlibvirt: unavailable: x\\e]0;pwned\\x07.xml: a DTD"), "%s", t);
	ck_assert_msg(!strchr(t, '\x1b') && !strchr(t, '\x07'), "%s", t);
	free(t);

	/* Nobody with other names: no column, and the list is as it was before names. */
	s.nvms = 3;
	memset(&vms[0].mgmt, 0, sizeof(vms[0].mgmt));
	memset(&vms[1].mgmt, 0, sizeof(vms[1].mgmt));
	vms[1].id[0] = '\0';
	t = text_of(&s, false);
	ck_assert_msg(!strstr(t, "ALSO KNOWN AS"), "%s", t);
	ck_assert_msg(strstr(t, "STEAL%\n"), "%s", t);
	free(t);
}
END_TEST

/* Returns the OpenMetrics exposition of s after updating m with it, to free. */
static char *metrics_of(struct openmetrics *m, const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(openmetrics_write(f, m, s, 1, OM_OPENMETRICS), 0);
	fclose(f);
	return buf;
}

/* The exporter's vm label is the best name, and follows it when a title comes later. */
START_TEST(exporter_label_follows)
{
	struct om_config cfg = { 0 };
	struct openmetrics *m = openmetrics_new(&cfg);
	struct snap_vm vms[4];
	struct snapshot s;
	char *t;

	make(&s, vms);
	t = metrics_of(m, &s);
	ck_assert_msg(strstr(t, "{vm=\"Customer web-3\",pid=\"100\",uuid=\"6f1e3c2a-"), "%s", t);
	ck_assert_msg(strstr(t, "{vm=\"plain\",pid=\"102\""), "%s", t);
	free(t);
	strcpy(vms[2].mgmt.title, "Plain \"title\"");
	s.seq++;
	t = metrics_of(m, &s);
	ck_assert_msg(strstr(t, "{vm=\"Plain \\\"title\\\"\",pid=\"102\""), "%s", t);
	ck_assert_msg(!strstr(t, "{vm=\"plain\""), "%s", t);
	free(t);
	openmetrics_free(m);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, label_rule);
	tcase_add_test(tc, names_listed_once);
	tcase_add_test(tc, filter_and_pick_any_name);
	tcase_add_test(tc, vm_list_and_names_pane);
	tcase_add_test(tc, exporter_label_follows);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(names_suite)
