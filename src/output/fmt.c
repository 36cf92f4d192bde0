// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>

#include "fmt.h"

char *fmt_si(char *buf, double v)
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (!isfinite(v) || v < 0) {
		snprintf(buf, FMT_MAX, "-");
		return buf;
	}
	if (v < 10000) {
		if (v > 0 && v < 10 && v != floor(v))
			snprintf(buf, FMT_MAX, "%.1f", v);
		else
			snprintf(buf, FMT_MAX, "%.0f", v);
		return buf;
	}
	while (v >= 999.5 && u < 5) {
		v /= 1000;
		u++;
	}
	if (v < 9.995)
		snprintf(buf, FMT_MAX, "%.2f%c", v, units[u]);
	else if (v < 99.95)
		snprintf(buf, FMT_MAX, "%.1f%c", v, units[u]);
	else
		snprintf(buf, FMT_MAX, "%.0f%c", v, units[u]);
	return buf;
}

char *fmt_pct(char *buf, double v)
{
	if (!isfinite(v) || v < 0)
		snprintf(buf, FMT_MAX, "-");
	else
		snprintf(buf, FMT_MAX, "%.1f", v);
	return buf;
}

char *fmt_ns(char *buf, double ns)
{
	if (!isfinite(ns) || ns <= 0)
		snprintf(buf, FMT_MAX, "-");
	else if (ns < 1e3)
		snprintf(buf, FMT_MAX, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, FMT_MAX, "%.*fus", ns < 1e4 ? 2 : ns < 1e5 ? 1 : 0, ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, FMT_MAX, "%.*fms", ns < 1e7 ? 2 : ns < 1e8 ? 1 : 0, ns / 1e6);
	else
		snprintf(buf, FMT_MAX, "%.2fs", ns / 1e9);
	return buf;
}
