// SPDX-License-Identifier: GPL-2.0
/*
 * Untrusted text on its way to the terminal: escape_text(), then a table cell cut to a
 * column's width (table_fit) and drawn into the in-memory screen that the TUI hands to
 * curses (screen_put, screen_line).
 *
 * Input: one byte of setup (bit 0: UTF-8 locale; bit 1: src NUL-terminated rather than
 * counted), one byte for the size of the escape buffer (0..255; 256 when 0 and bit 2), one
 * for the column width (0..63), then the text. Every buffer is a heap block of its exact
 * size, so ASan sees a write past it.
 *
 * Oracles, for the escaped text, the cut cell and the screen line alike: no control byte
 * (C0, DEL; ESC in particular), valid UTF-8 with a UTF-8 locale and ASCII without, no C1
 * control or bidi override; escape_text's result fits its buffer, NUL-terminated.
 */
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "screen.h"
#include "table.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The screen asks wcwidth() what is one column wide: as under a UTF-8 locale. */
	setlocale(LC_CTYPE, "C.UTF-8");
	return 0;
}

/* Checks text (len bytes) is safe for a terminal in the given locale. */
static void check_safe(const char *text, size_t len, bool utf8)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i;

	for (i = 0; i < len; i++) {
		FUZZ_CHECK(s[i] >= 0x20 && s[i] != 0x7f);
		FUZZ_CHECK(utf8 || s[i] < 0x80);
		/* U+0080..U+009F (C1) are C2 80..C2 9F in UTF-8. */
		FUZZ_CHECK(!(s[i] == 0xc2 && i + 1 < len && s[i + 1] < 0xa0));
		/* U+202A..U+202E and U+2066..U+2069: E2 80 AA..AE, E2 81 A6..A9. */
		FUZZ_CHECK(!(s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] >= 0xaa &&
			     s[i + 2] <= 0xae));
		FUZZ_CHECK(!(s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x81 && s[i + 2] >= 0xa6 &&
			     s[i + 2] <= 0xa9));
	}
	FUZZ_CHECK(!utf8 || fuzz_utf8_valid(s, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct table_col cols[] = { { "NAME", 0, 4, ALIGN_LEFT, 0 } };
	static const struct table_spec spec = { .cols = cols, .ncols = 1, .sort = -1 };
	struct screen scr = { 0 };
	struct table t = { 0 };
	char *src, *dst, *cut, line[4 * 64 + 1];
	size_t dstsz, len, n;
	bool utf8, counted;
	int w;

	if (size < 3)
		return 0;
	utf8 = data[0] & 1;
	counted = !(data[0] & 2);
	dstsz = data[1] ? data[1] : (data[0] & 4 ? 256 : 0);
	w = data[2] & 63;
	len = size - 3;
	src = malloc(len + 1);
	dst = malloc(dstsz ? dstsz : 1);
	cut = malloc(4 * (size_t)w + 1);
	FUZZ_CHECK(src && dst && cut);
	memcpy(src, data + 3, len);
	src[len] = '\0';

	n = escape_text(dst, dstsz, src, counted ? len : (size_t)-1, utf8);
	if (dstsz) {
		FUZZ_CHECK(n < dstsz && dst[n] == '\0' && strlen(dst) == n);
		check_safe(dst, n, utf8);
	} else {
		FUZZ_CHECK(n == 0);
	}

	/* The way a VM name reaches the screen: a cell, cut to its column, drawn. */
	table_begin(&t, &spec, 0, "fuzz");
	table_row(&t, ROW_NORMAL, 0, NULL);
	table_set_raw(&t, 0, src, utf8);
	check_safe(table_cell(&t, 0, 0), strlen(table_cell(&t, 0, 0)), utf8);
	table_fit(cut, table_cell(&t, 0, 0), w, ALIGN_LEFT);
	check_safe(cut, strlen(cut), utf8);
	screen_resize(&scr, 64, 2, utf8);
	screen_put(&scr, 0, 0, w, cut, 0);
	screen_put(&scr, 0, 1, 64, src, 0); /* raw text too: the screen must not pass it on */
	screen_line(&scr, 0, line, sizeof(line));
	check_safe(line, strlen(line), utf8);
	screen_line(&scr, 1, line, sizeof(line));
	check_safe(line, strlen(line), utf8);

	screen_free(&scr);
	table_free(&t);
	free(src);
	free(dst);
	free(cut);
	return 0;
}
