// SPDX-License-Identifier: MIT
/* The control socket's JSON: the strict flat-object reader and the writer. */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "vmm/json.h"

static struct json_object obj;
static char err[256];

static int parse(const char *text)
{
	err[0] = '\0';
	return json_parse(text, strlen(text), &obj, err, sizeof(err));
}

/* Fails unless text is refused with an error containing why. */
static void refused(const char *text, const char *why)
{
	if (parse(text) == 0)
		fail_msg("accepted: %s", text);
	assert_contains(err, why);
	assert_null(strchr(err, '\n'));
}

static const char *str(const char *key)
{
	const struct json_member *m = json_get(&obj, key);

	assert_non_null(m);
	assert_int_equal(m->type, JSON_STRING);
	return m->v.s;
}

static void test_a_request(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"cmd\":\"sysrq\",\"key\":\"t\"}"), 0);
	assert_int_equal(obj.nr, 2);
	assert_string_equal(obj.member[0].key, "cmd");
	assert_string_equal(str("cmd"), "sysrq");
	assert_string_equal(str("key"), "t");
	assert_null(json_get(&obj, "nope"));
}

static void test_every_kind_of_value(void **state)
{
	const struct json_member *m;

	(void)state;
	assert_int_equal(
		parse(" \t\r\n{ \"a\" : 0 , \"b\":-42,\"c\":true,"
		      "\"d\":false,\"e\":null,\"f\":\"\", \"\":1 }\r\n"),
		0);
	assert_int_equal(obj.nr, 7);
	m = json_get(&obj, "a");
	assert_int_equal(m->type, JSON_INT);
	assert_int_equal(m->v.i, 0);
	assert_int_equal(json_get(&obj, "b")->v.i, -42);
	m = json_get(&obj, "c");
	assert_int_equal(m->type, JSON_BOOL);
	assert_true(m->v.b);
	m = json_get(&obj, "d");
	assert_int_equal(m->type, JSON_BOOL);
	assert_false(m->v.b);
	assert_int_equal(json_get(&obj, "e")->type, JSON_NULL);
	assert_string_equal(str("f"), "");
	assert_int_equal(json_get(&obj, "")->v.i, 1);
	assert_int_equal(parse("{}"), 0);
	assert_int_equal(obj.nr, 0);
}

static void test_integer_limits(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"n\":9223372036854775807}"), 0);
	assert_true(json_get(&obj, "n")->v.i == INT64_MAX);
	assert_int_equal(parse("{\"n\":-9223372036854775808}"), 0);
	assert_true(json_get(&obj, "n")->v.i == INT64_MIN);
	assert_int_equal(parse("{\"n\":-0}"), 0);
	assert_int_equal(json_get(&obj, "n")->v.i, 0);
	refused("{\"n\":9223372036854775808}", "out of range");
	refused("{\"n\":-9223372036854775809}", "out of range");
	refused("{\"n\":99999999999999999999999}", "out of range");
	refused("{\"n\":1.5}", "only integers");
	refused("{\"n\":1e3}", "only integers");
	refused("{\"n\":01}", "leading zero");
	refused("{\"n\":-}", "expected a digit");
	refused("{\"n\":-a}", "expected a digit");
	refused("{\"n\":+1}", "expected a value");
}

static void test_escapes(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"), 0);
	assert_string_equal(str("s"), "\"\\/\b\f\n\r\t");
	assert_int_equal(parse("{\"s\":\"\\u0041\\u00e9\\u20AC\"}"), 0);
	assert_string_equal(str("s"), "A\xc3\xa9\xe2\x82\xac");
	/* U+1F600 as a surrogate pair, and raw */
	assert_int_equal(parse("{\"s\":\"\\ud83d\\ude00\xf0\x9f\x98\x80\"}"),
			 0);
	assert_string_equal(str("s"), "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	assert_int_equal(parse("{\"s\":\"\\uDBFF\\uDFFF\"}"), 0);
	assert_string_equal(str("s"), "\xf4\x8f\xbf\xbf");
	refused("{\"s\":\"\\x41\"}", "bad escape '\\x'");
	refused("{\"s\":\"\\u12\"}", "four hex digits");
	refused("{\"s\":\"\\u12g4\"}", "four hex digits");
	refused("{\"s\":\"\\u0000\"}", "\\u0000 is not allowed");
	refused("{\"s\":\"\\ud83d\"}", "without its low half");
	refused("{\"s\":\"\\ud83dx\"}", "without its low half");
	refused("{\"s\":\"\\ud83d\\u0041\"}", "without its low half");
	refused("{\"s\":\"\\ud83d\\ud83d\"}", "without its low half");
	refused("{\"s\":\"\\ude00\"}", "lone low surrogate");
	refused("{\"s\":\"\\", "unterminated string");
}

static void test_strings_are_utf8_without_control_characters(void **state)
{
	(void)state;
	refused("{\"s\":\"a\nb\"}", "control character");
	refused("{\"s\":\"a\tb\"}", "control character");
	refused("{\"s\":\"\x80\"}", "not UTF-8");
	refused("{\"s\":\"\xc0\xaf\"}", "not UTF-8"); /* overlong '/' */
	refused("{\"s\":\"\xe0\x80\xaf\"}", "not UTF-8");
	refused("{\"s\":\"\xed\xa0\x80\"}", "not UTF-8"); /* U+D800 */
	refused("{\"s\":\"\xf4\x90\x80\x80\"}", "not UTF-8"); /* > U+10FFFF */
	refused("{\"s\":\"\xf5\x80\x80\x80\"}", "not UTF-8");
	refused("{\"s\":\"\xe2\x82\"}", "not UTF-8");
	refused("{\"s\":\"\xe2\x82", "not UTF-8");
	refused("{\"s\":\"abc", "unterminated string");
	refused("{\"\xff\":1}", "not UTF-8");
}

static void test_structure(void **state)
{
	(void)state;
	refused("", "at offset 0: expected an object");
	refused("   ", "at offset 3: expected an object");
	refused("[]", "expected an object");
	refused("\"cmd\"", "expected an object");
	refused("{", "expected a key");
	refused("{\"a\"", "expected ':'");
	refused("{\"a\":", "expected a value");
	refused("{\"a\":1", "expected ',' or '}'");
	refused("{\"a\":1,}", "expected a key");
	refused("{,}", "expected a key");
	refused("{\"a\" 1}", "expected ':'");
	refused("{\"a\":1 \"b\":2}", "expected ',' or '}'");
	refused("{a:1}", "expected a key");
	refused("{'a':1}", "expected a key");
	refused("{\"a\":tru}", "expected a value");
	refused("{\"a\":truex}", "expected ',' or '}'");
	refused("{\"a\":nul}", "expected a value");
	refused("{\"a\":undefined}", "expected a value");
	refused("{} {}", "at offset 3: text after the object");
	refused("{}x", "text after the object");
	refused("{\"a\":{}}", "nested objects and arrays are not supported");
	refused("{\"a\":[1]}", "nested objects and arrays are not supported");
	refused("{\"a\":1,\"a\":2}", "duplicate key \"a\"");
	refused("{\"\\u0061\":1,\"a\":2}", "duplicate key \"a\"");
}

/* The text is length-delimited: a NUL is a byte like any other. */
static void test_nul_bytes_are_refused(void **state)
{
	static const char with_nul[] = "{\"cmd\":\"status\"}\0";
	static const char in_string[] = "{\"cmd\":\"st\0atus\"}";

	(void)state;
	assert_int_equal(json_parse(with_nul, sizeof(with_nul) - 2, &obj, err,
				    sizeof(err)),
			 0);
	assert_int_equal(json_parse(with_nul, sizeof(with_nul) - 1, &obj, err,
				    sizeof(err)),
			 -1);
	assert_contains(err, "text after the object");
	assert_int_equal(json_parse(in_string, sizeof(in_string) - 1, &obj, err,
				    sizeof(err)),
			 -1);
	assert_contains(err, "control character");
}

static void test_bounded_members_and_space(void **state)
{
	char text[JSON_MAX_TEXT * 3];
	size_t n = 0;

	(void)state;
	n += (size_t)sprintf(text + n, "{");
	for (int i = 0; i < JSON_MAX_MEMBERS; i++)
		n += (size_t)sprintf(text + n, "%s\"k%d\":%d", i ? "," : "", i,
				     i);
	n += (size_t)sprintf(text + n, "}");
	assert_int_equal(parse(text), 0);
	assert_int_equal(obj.nr, JSON_MAX_MEMBERS);
	text[n - 1] = '\0';
	strcat(text, ",\"one-more\":1}");
	refused(text, "more than 32 members");

	/* one string filling the space exactly, NUL included ... */
	n = (size_t)sprintf(text, "{\"\":\"");
	memset(text + n, 'x', JSON_MAX_TEXT - 2);
	n += JSON_MAX_TEXT - 2;
	strcpy(text + n, "\"}");
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(str("")), JSON_MAX_TEXT - 2);
	/* ... one byte more does not fit */
	n = (size_t)sprintf(text, "{\"\":\"");
	memset(text + n, 'x', JSON_MAX_TEXT - 1);
	n += JSON_MAX_TEXT - 1;
	strcpy(text + n, "\"}");
	refused(text, "strings too long");
	/* nor does another string after a full space */
	n = (size_t)sprintf(text, "{\"\":\"");
	memset(text + n, 'x', JSON_MAX_TEXT - 2);
	n += JSON_MAX_TEXT - 2;
	strcpy(text + n, "\",\"b\":1}");
	refused(text, "strings too long");
}

/* Huge inputs cost time in their length, never stack. */
static void test_deep_nesting_is_refused_at_once(void **state)
{
	size_t len = 1 << 20;
	char *deep = malloc(len);

	(void)state;
	assert_non_null(deep);
	memset(deep, '[', len);
	assert_int_equal(json_parse(deep, len, &obj, err, sizeof(err)), -1);
	memcpy(deep, "{\"a\":", 5);
	assert_int_equal(json_parse(deep, len, &obj, err, sizeof(err)), -1);
	assert_contains(err, "at offset 5: nested");
	free(deep);
}

static void test_error_is_cut_to_its_buffer(void **state)
{
	char small[12];

	(void)state;
	memset(small, 'z', sizeof(small));
	assert_int_equal(json_parse("x", 1, &obj, small, sizeof(small)), -1);
	assert_string_equal(small, "at offset 0");
	assert_int_equal(json_parse("x", 1, &obj, small, 0), -1);
}

static void test_writer(void **state)
{
	char buf[256];
	struct json_writer w;
	int n;

	(void)state;
	json_start(&w, buf, sizeof(buf));
	assert_int_equal(json_end(&w), 3);
	assert_string_equal(buf, "{}\n");

	json_start(&w, buf, sizeof(buf));
	json_add_bool(&w, "ok", true);
	json_add_str(&w, "state", "running");
	json_add_uint(&w, "memory", UINT64_MAX);
	json_add_int(&w, "n", INT64_MIN);
	json_add_bool(&w, "no", false);
	n = json_end(&w);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(
		buf,
		"{\"ok\":true,\"state\":\"running\",\"memory\":18446744073709551615,\"n\":-9223372036854775808,\"no\":false}\n");
	/* the reader takes it back but for the integer beyond int64_t */
	assert_int_equal(json_parse(buf, strlen(buf), &obj, err, sizeof(err)),
			 -1);
	assert_contains(err, "integer out of range");
	memcpy(strstr(buf, "18446744073709551615"), "00000000000000000001", 20);
	assert_int_equal(json_parse(buf, strlen(buf), &obj, err, sizeof(err)),
			 -1);
	assert_contains(err, "leading zero");
	memcpy(strstr(buf, "00000000000000000001"), "10000000000000000000", 20);
	assert_int_equal(json_parse(buf, strlen(buf), &obj, err, sizeof(err)),
			 -1);
	memcpy(strstr(buf, "10000000000000000000"), "       1234567890123", 20);
	assert_int_equal(json_parse(buf, strlen(buf), &obj, err, sizeof(err)),
			 0);
	assert_int_equal(obj.nr, 5);
	assert_true(json_get(&obj, "memory")->v.i == 1234567890123);
}

static void test_writer_escapes(void **state)
{
	char buf[256];
	struct json_writer w;

	(void)state;
	json_start(&w, buf, sizeof(buf));
	json_add_str(&w, "k\"ey", "a\"b\\c\nd\re\tf\x01g\x7fh/\xc3\xa9");
	assert_true(json_end(&w) > 0);
	assert_string_equal(
		buf,
		"{\"k\\\"ey\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007fh/\xc3\xa9\"}\n");
	assert_int_equal(
		json_parse(buf, strlen(buf) - 1, &obj, err, sizeof(err)), 0);
	assert_string_equal(str("k\"ey"),
			    "a\"b\\c\nd\re\tf\x01g\x7fh/\xc3\xa9");

	/* bytes that are not UTF-8 become U+FFFD, so the line stays JSON */
	json_start(&w, buf, sizeof(buf));
	json_add_str(&w, "e", "\xff\xc3(\xed\xa0\x80\xe2\x82");
	assert_true(json_end(&w) > 0);
	assert_string_equal(
		buf,
		"{\"e\":\"\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}\n");
	assert_int_equal(json_parse(buf, strlen(buf), &obj, err, sizeof(err)),
			 0);
}

/* Every size from nothing up: it fits whole or json_end() says so. */
static void test_writer_never_overflows(void **state)
{
	char want[128], buf[128 + 16];
	struct json_writer w;
	int full;

	(void)state;
	json_start(&w, want, sizeof(want));
	json_add_str(&w, "error", "a\nb\"c");
	json_add_int(&w, "n", 12345);
	full = json_end(&w);
	assert_true(full > 0);
	for (size_t size = 0; size <= (size_t)full + 1; size++) {
		memset(buf, '#', sizeof(buf));
		json_start(&w, buf, size);
		json_add_str(&w, "error", "a\nb\"c");
		json_add_int(&w, "n", 12345);
		if (size > (size_t)full) {
			assert_int_equal(json_end(&w), full);
			assert_string_equal(buf, want);
		} else {
			assert_int_equal(json_end(&w), -1);
			assert_true(size == 0 || buf[0] == '\0');
		}
		for (size_t i = size; i < sizeof(buf); i++)
			assert_int_equal(buf[i], '#');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_request),
		cmocka_unit_test(test_every_kind_of_value),
		cmocka_unit_test(test_integer_limits),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(
			test_strings_are_utf8_without_control_characters),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_nul_bytes_are_refused),
		cmocka_unit_test(test_bounded_members_and_space),
		cmocka_unit_test(test_deep_nesting_is_refused_at_once),
		cmocka_unit_test(test_error_is_cut_to_its_buffer),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_escapes),
		cmocka_unit_test(test_writer_never_overflows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
