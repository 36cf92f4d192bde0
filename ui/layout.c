// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "layout.h"
#include "util.h"

void layout_header(int h, int src_lines, struct lay_header *hd)
{
	memset(hd, 0, sizeof(*hd));
	if (h <= 0)
		return;
	hd->host = 1;
	hd->status = h >= 2;
	if (h >= LAY_FULL_HEADER_H) {
		hd->sources = MIN(MAX(src_lines, 1), 2);
		hd->events = 1;
	} else if (h >= LAY_TWO_LINE_HEADER_H) {
		hd->events = 1;
	}
	hd->total = hd->host + hd->sources + hd->events;
}

int layout_panes(struct lay_pane *p, int n, int focus, int lines)
{
	int left = MAX(lines, 0), i, k, more, best;

	for (i = 0; i < n; i++)
		p[i].h = 0;
	if (focus >= 0 && focus < n && p[focus].avail) {
		p[focus].h = MIN(left, LAY_PANE_CHROME + 1);
		left -= p[focus].h;
		more = MIN(p[focus].want + LAY_PANE_CHROME, MAX(lines, 0) / 2) - p[focus].h;
		if (p[focus].whole && more > 0 && p[focus].h == LAY_PANE_CHROME + 1) {
			p[focus].h += more;
			left -= more;
		}
	}
	/* Then the rest by rank, each with its chrome and a row, while they fit. */
	for (k = 0; k < n && left >= LAY_PANE_CHROME + 1; k++) {
		best = -1;
		for (i = 0; i < n; i++)
			if (p[i].avail && !p[i].h && i != focus &&
			    (best < 0 || p[i].rank < p[best].rank))
				best = i;
		if (best < 0)
			break;
		p[best].h = LAY_PANE_CHROME + 1;
		left -= p[best].h;
	}
	do {
		more = 0;
		for (i = 0; i < n && left > 0; i++) {
			if (p[i].h >= LAY_PANE_CHROME + 1 && p[i].h - LAY_PANE_CHROME < p[i].want) {
				p[i].h++;
				left--;
				more = 1;
			}
		}
	} while (more && left > 0);
	return MAX(lines, 0) - left;
}

int layout_scroll(int sel, int top, int nrows, int visible)
{
	if (visible <= 0 || nrows <= 0)
		return 0;
	if (sel < top)
		top = sel;
	if (sel >= top + visible)
		top = sel - visible + 1;
	top = MIN(top, nrows - visible);
	return MAX(top, 0);
}

int layout_wrap(const char *text, const char *sep, int width, int max, int *start, int *len)
{
	int n = 0, pos = 0, total = (int)strlen(text), slen = (int)strlen(sep);

	while (pos < total && n < max) {
		int end = pos, next;
		const char *hit;

		/* Take pieces while they fit; always take at least one. */
		for (;;) {
			hit = strstr(text + end, sep);
			next = hit ? (int)(hit - text) + slen : total;
			if (end > pos && next - pos > width)
				break;
			end = next;
			if (!hit || next - pos >= width)
				break;
		}
		start[n] = pos;
		len[n] = end - pos;
		n++;
		pos = end;
	}
	return n;
}

/* Refresh delays the +/- keys step through, in seconds. */
static const double delay_steps[] = { 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300 };

double layout_delay_step(double cur, int dir)
{
	int i, n = (int)ARRAY_SIZE(delay_steps);

	if (dir > 0) {
		for (i = 0; i < n; i++)
			if (delay_steps[i] > cur + 1e-9)
				return delay_steps[i];
		return MIN(cur * 2, LAY_DELAY_MAX);
	}
	for (i = n - 1; i >= 0; i--)
		if (delay_steps[i] < cur - 1e-9)
			return delay_steps[i];
	return MAX(cur / 2, LAY_DELAY_MIN);
}
