// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctr.h"
#include "util.h"

struct ctr_raw *ctr_set_add(struct ctr_set *s, const char *name, enum ctr_kind kind)
{
	struct ctr_raw *c;

	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	c = &s->v[s->n++];
	memset(c, 0, sizeof(*c));
	strlcpy0(c->name, name, sizeof(c->name));
	c->kind = (uint8_t)kind;
	return c;
}

const struct ctr_raw *ctr_set_find(const struct ctr_set *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

void ctr_set_copy(struct ctr_set *dst, const struct ctr_set *src)
{
	dst->v = xgrow(dst->v, &dst->cap, src->n, sizeof(*dst->v));
	if (src->n)
		memcpy(dst->v, src->v, (size_t)src->n * sizeof(*src->v));
	dst->n = src->n;
	dst->ts_ns = src->ts_ns;
}

void ctr_set_clear(struct ctr_set *s)
{
	s->n = 0;
	s->ts_ns = 0;
}

void ctr_set_free(struct ctr_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const char *ctr_why(int err, bool hw)
{
	switch (-err) {
	case 0:
		return "";
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return hw ? "no PMU" : "not supported";
	case EACCES:
	case EPERM:
		return "perf_event_paranoid";
	case EMFILE:
	case ENFILE:
		return "fd limit";
	case EINVAL:
		return "invalid";
	case ECANCELED:
		return "dropped: too frequent to count cheaply";
	default:
		return strerror(-err);
	}
}
