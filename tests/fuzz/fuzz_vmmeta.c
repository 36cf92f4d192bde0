// SPDX-License-Identifier: GPL-2.0
/*
 * The names of a VM's management layer: libvirt's domain XML (through expat) and Proxmox
 * VE's guest config, as the parsers see a buffer and as the probe finds them in a directory
 * (written on tmpfs) for a VM of that -name or -id, sampled twice (the second must not read
 * again) and then after the file changed.
 *
 * Input: the file's bytes. Its first byte chooses what it is for: even, libvirt's XML
 * (vm.xml); odd, Proxmox's config (100.conf).
 *
 * Oracles: ASan/UBSan; a parse returns 0, -EINVAL or -EFBIG; every field is NUL-terminated
 * inside its buffer; a failure (unavailable) says why and leaves no name; the probe gives the
 * VM what the parser gives the file, and reads the file once until it changes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmmeta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the oracles of one result. */
static void check_meta(const struct proc_meta *m, int ret)
{
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EFBIG);
	FUZZ_CHECK(memchr(m->why, '\0', sizeof(m->why)));
	FUZZ_CHECK(memchr(m->name, '\0', sizeof(m->name)));
	FUZZ_CHECK(memchr(m->title, '\0', sizeof(m->title)));
	FUZZ_CHECK(memchr(m->uuid, '\0', sizeof(m->uuid)));
	FUZZ_CHECK(memchr(m->nova_name, '\0', sizeof(m->nova_name)));
	FUZZ_CHECK(memchr(m->nova_project, '\0', sizeof(m->nova_project)));
	FUZZ_CHECK(memchr(m->nova_user, '\0', sizeof(m->nova_user)));
	FUZZ_CHECK(memchr(m->nova_flavor, '\0', sizeof(m->nova_flavor)));
	FUZZ_CHECK(m->unavailable == (ret != 0));
	if (ret) {
		FUZZ_CHECK(m->why[0]);
		FUZZ_CHECK(!m->name[0] && !m->title[0] && !m->uuid[0] && !m->nova_name[0] &&
			   !m->nova_project[0] && !m->nova_user[0] && !m->nova_flavor[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procfs_sample s = { 0 };
	struct proc_vm vm = { .pid = 4242, .starttime = 1 };
	struct proc_meta meta;
	const char *dir = fuzz_dir_get();
	char path[128], *buf;
	struct vmmeta *m;
	bool xml;
	size_t len;
	int ret, pid = -1;

	if (!size)
		return 0;
	xml = !(data[0] & 1);
	len = size - 1;
	/* Its exact size on the heap: a read past the end is ASan's. */
	buf = malloc(len ? len : 1);
	FUZZ_CHECK(buf);
	memcpy(buf, data + 1, len);
	if (xml) {
		ret = vmmeta_parse_libvirt(buf, len, &meta, &pid);
		FUZZ_CHECK(pid >= 0 && (!ret || !pid));
		FUZZ_CHECK(meta.mgmt == PROC_MGMT_LIBVIRT);
	} else {
		ret = vmmeta_parse_pve(buf, len, &meta);
		FUZZ_CHECK(!ret);
		FUZZ_CHECK(meta.mgmt == PROC_MGMT_PROXMOX);
	}
	check_meta(&meta, ret);

	/* The same bytes as a file, for the VM the probe would give it to. */
	snprintf(path, sizeof(path), "%s/%s", dir, xml ? "vm.xml" : "100.conf");
	fuzz_put_file(path, buf, len, true);
	strcpy(vm.name, "vm");
	strcpy(vm.id, "100");
	/* A live XML's pid decides whose file it is: be that VM. */
	if (xml && !ret && pid)
		vm.pid = pid;
	s.vms = &vm;
	s.nvms = 1;
	m = vmmeta_open(dir, dir);
	vmmeta_sample(m, &s);
	FUZZ_CHECK(vmmeta_reads(m) == 1);
	check_meta(&vm.meta, vm.meta.unavailable ? -EINVAL : 0);
	if (vm.meta.unavailable) {
		FUZZ_CHECK(ret);
	} else {
		FUZZ_CHECK(!ret && vm.meta.mgmt == meta.mgmt);
		FUZZ_CHECK(!strcmp(vm.meta.name, meta.name) && !strcmp(vm.meta.title, meta.title) &&
			   !strcmp(vm.meta.nova_name, meta.nova_name));
	}
	vmmeta_sample(m, &s);
	FUZZ_CHECK(vmmeta_reads(m) == 1);
	/* Changed (a byte more): read again. */
	fuzz_put_file(path, data, size, true);
	vmmeta_sample(m, &s);
	FUZZ_CHECK(vmmeta_reads(m) == 2);
	vmmeta_close(m);
	unlink(path);
	free(buf);
	return 0;
}
