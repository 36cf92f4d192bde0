// SPDX-License-Identifier: GPL-2.0
/* Names of ports, LAPIC/IOAPIC/HPET registers and MSRs; hints and their thresholds. */
#include <string.h>

#include "iomap.h"
#include "unit.h"

static const char *name(unsigned int kind, uint64_t addr)
{
	static char buf[SNAP_NAME_MAX];

	return iomap_name(kind, addr, buf, sizeof(buf));
}

START_TEST(port_names)
{
	ck_assert_str_eq(name(HOT_PIO, 0x608), "ACPI PM timer");
	ck_assert_str_eq(name(HOT_PIO, 0xb008), "ACPI PM timer");
	ck_assert_str_eq(name(HOT_PIO, 0x408), "ACPI PM timer");
	ck_assert_str_eq(name(HOT_PIO, 0x600), "ACPI PM1 event");
	ck_assert_str_eq(name(HOT_PIO, 0x604), "ACPI PM1 control");
	ck_assert_str_eq(name(HOT_PIO, 0x630), "ACPI PM/GPE");
	ck_assert_str_eq(name(HOT_PIO, 0x40), "PIT counter 0");
	ck_assert_str_eq(name(HOT_PIO, 0x43), "PIT control");
	ck_assert_str_eq(name(HOT_PIO, 0x61), "speaker/NMI status");
	ck_assert_str_eq(name(HOT_PIO, 0x70), "RTC/CMOS index");
	ck_assert_str_eq(name(HOT_PIO, 0x71), "RTC/CMOS data");
	ck_assert_str_eq(name(HOT_PIO, 0x21), "PIC master");
	ck_assert_str_eq(name(HOT_PIO, 0xa1), "PIC slave");
	ck_assert_str_eq(name(HOT_PIO, 0xcf8), "PCI config address");
	ck_assert_str_eq(name(HOT_PIO, 0xcf9), "reset control");
	ck_assert_str_eq(name(HOT_PIO, 0xcfe), "PCI config data");
	ck_assert_str_eq(name(HOT_PIO, 0x3fd), "COM1");
	ck_assert_str_eq(name(HOT_PIO, 0x2f8), "COM2");
	ck_assert_str_eq(name(HOT_PIO, 0x510), "fw_cfg selector");
	ck_assert_str_eq(name(HOT_PIO, 0x511), "fw_cfg data");
	ck_assert_str_eq(name(HOT_PIO, 0x402), "debug console");
	ck_assert_str_eq(name(HOT_PIO, 0x80), "POST code");
	ck_assert_str_eq(name(HOT_PIO, 0xb2), "APM/SMI command");
	ck_assert_str_eq(name(HOT_PIO, 0xc050), "PCI BAR (virtio?)");
	ck_assert_str_eq(name(HOT_PIO, 0x1234), "");
}
END_TEST

START_TEST(mmio_names)
{
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00300), "LAPIC ICR");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00310), "LAPIC ICR high");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee000b0), "LAPIC EOI");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00080), "LAPIC TPR");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00020), "LAPIC ID");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee000f0), "LAPIC SVR");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00130), "LAPIC ISR");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00270), "LAPIC IRR");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00320), "LAPIC LVT timer");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00380), "LAPIC timer init count");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00390), "LAPIC timer cur count");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee003e0), "LAPIC timer divide");
	/* Not a register, and beyond the register block: still placed in the LAPIC page. */
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00040), "LAPIC +0x40");
	ck_assert_str_eq(name(HOT_MMIO, 0xfee00ff0), "LAPIC +0xff0");
	ck_assert_str_eq(name(HOT_MMIO, 0xfec00000), "IOAPIC index");
	ck_assert_str_eq(name(HOT_MMIO, 0xfec00010), "IOAPIC data");
	ck_assert_str_eq(name(HOT_MMIO, 0xfed000f0), "HPET main counter");
	ck_assert_str_eq(name(HOT_MMIO, 0xfed000f4), "HPET main counter");
	ck_assert_str_eq(name(HOT_MMIO, 0xfed00010), "HPET config");
	ck_assert_str_eq(name(HOT_MMIO, 0xfed00128), "HPET timer 1 comparator");
	ck_assert_str_eq(name(HOT_MMIO, 0xfebf0000), "");
}
END_TEST

START_TEST(msr_names)
{
	ck_assert_str_eq(name(HOT_MSR, 0x6e0), "IA32_TSC_DEADLINE");
	ck_assert_str_eq(name(HOT_MSR, 0x80b), "x2APIC EOI");
	ck_assert_str_eq(name(HOT_MSR, 0x830), "x2APIC ICR");
	ck_assert_str_eq(name(HOT_MSR, 0x808), "x2APIC TPR");
	ck_assert_str_eq(name(HOT_MSR, 0x838), "x2APIC timer init count");
	ck_assert_str_eq(name(HOT_MSR, 0x83f), "x2APIC self IPI");
	ck_assert_str_eq(name(HOT_MSR, 0x1b), "IA32_APIC_BASE");
	ck_assert_str_eq(name(HOT_MSR, 0x10), "TSC");
	ck_assert_str_eq(name(HOT_MSR, 0xc0000080), "EFER");
	ck_assert_str_eq(name(HOT_MSR, 0x4b564d00), "kvmclock wall clock");
	ck_assert_str_eq(name(HOT_MSR, 0x4b564d01), "kvmclock system time");
	ck_assert_str_eq(name(HOT_MSR, 0x40000020), "Hyper-V time ref count");
	ck_assert_str_eq(name(HOT_MSR, 0x40000070), "Hyper-V EOI");
	ck_assert_str_eq(name(HOT_MSR, 0x40000071), "Hyper-V ICR");
	ck_assert_str_eq(name(HOT_MSR, 0x400000b2), "Hyper-V STIMER");
	ck_assert_str_eq(name(HOT_MSR, 0x12345678), "");
	ck_assert_str_eq(iomap_user_exit_name(2), "KVM_EXIT_IO");
	ck_assert_str_eq(iomap_user_exit_name(6), "KVM_EXIT_MMIO");
	ck_assert_str_eq(iomap_user_exit_name(5), "KVM_EXIT_HLT");
	ck_assert_str_eq(iomap_user_exit_name(30), "KVM_EXIT_X86_WRMSR");
	ck_assert_ptr_null(iomap_user_exit_name(1000));
}
END_TEST

START_TEST(names_fit_the_column)
{
	/* The hot pane's NAME column is 24 wide: no name is cut. */
	const size_t w = 24;
	uint64_t a;

	for (a = 0; a <= 0xffff; a++)
		ck_assert_uint_le(strlen(name(HOT_PIO, a)), w);
	for (a = 0; a < 0x1000; a += 4) {
		ck_assert_uint_le(strlen(name(HOT_MMIO, 0xfee00000 + a)), w);
		ck_assert_uint_le(strlen(name(HOT_MMIO, 0xfec00000 + a)), w);
		ck_assert_uint_le(strlen(name(HOT_MMIO, 0xfed00000 + a)), w);
	}
	for (a = 0; a < 0x1000; a++) {
		ck_assert_uint_le(strlen(name(HOT_MSR, a)), w);
		ck_assert_uint_le(strlen(name(HOT_MSR, 0x40000000 + a)), w);
		ck_assert_uint_le(strlen(name(HOT_MSR, 0x4b564d00 + a)), w);
		ck_assert_uint_le(strlen(name(HOT_MSR, 0xc0000000 + a)), w);
	}
}
END_TEST

START_TEST(classes)
{
	ck_assert_int_eq(iomap_class(HOT_PIO, 0x608), IOC_PM_TIMER);
	ck_assert_int_eq(iomap_class(HOT_PIO, 0x42), IOC_PIT);
	ck_assert_int_eq(iomap_class(HOT_PIO, 0x3f8), IOC_NONE);
	ck_assert_int_eq(iomap_class(HOT_MMIO, 0xfee00300), IOC_LAPIC);
	ck_assert_int_eq(iomap_class(HOT_MMIO, 0xfed000f0), IOC_HPET_COUNTER);
	ck_assert_int_eq(iomap_class(HOT_MMIO, 0xfed00010), IOC_NONE);
	ck_assert_int_eq(iomap_class(HOT_MSR, 0x830), IOC_LAPIC);
	ck_assert_int_eq(iomap_class(HOT_MSR, 0x40000071), IOC_LAPIC);
	ck_assert_int_eq(iomap_class(HOT_MSR, 0x6e0), IOC_TSC_DEADLINE);
	ck_assert_int_eq(iomap_class(HOT_MSR, 0x40000020), IOC_HV_REFCOUNT);
}
END_TEST

static struct snap_hot row(uint8_t kind, uint64_t addr, uint8_t rw, double rate)
{
	struct snap_hot h = { .kind = kind, .addr = addr, .rw = rw, .rate = rate };

	return h;
}

START_TEST(hints_case1)
{
	/* The incident: PM timer reads and LAPIC ICR writes dominate the exits. */
	struct snap_hot hot[] = {
		row(HOT_PIO, 0x608, HOT_READ, 60000),
		row(HOT_MMIO, 0xfee00300, HOT_WRITE, 15000),
		row(HOT_MMIO, 0xfee000b0, HOT_WRITE, 5000),
		row(HOT_PIO, 0x3f8, HOT_WRITE, 30000),
	};
	struct snap_hint h[4];
	int n = iomap_hints(hot, 4, 120000, h, 4);

	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(h[0].text,
			 "guest polls the ACPI PM timer (port 0x608): enable the Hyper-V "
			 "clock enlightenment (hv-time / hypervclock) for Windows, or a "
			 "TSC/kvmclock clocksource");
	ck_assert_ptr_nonnull(strstr(h[1].text, "APICv/AVIC"));
	/* The PM timer at another base names its own port. */
	hot[0].addr = 0xb008;
	n = iomap_hints(hot, 1, 120000, h, 4);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(h[0].text, "port 0xb008"));
	/* max is honoured: the busiest first. */
	hot[0].addr = 0x608;
	ck_assert_int_eq(iomap_hints(hot, 4, 120000, h, 1), 1);
	ck_assert_ptr_nonnull(strstr(h[0].text, "ACPI PM timer"));
}
END_TEST

START_TEST(hints_thresholds)
{
	struct snap_hot hot[2];
	struct snap_hint h[4];

	/* At the rate and share thresholds exactly: fires. */
	hot[0] = row(HOT_PIO, 0x608, HOT_READ, HINT_MIN_RATE);
	ck_assert_int_eq(iomap_hints(hot, 1, HINT_MIN_RATE * 100 / HINT_MIN_SHARE, h, 4), 1);
	/* Just below the rate: silent, however large the share. */
	hot[0].rate = HINT_MIN_RATE - 1;
	ck_assert_int_eq(iomap_hints(hot, 1, HINT_MIN_RATE - 1, h, 4), 0);
	/* A high rate that is a small share of a busy VM's exits: silent. */
	hot[0].rate = 50000;
	ck_assert_int_eq(iomap_hints(hot, 1, 50000 * 100 / HINT_MIN_SHARE + 1000, h, 4), 0);
	/* The rate of a pattern sums its addresses: two PIT ports, each below the rate. */
	hot[0] = row(HOT_PIO, 0x40, HOT_READ, HINT_MIN_RATE * 0.6);
	hot[1] = row(HOT_PIO, 0x43, HOT_WRITE, HINT_MIN_RATE * 0.6);
	ck_assert_int_eq(iomap_hints(hot, 2, HINT_MIN_RATE * 2, h, 4), 1);
	ck_assert_ptr_nonnull(strstr(h[0].text, "PIT"));
	/* Direction matters: PM timer writes, TSC_DEADLINE reads say nothing. */
	hot[0] = row(HOT_PIO, 0x608, HOT_WRITE, 50000);
	hot[1] = row(HOT_MSR, 0x6e0, HOT_READ, 50000);
	ck_assert_int_eq(iomap_hints(hot, 2, 100000, h, 4), 0);
	hot[1].rw = HOT_WRITE;
	ck_assert_int_eq(iomap_hints(hot, 2, 100000, h, 4), 1);
	ck_assert_ptr_nonnull(strstr(h[0].text, "TSC_DEADLINE"));
	/* Other buckets are never a pattern; no exits, no hints. */
	hot[0] = row(HOT_PIO, 0x608, HOT_READ, 50000);
	hot[0].other = true;
	ck_assert_int_eq(iomap_hints(hot, 1, 50000, h, 4), 0);
	hot[0].other = false;
	ck_assert_int_eq(iomap_hints(hot, 1, 0, h, 4), 0);
	/* HPET main counter reads, Hyper-V reference counter reads. */
	hot[0] = row(HOT_MMIO, 0xfed000f0, HOT_READ, 9000);
	hot[1] = row(HOT_MSR, 0x40000020, HOT_READ, 8000);
	ck_assert_int_eq(iomap_hints(hot, 2, 20000, h, 4), 2);
	ck_assert_ptr_nonnull(strstr(h[0].text, "HPET"));
	ck_assert_ptr_nonnull(strstr(h[1].text, "reference"));
}
END_TEST

static Suite *iomap_suite(void)
{
	Suite *s = suite_create("iomap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, port_names);
	tcase_add_test(tc, mmio_names);
	tcase_add_test(tc, msr_names);
	tcase_add_test(tc, names_fit_the_column);
	tcase_add_test(tc, classes);
	tcase_add_test(tc, hints_case1);
	tcase_add_test(tc, hints_thresholds);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(iomap_suite)
