/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_UNIT_H
#define KESTREL_TESTS_UNIT_H

/* What every cmocka unit test includes, in the order cmocka requires. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Fails the test unless string s contains sub (cmocka 1.1 has no such). */
#define assert_contains(s, sub)                                    \
	do {                                                       \
		const char *s_ = (s), *sub_ = (sub);               \
		if (!s_ || !strstr(s_, sub_))                      \
			fail_msg("\"%s\" does not contain \"%s\"", \
				 s_ ? s_ : "(null)", sub_);        \
	} while (0)

#endif
