// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "view.h"

int view_init(struct view *v, bool utf8, const char *filter_src, char *why, size_t whysz)
{
	int i, err;

	memset(v, 0, sizeof(*v));
	while (panes[v->npanes])
		v->npanes++;
	v->utf8 = utf8;
	v->tables = xcalloc((size_t)v->npanes, sizeof(*v->tables));
	v->frame = xcalloc((size_t)v->npanes, sizeof(*v->frame));
	v->sort = xcalloc((size_t)v->npanes, sizeof(*v->sort));
	v->reverse = xcalloc((size_t)v->npanes, sizeof(*v->reverse));
	for (i = 0; i < v->npanes; i++)
		v->sort[i] = -1;
	for (i = 0; i < VIEW_DEPTH_MAX; i++)
		v->lv[i].pv = xcalloc((size_t)v->npanes, sizeof(*v->lv[i].pv));
	v->lv[0].scope.kind = SCOPE_HOST;
	v->lv[0].focus = -1;
	if (filter_src && *filter_src) {
		err = regcomp(&v->filter, filter_src, REG_EXTENDED | REG_NOSUB | REG_ICASE);
		if (err) {
			regerror(err, &v->filter, why, whysz);
			view_free(v);
			return -EINVAL;
		}
		v->have_filter = true;
		strlcpy0(v->filter_src, filter_src, sizeof(v->filter_src));
	}
	return 0;
}

void view_free(struct view *v)
{
	int i;

	if (v->tables)
		for (i = 0; i < v->npanes; i++)
			table_free(&v->tables[i]);
	for (i = 0; i < VIEW_DEPTH_MAX; i++)
		free(v->lv[i].pv);
	free(v->tables);
	free(v->frame);
	free(v->sort);
	free(v->reverse);
	if (v->have_filter)
		regfree(&v->filter);
	memset(v, 0, sizeof(*v));
}

struct view_level *view_level(struct view *v)
{
	return &v->lv[v->depth];
}

bool view_push(struct view *v, const struct scope *sc, int focus)
{
	struct view_level *l;

	if (v->depth + 1 >= VIEW_DEPTH_MAX)
		return false;
	l = &v->lv[++v->depth];
	l->scope = *sc;
	l->focus = focus;
	memset(l->pv, 0, (size_t)v->npanes * sizeof(*l->pv));
	return true;
}

bool view_pop(struct view *v)
{
	if (!v->depth)
		return false;
	v->depth--;
	return true;
}

int view_pane_index(const char *name)
{
	const struct pane *p = pane_find(name);

	return p ? pane_index(p) : -1;
}

void view_message(struct view *v, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	v->msg_error = error;
	v->msg_frames = 0;
}
