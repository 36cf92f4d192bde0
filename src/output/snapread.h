/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot read back from its JSON document (snapjson.h: either form, any schema up to
 * SNAPJSON_SCHEMA), with json-c. A document of schema 2 written by snapjson_write_form()
 * reads back as the same snapshot, every field; schema 1 (kvmscope 0.1's batch JSON) reads
 * as it was printed: numbers rounded to 3 decimals, and the fields it lacked 0 or unknown.
 */
#ifndef KVMSCOPE_SNAPREAD_H
#define KVMSCOPE_SNAPREAD_H

#include <stddef.h>

#include "snapshot.h"

/*
 * Returns 0 with *out a snapshot the caller frees (snapshot_free()) and *schema the
 * document's schema; or -EINVAL when buf[0..len) is not one JSON document of a snapshot (why
 * says where: "byte 120: unexpected character", "vms[2].threads[0].cpu.cpu_pct: not a
 * number"), -EPROTONOSUPPORT for a schema newer than this reader.
 */
int snapread_parse(const char *buf, size_t len, struct snapshot **out, int *schema, char *why,
		   size_t whysz);

#endif
