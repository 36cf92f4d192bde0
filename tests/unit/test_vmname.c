// SPDX-License-Identifier: GPL-2.0
/*
 * vmname: QEMU -name and -uuid from raw /proc/PID/cmdline bytes. Command lines are written
 * as string literals with explicit "\0" separators; ARGV() passes their exact length, so a
 * literal that does not end in "\0" is a command line without a final NUL, as the kernel
 * may hand out when the process rewrote its arguments or the read was cut.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"
#include "vmname.h"

#define ARGV(lit) (lit), (sizeof(lit) - 1)

static char name[128];

/* Returns what vmname_parse returns, with the name in the static buffer. */
static int parse(const char *argv, size_t len)
{
	memset(name, 'X', sizeof(name));
	return vmname_parse(argv, len, name, sizeof(name));
}

START_TEST(test_plain_forms)
{
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0web01\0")), 1);
	ck_assert_str_eq(name, "web01");
	ck_assert_int_eq(parse(ARGV("qemu\0--name\0web01\0")), 1);
	ck_assert_str_eq(name, "web01");
	ck_assert_int_eq(parse(ARGV("qemu\0-m\0size=64\0-name\0guest=web01\0-smp\0cpus=2\0")), 1);
	ck_assert_str_eq(name, "web01");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=web01,debug-threads=on\0")), 1);
	ck_assert_str_eq(name, "web01");
	ck_assert_int_eq(parse(ARGV("qemu\0--name\0guest=web01,debug-threads=on\0")), 1);
	ck_assert_str_eq(name, "web01");
}
END_TEST

START_TEST(test_keys)
{
	/* The first element without a key is the guest name. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0web01,process=qemu-web01,debug-threads=on\0")),
			 1);
	ck_assert_str_eq(name, "web01");
	/* Keys in any order. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0process=p,guest=web01\0")), 1);
	ck_assert_str_eq(name, "web01");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0debug-threads=on,guest=db,process=x\0")), 1);
	ck_assert_str_eq(name, "db");
	/* A flag without '=' is not a name. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=db,debug-threads\0")), 1);
	ck_assert_str_eq(name, "db");
	/* Keys are case-sensitive; "guests" is not "guest". */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0process=p,guests=x,Guest=y\0")), 0);
	ck_assert_str_eq(name, "");
	/* Only the first element may leave out its key. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0process=p,web01\0")), 0);
	/* A later guest= in the same argument replaces the implied first element. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0a,guest=b\0")), 1);
	ck_assert_str_eq(name, "b");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a,guest=b\0")), 1);
	ck_assert_str_eq(name, "b");
}
END_TEST

START_TEST(test_commas)
{
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a,,b\0")), 1);
	ck_assert_str_eq(name, "a,b");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0a,,b,debug-threads=on\0")), 1);
	ck_assert_str_eq(name, "a,b");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a,,,,b\0")), 1);
	ck_assert_str_eq(name, "a,,b");
	/* ",,," is an escaped comma and then the separator. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a,,,debug-threads=on\0")), 1);
	ck_assert_str_eq(name, "a,");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=,,lead\0")), 1);
	ck_assert_str_eq(name, ",lead");
	/* A separator at the very end ends the value. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=web,\0")), 1);
	ck_assert_str_eq(name, "web");
	/* '=' inside a value is data. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a=b\0")), 1);
	ck_assert_str_eq(name, "a=b");
}
END_TEST

START_TEST(test_last_wins)
{
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0first\0-m\0size=64\0-name\0second\0")), 1);
	ck_assert_str_eq(name, "second");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a\0--name\0guest=b,debug-threads=on\0")),
			 1);
	ck_assert_str_eq(name, "b");
	/* QEMU merges repeated -name: a later one without a guest keeps the earlier name. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=a\0-name\0debug-threads=on\0")), 1);
	ck_assert_str_eq(name, "a");
	/* The value of -name is never itself an option. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0-name\0-m\0")), 1);
	ck_assert_str_eq(name, "-name");
}
END_TEST

START_TEST(test_malformed)
{
	ck_assert_int_eq(parse(ARGV("qemu\0-m\0size=64\0-name\0")), -EINVAL);
	ck_assert_int_eq(parse(ARGV("qemu\0-m\0size=64\0-name")), -EINVAL);
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0web\0-name\0")), -EINVAL);
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0\0")), -EINVAL);
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=\0")), -EINVAL);
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=,debug-threads=on\0")), -EINVAL);
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0,debug-threads=on\0")), -EINVAL);
	ck_assert_str_eq(name, "");
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0web\0"), NULL, 16), -EINVAL);
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0web\0"), name, 0), -EINVAL);
}
END_TEST

START_TEST(test_absent)
{
	ck_assert_int_eq(parse(ARGV("qemu\0-m\0size=64\0")), 0);
	ck_assert_str_eq(name, "");
	ck_assert_int_eq(parse(NULL, 0), 0);
	ck_assert_int_eq(parse("", 0), 0);
	/* argv[0] is the program, whatever it is called. */
	ck_assert_int_eq(parse(ARGV("-name\0web\0")), 0);
	ck_assert_int_eq(parse(ARGV("qemu\0-name=web\0")), 0);
	ck_assert_int_eq(parse(ARGV("qemu\0---name\0web\0")), 0);
	ck_assert_int_eq(parse(ARGV("qemu\0-names\0web\0")), 0);
	ck_assert_int_eq(parse(ARGV("qemu\0-nam\0web\0")), 0);
	ck_assert_int_eq(parse(ARGV("qemu\0name\0web\0")), 0);
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0process=p,debug-threads=on\0")), 0);
}
END_TEST

START_TEST(test_unterminated)
{
	/* No final NUL: the last argument ends at len. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0web01")), 1);
	ck_assert_str_eq(name, "web01");
	/* Cut in the middle: what is there is what we have. */
	ck_assert_int_eq(parse("qemu\0-name\0guest=web01,debug", 18), 1);
	ck_assert_str_eq(name, "w");
	/* Cut before the '=', a key reads as an implied name: nothing tells them apart. */
	ck_assert_int_eq(parse("qemu\0-name\0guest=web01,debug", 14), 1);
	ck_assert_str_eq(name, "gue");
	ck_assert_int_eq(parse("qemu\0-name\0guest=web01,debug", 11), -EINVAL);
	ck_assert_int_eq(parse("qemu\0-name\0guest=a,,b", 20), 1);
	ck_assert_str_eq(name, "a,");
	ck_assert_int_eq(parse("qemu\0-name\0web", 8), 0);
}
END_TEST

START_TEST(test_cut_to_buffer)
{
	char small[4];

	memset(small, 'X', sizeof(small));
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0abcdef\0"), small, sizeof(small)), 1);
	ck_assert_str_eq(small, "abc");
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0a,,,,bcdef\0"), small, sizeof(small)), 1);
	ck_assert_str_eq(small, "a,,");
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0abcdef\0"), small, 1), 1);
	ck_assert_str_eq(small, "");
	/* A UTF-8 sequence is not cut in half: "a" then e-acute (2 bytes) into 3 bytes. */
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0a\xc3\xa9z\0"), small, 3), 1);
	ck_assert_str_eq(small, "a");
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0a\xc3\xa9z\0"), small, 4), 1);
	ck_assert_str_eq(small, "a\xc3\xa9");
	/* A three-byte sequence cut after one or two bytes. */
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0ab\xe2\x82\xac\0"), small, 4), 1);
	ck_assert_str_eq(small, "ab");
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0a\xe2\x82\xac\0"), small, 4), 1);
	ck_assert_str_eq(small, "a");
	/* Bytes that are not UTF-8 at all are cut where they fall. */
	ck_assert_int_eq(vmname_parse(ARGV("qemu\0-name\0\xff\xfe\xfd\xfc\0"), small, 4), 1);
	ck_assert_str_eq(small, "\xff\xfe\xfd");
}
END_TEST

START_TEST(test_raw_bytes)
{
	/* Control bytes and escape sequences come through unchanged: escaping is for display. */
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0guest=\x1b[2J\x07\x1b]0;x\x07\n\t\x7f\0")), 1);
	ck_assert_str_eq(name, "\x1b[2J\x07\x1b]0;x\x07\n\t\x7f");
	ck_assert_int_eq(parse(ARGV("qemu\0-name\0\xff\xfe,process=x\0")), 1);
	ck_assert_str_eq(name, "\xff\xfe");
}
END_TEST

START_TEST(test_recorded_cmdline)
{
	/* The command line of the fixture VM started with escape sequences in its name. */
	char buf[4096];
	size_t n;
	FILE *f;

	f = fopen(FIXTURES "/proc/4400/cmdline", "rb");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(parse(buf, n), 1);
	ck_assert_str_eq(name, "\x1b]0;owned\x07\x1b[2J,x");

	f = fopen(FIXTURES "/proc/4100/cmdline", "rb");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(parse(buf, n), 1);
	ck_assert_str_eq(name, "web01");
	ck_assert_int_eq(vmname_uuid(buf, n, name, sizeof(name)), 1);
	ck_assert_str_eq(name, "6f1c9a2e-3b7d-4e85-9c40-1a2b3c4d5e6f");
}
END_TEST

/* Returns a small pseudo-random number; a fixed seed keeps failures reproducible. */
static unsigned int rnd(unsigned int *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

START_TEST(test_garbage)
{
	/* Tokens that make the parser work, glued at random, in buffers sized exactly. */
	static const char *const tok[] = { "-name", "--name", "-uuid",	  "guest=", "guest",
					   ",",	    ",,",     "=",	  "\0",	    "a",
					   "\xc3",  "\xa9",   "process=", "-",	    "0" };
	unsigned int seed = 42, i, j, ntok = sizeof(tok) / sizeof(tok[0]);
	char out[8];

	for (i = 0; i < 200000; i++) {
		char tmp[256];
		size_t len = 0, want = rnd(&seed) % 40;
		char *buf;
		int ret;

		for (j = 0; len < want; j++) {
			const char *t = tok[rnd(&seed) % ntok];
			size_t tl = *t ? strlen(t) : 1;

			if (len + tl > sizeof(tmp))
				break;
			memcpy(tmp + len, t, tl);
			len += tl;
		}
		/* Exactly len bytes on the heap, so a sanitizer build sees any overread. */
		buf = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf, tmp, len);
		memset(out, 'X', sizeof(out));
		ret = vmname_parse(buf, len, out, sizeof(out));
		ck_assert(ret == 1 || ret == 0 || ret == -EINVAL);
		ck_assert_uint_lt(strnlen(out, sizeof(out)), sizeof(out));
		if (ret == 1)
			ck_assert_uint_gt(strlen(out), 0);
		memset(out, 'X', sizeof(out));
		ret = vmname_uuid(buf, len, out, sizeof(out));
		ck_assert(ret == 1 || ret == 0 || ret == -EINVAL);
		ck_assert_uint_lt(strnlen(out, sizeof(out)), sizeof(out));
		free(buf);
	}
}
END_TEST

START_TEST(test_uuid)
{
	char uuid[40], small[9];

	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0e5b1c7e2-8f3d-4c6e-9a1b-2d4e6f8a0c13\0"),
				     uuid, sizeof(uuid)),
			 1);
	ck_assert_str_eq(uuid, "e5b1c7e2-8f3d-4c6e-9a1b-2d4e6f8a0c13");
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0--uuid\0E5B1C7E2-8F3D-4C6E-9A1B-2D4E6F8A0C13"),
				     uuid, sizeof(uuid)),
			 1);
	ck_assert_str_eq(uuid, "E5B1C7E2-8F3D-4C6E-9A1B-2D4E6F8A0C13");
	/* The last one wins. */
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0e5b1c7e2-8f3d-4c6e-9a1b-2d4e6f8a0c13\0"
					  "-uuid\0f0000000-0000-0000-0000-000000000001\0"),
				     uuid, sizeof(uuid)),
			 1);
	ck_assert_str_eq(uuid, "f0000000-0000-0000-0000-000000000001");
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-name\0web\0"), uuid, sizeof(uuid)), 0);
	ck_assert_str_eq(uuid, "");
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0"), uuid, sizeof(uuid)), -EINVAL);
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0\0"), uuid, sizeof(uuid)), -EINVAL);
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0not-a-uuid\0"), uuid, sizeof(uuid)),
			 -EINVAL);
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0e5b1c7e2-8f3d-4c6e-9a1b-2d4e6f8a0c1\0"),
				     uuid, sizeof(uuid)),
			 -EINVAL);
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0e5b1c7e2-8f3d-4c6e-9a1b-2d4e6f8a0c1g\0"),
				     uuid, sizeof(uuid)),
			 -EINVAL);
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0e5b1c7e2+8f3d-4c6e-9a1b-2d4e6f8a0c13\0"),
				     uuid, sizeof(uuid)),
			 -EINVAL);
	/* Escape bytes never pass as a UUID. */
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0\x1b[2J-8f3d-4c6e-9a1b-2d4e6f8a0c13\0"),
				     uuid, sizeof(uuid)),
			 -EINVAL);
	/* Cut to the buffer. */
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0e5b1c7e2-8f3d-4c6e-9a1b-2d4e6f8a0c13\0"),
				     small, sizeof(small)),
			 1);
	ck_assert_str_eq(small, "e5b1c7e2");
	ck_assert_int_eq(vmname_uuid(ARGV("qemu\0-uuid\0x\0"), NULL, 40), -EINVAL);
}
END_TEST

/* -id: Proxmox VE's vmid, raw, the last one. */
START_TEST(test_id)
{
	char id[16], small[4];

	ck_assert_int_eq(vmname_id(ARGV("kvm\0-id\0" "100\0-name\0web,debug-threads=on\0"), id,
				   sizeof(id)),
			 1);
	ck_assert_str_eq(id, "100");
	ck_assert_int_eq(vmname_id(ARGV("kvm\0--id\0" "100\0-id\0" "101"), id, sizeof(id)), 1);
	ck_assert_str_eq(id, "101");
	ck_assert_int_eq(vmname_id(ARGV("kvm\0-name\0web\0"), id, sizeof(id)), 0);
	ck_assert_str_eq(id, "");
	ck_assert_int_eq(vmname_id(ARGV("kvm\0-id\0\0"), id, sizeof(id)), 0);
	ck_assert_int_eq(vmname_id(ARGV("kvm\0-id\0"), id, sizeof(id)), -EINVAL);
	/* argv[0] is never an option; -ids is not -id. */
	ck_assert_int_eq(vmname_id(ARGV("-id\0x\0-ids\0" "7\0"), id, sizeof(id)), 0);
	/* Raw bytes, cut to the buffer without splitting a UTF-8 sequence. */
	ck_assert_int_eq(vmname_id(ARGV("kvm\0-id\0../\x1b[2J\0"), id, sizeof(id)), 1);
	ck_assert_str_eq(id, "../\x1b[2J");
	ck_assert_int_eq(vmname_id(ARGV("kvm\0-id\0ab\xc3\xa9\0"), small, sizeof(small)), 1);
	ck_assert_str_eq(small, "ab");
	ck_assert_int_eq(vmname_id(ARGV("kvm\0-id\0x\0"), NULL, 8), -EINVAL);
}
END_TEST

/* A process that could be a VMM, from its command line, exe or comm; any other could not. */
START_TEST(test_vmm_like)
{
	static const struct {
		const char *argv;
		size_t len;
		const char *exe, *comm;
		bool like;
	} cases[] = {
#define C(a, exe, comm, like) { a, sizeof(a) - 1, exe, comm, like }
		C("/usr/bin/qemu-system-x86_64\0-name\0web\0", NULL, NULL, true),
		C("/usr/libexec/qemu-kvm\0", NULL, NULL, true),
		C("qemu-system-aarch64\0", "", "", true),
		C("/usr/bin/kvm\0-m\0512\0", NULL, NULL, true),
		C("lkvm\0run\0", NULL, NULL, true),
		C("/opt/crosvm\0run\0", NULL, NULL, true),
		C("./firecracker\0--api-sock\0/tmp/fc\0", NULL, NULL, true),
		C("cloud-hypervisor\0--kernel\0vmlinux\0", NULL, NULL, true),
		C("build/kvmscope-storm\0timer\0", NULL, NULL, true),
		/* Any program asking for KVM. */
		C("/opt/vmm/run\0-enable-kvm\0", NULL, NULL, true),
		C("myvmm\0--enable-kvm\0", NULL, NULL, true),
		C("myvmm\0-accel\0kvm\0", NULL, NULL, true),
		C("myvmm\0-accel\0kvm,thread=multi\0", NULL, NULL, true),
		C("myvmm\0-machine\0q35,accel=kvm\0", NULL, NULL, true),
		C("myvmm\0-M\0pc,accel=kvm:tcg\0", NULL, NULL, true),
		/* argv[0] renamed: the exe link still tells, or the comm. */
		C("api-server\0", "/usr/local/bin/firecracker", NULL, true),
		C("", NULL, "qemu-system-x86", true),
		C("worker\0", "", "crosvm", true),
		/* Not VMMs, though some say kvm somewhere. */
		C("/sbin/init\0splash\0", "/usr/lib/systemd/systemd", "systemd", false),
		C("build/kvmscope\0-b\0", "/usr/local/bin/kvmscope", "kvmscope", false),
		C("kvm-helper\0", NULL, NULL, false),
		C("grep\0-enable-kvm-x\0", NULL, NULL, false),
		C("myvmm\0-accel\0tcg\0", NULL, NULL, false),
		C("myvmm\0-machine\0q35,accel=kvmx\0", NULL, NULL, false),
		C("vim\0/etc/qemu/bridge.conf\0", NULL, "vim", false),
		C("", NULL, NULL, false),
		C("", "", "", false),
#undef C
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(vmname_vmm_like(cases[i].argv, cases[i].len, cases[i].exe,
					      cases[i].comm) == cases[i].like,
			      "case %zu (%s, exe %s, comm %s): want %d", i, cases[i].argv,
			      cases[i].exe ? cases[i].exe : "-",
			      cases[i].comm ? cases[i].comm : "-", cases[i].like);
	/* Bounded by len: nothing past it is read. */
	ck_assert(!vmname_vmm_like("sh\0-enable-kvm", 3, NULL, NULL));
}
END_TEST

static Suite *vmname_suite(void)
{
	Suite *s = suite_create("vmname");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_plain_forms);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_commas);
	tcase_add_test(tc, test_last_wins);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_absent);
	tcase_add_test(tc, test_unterminated);
	tcase_add_test(tc, test_cut_to_buffer);
	tcase_add_test(tc, test_raw_bytes);
	tcase_add_test(tc, test_recorded_cmdline);
	tcase_add_test(tc, test_uuid);
	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_vmm_like);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("garbage");
	tcase_add_test(tc, test_garbage);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vmname_suite)
