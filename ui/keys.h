/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The keys of the live screen, in one table: the codes each binding takes, what the help
 * says of it, and what it does. view_key() dispatches by it and the help lists it, so the
 * two cannot drift; README's "Keys" and the manual's KEYS name the same keys (a test checks).
 * Keys a pane has of its own are declared by the pane (struct pane_key) and listed after.
 */
#ifndef KVMSCOPE_UI_KEYS_H
#define KVMSCOPE_UI_KEYS_H

#include "tickctl.h"

struct view;

#define KEY_CODES_MAX 6

/* One binding of key_bindings[]. */
struct key_binding {
	const char *name;	  /* the keys as the help shows them: "s >", "Ctrl-L" */
	int codes[KEY_CODES_MAX]; /* the curses key codes it takes, ending with 0 */
	const char *help;	  /* what it does */
	/* Acts on key (one of codes) and records in ctl what the loop must do. */
	void (*act)(struct view *v, int key, struct tick_ctl *ctl);
	/* KEYS_LIVE, KEYS_REPLAY: the screens it works on (0: both); elsewhere it says so. */
	unsigned int modes;
};

#define KEYS_LIVE   1u /* the live screen */
#define KEYS_REPLAY 2u /* a replay: a recording (-r), a trace.dat (-i) */

/* Every binding, in the order the help lists them; ends with a NULL name. */
extern const struct key_binding key_bindings[];

#endif
