/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: commas and escaping handled, one document per line. Numbers
 * are written so that a reader gets the same bits back (the recording depends on it): a
 * double as the shortest decimal that reads back as itself, integers in full, and text that
 * is not UTF-8 given again byte for byte in hex beside it.
 */
#ifndef KVMSCOPE_JSON_H
#define KVMSCOPE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "obuf.h"

#define JSON_DEPTH 16

/*
 * Owned by the caller; writes to f, through a buffer of its own that goes to f when full
 * and at the end of each document (a fleet's document is ~15k values: a stdio call or two
 * for each was most of what writing it cost).
 */
struct json {
	struct obuf o;
	int depth;
	bool first[JSON_DEPTH];
};

void json_init(struct json *j, FILE *f);
/*
 * key is NULL inside arrays and at the top level; else one of the program's own names, plain
 * ASCII with no quote or backslash, written as it is (data goes in values, escaped).
 */
void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_null(struct json *j, const char *key);
/*
 * Writes raw bytes as a JSON string: controls escaped, bytes that are not UTF-8 as \u00XX.
 * When some were not UTF-8 (so the string reads back different), "KEY_hex" follows with
 * every byte of val in hex; in an array (key NULL) the caller writes such a list itself.
 */
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
/* An int64 where -1 means unknown: null for -1. */
void json_int_unk(struct json *j, const char *key, int64_t v);
/* An unsigned value that is 0 when not measured: null when !known and v is 0. */
void json_uint_known(struct json *j, const char *key, uint64_t v, bool known);
/*
 * A double, exactly: null for -1 (the snapshot's "unknown"), the strings "NaN", "Infinity",
 * "-Infinity" for what JSON has no number for, else the shortest decimal that reads back as
 * the same double (-0 as "-0.0").
 */
void json_real(struct json *j, const char *key, double v);
/* A double that is 0 when not measured: null when !known and v is +0, else as json_real()
 * but -1 written as a number. */
void json_real_known(struct json *j, const char *key, double v, bool known);
void json_bool(struct json *j, const char *key, bool v);

/* Returns buf holding v as json_real() writes a number (no null); buf of 32 bytes at least. */
const char *json_fmt_real(double v, char *buf, size_t n);
/* Returns the length of the valid UTF-8 sequence at s (avail bytes), or 0 if there is none. */
int json_utf8_len(const unsigned char *s, size_t avail);

#endif
