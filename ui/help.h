/* SPDX-License-Identifier: GPL-2.0 */
/* The keys, as the help screen lists them; README's "Keys" and the manual's KEYS match it. */
#ifndef KVMSCOPE_UI_HELP_H
#define KVMSCOPE_UI_HELP_H

/* One line of the help: the keys (space-separated names) and what they do. */
struct help_entry {
	const char *keys;
	const char *what;
};

/* Every key, in the order the help shows them; NULL-terminated. */
extern const struct help_entry help_keys[];

#endif
