/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit-reason names as the running kernel prints them: read from the __print_symbolic
 * tables of its kvm_exit format (VMX and SVM), so there is no hand-kept table to drift.
 * The trace probe fills one; the model looks names up when it builds a snapshot.
 */
#ifndef KVMSCOPE_EXITNAMES_H
#define KVMSCOPE_EXITNAMES_H

#include <stdint.h>

#define EXIT_NAME_MAX 40

struct exit_name {
	uint32_t code;
	char name[EXIT_NAME_MAX];
};

/* Owned by whoever filled it; exit_names_free() releases the arrays. */
struct exit_names {
	struct exit_name *vmx; /* sorted by code */
	int nvmx, vmx_cap;
	struct exit_name *svm; /* sorted by code */
	int nsvm, svm_cap;
};

/* Adds a name for isa (KE_ISA_VMX or KE_ISA_SVM); returns 0 or -EINVAL. */
int exit_names_add(struct exit_names *n, uint32_t isa, uint32_t code, const char *name);
/* Sorts both tables; call once after the last add. */
void exit_names_sort(struct exit_names *n);
/*
 * Returns the name of an exit reason, or NULL when the table has none. For VMX the basic
 * reason is the low 16 bits (the kernel prints flags such as FAILED_VMENTRY apart).
 */
const char *exit_names_lookup(const struct exit_names *n, uint32_t isa, uint32_t reason);
void exit_names_copy(struct exit_names *dst, const struct exit_names *src);
void exit_names_free(struct exit_names *n);

#endif
