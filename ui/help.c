// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include "help.h"

const struct help_entry help_keys[] = {
	{ "q", "quit" },
	{ "? h", "this help (Esc, q or ? closes it)" },
	{ "Tab Shift-Tab", "next / previous pane" },
	{ "Up Down", "move the selection" },
	{ "PgUp PgDn", "move a page" },
	{ "Home End", "first / last row" },
	{ "Enter Right",
	  "open the selected row: a VM, a vCPU, the ports/addresses/MSRs of an exit" },
	{ "Esc Left", "back to where you were" },
	{ "s >", "sort by the next column" },
	{ "<", "sort by the previous column" },
	{ "R", "reverse the sort order" },
	{ "/ f", "filter VMs by name or pid (extended regex, any case; empty clears)" },
	{ "g", "go to a guest by pid or name" },
	{ "p", "pause / resume the display (sampling goes on)" },
	{ "r", "reset the counters (start the cumulative window again)" },
	{ "c", "counts per interval / cumulative since start or reset" },
	{ "+ -", "refresh less / more often" },
	{ "d", "set the refresh delay in seconds" },
	{ "x", "show / hide rows with nothing in the window" },
	{ "Ctrl-L", "redraw the whole screen" },
	{ NULL, NULL },
};
