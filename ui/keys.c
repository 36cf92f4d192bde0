// SPDX-License-Identifier: GPL-2.0
/* Keys: what each does to the view, and what it asks of the tick loop. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "layout.h"
#include "util.h"
#include "view.h"

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC	    27
#define KEY_DEL	    127

/* Returns the focused pane when the last frame showed it with its table, else -1. */
static int focused(struct view *v)
{
	int f = view_level(v)->focus;

	return f >= 0 && f < v->npanes && v->frame[f].built ? f : -1;
}

/* Moves the focused pane's selection to row sel (clamped) and keys it to that row. */
static void select_row(struct view *v, int sel)
{
	int f = focused(v);
	const struct table *t;
	struct pane_view *pv;

	if (f < 0)
		return;
	t = &v->tables[f];
	pv = &view_level(v)->pv[f];
	if (!t->nrows)
		return;
	pv->sel = MAX(MIN(sel, t->nrows - 1), 0);
	pv->ref = t->rows[pv->sel].ref;
	pv->keyed = true;
}

static void move_selection(struct view *v, int key)
{
	int f = focused(v), sel, page;

	if (f < 0)
		return;
	sel = view_level(v)->pv[f].sel;
	page = MAX(v->frame[f].visible - 1, 1);
	switch (key) {
	case KEY_UP:
		sel--;
		break;
	case KEY_DOWN:
		sel++;
		break;
	case KEY_PPAGE:
		sel -= page;
		break;
	case KEY_NPAGE:
		sel += page;
		break;
	case KEY_HOME:
		sel = 0;
		break;
	case KEY_END:
		sel = v->tables[f].nrows - 1;
		break;
	}
	select_row(v, sel);
}

/* Focuses the next (dir 1) or previous (dir -1) pane the last frame showed. */
static void cycle_focus(struct view *v, int dir)
{
	struct view_level *l = view_level(v);
	int i, k;

	for (k = 1; k <= v->npanes; k++) {
		i = ((l->focus < 0 ? 0 : l->focus) + dir * k + v->npanes * 2) % v->npanes;
		if (v->frame[i].shown) {
			l->focus = i;
			return;
		}
	}
}

/* Changes the sort of the focused pane: step 1 / -1 through its columns, 0 reverses. */
static void change_sort(struct view *v, int step)
{
	int f = focused(v), cur, n;
	const struct table_spec *spec;

	if (f < 0)
		return;
	spec = panes[f]->table;
	n = spec->ncols;
	cur = table_sort_col(spec, v->sort[f]);
	if (cur < 0) {
		view_message(v, true, "%s: rows keep their own order", panes[f]->title);
		return;
	}
	if (!step)
		v->reverse[f] = !v->reverse[f];
	else
		v->sort[f] = cur = (cur + step + n) % n;
	view_message(v, false, "%s: sort by %s%s", panes[f]->title, spec->cols[cur].title,
		     v->reverse[f] ? ", reversed" : "");
}

/* Enter: opens the selected row as its pane says: a VM, a vCPU, the addresses of an exit. */
static void open_row(struct view *v)
{
	const struct table_row *row;
	struct pane_goto to;
	int f = focused(v);

	if (f < 0 || !v->tables[f].nrows) {
		view_message(v, true, "nothing selected");
		return;
	}
	/* Pinned, so that coming back finds the same row selected. */
	select_row(v, view_level(v)->pv[f].sel);
	row = &v->tables[f].rows[view_level(v)->pv[f].sel];
	if (!pane_open(panes[f], &view_level(v)->scope, &row->ref, &to)) {
		view_message(v, to.error, "%s", to.msg);
		return;
	}
	if (!view_push(v, &to.scope, to.focus ? pane_index(to.focus) : -1))
		view_message(v, true, "too deep: press Esc");
}

static void open_prompt(struct view *v, enum view_prompt p, const char *initial)
{
	v->prompt = p;
	v->input_len = (int)strlen(strlcpy0(v->input, initial, sizeof(v->input)));
}

/* Applies the filter typed; an empty one clears it. */
static void set_filter(struct view *v)
{
	char msg[128], esc[4 * VIEW_INPUT_MAX];
	regex_t re;
	int err;

	if (!v->input_len) {
		if (v->have_filter)
			regfree(&v->filter);
		v->have_filter = false;
		v->filter_src[0] = '\0';
		view_message(v, false, "filter cleared");
		return;
	}
	err = regcomp(&re, v->input, REG_EXTENDED | REG_NOSUB | REG_ICASE);
	if (err) {
		regerror(err, &re, msg, sizeof(msg));
		view_message(v, true, "bad regex: %s", msg);
		return;
	}
	if (v->have_filter)
		regfree(&v->filter);
	v->filter = re;
	v->have_filter = true;
	strlcpy0(v->filter_src, v->input, sizeof(v->filter_src));
	escape_text(esc, sizeof(esc), v->input, (size_t)-1, v->utf8);
	view_message(v, false, "showing VMs matching /%s/", esc);
}

static void set_delay(struct view *v, struct tick_ctl *ctl)
{
	char *end;
	double d;

	d = strtod(v->input, &end);
	if (end == v->input || *end || !(d >= LAY_DELAY_MIN && d <= LAY_DELAY_MAX)) {
		view_message(v, true, "the delay is a number of seconds from %g to %g",
			     LAY_DELAY_MIN, LAY_DELAY_MAX);
		return;
	}
	ctl->delay_s = d;
	view_message(v, false, "refresh every %gs", d);
}

/* A key while a prompt is open: edit the line, Enter takes it, Esc drops it. */
static void prompt_key(struct view *v, int key, struct tick_ctl *ctl)
{
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (v->prompt == PROMPT_FILTER) {
			set_filter(v);
		} else if (v->prompt == PROMPT_DELAY) {
			set_delay(v, ctl);
		} else if (v->prompt == PROMPT_GUEST && v->input_len) {
			/* Found in the next frame, which has a snapshot to look in. */
			strlcpy0(v->pick, v->input, sizeof(v->pick));
			v->pick_pending = true;
		}
		v->prompt = PROMPT_NONE;
		break;
	case KEY_ESC:
		v->prompt = PROMPT_NONE;
		break;
	case KEY_BACKSPACE:
	case KEY_DEL:
	case KEY_CTRL('h'):
		/* Drop a whole UTF-8 sequence. */
		while (v->input_len > 0 && ((unsigned char)v->input[--v->input_len] & 0xc0) == 0x80)
			;
		v->input[v->input_len] = '\0';
		break;
	case KEY_CTRL('u'):
		v->input_len = 0;
		v->input[0] = '\0';
		break;
	default:
		/* Bytes of text only: no control characters, no curses key codes. */
		if (key >= 0x20 && key <= 0xff && key != KEY_DEL &&
		    v->input_len + 1 < (int)sizeof(v->input)) {
			v->input[v->input_len++] = (char)key;
			v->input[v->input_len] = '\0';
		}
		break;
	}
}

static void help_key(struct view *v, int key)
{
	int page = MAX(v->help_visible - 1, 1);

	switch (key) {
	case KEY_UP:
		v->help_top--;
		break;
	case KEY_DOWN:
		v->help_top++;
		break;
	case KEY_PPAGE:
		v->help_top -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		v->help_top += page;
		break;
	case KEY_HOME:
		v->help_top = 0;
		break;
	case KEY_END:
		v->help_top = 1 << 20; /* the frame brings it back to the last page */
		break;
	case KEY_RESIZE:
		break;
	default:
		v->help = false;
		break;
	}
	v->help_top = MAX(v->help_top, 0);
}

void view_key(struct view *v, int key, struct tick_ctl *ctl)
{
	char buf[32];

	ctl->redraw = true;
	if (key == KEY_RESIZE)
		return;
	if (v->prompt) {
		prompt_key(v, key, ctl);
		return;
	}
	if (v->help) {
		help_key(v, key);
		return;
	}
	v->msg[0] = '\0';
	switch (key) {
	case 'q':
		ctl->quit = true;
		break;
	case '?':
	case 'h':
		v->help = true;
		v->help_top = 0;
		break;
	case '\t':
		cycle_focus(v, 1);
		break;
	case KEY_BTAB:
		cycle_focus(v, -1);
		break;
	case KEY_UP:
	case KEY_DOWN:
	case KEY_PPAGE:
	case KEY_NPAGE:
	case KEY_HOME:
	case KEY_END:
		move_selection(v, key);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_RIGHT:
		open_row(v);
		break;
	case KEY_ESC:
	case KEY_LEFT:
		view_pop(v);
		break;
	case 's':
	case '>':
		change_sort(v, 1);
		break;
	case '<':
		change_sort(v, -1);
		break;
	case 'R':
		change_sort(v, 0);
		break;
	case '/':
	case 'f':
		open_prompt(v, PROMPT_FILTER, v->filter_src);
		break;
	case 'g':
		open_prompt(v, PROMPT_GUEST, "");
		break;
	case 'd':
		snprintf(buf, sizeof(buf), "%g", ctl->delay_s);
		open_prompt(v, PROMPT_DELAY, buf);
		break;
	case 'p':
		ctl->paused = !ctl->paused;
		view_message(v, false, ctl->paused ? "paused: p resumes" : "resumed");
		break;
	case 'r':
		ctl->reset = true;
		view_message(v, false, "counters reset");
		break;
	case 'c':
		ctl->cumulative = !ctl->cumulative;
		ctl->refresh = true;
		view_message(v, false,
			     ctl->cumulative ? "counts since start or reset (r)"
					     : "counts per interval");
		break;
	case '+':
	case '-':
		ctl->delay_s = layout_delay_step(ctl->delay_s, key == '+' ? 1 : -1);
		view_message(v, false, "refresh every %gs", ctl->delay_s);
		break;
	case 'x':
		v->show_zero = !v->show_zero;
		view_message(v, false,
			     v->show_zero ? "showing rows with nothing in the window"
					  : "hiding rows with nothing in the window");
		break;
	case KEY_CTRL('l'):
		v->clear = true;
		break;
	default:
		view_message(v, true, "unknown key: ? lists them");
		break;
	}
}
