// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "source.h"

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
