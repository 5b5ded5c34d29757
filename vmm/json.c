// SPDX-License-Identifier: MIT
/* A strict reader of one flat JSON object, and a writer of one. */
#include "vmm/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The length of the UTF-8 sequence at s[0..n), or 0 if it is not a valid
 * one: truncated, a stray continuation byte, an overlong form, a
 * surrogate, or past U+10FFFF.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	if (!len || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- reader ---- */

struct reader {
	const unsigned char *start, *p, *end;
	struct json_object *obj;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct reader *r,
						      const char *fmt, ...)
{
	size_t n;
	va_list ap;
	int len;

	len = snprintf(r->err, r->errlen,
		       "at offset %zu: ", (size_t)(r->p - r->start));
	n = len < 0 ? 0 : (size_t)len;
	if (n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(struct reader *r, uint32_t *out)
{
	uint32_t v = 0;

	if (r->end - r->p < 4)
		return fail(r, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		unsigned char c = r->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return fail(r, "\\u needs four hex digits");
	}
	r->p += 4;
	*out = v;
	return 0;
}

/* After "\u": one code point, a surrogate pair taken whole. */
static int unicode_escape(struct reader *r, uint32_t *cp)
{
	uint32_t lo;

	if (hex4(r, cp))
		return -1;
	if (*cp == 0)
		return fail(r, "\\u0000 is not allowed");
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return fail(r, "lone low surrogate \\u%04" PRIX32, *cp);
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
		return fail(r,
			    "high surrogate \\u%04" PRIX32
			    " without its low half",
			    *cp);
	r->p += 2;
	if (hex4(r, &lo))
		return -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(r,
			    "high surrogate \\u%04" PRIX32
			    " without its low half",
			    *cp);
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* One escape after the backslash into out[0..4): its length, 0 if bad. */
static size_t escape(struct reader *r, char *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	uint32_t cp;

	if (r->p == r->end) {
		fail(r, "unterminated string");
		return 0;
	}
	if (*r->p == 'u') {
		r->p++;
		return unicode_escape(r, &cp) ? 0 : put_utf8(out, cp);
	}
	k = memchr(from, *r->p, sizeof(from) - 1);
	if (!k) {
		fail(r, "bad escape '\\%c'",
		     *r->p >= 0x20 && *r->p < 0x7f ? *r->p : '?');
		return 0;
	}
	r->p++;
	out[0] = to[k - from];
	return 1;
}

/*
 * A string at r->p (its opening quote) into the object's space; NULL
 * after fail().
 */
static const char *string(struct reader *r)
{
	struct json_object *obj = r->obj;
	char *out = obj->space + obj->used;
	size_t room = sizeof(obj->space) - obj->used, n = 0;

	if (!room) {
		fail(r, "strings too long");
		return NULL;
	}
	r->p++;
	while (r->p == r->end || *r->p != '"') {
		char buf[4];
		const char *from = buf;
		size_t len;

		if (r->p == r->end) {
			fail(r, "unterminated string");
			return NULL;
		}
		if (*r->p < 0x20) {
			fail(r, "control character in a string");
			return NULL;
		}
		if (*r->p == '\\') {
			r->p++;
			len = escape(r, buf);
			if (!len)
				return NULL;
		} else {
			len = utf8_len(r->p, (size_t)(r->end - r->p));
			if (!len) {
				fail(r, "not UTF-8");
				return NULL;
			}
			from = (const char *)r->p;
			r->p += len;
		}
		/* n + len and the NUL must fit */
		if (room - n <= len) {
			fail(r, "strings too long");
			return NULL;
		}
		memcpy(out + n, from, len);
		n += len;
	}
	r->p++;
	out[n] = '\0';
	obj->used += n + 1;
	return out;
}

static int integer(struct reader *r, int64_t *out)
{
	bool neg = *r->p == '-';
	uint64_t v = 0, max = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;

	if (neg)
		r->p++;
	if (r->p == r->end || *r->p < '0' || *r->p > '9')
		return fail(r, "expected a digit");
	if (*r->p == '0' && r->end - r->p > 1 && r->p[1] >= '0' &&
	    r->p[1] <= '9')
		return fail(r, "leading zero in a number");
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		unsigned int d = *r->p - '0';

		if (v > (max - d) / 10)
			return fail(r, "integer out of range");
		v = v * 10 + d;
		r->p++;
	}
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
		return fail(r, "only integers are supported");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static bool word(struct reader *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n))
		return false;
	r->p += n;
	return true;
}

static int value(struct reader *r, struct json_member *m)
{
	if (r->p == r->end)
		return fail(r, "expected a value");
	switch (*r->p) {
	case '"':
		m->type = JSON_STRING;
		m->v.s = string(r);
		return m->v.s ? 0 : -1;
	case '{':
	case '[':
		return fail(r, "nested objects and arrays are not supported");
	case '-':
	case '0' ... '9':
		m->type = JSON_INT;
		return integer(r, &m->v.i);
	}
	m->type = JSON_BOOL;
	m->v.b = true;
	if (word(r, "true"))
		return 0;
	m->v.b = false;
	if (word(r, "false"))
		return 0;
	if (word(r, "null")) {
		m->type = JSON_NULL;
		return 0;
	}
	return fail(r, "expected a value");
}

static int member(struct reader *r)
{
	struct json_object *obj = r->obj;
	struct json_member *m = &obj->member[obj->nr];

	if (r->p == r->end || *r->p != '"')
		return fail(r, "expected a key");
	if (obj->nr == JSON_MAX_MEMBERS)
		return fail(r, "more than %d members", JSON_MAX_MEMBERS);
	m->key = string(r);
	if (!m->key)
		return -1;
	for (unsigned int i = 0; i < obj->nr; i++)
		if (!strcmp(obj->member[i].key, m->key))
			return fail(r, "duplicate key \"%.40s\"", m->key);
	skip_space(r);
	if (r->p == r->end || *r->p != ':')
		return fail(r, "expected ':'");
	r->p++;
	skip_space(r);
	if (value(r, m))
		return -1;
	obj->nr++;
	return 0;
}

int json_parse(const char *text, size_t len, struct json_object *obj, char *err,
	       size_t errlen)
{
	struct reader r = { (const unsigned char *)text,
			    (const unsigned char *)text,
			    (const unsigned char *)text + len,
			    obj,
			    err,
			    errlen };

	obj->nr = 0;
	obj->used = 0;
	skip_space(&r);
	if (r.p == r.end || *r.p != '{')
		return fail(&r, "expected an object");
	r.p++;
	skip_space(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
	} else {
		for (;;) {
			if (member(&r))
				return -1;
			skip_space(&r);
			if (r.p < r.end && *r.p == '}') {
				r.p++;
				break;
			}
			if (r.p == r.end || *r.p != ',')
				return fail(&r, "expected ',' or '}'");
			r.p++;
			skip_space(&r);
		}
	}
	skip_space(&r);
	if (r.p != r.end)
		return fail(&r, "text after the object");
	return 0;
}

const struct json_member *json_get(const struct json_object *obj,
				   const char *key)
{
	for (unsigned int i = 0; i < obj->nr; i++)
		if (!strcmp(obj->member[i].key, key))
			return &obj->member[i];
	return NULL;
}

/* ---- writer ---- */

/* What json_end() adds: "}\n" and the NUL, always kept free. */
#define END_ROOM 3

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->overflow || n > w->size - END_ROOM - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_string(struct json_writer *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	put(w, "\"", 1);
	while (left) {
		char esc[8];
		size_t len = 1;

		switch (*p) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				put(w, esc, 6);
			} else if ((len = utf8_len(p, left))) {
				put(w, (const char *)p, len);
			} else {
				put(w, "\xef\xbf\xbd", 3); /* U+FFFD */
				len = 1;
			}
		}
		p += len;
		left -= len;
	}
	put(w, "\"", 1);
}

static void key(struct json_writer *w, const char *k)
{
	if (!w->first)
		put(w, ",", 1);
	w->first = false;
	put_string(w, k);
	put(w, ":", 1);
}

void json_start(struct json_writer *w, char *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->first = true;
	w->overflow = size < END_ROOM + 1;
	put(w, "{", 1);
}

void json_add_str(struct json_writer *w, const char *k, const char *val)
{
	key(w, k);
	put_string(w, val);
}

void json_add_int(struct json_writer *w, const char *k, int64_t val)
{
	char num[24];

	key(w, k);
	put(w, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, val));
}

void json_add_uint(struct json_writer *w, const char *k, uint64_t val)
{
	char num[24];

	key(w, k);
	put(w, num, (size_t)snprintf(num, sizeof(num), "%" PRIu64, val));
}

void json_add_bool(struct json_writer *w, const char *k, bool val)
{
	key(w, k);
	put(w, val ? "true" : "false", val ? 4 : 5);
}

int json_end(struct json_writer *w)
{
	if (w->overflow) {
		if (w->size)
			w->buf[0] = '\0';
		return -1;
	}
	memcpy(w->buf + w->len, "}\n", 3);
	w->len += 2;
	return (int)w->len;
}
