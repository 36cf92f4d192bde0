/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot as JSON: one document on one line, every field of the snapshot that an output
 * shows (the schema the manual documents). Written with the streaming writer of json.h.
 */
#ifndef KVMSCOPE_SNAPJSON_H
#define KVMSCOPE_SNAPJSON_H

#include <regex.h>
#include <stdio.h>

#include "snapshot.h"

/* Writes s as one JSON document and a newline to f; VMs not matching filter (if any) left out. */
void snapjson_write(FILE *f, const struct snapshot *s, const regex_t *filter);

#endif
