// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "iomap.h"
#include "util.h"

/* A range of ports or MSRs with one name; the first match in a table wins. */
struct io_range {
	uint32_t lo, hi;
	const char *name;
	enum io_class cls;
};

/*
 * PC platform ports as QEMU lays them out (i440fx and q35), with the ACPI PM timer at every
 * base firmware commonly puts the PM block at: 0x600 (QEMU), 0xb000 (old QEMU PIIX4),
 * 0x400 (ICH) and 0x1800 (many real chipsets).
 */
static const struct io_range ports[] = {
	{ 0x608, 0x60b, "ACPI PM timer", IOC_PM_TIMER },
	{ 0xb008, 0xb00b, "ACPI PM timer", IOC_PM_TIMER },
	{ 0x408, 0x40b, "ACPI PM timer", IOC_PM_TIMER },
	{ 0x1808, 0x180b, "ACPI PM timer", IOC_PM_TIMER },
	{ 0x600, 0x603, "ACPI PM1 event", IOC_NONE },
	{ 0x604, 0x605, "ACPI PM1 control", IOC_NONE },
	{ 0x620, 0x62f, "ACPI GPE0", IOC_NONE },
	{ 0x600, 0x63f, "ACPI PM/GPE", IOC_NONE },
	{ 0xb000, 0xb03f, "ACPI PM (PIIX4)", IOC_NONE },
	{ 0xafe0, 0xafe3, "ACPI GPE0 (PIIX4)", IOC_NONE },
	{ 0xae00, 0xae13, "ACPI PCI hotplug", IOC_NONE },
	{ 0xaf00, 0xaf1f, "ACPI CPU hotplug", IOC_NONE },
	{ 0x20, 0x21, "PIC master", IOC_NONE },
	{ 0xa0, 0xa1, "PIC slave", IOC_NONE },
	{ 0x4d0, 0x4d1, "PIC ELCR", IOC_NONE },
	{ 0x40, 0x40, "PIT counter 0", IOC_PIT },
	{ 0x41, 0x41, "PIT counter 1", IOC_PIT },
	{ 0x42, 0x42, "PIT counter 2", IOC_PIT },
	{ 0x43, 0x43, "PIT control", IOC_PIT },
	{ 0x60, 0x60, "i8042 data", IOC_NONE },
	{ 0x64, 0x64, "i8042 command", IOC_NONE },
	{ 0x61, 0x61, "speaker/NMI status", IOC_NONE },
	{ 0x70, 0x70, "RTC/CMOS index", IOC_RTC },
	{ 0x71, 0x71, "RTC/CMOS data", IOC_RTC },
	{ 0x80, 0x80, "POST code", IOC_NONE },
	{ 0x92, 0x92, "fast A20", IOC_NONE },
	{ 0xb2, 0xb2, "APM/SMI command", IOC_NONE },
	{ 0xb3, 0xb3, "APM/SMI status", IOC_NONE },
	{ 0xe9, 0xe9, "debug console", IOC_NONE },
	{ 0x402, 0x402, "debug console", IOC_NONE },
	{ 0x510, 0x510, "fw_cfg selector", IOC_NONE },
	{ 0x511, 0x511, "fw_cfg data", IOC_NONE },
	{ 0x514, 0x51b, "fw_cfg DMA", IOC_NONE },
	{ 0xcf9, 0xcf9, "reset control", IOC_NONE },
	{ 0xcf8, 0xcfb, "PCI config address", IOC_NONE },
	{ 0xcfc, 0xcff, "PCI config data", IOC_NONE },
	{ 0x3f8, 0x3ff, "COM1", IOC_NONE },
	{ 0x2f8, 0x2ff, "COM2", IOC_NONE },
	{ 0x3e8, 0x3ef, "COM3", IOC_NONE },
	{ 0x2e8, 0x2ef, "COM4", IOC_NONE },
	{ 0x378, 0x37f, "LPT1", IOC_NONE },
	{ 0x1f0, 0x1f7, "IDE primary", IOC_NONE },
	{ 0x3f6, 0x3f6, "IDE primary control", IOC_NONE },
	{ 0x170, 0x177, "IDE secondary", IOC_NONE },
	{ 0x376, 0x376, "IDE secondary control", IOC_NONE },
	{ 0x3b0, 0x3df, "VGA", IOC_NONE },
	{ 0x5658, 0x5658, "VMware backdoor", IOC_NONE },
	{ 0xc000, 0xffff, "PCI BAR (virtio?)", IOC_NONE },
};

/* LAPIC registers by offset >> 4 in the xAPIC page; x2APIC MSR 0x800 + n is register n. */
static const char *const lapic_regs[64] = {
	[0x02] = "ID",
	[0x03] = "version",
	[0x08] = "TPR",
	[0x09] = "APR",
	[0x0a] = "PPR",
	[0x0b] = "EOI",
	[0x0c] = "RRD",
	[0x0d] = "LDR",
	[0x0e] = "DFR",
	[0x0f] = "SVR",
	[0x10 ... 0x17] = "ISR",
	[0x18 ... 0x1f] = "TMR",
	[0x20 ... 0x27] = "IRR",
	[0x28] = "ESR",
	[0x2f] = "LVT CMCI",
	[0x30] = "ICR",
	[0x31] = "ICR high",
	[0x32] = "LVT timer",
	[0x33] = "LVT thermal",
	[0x34] = "LVT perfmon",
	[0x35] = "LVT LINT0",
	[0x36] = "LVT LINT1",
	[0x37] = "LVT error",
	[0x38] = "timer init count",
	[0x39] = "timer cur count",
	[0x3e] = "timer divide",
	[0x3f] = "self IPI",
};

static const struct io_range msrs[] = {
	{ 0x10, 0x10, "TSC", IOC_NONE },
	{ 0x11, 0x11, "kvmclock wall (old)", IOC_NONE },
	{ 0x12, 0x12, "kvmclock time (old)", IOC_NONE },
	{ 0x1b, 0x1b, "IA32_APIC_BASE", IOC_NONE },
	{ 0x3a, 0x3a, "IA32_FEATURE_CONTROL", IOC_NONE },
	{ 0x3b, 0x3b, "IA32_TSC_ADJUST", IOC_NONE },
	{ 0x48, 0x48, "IA32_SPEC_CTRL", IOC_NONE },
	{ 0x49, 0x49, "IA32_PRED_CMD", IOC_NONE },
	{ 0x8b, 0x8b, "IA32_BIOS_SIGN_ID", IOC_NONE },
	{ 0xe7, 0xe7, "IA32_MPERF", IOC_NONE },
	{ 0xe8, 0xe8, "IA32_APERF", IOC_NONE },
	{ 0x10a, 0x10a, "IA32_ARCH_CAPABILITIES", IOC_NONE },
	{ 0x174, 0x176, "IA32_SYSENTER", IOC_NONE },
	{ 0x179, 0x17b, "IA32_MCG", IOC_NONE },
	{ 0x1a0, 0x1a0, "IA32_MISC_ENABLE", IOC_NONE },
	{ 0x1d9, 0x1d9, "IA32_DEBUGCTL", IOC_NONE },
	{ 0x200, 0x26f, "MTRR", IOC_NONE },
	{ 0x277, 0x277, "IA32_PAT", IOC_NONE },
	{ 0x2ff, 0x2ff, "MTRR default type", IOC_NONE },
	{ 0x38d, 0x390, "perfmon global", IOC_NONE },
	{ 0x400, 0x47f, "machine check bank", IOC_NONE },
	{ 0x6e0, 0x6e0, "IA32_TSC_DEADLINE", IOC_TSC_DEADLINE },
	{ 0x40000000, 0x40000000, "Hyper-V guest OS id", IOC_NONE },
	{ 0x40000001, 0x40000001, "Hyper-V hypercall page", IOC_NONE },
	{ 0x40000002, 0x40000002, "Hyper-V VP index", IOC_NONE },
	{ 0x40000003, 0x40000003, "Hyper-V reset", IOC_NONE },
	{ 0x40000010, 0x40000010, "Hyper-V VP runtime", IOC_NONE },
	{ 0x40000020, 0x40000020, "Hyper-V time ref count", IOC_HV_REFCOUNT },
	{ 0x40000021, 0x40000021, "Hyper-V ref TSC page", IOC_NONE },
	{ 0x40000022, 0x40000022, "Hyper-V TSC frequency", IOC_NONE },
	{ 0x40000023, 0x40000023, "Hyper-V APIC frequency", IOC_NONE },
	{ 0x40000070, 0x40000070, "Hyper-V EOI", IOC_LAPIC },
	{ 0x40000071, 0x40000071, "Hyper-V ICR", IOC_LAPIC },
	{ 0x40000072, 0x40000072, "Hyper-V TPR", IOC_LAPIC },
	{ 0x40000073, 0x40000073, "Hyper-V VP assist page", IOC_NONE },
	{ 0x40000080, 0x40000080, "Hyper-V SynIC control", IOC_NONE },
	{ 0x40000082, 0x40000083, "Hyper-V SynIC pages", IOC_NONE },
	{ 0x40000084, 0x40000084, "Hyper-V SynIC EOM", IOC_NONE },
	{ 0x40000090, 0x4000009f, "Hyper-V SINT", IOC_NONE },
	{ 0x400000b0, 0x400000b7, "Hyper-V STIMER", IOC_NONE },
	{ 0x40000100, 0x40000105, "Hyper-V crash", IOC_NONE },
	{ 0x4b564d00, 0x4b564d00, "kvmclock wall clock", IOC_NONE },
	{ 0x4b564d01, 0x4b564d01, "kvmclock system time", IOC_NONE },
	{ 0x4b564d02, 0x4b564d02, "KVM async PF", IOC_NONE },
	{ 0x4b564d03, 0x4b564d03, "KVM steal time", IOC_NONE },
	{ 0x4b564d04, 0x4b564d04, "KVM PV EOI", IOC_NONE },
	{ 0x4b564d05, 0x4b564d05, "KVM poll control", IOC_NONE },
	{ 0x4b564d06, 0x4b564d07, "KVM async PF", IOC_NONE },
	{ 0xc0000080, 0xc0000080, "EFER", IOC_NONE },
	{ 0xc0000081, 0xc0000084, "syscall (STAR/LSTAR)", IOC_NONE },
	{ 0xc0000100, 0xc0000100, "FS base", IOC_NONE },
	{ 0xc0000101, 0xc0000101, "GS base", IOC_NONE },
	{ 0xc0000102, 0xc0000102, "kernel GS base", IOC_NONE },
	{ 0xc0000103, 0xc0000103, "TSC_AUX", IOC_NONE },
};

/* Returns the first range of tab holding v, or NULL. */
static const struct io_range *range_find(const struct io_range *tab, size_t n, uint64_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v >= tab[i].lo && v <= tab[i].hi)
			return &tab[i];
	return NULL;
}

static bool in_page(uint64_t addr, uint64_t base, uint64_t size)
{
	return addr >= base && addr - base < size;
}

enum io_class iomap_class(unsigned int kind, uint64_t addr)
{
	const struct io_range *r;

	switch (kind) {
	case HOT_PIO:
		r = range_find(ports, ARRAY_SIZE(ports), addr);
		return r ? r->cls : IOC_NONE;
	case HOT_MMIO:
		if (in_page(addr, IOMAP_LAPIC_BASE, 0x1000))
			return IOC_LAPIC;
		if (in_page(addr, IOMAP_HPET_BASE + 0xf0, 8))
			return IOC_HPET_COUNTER;
		return IOC_NONE;
	case HOT_MSR:
		if (addr >= 0x800 && addr <= 0x8ff)
			return IOC_LAPIC;
		r = range_find(msrs, ARRAY_SIZE(msrs), addr);
		return r ? r->cls : IOC_NONE;
	}
	return IOC_NONE;
}

static void hpet_name(uint64_t off, char *buf, size_t bufsz)
{
	static const char *const timer_regs[] = { "config", "comparator", "FSB route" };

	if (off < 0x8)
		snprintf(buf, bufsz, "HPET capabilities");
	else if (off >= 0x10 && off < 0x18)
		snprintf(buf, bufsz, "HPET config");
	else if (off >= 0x20 && off < 0x28)
		snprintf(buf, bufsz, "HPET interrupt status");
	else if (off >= 0xf0 && off < 0xf8)
		snprintf(buf, bufsz, "HPET main counter");
	else if (off >= 0x100 && (off & 0x1f) < 0x18)
		snprintf(buf, bufsz, "HPET timer %u %s", (unsigned int)((off - 0x100) >> 5),
			 timer_regs[(off & 0x1f) >> 3]);
	else
		snprintf(buf, bufsz, "HPET");
}

static void mmio_name(uint64_t gpa, char *buf, size_t bufsz)
{
	uint64_t off;

	if (in_page(gpa, IOMAP_LAPIC_BASE, 0x1000)) {
		off = gpa - IOMAP_LAPIC_BASE;
		if ((off >> 4) < ARRAY_SIZE(lapic_regs) && lapic_regs[off >> 4])
			snprintf(buf, bufsz, "LAPIC %s", lapic_regs[off >> 4]);
		else
			snprintf(buf, bufsz, "LAPIC +0x%x", (unsigned int)off);
	} else if (in_page(gpa, IOMAP_IOAPIC_BASE, 0x1000)) {
		off = gpa - IOMAP_IOAPIC_BASE;
		snprintf(buf, bufsz, "%s",
			 off == 0      ? "IOAPIC index"
			 : off == 0x10 ? "IOAPIC data"
			 : off == 0x40 ? "IOAPIC EOI"
				       : "IOAPIC");
	} else if (in_page(gpa, IOMAP_HPET_BASE, 0x400)) {
		hpet_name(gpa - IOMAP_HPET_BASE, buf, bufsz);
	} else if (in_page(gpa, 0xfed40000, 0x5000)) {
		snprintf(buf, bufsz, "TPM");
	} else if (in_page(gpa, 0xfed1c000, 0x4000)) {
		snprintf(buf, bufsz, "chipset RCRB");
	} else if (in_page(gpa, 0xa0000, 0x20000)) {
		snprintf(buf, bufsz, "VGA window");
	} else if (in_page(gpa, 0xb0000000, 0x10000000)) {
		snprintf(buf, bufsz, "PCIe MMCONFIG (q35)");
	} else if (in_page(gpa, 0xffc00000, 0x400000)) {
		snprintf(buf, bufsz, "firmware flash");
	}
}

static void msr_name(uint64_t index, char *buf, size_t bufsz)
{
	const struct io_range *r;

	if (index >= 0x800 && index <= 0x8ff) {
		const char *reg = lapic_regs[index & 0x3f];

		if ((index & 0xff) < 0x40 && reg)
			snprintf(buf, bufsz, "x2APIC %s", reg);
		else
			snprintf(buf, bufsz, "x2APIC 0x%x", (unsigned int)index);
		return;
	}
	r = range_find(msrs, ARRAY_SIZE(msrs), index);
	if (r)
		snprintf(buf, bufsz, "%s", r->name);
}

const char *iomap_name(unsigned int kind, uint64_t addr, char *buf, size_t bufsz)
{
	const struct io_range *r;

	buf[0] = '\0';
	switch (kind) {
	case HOT_PIO:
		r = range_find(ports, ARRAY_SIZE(ports), addr);
		if (r)
			snprintf(buf, bufsz, "%s", r->name);
		break;
	case HOT_MMIO:
		mmio_name(addr, buf, bufsz);
		break;
	case HOT_MSR:
		msr_name(addr, buf, bufsz);
		break;
	}
	return buf;
}

const char *iomap_user_exit_name(uint32_t reason)
{
	/* KVM_EXIT_* from linux/kvm.h: numbers are ABI and never change. */
	static const char *const names[] = {
		"KVM_EXIT_UNKNOWN",
		"KVM_EXIT_EXCEPTION",
		"KVM_EXIT_IO",
		"KVM_EXIT_HYPERCALL",
		"KVM_EXIT_DEBUG",
		"KVM_EXIT_HLT",
		"KVM_EXIT_MMIO",
		"KVM_EXIT_IRQ_WINDOW_OPEN",
		"KVM_EXIT_SHUTDOWN",
		"KVM_EXIT_FAIL_ENTRY",
		"KVM_EXIT_INTR",
		"KVM_EXIT_SET_TPR",
		"KVM_EXIT_TPR_ACCESS",
		"KVM_EXIT_S390_SIEIC",
		"KVM_EXIT_S390_RESET",
		"KVM_EXIT_DCR",
		"KVM_EXIT_NMI",
		"KVM_EXIT_INTERNAL_ERROR",
		"KVM_EXIT_OSI",
		"KVM_EXIT_PAPR_HCALL",
		"KVM_EXIT_S390_UCONTROL",
		"KVM_EXIT_WATCHDOG",
		"KVM_EXIT_S390_TSCH",
		"KVM_EXIT_EPR",
		"KVM_EXIT_SYSTEM_EVENT",
		"KVM_EXIT_S390_STSI",
		"KVM_EXIT_IOAPIC_EOI",
		"KVM_EXIT_HYPERV",
		"KVM_EXIT_ARM_NISV",
		"KVM_EXIT_X86_RDMSR",
		"KVM_EXIT_X86_WRMSR",
		"KVM_EXIT_DIRTY_RING_FULL",
		"KVM_EXIT_AP_RESET_HOLD",
		"KVM_EXIT_X86_BUS_LOCK",
		"KVM_EXIT_XEN",
		"KVM_EXIT_RISCV_SBI",
		"KVM_EXIT_RISCV_CSR",
		"KVM_EXIT_NOTIFY",
		"KVM_EXIT_LOONGARCH_IOCSR",
		"KVM_EXIT_MEMORY_FAULT",
		"KVM_EXIT_TDX",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : NULL;
}

/* A pattern with a remedy: which class, which direction counts, what to say. */
struct hint_rule {
	enum io_class cls;
	uint8_t rw; /* HOT_READ / HOT_WRITE the accesses must include; 0 = any */
	const char *text;
};

static const struct hint_rule rules[] = {
	{ IOC_PM_TIMER, HOT_READ,
	  "guest polls the ACPI PM timer (port 0x%x): enable the Hyper-V clock enlightenment "
	  "(hv-time / hypervclock) for Windows, or a TSC/kvmclock clocksource" },
	{ IOC_LAPIC, 0,
	  "LAPIC register traffic (ICR/EOI/timer): enable APICv/AVIC (or x2APIC + "
	  "hv-synic/stimer for Windows)" },
	{ IOC_PIT, 0,
	  "guest drives the PIT (ports 0x40-0x43): give it the LAPIC TSC-deadline timer and "
	  "kvmclock (Linux) or hv-stimer (Windows); keep the PIT in the kernel" },
	{ IOC_HPET_COUNTER, HOT_READ,
	  "guest reads the HPET main counter: use a TSC/kvmclock clocksource (Linux) or hv-time "
	  "(Windows), or drop the HPET (-machine hpet=off)" },
	{ IOC_TSC_DEADLINE, HOT_WRITE,
	  "guest rewrites IA32_TSC_DEADLINE very often: check its timer load (HZ, nohz, "
	  "hrtimers); KVM handles it fastest with the VMX preemption timer" },
	{ IOC_HV_REFCOUNT, HOT_READ,
	  "guest reads the Hyper-V reference counter MSR: enable hv-time (reference TSC page) "
	  "with an invariant TSC (+invtsc) so clock reads do not exit" },
	{ IOC_RTC, 0,
	  "guest hammers the RTC/CMOS (ports 0x70/0x71): for Windows enable hv-time and "
	  "hv-stimer; check the guest clock settings" },
};

int iomap_hints(const struct snap_hot *hot, int nhot, double exits_rate, struct snap_hint *out,
		int max)
{
	double rate[ARRAY_SIZE(rules)] = { 0 }, best_rate[ARRAY_SIZE(rules)] = { 0 };
	uint64_t port[ARRAY_SIZE(rules)] = { 0 };
	bool done[ARRAY_SIZE(rules)] = { false };
	size_t r;
	int i, n = 0;

	if (exits_rate <= 0)
		return 0;
	for (i = 0; i < nhot; i++) {
		enum io_class c;

		if (hot[i].other)
			continue;
		c = iomap_class(hot[i].kind, hot[i].addr);
		for (r = 0; r < ARRAY_SIZE(rules); r++) {
			if (rules[r].cls != c || (rules[r].rw && !(hot[i].rw & rules[r].rw)))
				continue;
			rate[r] += hot[i].rate;
			/* The busiest address names the pattern (the PM timer's port). */
			if (hot[i].rate > best_rate[r]) {
				best_rate[r] = hot[i].rate;
				port[r] = hot[i].addr;
			}
		}
	}
	while (n < max) {
		int pick = -1;

		for (r = 0; r < ARRAY_SIZE(rules); r++)
			if (!done[r] && rate[r] >= HINT_MIN_RATE &&
			    100.0 * rate[r] / exits_rate >= HINT_MIN_SHARE &&
			    (pick < 0 || rate[r] > rate[pick]))
				pick = (int)r;
		if (pick < 0)
			break;
		done[pick] = true;
		snprintf(out[n].text, sizeof(out[n].text), rules[pick].text,
			 (unsigned int)port[pick]);
		n++;
	}
	return n;
}
