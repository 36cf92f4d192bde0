// SPDX-License-Identifier: GPL-2.0
#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "color.h"
#include "screen.h"
#include "tui.h"
#include "util.h"
#include "view.h"

#define ESC_DELAY_MS 25 /* Esc alone vs. the start of an arrow key's sequence */

/* Owned by main() through tui_start()/tui_stop(). */
struct tui {
	SCREEN *term;
	FILE *out, *in;
	int input_fd;
	struct screen scr;
	struct view view;
	const struct snapshot *shown_snap; /* the loop's, valid until the next tui_show() */
	long iterations, shown;
	wchar_t *line; /* one screen line, for curses */
	int line_cap;
	struct sparkhist *own_hist; /* tui_keep_history()'s; fed by tui_show() */
	unsigned int fed_seq;
	bool fed;
};

/* The screen that is up, for tui_abort(): it must not allocate or take locks. */
static struct tui *active;

/* Sizes the in-memory screen to the terminal. */
static void fit_screen(struct tui *t)
{
	if (t->scr.w != COLS || t->scr.h != LINES || !t->scr.cells) {
		screen_resize(&t->scr, COLS, LINES, t->view.utf8);
		t->view.clear = true;
	}
	if (t->line_cap < COLS + 1) {
		t->line_cap = COLS + 1;
		t->line = xrealloc(t->line, (size_t)t->line_cap * sizeof(*t->line));
	}
}

/* Sends the in-memory screen to the terminal: one refresh, only the changes go out. */
static void flush(struct tui *t)
{
	const struct screen *s = &t->scr;
	int y, x, n;

	for (y = 0; y < s->h; y++) {
		for (x = 0; x < s->w; x += n) {
			const struct screen_cell *c = &s->cells[y * s->w + x];

			for (n = 0; x + n < s->w && c[n].color == c[0].color; n++)
				t->line[n] = (wchar_t)c[n].cp;
			t->line[n] = L'\0';
			attrset(color_attr(c[0].color));
			/* The last cell of the screen reports an error after drawing: ignored. */
			mvaddnwstr(y, x, t->line, n);
		}
	}
	attrset(A_NORMAL);
	if (s->cursor) {
		curs_set(1);
		move(s->cur_y, s->cur_x);
	} else {
		curs_set(0);
		move(s->h ? s->h - 1 : 0, 0);
	}
	if (t->view.clear) {
		clearok(curscr, TRUE);
		t->view.clear = false;
	}
	refresh();
}

struct tui *tui_start(const struct tui_config *cfg, char *why, size_t whysz)
{
	struct tui *t = xcalloc(1, sizeof(*t));
	struct tick_ctl first = { .delay_s = cfg->delay_s };
	const char *term = getenv("TERM");
	char *cup;

	t->out = cfg->out ? cfg->out : stdout;
	t->in = cfg->in ? cfg->in : stdin;
	t->iterations = cfg->iterations;
	if (view_init(&t->view, cfg->utf8, cfg->filter_src, why, whysz)) {
		free(t);
		return NULL;
	}
	t->term = newterm(NULL, t->out, t->in);
	if (!t->term) {
		snprintf(why, whysz, "cannot use the terminal (TERM=%s): try -b for text output",
			 term && *term ? term : "unset");
		view_free(&t->view);
		free(t);
		return NULL;
	}
	set_term(t->term);
	/* A terminal that cannot place the cursor (dumb, emacs shells) would get garbage. */
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(t->term);
		snprintf(why, whysz, "the terminal (TERM=%s) cannot move the cursor: try -b",
			 term && *term ? term : "unset");
		view_free(&t->view);
		free(t);
		return NULL;
	}
	active = t;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESC_DELAY_MS);
	curs_set(0);
	color_start(cfg->color);
	t->input_fd = isatty(fileno(t->in)) ? fileno(t->in) : -1;

	/* Something on screen at once: the first snapshot needs two samples. */
	fit_screen(t);
	view_compose(&t->view, NULL, &first, &t->scr);
	flush(t);
	return t;
}

void tui_stop(struct tui *t)
{
	if (!t)
		return;
	curs_set(1);
	endwin();
	delscreen(t->term);
	active = NULL;
	fflush(t->out);
	view_free(&t->view);
	screen_free(&t->scr);
	sparkhist_free(t->own_hist);
	free(t->line);
	free(t);
}

void tui_abort(void)
{
	if (!active)
		return;
	curs_set(1);
	endwin();
	active = NULL;
}

void tui_set_history(struct tui *t, const struct sparkhist *h)
{
	t->view.hist = h;
}

void tui_keep_history(struct tui *t, double span_s)
{
	sparkhist_free(t->own_hist);
	t->own_hist = sparkhist_new(span_s);
	t->view.hist = t->own_hist;
}

int tui_input_fd(const struct tui *t)
{
	return t->input_fd;
}

int tui_output_fd(const struct tui *t)
{
	return fileno(t->out);
}

int tui_show(void *arg, const struct snapshot *s, const struct tick_ctl *ctl)
{
	struct tui *t = arg;

	t->shown_snap = s;
	if (t->own_hist && s && (!t->fed || s->seq != t->fed_seq)) {
		sparkhist_feed(t->own_hist, s);
		t->fed_seq = s->seq;
		t->fed = true;
	}
	fit_screen(t);
	if (view_compose(&t->view, s, ctl, &t->scr))
		t->shown++;
	flush(t);
	return t->iterations && t->shown >= t->iterations ? 1 : 0;
}

/* Returns true when fd has nothing more to give: closed, hung up, at end of file. */
static bool input_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* Readable yet curses read nothing: the read returned end of file. */
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/* Tells the loop which VM the screen looks at; full detail stays with the VM it was asked for. */
static void set_focus(struct tui *t, struct tick_ctl *ctl)
{
	const struct scope *sc = &view_level(&t->view)->scope;
	int pid = sc->kind == SCOPE_HOST ? 0 : sc->pid;

	if (pid != ctl->focus_pid)
		ctl->full_detail = false;
	ctl->focus_pid = pid;
}

int tui_input(void *arg, struct tick_ctl *ctl)
{
	struct tui *t = arg;
	int key, n = 0;

	while ((key = getch()) != ERR) {
		n++;
		if (key == KEY_RESIZE)
			fit_screen(t);
		view_key(&t->view, key, ctl);
		if (ctl->quit)
			return 0;
		/*
		 * Keys typed ahead act on what the one before made (a level opened, a row
		 * moved): compose it now; the loop then shows the last one.
		 */
		view_compose(&t->view, t->shown_snap, ctl, &t->scr);
		set_focus(t, ctl);
	}
	if (!n && t->input_fd >= 0 && input_gone(t->input_fd)) {
		/* The terminal went away: stop as if q was pressed. */
		ctl->quit = true;
	}
	return 0;
}

void tui_resize(void *arg)
{
	struct tui *t = arg;
	struct winsize ws;

	/* After a stop a job-control shell may have left its own modes (echo, canonical). */
	reset_prog_mode();
	if (!ioctl(fileno(t->out), TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	fit_screen(t);
	t->view.clear = true;
}
