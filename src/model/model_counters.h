/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model's side of the counters: it keeps each scope's samples on the registry (ext[]
 * slot EXT_PERF of threads and VMs, the model's host_ctr) and puts their rates into the
 * snapshot. Called from model.c only; opens no file.
 */
#ifndef KVMSCOPE_MODEL_COUNTERS_H
#define KVMSCOPE_MODEL_COUNTERS_H

#include <stdbool.h>

#include "model.h"

void model_counters_release_thread(struct vm_thread *t);
void model_counters_release_vm(struct vm *vm);
void model_counters_free(struct model *m);
void model_counters_reset(struct model *m);
void model_counters_snap_thread(const struct vm_thread *t, bool cumulative, struct snap_thread *st);
void model_counters_snap_vm(const struct vm *vm, bool cumulative, struct snap_vm *sv);
void model_counters_snap_host(const struct model *m, bool cumulative, struct snapshot *s);

#endif
