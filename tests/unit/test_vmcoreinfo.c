// SPDX-License-Identifier: MIT
/* vmcoreinfo_at(): the guest kernel's note recognised, and nothing else. */
#include "unit.h"

#include <elf.h>
#include <stdbool.h>

#include "vmm/vmcoreinfo.h"

#define TEXT "OSRELEASE=6.1.0-57-amd64\nPAGESIZE=4096\nKERNELOFFSET=0\n"

static uint8_t page[2 * 4096];

/* The note as the kernel writes it, with its text of len bytes. */
static void note(uint32_t namesz, uint32_t len, uint32_t type)
{
	const Elf64_Nhdr h = { namesz, len, type };

	memset(page, 0, sizeof(page));
	memcpy(page, &h, sizeof(h));
	memcpy(page + sizeof(h), "VMCOREINFO", 11);
	memcpy(page + sizeof(h) + 12, TEXT, sizeof(TEXT) - 1);
	memset(page + sizeof(h) + 12 + sizeof(TEXT) - 1, 'x',
	       sizeof(page) - sizeof(h) - 12 - (sizeof(TEXT) - 1));
}

static bool found(uint64_t len)
{
	const uint8_t *text = NULL;
	uint32_t text_len = 0;
	bool ok = vmcoreinfo_at(page, len, &text, &text_len);

	if (ok) {
		assert_ptr_equal(text, page + 24);
		assert_true(text_len <= VMCOREINFO_TEXT_MAX);
	}
	return ok;
}

static void test_the_kernels_note(void **state)
{
	const uint8_t *text;
	uint32_t len;

	note(11, sizeof(TEXT) - 1, 0);
	assert_true(vmcoreinfo_at(page, sizeof(page), &text, &len));
	assert_ptr_equal(text, page + 24);
	assert_int_equal(len, sizeof(TEXT) - 1);
	/* Exactly as long as the RAM left, and a full page of text. */
	assert_true(found(24 + sizeof(TEXT) - 1));
	note(11, VMCOREINFO_TEXT_MAX, 0);
	assert_true(found(sizeof(page)));
}

static void test_other_notes_and_bytes(void **state)
{
	note(10, sizeof(TEXT) - 1, 0);
	assert_false(found(sizeof(page)));
	note(11, sizeof(TEXT) - 1, 1);
	assert_false(found(sizeof(page)));
	note(11, sizeof(TEXT) - 1, 0);
	page[12] = 'v';
	assert_false(found(sizeof(page)));
	note(11, sizeof(TEXT) - 1, 0);
	page[22] = 'X'; /* the name's NUL */
	assert_false(found(sizeof(page)));
	note(11, sizeof(TEXT) - 1, 0);
	page[24] = 'o';
	assert_false(found(sizeof(page)));
	note(11, sizeof(TEXT) - 1, 0);
	page[40] = 0x01;
	assert_false(found(sizeof(page)));
	note(0, 0, 0);
	memset(page, 0, sizeof(page));
	assert_false(found(sizeof(page)));
}

static void test_lengths_past_the_end(void **state)
{
	note(11, sizeof(TEXT) - 1, 0);
	assert_false(found(24 + sizeof(TEXT) - 2));
	assert_false(found(23));
	assert_false(found(0));
	note(11, VMCOREINFO_TEXT_MAX + 1, 0);
	assert_false(found(sizeof(page)));
	note(11, 0xffffffff, 0);
	assert_false(found(sizeof(page)));
	note(11, 5, 0); /* shorter than its first key */
	assert_false(found(sizeof(page)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_kernels_note),
		cmocka_unit_test(test_other_notes_and_bytes),
		cmocka_unit_test(test_lengths_past_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
