// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "probe.h"

const char *source_state_name(enum source_state state)
{
	switch (state) {
	case SOURCE_OK:
		return "ok";
	case SOURCE_DEGRADED:
		return "degraded";
	case SOURCE_UNAVAILABLE:
		return "unavailable";
	case SOURCE_OFF:
		break;
	}
	return "off";
}

void source_set(struct source_status *st, enum source_state state, const char *fmt, ...)
{
	va_list ap;

	st->state = state;
	st->why[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
}
