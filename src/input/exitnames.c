// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exitnames.h"
#include "kvm_event.h"
#include "util.h"

int exit_names_add(struct exit_names *n, uint32_t isa, uint32_t code, const char *name)
{
	struct exit_name **tab;
	int *len, *cap;

	if (isa == KE_ISA_VMX) {
		tab = &n->vmx;
		len = &n->nvmx;
		cap = &n->vmx_cap;
	} else if (isa == KE_ISA_SVM) {
		tab = &n->svm;
		len = &n->nsvm;
		cap = &n->svm_cap;
	} else {
		return -EINVAL;
	}
	*tab = xgrow(*tab, cap, *len + 1, sizeof(**tab));
	(*tab)[*len].code = code;
	strlcpy0((*tab)[*len].name, name, sizeof((*tab)[*len].name));
	(*len)++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct exit_name *)a)->code, y = ((const struct exit_name *)b)->code;

	return x < y ? -1 : x > y;
}

void exit_names_sort(struct exit_names *n)
{
	if (n->nvmx)
		qsort(n->vmx, (size_t)n->nvmx, sizeof(*n->vmx), name_cmp);
	if (n->nsvm)
		qsort(n->svm, (size_t)n->nsvm, sizeof(*n->svm), name_cmp);
}

const char *exit_names_lookup(const struct exit_names *n, uint32_t isa, uint32_t reason)
{
	const struct exit_name *tab, *hit;
	struct exit_name key;
	int len;

	if (isa == KE_ISA_VMX) {
		tab = n->vmx;
		len = n->nvmx;
		key.code = reason & 0xffff;
	} else {
		tab = n->svm;
		len = n->nsvm;
		key.code = reason;
	}
	if (!len)
		return NULL;
	hit = bsearch(&key, tab, (size_t)len, sizeof(*tab), name_cmp);
	return hit ? hit->name : NULL;
}

void exit_names_copy(struct exit_names *dst, const struct exit_names *src)
{
	exit_names_free(dst);
	if (src->nvmx) {
		dst->vmx = xmalloc((size_t)src->nvmx * sizeof(*dst->vmx));
		memcpy(dst->vmx, src->vmx, (size_t)src->nvmx * sizeof(*dst->vmx));
		dst->nvmx = dst->vmx_cap = src->nvmx;
	}
	if (src->nsvm) {
		dst->svm = xmalloc((size_t)src->nsvm * sizeof(*dst->svm));
		memcpy(dst->svm, src->svm, (size_t)src->nsvm * sizeof(*dst->svm));
		dst->nsvm = dst->svm_cap = src->nsvm;
	}
}

void exit_names_free(struct exit_names *n)
{
	free(n->vmx);
	free(n->svm);
	memset(n, 0, sizeof(*n));
}
