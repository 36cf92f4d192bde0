// SPDX-License-Identifier: GPL-2.0
/* One frame: header, the panes of the current scope, the bottom line, or the help. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "color.h"
#include "escape.h"
#include "header.h"
#include "keys.h"
#include "layout.h"
#include "utf8.h"
#include "util.h"
#include "view.h"

#define HLINE_UTF8 0x2500
#define CELL_MAX   512 /* widest cell drawn; a wider screen pads the rest */
#define MSG_FRAMES 3 /* a message stays for this many new snapshots, or until a key */

static uint32_t hline(const struct screen *scr)
{
	return scr->utf8 ? HLINE_UTF8 : '-';
}

/* Returns the columns used: text at x, y cut to w columns, a '~' marking a cut. */
static int put_cut(struct screen *scr, int x, int y, int w, const char *text, uint8_t color)
{
	int n;

	if (w <= 0)
		return 0;
	n = screen_put(scr, x, y, w, text, color);
	if (n == w && utf8_width(text) > w && w > 1)
		screen_put(scr, x + w - 1, y, 1, "~", color);
	return n;
}

/* Returns true when a bad source's text starts in len bytes from start. */
static bool sources_bad(const struct header *hd, const size_t *starts, int start, int len)
{
	int i;

	for (i = 0; i < hd->nsources; i++)
		if (hd->sources[i].bad && starts[i] >= (size_t)start &&
		    starts[i] < (size_t)(start + len))
			return true;
	return false;
}

/*
 * Returns buf holding a replay's markers: where it is, whether it plays, and the span of the
 * cumulative mode, whose P99s are upper bounds ("<=").
 */
static char *replay_markers(const struct tick_ctl *ctl, char *buf, size_t n)
{
	const struct tick_time *tt = &ctl->time;
	size_t o;

	o = (size_t)snprintf(buf, n, " REPLAY %ld/%ld%s ", tt->pos + 1, tt->count,
			     tt->more ? "+" : "");
	if (o < n && !ctl->paused)
		o += (size_t)snprintf(buf + o, n - o, "playing %gx ", tt->speed);
	if (o < n && ctl->cumulative)
		snprintf(buf + o, n - o, " SPAN %ld-%ld P99<= ", MIN(tt->mark, tt->pos) + 1,
			 MAX(tt->mark, tt->pos) + 1);
	return buf;
}

/* Header: host line with markers, the sources (wrapped), the event counts. */
static int draw_header(struct view *v, const struct snapshot *s, const struct tick_ctl *ctl,
		       struct screen *scr)
{
	char buf[1024], markers[96] = "", every[64] = "", line[1024];
	int start[2], len[2], nsrc = 1, y = 0, i, mw, ew;
	size_t starts[HEADER_SOURCES_MAX];
	struct lay_header lh;
	struct header hd;

	if (s) {
		header_fill(&hd, s, v->utf8);
		header_sources_text(&hd, buf, sizeof(buf), starts);
		nsrc = layout_wrap(buf, ", ", scr->w, 2, start, len);
	}
	layout_header(scr->h, nsrc, &lh);
	if (!lh.host)
		return 0;

	/*
	 * The refresh interval and the markers sit at the right end, so a narrow screen cuts
	 * the host text, not them. Cumulative mode is a marker here, from the loop's state.
	 */
	if (ctl && ctl->time.replay) {
		replay_markers(ctl, markers, sizeof(markers));
	} else {
		if (ctl && ctl->paused)
			strcat(markers, " PAUSED ");
		if (ctl && ctl->cumulative)
			strcat(markers, " CUMULATIVE ");
	}
	if (s) {
		/* A replay says the day it shows where there is room for it. */
		hd.dated = ctl && ctl->time.replay && scr->w >= 100;
		header_host_text(&hd, false, line, sizeof(line));
		every[0] = ' ';
		header_every_text(&hd, every + 1, sizeof(every) - 1);
	} else {
		snprintf(line, sizeof(line), "kvmscope  waiting for the first sample (%.1fs)",
			 ctl ? ctl->delay_s : 1.0);
	}
	mw = MIN((int)strlen(markers), scr->w);
	ew = MIN((int)strlen(every), scr->w - mw);
	/* Tiny screens keep the name of the program rather than the interval. */
	if (scr->w - mw - ew - 1 < 20)
		ew = 0;
	put_cut(scr, 0, y, scr->w - mw - ew - (mw + ew ? 1 : 0), line, UC_HEADER);
	if (ew)
		screen_put(scr, scr->w - mw - ew, y, ew, every, UC_HEADER);
	if (mw)
		screen_put(scr, scr->w - mw, y, mw, markers, UC_MARKER);
	y++;
	if (!s)
		return lh.total;

	for (i = 0; i < lh.sources && i < nsrc; i++, y++) {
		snprintf(line, sizeof(line), "%s%.*s", i ? "  " : "", len[i], buf + start[i]);
		put_cut(scr, 0, y, scr->w, line,
			sources_bad(&hd, starts, start[i], len[i]) ? UC_HEADER_BAD : UC_HEADER);
	}
	if (lh.events) {
		header_events_text(&hd, line, sizeof(line));
		put_cut(scr, 0, y, scr->w, line, hd.events_bad ? UC_HEADER_BAD : UC_HEADER);
		y++;
	}
	return y;
}

/*
 * Puts the selection on a row of the table. A row the user picked is followed wherever the
 * sort moves it, while it is there; until then the selection stays on its line (the top,
 * the busiest), as in top, so the view never scrolls after a row nobody chose.
 */
static void settle_selection(struct pane_view *pv, const struct table *t)
{
	int r;

	if (pv->keyed) {
		for (r = 0; r < t->nrows; r++)
			if (table_ref_same(&t->rows[r].ref, &pv->ref))
				break;
		if (r < t->nrows)
			pv->sel = r;
		else
			pv->keyed = false;
	}
	pv->sel = MAX(MIN(pv->sel, t->nrows - 1), 0);
}

/* Returns the column rows of pane i are sorted by, or -1 when its order is fixed. */
static int sort_col(const struct view *v, int i)
{
	return table_sort_col(panes[i]->table, v->sort[i]);
}

/* The title bar: title, row count, sort order, which rows are shown. */
static void draw_title(struct view *v, struct screen *scr, int i, int y, int visible, bool focused)
{
	const struct table *t = &v->tables[i];
	const struct pane_view *pv = &view_level(v)->pv[i];
	uint8_t color = focused ? UC_TITLE_FOCUS : UC_TITLE;
	char buf[256], part[96];
	int x, col = sort_col(v, i);

	snprintf(buf, sizeof(buf), " %s ", t->title[0] ? t->title : panes[i]->title);
	if (t->nrows > visible && visible > 0) {
		snprintf(part, sizeof(part), " %d-%d of %d ", pv->top + 1, pv->top + visible,
			 t->nrows);
	} else {
		snprintf(part, sizeof(part), " %d ", t->nrows);
	}
	screen_fill(scr, 0, y, scr->w, hline(scr), color);
	x = 2;
	x += put_cut(scr, x, y, scr->w - x, buf, color);
	if (x + 2 < scr->w)
		x += 1 + screen_put(scr, x + 1, y, scr->w - x - 1, part, color);
	if (col >= 0 && col < t->ncols && x + 2 < scr->w) {
		snprintf(part, sizeof(part), " sort %s%s ", table_col_title(t, col),
			 v->reverse[i] ? " reversed" : "");
		screen_put(scr, x + 1, y, scr->w - x - 1, part, color);
	}
}

/* Column titles, the sort column marked. */
static void draw_colhdr(struct view *v, struct screen *scr, int i, int y, const int *widths)
{
	const struct table *t = &v->tables[i];
	char buf[4 * CELL_MAX + 1];
	int c, x = 0, col = sort_col(v, i);

	screen_fill(scr, 0, y, scr->w, ' ', UC_COLHDR);
	for (c = 0; c < t->ncols && c < TABLE_COLS_MAX && x < scr->w; c++) {
		int w = MIN(widths[c], CELL_MAX);

		if (!w)
			continue;
		table_fit(buf, table_col_title(t, c), w, t->cols[c].align);
		screen_put(scr, x, y, w, buf, c == col ? UC_COLHDR_SORT : UC_COLHDR);
		x += w + 1;
	}
}

/* One row of a table, cells in their columns. */
static void draw_row(struct view *v, struct screen *scr, int i, int r, int y, const int *widths,
		     bool selected)
{
	const struct table *t = &v->tables[i];
	uint8_t color = selected ? UC_SELECT : color_for_row(t->rows[r].attr);
	char buf[4 * CELL_MAX + 1];
	int c, x = 0;

	if (selected)
		screen_fill(scr, 0, y, scr->w, ' ', color);
	for (c = 0; c < t->ncols && c < TABLE_COLS_MAX && x < scr->w; c++) {
		int w = MIN(widths[c], CELL_MAX);

		if (!w)
			continue;
		table_fit_cell(t, r, c, w, buf);
		screen_put(scr, x, y, w, buf, color);
		x += w + 1;
	}
}

/* Pane i in lines y .. y + h - 1. */
static void draw_pane(struct view *v, struct screen *scr, int i, int y, int h, bool focused)
{
	struct pane_view *pv = &view_level(v)->pv[i];
	const struct table *t = &v->tables[i];
	int widths[TABLE_COLS_MAX] = { 0 }, data, note, visible, r;

	data = MAX(h - LAY_PANE_CHROME, 0);
	/* A note is the content of an empty table, else a legend: shown below all the rows. */
	note = t->note[0] && data && (!t->nrows || data > t->nrows);
	visible = MIN(data - note, t->nrows);
	settle_selection(pv, t);
	pv->top = layout_scroll(pv->sel, pv->top, t->nrows, data - note);
	v->frame[i].visible = MAX(data - note, 0);
	v->frame[i].shown = true;

	draw_title(v, scr, i, y, data - note, focused);
	if (h < 2)
		return;
	table_layout(t, scr->w, widths);
	draw_colhdr(v, scr, i, y + 1, widths);
	for (r = 0; r < visible && pv->top + r < t->nrows; r++)
		draw_row(v, scr, i, pv->top + r, y + 2 + r, widths,
			 focused && pv->top + r == pv->sel);
	if (note)
		put_cut(scr, 0, y + 2 + r, scr->w, t->note, UC_NOTE);
}

/* Returns buf holding an escaped label of the VM pid in s, "pid N" when it is gone. */
static char *vm_title(const struct view *v, const struct snapshot *s, int pid, char *buf, size_t n)
{
	const struct snap_vm *vm = s ? snapshot_vm(s, pid) : NULL;
	char lb[SNAP_LABEL_MAX];

	if (!vm) {
		snprintf(buf, n, "pid %d", pid);
		return buf;
	}
	escape_text(buf, n, snap_vm_label(vm, lb, sizeof(lb)), (size_t)-1, v->utf8);
	return buf;
}

/* Returns buf holding src in capitals: the hot kinds are acronyms on screen (PIO, MMIO, MSR). */
static char *upper(char *buf, size_t n, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < n; i++)
		buf[i] = (char)toupper((unsigned char)src[i]);
	buf[i] = '\0';
	return buf;
}

/* Returns buf holding where the view is: "host > web1 > CPU 0/KVM > PIO". */
static char *breadcrumb(const struct view *v, const struct snapshot *s, char *buf, size_t n)
{
	const struct scope *sc = &v->lv[v->depth].scope;
	char name[4 * SNAP_VMNAME_MAX + 16], lb[SNAP_LABEL_MAX];
	const struct snap_thread *th;
	const struct snap_vm *vm;
	char kind[8];
	size_t o;

	o = (size_t)snprintf(buf, n, " host");
	if (sc->kind != SCOPE_HOST && o < n) {
		vm_title(v, s, sc->pid, name, sizeof(name));
		o += (size_t)snprintf(buf + o, n - o, " > %s", name);
	}
	if (sc->kind == SCOPE_VCPU && o < n) {
		vm = s ? snapshot_vm(s, sc->pid) : NULL;
		th = vm ? snapshot_thread(vm, sc->tid) : NULL;
		if (th)
			escape_text(name, sizeof(name), pane_thread_label(th, lb, sizeof(lb)),
				    (size_t)-1, v->utf8);
		else
			snprintf(name, sizeof(name), "tid %d", sc->tid);
		o += (size_t)snprintf(buf + o, n - o, " > %s", name);
	}
	if (sc->hot_only > 0 && sc->hot_only <= HOT__KINDS && o < n)
		o += (size_t)snprintf(
			buf + o, n - o, " > %s",
			upper(kind, sizeof(kind), snap_hot_kind_name((unsigned)sc->hot_only - 1)));
	if (sc->lat.kind != REF_NONE && o < n)
		snprintf(buf + o, n - o, " > latency");
	return buf;
}

static const char *prompt_label(enum view_prompt p)
{
	switch (p) {
	case PROMPT_FILTER:
		return "Filter VMs (regex, empty clears): ";
	case PROMPT_GUEST:
		return "Go to guest (pid or name): ";
	case PROMPT_DELAY:
		return "Refresh delay (seconds): ";
	case PROMPT_JUMP:
		return "Jump to (HH:MM[:SS], date, +MM:SS, #tick, start, end): ";
	default:
		return "";
	}
}

/* The bottom line: the prompt being typed, a message, or where you are and key hints. */
static void draw_status(struct view *v, const struct snapshot *s, const struct tick_ctl *ctl,
			struct screen *scr, int y)
{
	char buf[4 * VIEW_INPUT_MAX + 64], right[4 * VIEW_INPUT_MAX + 64], esc[4 * VIEW_INPUT_MAX];
	const char *label, *shown;
	int x, rw;

	if (v->prompt) {
		label = prompt_label(v->prompt);
		screen_fill(scr, 0, y, scr->w, ' ', UC_PROMPT);
		x = screen_put(scr, 0, y, scr->w, label, UC_PROMPT);
		/* What the user typed is shown escaped, its end in view. */
		escape_text(esc, sizeof(esc), v->input, (size_t)v->input_len, v->utf8);
		shown = utf8_tail(esc, MAX(scr->w - x - 1, 0));
		x += screen_put(scr, x, y, scr->w - x, shown, UC_PROMPT);
		scr->cursor = true;
		scr->cur_x = MIN(x, scr->w - 1);
		scr->cur_y = y;
		return;
	}
	if (v->msg[0]) {
		uint8_t color = v->msg_error ? UC_ERROR : UC_MESSAGE;

		screen_fill(scr, 0, y, scr->w, ' ', color);
		snprintf(buf, sizeof(buf), " %s", v->msg);
		put_cut(scr, 0, y, scr->w, buf, color);
		return;
	}
	screen_fill(scr, 0, y, scr->w, ' ', UC_STATUS);
	right[0] = '\0';
	if (v->have_filter) {
		escape_text(esc, sizeof(esc), v->filter_src, (size_t)-1, v->utf8);
		snprintf(right, sizeof(right), "filter /%s/  ", esc);
	}
	if (v->show_zero)
		strcat(right, "zeros  ");
	if (ctl && ctl->time.replay)
		strcat(right, ", . step  b jump  ");
	strcat(right, "? help  q quit ");
	rw = utf8_width(right);
	breadcrumb(v, s, buf, sizeof(buf));
	/* Where you are wins over the hints when both do not fit. */
	if (utf8_width(buf) + 2 + rw > scr->w) {
		put_cut(scr, 0, y, scr->w, buf, UC_STATUS);
		return;
	}
	screen_put(scr, 0, y, scr->w, buf, UC_STATUS);
	screen_put(scr, scr->w - rw, y, rw, right, UC_STATUS);
}

/*
 * Returns false past the last entry of the help; else sets what entry i lists: the key
 * bindings, then the keys panes declare (their what in buf, after the pane's title).
 */
static bool help_entry(int i, const char **keys, const char **what, char *buf, size_t n)
{
	const struct pane_key *k;
	int p;

	for (p = 0; key_bindings[p].name; p++)
		if (p == i) {
			*keys = key_bindings[p].name;
			*what = key_bindings[p].help;
			return true;
		}
	i -= p;
	for (p = 0; panes[p]; p++)
		for (k = panes[p]->keys; k && k->keys; k++)
			if (!i--) {
				snprintf(buf, n, "%s: %s", panes[p]->title, k->what);
				*keys = k->keys;
				*what = buf;
				return true;
			}
	return false;
}

/* The help: every key and what it does, scrolled by help_top. */
static void draw_help(struct view *v, struct screen *scr)
{
	int kw = 0, i, y, line = 0, body = MAX(scr->h - 2, 0), total;
	const char *keys, *what;
	char buf[256], wbuf[256];

	for (i = 0; help_entry(i, &keys, &what, wbuf, sizeof(wbuf)); i++)
		kw = MAX(kw, (int)strlen(keys));
	kw += 4;
	screen_fill(scr, 0, 0, scr->w, ' ', UC_TITLE_FOCUS);
	put_cut(scr, 0, 0, scr->w, " kvmscope keys", UC_TITLE_FOCUS);

	/* Each entry wraps its text at blanks beside the key column, or below it when narrow. */
	for (total = 0, i = 0; help_entry(i, &keys, &what, wbuf, sizeof(wbuf)); i++) {
		int tw = scr->w - kw > 20 ? scr->w - kw : scr->w - 4, start[16], len[16], n, k;
		int indent = scr->w - kw > 20 ? kw : 4;
		bool below = indent != kw;

		n = layout_wrap(what, " ", MAX(tw, 1), (int)ARRAY_SIZE(start), start, len);
		for (k = -(int)below; k < n; k++, line++, total++) {
			y = 1 + line - v->help_top;
			if (y < 1 || y > body)
				continue;
			if (k <= 0 && (k < 0 || !below)) {
				snprintf(buf, sizeof(buf), "  %s", keys);
				put_cut(scr, 0, y, MIN(kw, scr->w), buf, UC_HELP_KEY);
			}
			if (k >= 0) {
				snprintf(buf, sizeof(buf), "%.*s", len[k], what + start[k]);
				put_cut(scr, indent, y, scr->w - indent, buf, UC_NORMAL);
			}
		}
	}
	v->help_visible = body;
	if (v->help_top > MAX(total - body, 0)) {
		/* Scrolled past the end (the screen grew): draw again from a valid top. */
		v->help_top = MAX(total - body, 0);
		screen_clear(scr);
		draw_help(v, scr);
		return;
	}
	if (scr->h >= 2) {
		screen_fill(scr, 0, scr->h - 1, scr->w, ' ', UC_STATUS);
		if (total > body)
			snprintf(buf, sizeof(buf),
				 " lines %d-%d of %d  Up/Down scroll  Esc, q or ? close",
				 v->help_top + 1, MIN(v->help_top + body, total), total);
		else
			snprintf(buf, sizeof(buf), " Esc, q or ? closes the help");
		put_cut(scr, 0, scr->h - 1, scr->w, buf, UC_STATUS);
	}
}

/* Goes to the guest asked for with g, by pid or by name; says so on the bottom line. */
static void resolve_pick(struct view *v, const struct snapshot *s)
{
	const struct snap_vm *found = NULL;
	char esc[4 * SNAP_LABEL_MAX], want[4 * VIEW_INPUT_MAX];
	struct scope sc = { .kind = SCOPE_VM };
	const char *p = v->pick;
	int i, pass;

	v->pick_pending = false;
	/* Typed as seen: matched against escaped names, shown escaped. */
	escape_text(want, sizeof(want), v->pick, (size_t)-1, v->utf8);
	while (isdigit((unsigned char)*p))
		p++;
	if (!*p && p != v->pick)
		found = snapshot_vm(s, atoi(v->pick));
	/* An exact name first, then a part of one; any name the VM has, as shown, any case. */
	for (pass = 0; pass < 2 && !found; pass++)
		for (i = 0; i < s->nvms && !found; i++)
			if (!s->vms[i].gone && pane_vm_named(&s->vms[i], v->pick, pass, v->utf8))
				found = &s->vms[i];
	if (!found) {
		view_message(v, true, "no guest matches '%s'", want);
		return;
	}
	v->depth = 0;
	sc.pid = found->pid;
	view_push(v, &sc, -1);
	view_message(v, false, "guest %s", vm_title(v, s, found->pid, esc, sizeof(esc)));
}

/* Returns the pane to focus: the one asked for if it is here, else the first with rows. */
static int settle_focus(struct view *v, const struct lay_pane *lp)
{
	struct view_level *l = view_level(v);
	int i, first = -1;

	if (l->focus >= 0 && l->focus < v->npanes && v->frame[l->focus].built)
		return l->focus;
	for (i = 0; i < v->npanes; i++) {
		if (!v->frame[i].built)
			continue;
		if (first < 0)
			first = i;
		if (lp[i].want)
			return l->focus = i;
	}
	return l->focus = first;
}

bool view_compose(struct view *v, const struct snapshot *s, const struct tick_ctl *ctl,
		  struct screen *scr)
{
	struct lay_pane *lp;
	struct pane_opts po;
	struct lay_header hd;
	bool fresh = s && (!v->have_seq || s->seq != v->seq);
	int i, y, focus, lines;

	screen_clear(scr);
	/* The loop's answer to the last request (a jump, a file written) replaces the key's. */
	if (ctl && ctl->note_seq != v->note_seq) {
		v->note_seq = ctl->note_seq;
		if (ctl->note[0])
			view_message(v, ctl->note_error, "%s", ctl->note);
	}
	if (fresh) {
		v->seq = s->seq;
		v->have_seq = true;
		if (v->msg[0] && ++v->msg_frames >= MSG_FRAMES)
			v->msg[0] = '\0';
	}
	if (s && v->pick_pending)
		resolve_pick(v, s);
	for (i = 0; i < v->npanes; i++)
		v->frame[i].shown = false;
	if (v->help) {
		draw_help(v, scr);
		return fresh;
	}
	y = draw_header(v, s, ctl, scr);
	layout_header(scr->h, 1, &hd);
	/* A prompt being typed is shown even on a one-line screen. */
	hd.status = hd.status || (v->prompt && scr->h > 0);
	if (!s) {
		if (hd.status)
			draw_status(v, s, ctl, scr, scr->h - 1);
		return fresh;
	}

	lp = xcalloc((size_t)v->npanes, sizeof(*lp));
	memset(&po, 0, sizeof(po));
	po.scope = view_level(v)->scope;
	po.utf8 = v->utf8;
	po.show_zero = v->show_zero;
	po.fold = v->fold;
	po.filter = v->have_filter ? &v->filter : NULL;
	po.hist = v->hist;
	for (i = 0; i < v->npanes; i++) {
		struct table *t = &v->tables[i];

		v->frame[i].built = pane_shown(panes[i], &po.scope);
		if (!v->frame[i].built)
			continue;
		po.sort = sort_col(v, i);
		po.reverse = v->reverse[i];
		pane_build(panes[i], s, &po, t);
		lp[i].want = t->nrows + (t->note[0] ? 1 : 0);
		lp[i].rank = pane_rank(panes[i], i);
		lp[i].whole = panes[i]->whole;
	}
	focus = settle_focus(v, lp);
	for (i = 0; i < v->npanes; i++)
		lp[i].avail = v->frame[i].built && (lp[i].want || i == focus);
	lines = scr->h - y - (scr->h >= 2);
	layout_panes(lp, v->npanes, focus, lines);
	for (i = 0; i < v->npanes; i++) {
		if (!lp[i].h)
			continue;
		draw_pane(v, scr, i, y, lp[i].h, i == focus);
		y += lp[i].h;
	}
	free(lp);
	if (hd.status)
		draw_status(v, s, ctl, scr, scr->h - 1);
	return fresh;
}
