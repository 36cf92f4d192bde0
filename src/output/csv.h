/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batch CSV for scripts: one row per VM per tick (the VM list's columns, its top exit reason
 * and top address) and, with -H, one per thread. RFC 4180 quoting; names escaped as on
 * screen, so a VM name cannot inject a line or a control sequence.
 */
#ifndef KVMSCOPE_CSV_H
#define KVMSCOPE_CSV_H

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

/*
 * Returns 0 after writing s's rows to f, the header row first when header is set; -EIO when
 * f fails. VMs not matching filter (if any) and VMs gone are left out; detail adds threads.
 */
int csv_write(FILE *f, const struct snapshot *s, const regex_t *filter, bool detail, bool header);

#endif
