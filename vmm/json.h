/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_JSON_H
#define KESTREL_VMM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Just enough JSON for the control socket's one-object lines, with no
 * allocation and no recursion, so a hostile line costs a bounded amount
 * of time and no memory.
 *
 * The reader takes exactly one flat object: values are strings, integers
 * (within int64_t), true, false or null. It refuses, with one line saying
 * where and why: nested objects and arrays, fractions and exponents,
 * duplicate keys, invalid UTF-8 (overlong forms and surrogates included),
 * unescaped control characters, bad escapes and lone surrogates, \u0000
 * (so every string is a C string), anything after the object but
 * whitespace, and more than JSON_MAX_MEMBERS members.
 */
#define JSON_MAX_MEMBERS 32
/* Decoded keys and strings, each with its NUL: never more than the text. */
#define JSON_MAX_TEXT 4096

enum json_type { JSON_NULL, JSON_BOOL, JSON_INT, JSON_STRING };

struct json_member {
	const char *key;
	enum json_type type;
	union {
		bool b;
		int64_t i;
		const char *s;
	} v;
};

/* Members point into space: an object is not to be copied. */
struct json_object {
	struct json_member member[JSON_MAX_MEMBERS];
	unsigned int nr;
	char space[JSON_MAX_TEXT];
	size_t used;
};

/*
 * Parses text[0..len) (no NUL needed) into obj, members in their order.
 * Returns 0, or -1 with one line in err.
 */
int json_parse(const char *text, size_t len, struct json_object *obj, char *err,
	       size_t errlen);

/* The member named key, or NULL. */
const struct json_member *json_get(const struct json_object *obj,
				   const char *key);

/*
 * A reply: one object on one line, built into a caller's buffer. Strings
 * are escaped, and bytes that are not UTF-8 become U+FFFD, so whatever a
 * caller passes, the line is valid JSON. What does not fit is dropped and
 * remembered: json_end() then fails, so a reply is never cut silently.
 */
struct json_writer {
	char *buf;
	size_t size, len;
	bool first; /* no member yet: no comma before the next */
	bool overflow;
};

/* Starts an object ("{") in buf[0..size). */
void json_start(struct json_writer *w, char *buf, size_t size);
void json_add_str(struct json_writer *w, const char *key, const char *val);
void json_add_int(struct json_writer *w, const char *key, int64_t val);
void json_add_uint(struct json_writer *w, const char *key, uint64_t val);
void json_add_bool(struct json_writer *w, const char *key, bool val);
/*
 * Ends the object and the line ("}\n", NUL-terminated). Returns the
 * line's length, or -1 if it did not fit.
 */
int json_end(struct json_writer *w);

#endif
