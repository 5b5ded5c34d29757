// SPDX-License-Identifier: MIT
/* The x86-64 registers gdb sees: description and layout agree. */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "arch/x86/gdb_regs.h"

/* gdb's numbering: what its amd64 support looks for, in each feature. */
static const char *const names[GDB_X86_NR_REGS] = {
	"rax",	 "rbx",	    "rcx",     "rdx",	    "rsi",   "rdi",   "rbp",
	"rsp",	 "r8",	    "r9",      "r10",	    "r11",   "r12",   "r13",
	"r14",	 "r15",	    "rip",     "eflags",    "cs",    "ss",    "ds",
	"es",	 "fs",	    "gs",      "st0",	    "st1",   "st2",   "st3",
	"st4",	 "st5",	    "st6",     "st7",	    "fctrl", "fstat", "ftag",
	"fiseg", "fioff",   "foseg",   "fooff",	    "fop",   "xmm0",  "xmm1",
	"xmm2",	 "xmm3",    "xmm4",    "xmm5",	    "xmm6",  "xmm7",  "xmm8",
	"xmm9",	 "xmm10",   "xmm11",   "xmm12",	    "xmm13", "xmm14", "xmm15",
	"mxcsr", "fs_base", "gs_base", "k_gs_base", "cr0",   "cr2",   "cr3",
	"cr4",	 "cr8",	    "efer",
};

/* The first register of each feature, and the feature. */
static const struct {
	unsigned int first;
	const char *feature;
} features[] = {
	{ 0, "org.gnu.gdb.i386.core" },
	{ 40, "org.gnu.gdb.i386.sse" },
	{ 57, "org.gnu.gdb.i386.segments" },
	{ 59, "org.kestrel.x86.system" },
};

/* The value of attribute attr in the element starting at tag. */
static const char *attr(const char *tag, const char *attr, char *out,
			size_t cap)
{
	char key[32];
	const char *v, *end = strchr(tag, '>');

	snprintf(key, sizeof(key), " %s='", attr);
	v = strstr(tag, key);
	if (!v || !end || v > end)
		return NULL;
	v += strlen(key);
	snprintf(out, cap, "%.*s", (int)(strchr(v, '\'') - v), v);
	return out;
}

static void test_description_matches_layout(void **state)
{
	const char *xml = gdb_x86_target_xml, *p = xml;
	unsigned int regno = 0, f = 0;
	char value[64];

	assert_int_equal(strlen(xml), gdb_x86_target_xml_len);
	assert_non_null(
		strstr(xml, "<architecture>i386:x86-64</architecture>"));
	while ((p = strstr(p, "<")) != NULL) {
		if (strncmp(p, "<feature ", 9) == 0) {
			assert_true(f < sizeof(features) / sizeof(features[0]));
			assert_int_equal(features[f].first, regno);
			assert_string_equal(
				attr(p, "name", value, sizeof(value)),
				features[f].feature);
			f++;
		} else if (strncmp(p, "<reg ", 5) == 0) {
			assert_true(regno < GDB_X86_NR_REGS);
			assert_string_equal(
				attr(p, "name", value, sizeof(value)),
				names[regno]);
			assert_int_equal(
				atoi(attr(p, "bitsize", value, sizeof(value))),
				8 * gdb_x86_reg_size(regno));
			assert_null(attr(p, "regnum", value, sizeof(value)));
			regno++;
		}
		p++;
	}
	assert_int_equal(regno, GDB_X86_NR_REGS);
	assert_int_equal(f, sizeof(features) / sizeof(features[0]));
	assert_int_equal(gdb_x86_reg_size(GDB_X86_NR_REGS), 0);
	/* Nothing in it needs escaping in binary replies. */
	assert_null(strpbrk(xml, "$#}*"));
}

static void test_get_and_set(void **state)
{
	struct x86_cpu_state s = { 0 };
	uint8_t v[GDB_X86_REG_MAX];

	s.gpr[X86_R15] = 0x0102030405060708ULL;
	assert_true(gdb_x86_reg_get(&s, 15, v));
	assert_memory_equal(v, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	/* eflags is the low half of rflags; writing it keeps the rest. */
	s.rflags = 0xaaaaaaaa00000202ULL;
	assert_true(gdb_x86_reg_get(&s, 17, v));
	assert_memory_equal(v, "\x02\x02\x00\x00", 4);
	assert_true(
		gdb_x86_reg_set(&s, 17, (const uint8_t *)"\x46\x00\x00\x00"));
	assert_int_equal(s.rflags, 0xaaaaaaaa00000046ULL);
	/* A selector: 16 bits of gdb's 32. */
	assert_true(
		gdb_x86_reg_set(&s, 23, (const uint8_t *)"\x2b\x00\x01\x00"));
	assert_int_equal(s.seg[X86_GS].selector, 0x2b);
	assert_true(gdb_x86_reg_get(&s, 23, v));
	assert_memory_equal(v, "\x2b\x00\x00\x00", 4);
	/* fs_base, gs_base, k_gs_base and efer where the state keeps them. */
	assert_true(
		gdb_x86_reg_set(&s, 57, (const uint8_t *)"\1\0\0\0\0\0\0\0"));
	assert_true(
		gdb_x86_reg_set(&s, 58, (const uint8_t *)"\2\0\0\0\0\0\0\0"));
	assert_true(
		gdb_x86_reg_set(&s, 59, (const uint8_t *)"\3\0\0\0\0\0\0\0"));
	assert_true(
		gdb_x86_reg_set(&s, 65, (const uint8_t *)"\4\0\0\0\0\0\0\0"));
	assert_int_equal(s.seg[X86_FS].base, 1);
	assert_int_equal(s.seg[X86_GS].base, 2);
	assert_int_equal(s.kernel_gs_base, 3);
	assert_int_equal(s.efer, 4);
	/* x87, SSE and past the end: none. */
	assert_false(gdb_x86_reg_get(&s, 24, v));
	assert_false(gdb_x86_reg_get(&s, 56, v));
	assert_false(gdb_x86_reg_get(&s, GDB_X86_NR_REGS, v));
	assert_false(gdb_x86_reg_set(&s, 40, v));
	assert_false(gdb_x86_reg_set(&s, 1000, v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_description_matches_layout),
		cmocka_unit_test(test_get_and_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
