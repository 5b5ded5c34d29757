// SPDX-License-Identifier: MIT
/* x86_cpuid_patch(): the topology and feature bits a vCPU sees. */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "arch/x86/cpuid.h"

#define LEAF1_ECX_TSC_DEADLINE (1U << 24)
#define LEAF1_ECX_HYPERVISOR (1U << 31)
#define LEAF1_EDX_HTT (1U << 28)

/* Roughly what KVM_GET_SUPPORTED_CPUID returns, reduced to what we patch. */
static const struct kvm_cpuid_entry2 template[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x756e6547 },
	/* Leaf 1: stepping etc. in EAX, CLFLUSH line size 8 in EBX[15:8],
	 * SSE3 | x2APIC in ECX, FPU | APIC in EDX. */
	{ .function = 1,
	  .eax = 0x000806f8,
	  .ebx = 0x00000800,
	  .ecx = 0x00200001,
	  .edx = 0x00000201 },
	/* Leaf 4: L1d (level 1), L3 (level 3), then the end marker. */
	{ .function = 4,
	  .index = 0,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0x00000121 },
	{ .function = 4,
	  .index = 3,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0x00000163 },
	{ .function = 4,
	  .index = 4,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0 },
	{ .function = 0xb,
	  .index = 0,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 1,
	  .ebx = 2,
	  .ecx = 0x100,
	  .edx = 7 },
	{ .function = 0xb,
	  .index = 1,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 7,
	  .ebx = 96,
	  .ecx = 0x201,
	  .edx = 7 },
	{ .function = 0xb,
	  .index = 2,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ecx = 2,
	  .edx = 7 },
	{ .function = 0x1f,
	  .index = 1,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 7,
	  .ebx = 96,
	  .ecx = 0x201,
	  .edx = 7 },
	{ .function = 0x80000000, .eax = 0x80000008 },
	/* 0x80000008: 48-bit virtual, 46-bit physical; ECX from the host. */
	{ .function = 0x80000008, .eax = 0x302e, .ecx = 0x0000703f },
	{ .function = 0x8000001e, .eax = 9, .ebx = 0x109, .ecx = 0x301 },
};

#define NR_TEMPLATE (sizeof(template) / sizeof(template[0]))

static struct kvm_cpuid2 *make_cpuid(void)
{
	struct kvm_cpuid2 *c =
		calloc(1, sizeof(*c) + NR_TEMPLATE * sizeof(c->entries[0]));

	assert_non_null(c);
	c->nent = NR_TEMPLATE;
	memcpy(c->entries, template, sizeof(template));
	return c;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t function,
				     uint32_t index)
{
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    c->entries[i].index == index)
			return &c->entries[i];
	fail_msg("no CPUID leaf %#x.%u", function, index);
	return NULL;
}

/* ceil(log2(n)), written independently of the code under test. */
static unsigned int bits_for(unsigned int n)
{
	unsigned int b = 0;

	while (b < 32 && (1ULL << b) < n)
		b++;
	return b;
}

static struct kvm_cpuid2 *patched(unsigned int id, unsigned int ncpus,
				  bool tsc_deadline)
{
	struct kvm_cpuid2 *c = make_cpuid();

	x86_cpuid_patch(c, id, ncpus, tsc_deadline);
	assert_int_equal(c->nent, NR_TEMPLATE);
	return c;
}

static void test_leaf1_apic_id(void **state)
{
	static const unsigned int ids[] = { 0, 1, 7, 63, 253 };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct kvm_cpuid2 *c = patched(ids[i], 254, false);
		struct kvm_cpuid_entry2 *e = find(c, 1, 0);

		assert_int_equal(e->ebx >> 24, ids[i]);
		/* CLFLUSH line size and the rest of leaf 1 untouched. */
		assert_int_equal(e->ebx & 0xffff, 0x0800);
		assert_int_equal(e->eax, 0x000806f8);
		free(c);
	}
}

static void test_leaf1_feature_bits(void **state)
{
	struct kvm_cpuid2 *c = patched(0, 1, false);
	struct kvm_cpuid_entry2 *e = find(c, 1, 0);

	assert_true(e->ecx & LEAF1_ECX_HYPERVISOR);
	assert_false(e->ecx & LEAF1_ECX_TSC_DEADLINE);
	/* Host bits kept. */
	assert_int_equal(e->ecx & 0x00200001, 0x00200001);
	assert_int_equal(e->edx & 0x201, 0x201);
	free(c);

	c = patched(0, 1, true);
	e = find(c, 1, 0);
	assert_true(e->ecx & LEAF1_ECX_TSC_DEADLINE);
	assert_true(e->ecx & LEAF1_ECX_HYPERVISOR);
	free(c);
}

static void test_leaf1_htt(void **state)
{
	struct kvm_cpuid2 *c = make_cpuid();
	struct kvm_cpuid_entry2 *e = find(c, 1, 0);

	/* One CPU: HTT off even when the host had it on. */
	e->edx |= LEAF1_EDX_HTT;
	x86_cpuid_patch(c, 0, 1, false);
	assert_false(e->edx & LEAF1_EDX_HTT);
	assert_int_equal((e->ebx >> 16) & 0xff, 1);
	free(c);

	c = patched(1, 2, false);
	e = find(c, 1, 0);
	assert_true(e->edx & LEAF1_EDX_HTT);
	assert_int_equal((e->ebx >> 16) & 0xff, 2);
	free(c);

	c = patched(0, 3, false);
	e = find(c, 1, 0);
	assert_true(e->edx & LEAF1_EDX_HTT);
	/* Addressable IDs: a power of two that covers all the CPUs. */
	assert_int_equal((e->ebx >> 16) & 0xff, 4);
	free(c);

	c = patched(0, 64, false);
	assert_int_equal((find(c, 1, 0)->ebx >> 16) & 0xff, 64);
	free(c);
}

/*
 * Leaf 1 EBX[23:16] (addressable logical processor IDs) must not be 0 with
 * HTT set. BUG (arch/x86/cpuid.c x86_cpuid_patch, case 1): it is set to
 * 1 << order_base_2(ncpus), which is 256 for 129..254 CPUs and is then
 * masked to 8 bits, giving 0. It should saturate at 255.
 */
static void test_leaf1_many_cpus(void **state)
{
	static const unsigned int ncpus[] = { 128, 129, 200, 254 };

	for (size_t i = 0; i < sizeof(ncpus) / sizeof(ncpus[0]); i++) {
		struct kvm_cpuid2 *c = patched(5, ncpus[i], false);
		struct kvm_cpuid_entry2 *e = find(c, 1, 0);
		unsigned int field = (e->ebx >> 16) & 0xff;

		assert_true(e->edx & LEAF1_EDX_HTT);
		assert_int_equal(e->ebx >> 24, 5);
		if (field < ncpus[i])
			fail_msg("%u CPUs: leaf 1 EBX[23:16] = %u", ncpus[i],
				 field);
		free(c);
	}
}

static void test_leaf_b_topology(void **state)
{
	static const unsigned int ncpus[] = { 1, 2, 3, 64, 254 };

	for (size_t i = 0; i < sizeof(ncpus) / sizeof(ncpus[0]); i++) {
		unsigned int n = ncpus[i], id = n - 1;
		struct kvm_cpuid2 *c = patched(id, n, false);
		struct kvm_cpuid_entry2 *e0 = find(c, 0xb, 0);
		struct kvm_cpuid_entry2 *e1 = find(c, 0xb, 1);
		struct kvm_cpuid_entry2 *e2 = find(c, 0xb, 2);

		/* Subleaf 0, SMT: one thread, no ID bits. */
		assert_int_equal(e0->eax, 0);
		assert_int_equal(e0->ebx, 1);
		assert_int_equal(e0->ecx, 0x100 | 0);
		assert_int_equal(e0->edx, id);
		/* Subleaf 1, core: n of them, ceil(log2 n) ID bits. */
		assert_int_equal(e1->eax, bits_for(n));
		assert_int_equal(e1->ebx, n);
		assert_int_equal(e1->ecx, 0x200 | 1);
		assert_int_equal(e1->edx, id);
		/* Subleaf 2: invalid level, ECX echoes the index. */
		assert_int_equal(e2->eax, 0);
		assert_int_equal(e2->ebx, 0);
		assert_int_equal(e2->ecx, 2);
		assert_int_equal(e2->edx, id);
		/* Leaf 0x1f says the same. */
		assert_int_equal(find(c, 0x1f, 1)->ebx, n);
		assert_int_equal(find(c, 0x1f, 1)->eax, bits_for(n));
		free(c);
	}
}

static void test_leaf_b_values(void **state)
{
	/* Spelled out for the cases named in the design. */
	static const struct {
		unsigned int ncpus, bits;
	} cases[] = { { 1, 0 }, { 2, 1 }, { 3, 2 }, { 64, 6 }, { 65, 7 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kvm_cpuid2 *c = patched(0, cases[i].ncpus, false);

		assert_int_equal(find(c, 0xb, 1)->eax, cases[i].bits);
		free(c);
	}
}

static void test_leaf_80000008(void **state)
{
	static const unsigned int ncpus[] = { 1, 2, 3, 64, 254 };

	for (size_t i = 0; i < sizeof(ncpus) / sizeof(ncpus[0]); i++) {
		struct kvm_cpuid2 *c = patched(0, ncpus[i], false);
		struct kvm_cpuid_entry2 *e = find(c, 0x80000008, 0);

		assert_int_equal(e->ecx & 0xff, ncpus[i] - 1);
		assert_int_equal((e->ecx >> 12) & 0xf, bits_for(ncpus[i]));
		/* Address sizes untouched. */
		assert_int_equal(e->eax, 0x302e);
		free(c);
	}
}

static void test_cache_sharing(void **state)
{
	struct kvm_cpuid2 *c = patched(0, 8, false);
	struct kvm_cpuid_entry2 *l1 = find(c, 4, 0), *l3 = find(c, 4, 3);

	/* L1 private, L3 shared by all 8; cores per package - 1 = 7. */
	assert_int_equal((l1->eax >> 14) & 0xfff, 0);
	assert_int_equal((l3->eax >> 14) & 0xfff, 7);
	assert_int_equal(l1->eax >> 26, 7);
	assert_int_equal(l3->eax >> 26, 7);
	/* Cache type and level kept. */
	assert_int_equal(l1->eax & 0xff, 0x21);
	assert_int_equal(l3->eax & 0xff, 0x63);
	/* The end marker stays empty. */
	assert_int_equal(find(c, 4, 4)->eax, 0);
	free(c);

	c = patched(0, 254, false);
	assert_int_equal(find(c, 4, 3)->eax >> 26, 63);
	assert_int_equal((find(c, 4, 3)->eax >> 14) & 0xfff, 253);
	free(c);
}

static void test_amd_topology(void **state)
{
	struct kvm_cpuid2 *c = patched(9, 16, false);
	struct kvm_cpuid_entry2 *e = find(c, 0x8000001e, 0);

	assert_int_equal(e->eax, 9); /* extended APIC ID */
	assert_int_equal(e->ebx & 0xff, 9); /* compute unit */
	assert_int_equal((e->ebx >> 8) & 0xff, 0); /* one thread per unit */
	assert_int_equal(e->ecx, 0);
	free(c);
}

static void test_other_leaves_untouched(void **state)
{
	struct kvm_cpuid2 *c = patched(3, 4, true);

	assert_memory_equal(find(c, 0, 0), &template[0], sizeof(template[0]));
	assert_memory_equal(find(c, 0x80000000, 0), &template[9],
			    sizeof(template[9]));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1_apic_id),
		cmocka_unit_test(test_leaf1_feature_bits),
		cmocka_unit_test(test_leaf1_htt),
		cmocka_unit_test(test_leaf1_many_cpus),
		cmocka_unit_test(test_leaf_b_topology),
		cmocka_unit_test(test_leaf_b_values),
		cmocka_unit_test(test_leaf_80000008),
		cmocka_unit_test(test_cache_sharing),
		cmocka_unit_test(test_amd_topology),
		cmocka_unit_test(test_other_leaves_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
