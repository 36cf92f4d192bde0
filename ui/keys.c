// SPDX-License-Identifier: GPL-2.0
/* Keys: what each does to the view, and what it asks of the tick loop. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "keys.h"
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
	int f = focused(v), cur, n, k;
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
		/* Pictures (sparklines, bars) are not sorted by. */
		for (k = 0; k < n; k++) {
			cur = (cur + step + n) % n;
			if (!(spec->cols[cur].flags & (TABLE_COL_SPARK | TABLE_COL_BAR)))
				break;
		}
	if (step)
		v->sort[f] = cur;
	view_message(v, false, "%s: sort by %s%s", panes[f]->title, spec->cols[cur].title,
		     v->reverse[f] ? ", reversed" : "");
}

/*
 * Enter: opens the selected row as its pane says: a VM, a vCPU, the latency distribution of an
 * exit (above the addresses behind it), of a wake edge or of a round trip.
 */
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
	/* A counter opens nothing: Enter folds or unfolds the exit reasons under theirs. */
	if (row->ref.kind == REF_COUNTER) {
		v->fold = !v->fold;
		view_message(v, false, v->fold ? "exit reasons folded (Enter unfolds)"
					       : "exit reasons under kvm_exit (Enter folds)");
		return;
	}
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
		} else if (v->prompt == PROMPT_JUMP && v->input_len) {
			/* The loop finds the tick and says where it went, or why not. */
			strlcpy0(ctl->time.jump_to, v->input, sizeof(ctl->time.jump_to));
			ctl->time.jump = true;
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

static void key_quit(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)v, (void)key;
	ctl->quit = true;
}

static void key_help(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	v->help = true;
	v->help_top = 0;
}

static void key_focus(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)ctl;
	cycle_focus(v, key == KEY_BTAB ? -1 : 1);
}

static void key_move(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)ctl;
	move_selection(v, key);
}

static void key_open(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	open_row(v);
}

static void key_back(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	view_pop(v);
}

static void key_sort(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)ctl;
	change_sort(v, key == 'R' ? 0 : key == '<' ? -1 : 1);
}

static void key_filter(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	open_prompt(v, PROMPT_FILTER, v->filter_src);
}

static void key_guest(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	open_prompt(v, PROMPT_GUEST, "");
}

/* In a replay, pausing the display is pausing the playing: the same key. */
static void key_pause(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key;
	ctl->paused = !ctl->paused;
	if (ctl->time.replay)
		view_message(v, false, ctl->paused ? "paused" : "playing at %gx", ctl->time.speed);
	else
		view_message(v, false, ctl->paused ? "paused: p resumes" : "resumed");
}

/* In a replay, the cumulative window starts at the cursor: the loop says where. */
static void key_reset(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key;
	ctl->reset = true;
	if (!ctl->time.replay)
		view_message(v, false, "counters reset");
}

static void key_cumulative(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key;
	ctl->cumulative = !ctl->cumulative;
	ctl->refresh = true;
	if (ctl->time.replay)
		view_message(v, false,
			     ctl->cumulative ? "counts from the mark (r) to the cursor; P99s are "
					       "upper bounds: the largest tick's"
					     : "counts per tick");
	else
		view_message(v, false,
			     ctl->cumulative ? "counts since start or reset (r)"
					     : "counts per interval");
}

static void key_delay_step(struct view *v, int key, struct tick_ctl *ctl)
{
	ctl->delay_s = layout_delay_step(ctl->delay_s, key == '+' ? 1 : -1);
	view_message(v, false, "refresh every %gs", ctl->delay_s);
}

static void key_delay(struct view *v, int key, struct tick_ctl *ctl)
{
	char buf[32];

	(void)key;
	snprintf(buf, sizeof(buf), "%g", ctl->delay_s);
	open_prompt(v, PROMPT_DELAY, buf);
}

static void key_zeros(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	v->show_zero = !v->show_zero;
	view_message(v, false,
		     v->show_zero ? "showing rows with nothing in the window"
				  : "hiding rows with nothing in the window");
}

static void key_full(struct view *v, int key, struct tick_ctl *ctl)
{
	const struct scope *sc = &view_level(v)->scope;

	(void)key;
	if (sc->kind == SCOPE_HOST) {
		view_message(v, true, "full detail is for one VM: open one first (Enter)");
		return;
	}
	ctl->focus_pid = sc->pid;
	ctl->full_detail = !ctl->full_detail;
	ctl->refresh = true;
	view_message(v, false,
		     ctl->full_detail ? "full detail for this VM: every event traced (cost in the header)"
				      : "detail within the budget again");
}

static void key_redraw(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	v->clear = true;
}

static void key_step(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)v;
	ctl->time.step += key == '.' ? 1 : -1;
}

static void key_play(struct view *v, int key, struct tick_ctl *ctl)
{
	key_pause(v, key, ctl);
}

static void key_speed(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)v;
	ctl->time.faster = key == ']' ? 1 : -1;
}

static void key_jump(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key, (void)ctl;
	open_prompt(v, PROMPT_JUMP, "");
}

static void key_save(struct view *v, int key, struct tick_ctl *ctl)
{
	(void)key;
	ctl->save = true;
	view_message(v, false, "writing the last minutes...");
}

const struct key_binding key_bindings[] = {
	{ "q", { 'q' }, "quit", key_quit },
	{ "? h", { '?', 'h' }, "this help (Esc, q or ? closes it)", key_help },
	{ "Tab Shift-Tab", { '\t', KEY_BTAB }, "next / previous pane", key_focus },
	{ "Up Down", { KEY_UP, KEY_DOWN }, "move the selection", key_move },
	{ "PgUp PgDn", { KEY_PPAGE, KEY_NPAGE }, "move a page", key_move },
	{ "Home End", { KEY_HOME, KEY_END }, "first / last row", key_move },
	{ "Enter Right",
	  { '\n', '\r', KEY_ENTER, KEY_RIGHT },
	  "open the selected row: a VM, a vCPU; the latency distribution of an exit (with "
	  "its ports/addresses/MSRs), a wake edge or a round trip; on a counter, fold or "
	  "unfold the exit reasons under it",
	  key_open },
	{ "Esc Left", { KEY_ESC, KEY_LEFT }, "back to where you were", key_back },
	{ "s >", { 's', '>' }, "sort by the next column", key_sort },
	{ "<", { '<' }, "sort by the previous column", key_sort },
	{ "R", { 'R' }, "reverse the sort order", key_sort },
	{ "/ f",
	  { '/', 'f' },
	  "filter VMs by name or pid (extended regex, any case; empty clears)",
	  key_filter },
	{ "g", { 'g' }, "go to a guest by pid or name", key_guest },
	{ "p",
	  { 'p' },
	  "pause / resume the display (sampling goes on); in a replay: play / pause",
	  key_pause },
	{ "r",
	  { 'r' },
	  "reset the counters (start the cumulative window again); in a replay: mark the tick "
	  "shown as the start of c's span",
	  key_reset },
	{ "c",
	  { 'c' },
	  "counts per interval / cumulative since start or reset; in a replay: from the mark "
	  "(r) or the first tick to the tick shown, P99s then upper bounds",
	  key_cumulative },
	{ "+ -", { '+', '-' }, "refresh less / more often", key_delay_step, KEYS_LIVE },
	{ "d", { 'd' }, "set the refresh delay in seconds", key_delay, KEYS_LIVE },
	{ "x", { 'x' }, "show / hide counters with nothing in the window", key_zeros },
	{ "D",
	  { 'D' },
	  "full detail for the VM in view: every event traced, outside the budget",
	  key_full,
	  KEYS_LIVE },
	{ "w",
	  { 'w' },
	  "write the last minutes as a recording and an incident summary (named after the "
	  "host and time, in the current directory, else $TMPDIR or /var/tmp)",
	  key_save,
	  KEYS_LIVE },
	{ ", .", { ',', '.' }, "replay: one tick back / forward", key_step, KEYS_REPLAY },
	{ "Space", { ' ' }, "replay: play / pause at the recorded pace", key_play, KEYS_REPLAY },
	{ "[ ]",
	  { '[', ']' },
	  "replay: play slower / faster (half, twice)",
	  key_speed,
	  KEYS_REPLAY },
	{ "b",
	  { 'b' },
	  "replay: jump to a time: HH:MM[:SS], YYYY-MM-DD HH:MM[:SS], +MM:SS from the start, "
	  "#tick, start, end",
	  key_jump,
	  KEYS_REPLAY },
	{ "Ctrl-L", { KEY_CTRL('l') }, "redraw the whole screen", key_redraw },
	{ NULL },
};

/* A key of the other screen: says where it works instead of doing nothing silently. */
static void wrong_screen(struct view *v, const struct key_binding *b, struct tick_ctl *ctl)
{
	if (ctl->time.replay)
		view_message(v, true, "%s: for the live screen, not a replay%s", b->name,
			     b->act == key_delay_step || b->act == key_delay
				     ? " ([ ] set the pace of playing)"
				     : "");
	else
		view_message(v, true, "%s: a time key, for a replay (kvmscope -r FILE or -i FILE)",
			     b->name);
}

void view_key(struct view *v, int key, struct tick_ctl *ctl)
{
	const struct key_binding *b;
	const int *c;

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
	for (b = key_bindings; b->name; b++)
		for (c = b->codes; *c; c++)
			if (*c == key) {
				if (b->modes &&
				    !(b->modes & (ctl->time.replay ? KEYS_REPLAY : KEYS_LIVE)))
					wrong_screen(v, b, ctl);
				else
					b->act(v, key, ctl);
				return;
			}
	view_message(v, true, "unknown key: ? lists them");
}
