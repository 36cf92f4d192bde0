/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer: commas and escaping handled, one document per line. */
#ifndef KVMSCOPE_JSON_H
#define KVMSCOPE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH 16

/* Owned by the caller; writes to f. */
struct json {
	FILE *f;
	int depth;
	bool first[JSON_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* key is NULL inside arrays and at the top level. */
void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
/* Writes raw bytes as a JSON string: controls escaped, invalid UTF-8 as \u00XX. */
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
/* Non-finite numbers, and negative ones when nonneg is set ("no data"), become null. */
void json_num(struct json *j, const char *key, double v, bool nonneg);
void json_bool(struct json *j, const char *key, bool v);

#endif
