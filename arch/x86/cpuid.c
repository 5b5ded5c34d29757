// SPDX-License-Identifier: MIT
/* The CPUID a guest vCPU sees: KVM's supported set with our topology. */
#include "arch/x86/cpuid.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>

struct kvm_cpuid2 *x86_supported_cpuid(int kvm_fd)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c =
			calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	errno = E2BIG;
	return NULL;
}

static unsigned int order_base_2(unsigned int n)
{
	unsigned int bits = 0;

	while ((1U << bits) < n)
		bits++;
	return bits;
}

static uint32_t set_field(uint32_t reg, unsigned int lo, unsigned int width,
			  uint32_t val)
{
	uint32_t mask = ((width == 32) ? ~0U : ((1U << width) - 1)) << lo;

	return (reg & ~mask) | ((val << lo) & mask);
}

/* Leaves 0xB and 0x1F: level 0 is SMT (1 thread), level 1 is the core. */
static void patch_ext_topology(struct kvm_cpuid_entry2 *e, unsigned int id,
			       unsigned int ncpus)
{
	e->edx = id;
	switch (e->index) {
	case 0:
		e->eax = 0;
		e->ebx = 1;
		e->ecx = (1 << 8) | 0;
		break;
	case 1:
		e->eax = order_base_2(ncpus);
		e->ebx = ncpus;
		e->ecx = (2 << 8) | 1;
		break;
	default:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = e->index;
		break;
	}
}

/* Leaves 4 (Intel) and 0x8000001D (AMD) describe who shares each cache. */
static void patch_cache(struct kvm_cpuid_entry2 *e, unsigned int ncpus,
			bool intel_layout)
{
	unsigned int level = (e->eax >> 5) & 7;
	unsigned int sharing = level == 3 ? ncpus - 1 : 0;

	if ((e->eax & 0x1f) == 0)
		return; /* no cache at this subleaf */
	e->eax = set_field(e->eax, 14, 12, sharing > 4095 ? 4095 : sharing);
	if (intel_layout)
		e->eax = set_field(e->eax, 26, 6,
				   ncpus - 1 > 63 ? 63 : ncpus - 1);
}

void x86_cpuid_patch(struct kvm_cpuid2 *c, unsigned int id, unsigned int ncpus,
		     bool tsc_deadline)
{
	unsigned int apic_bits = order_base_2(ncpus);
	/* Addressable logical CPUs per package: an 8-bit field. */
	unsigned int logical = apic_bits >= 8 ? 255 : 1U << apic_bits;

	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = set_field(e->ebx, 24, 8, id);
			e->ebx = set_field(e->ebx, 16, 8, logical);
			if (ncpus > 1)
				e->edx |= 1U << 28; /* HTT: field above valid */
			else
				e->edx &= ~(1U << 28);
			e->ecx |= 1U << 31; /* running under a hypervisor */
			if (tsc_deadline)
				e->ecx |= 1U << 24;
			break;
		case 4:
			patch_cache(e, ncpus, true);
			break;
		case 0xb:
		case 0x1f:
			patch_ext_topology(e, id, ncpus);
			break;
		case 0x80000008:
			e->ecx = set_field(e->ecx, 0, 8, ncpus - 1);
			e->ecx = set_field(e->ecx, 12, 4, apic_bits);
			break;
		case 0x8000001d:
			patch_cache(e, ncpus, false);
			break;
		case 0x8000001e:
			e->eax = id;
			e->ebx = id & 0xff; /* compute unit = core, 1 thread */
			e->ecx = 0; /* node 0 of 1 */
			break;
		}
	}
}
