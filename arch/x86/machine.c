// SPDX-License-Identifier: MIT
/* The x86 PC: RAM layout, boot-time memory contents, VM-wide KVM state. */
#include "arch/x86/machine.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "arch/x86/cpu.h"
#include "arch/x86/e820.h"
#include "arch/x86/layout.h"

unsigned int x86_ram_regions(uint64_t mem_size, struct x86_ram_region *r)
{
	uint64_t low, high;

	x86_ram_split(mem_size, &low, &high);
	r[0] = (struct x86_ram_region){ 0, low };
	if (!high)
		return 1;
	r[1] = (struct x86_ram_region){ X86_4G, high };
	return 2;
}

/*
 * There is no BIOS, but Linux may still reboot through one: on a
 * hardware-reduced ACPI machine without EFI it tries "EFI", then jumps to
 * the BIOS reset vector in real mode. What it finds there resets the
 * machine the PC way, so every reboot method ends in a reset kestrel sees.
 */
static int write_reset_vector(struct guest_mem *gm)
{
	static const uint8_t stub[] = {
		0xb0, 0xfe, /* mov al, 0xfe: the i8042 "pulse reset" command */
		0xe6, 0x64, /* out 0x64, al */
		0xf4, /* hlt */
		0xeb, 0xfd, /* jmp back to the hlt */
	};

	return gm_write(gm, X86_RESET_VECTOR_ADDR, stub, sizeof(stub)) ? 0 : -1;
}

int x86_machine_load(struct guest_mem *gm, uint64_t mem_size,
		     const struct acpi_config *acpi,
		     const struct x86_boot_input *images,
		     struct x86_boot_state *out, char *err, size_t errlen)
{
	struct e820_entry e820[X86_E820_MAX];
	struct x86_boot_input in = *images;
	uint8_t *tables = gm_ptr(gm, X86_ACPI_ADDR, X86_ACPI_MAX);

	if (!tables || !acpi_build(acpi, X86_ACPI_ADDR, tables, X86_ACPI_MAX)) {
		boot_err(err, errlen, "ACPI tables do not fit (%u CPUs)",
			 acpi->ncpus);
		return -1;
	}
	if (x86_write_boot_tables(gm) || write_reset_vector(gm)) {
		boot_err(err, errlen, "no guest RAM for the boot page tables");
		return -1;
	}
	in.gm = gm;
	in.mem_size = mem_size;
	in.nr_e820 = x86_e820_build(mem_size, e820, X86_E820_MAX);
	in.e820 = e820;
	in.rsdp_addr = X86_ACPI_ADDR;
	return x86_load_kernel(&in, out, err, errlen);
}

int x86_machine_kvm_init(int vm_fd, const char **what)
{
	/*
	 * The speaker port (0x61) in the kernel too: PIT channel 2's gate and
	 * output for the guest's TSC calibration, and NMI reason bits that
	 * say "no PCI or I/O check error", so an NMI from `kestrel ctl nmi`
	 * is the unknown NMI it is, not a SERR (what an unclaimed 0xff says).
	 */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity_map = X86_KVM_IDENTITY_MAP_ADDR;

	*what = "KVM_SET_IDENTITY_MAP_ADDR";
	if (ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0)
		return -errno;
	*what = "KVM_SET_TSS_ADDR";
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, (unsigned long)X86_KVM_TSS_ADDR) < 0)
		return -errno;
	*what = "KVM_CREATE_IRQCHIP";
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -errno;
	*what = "KVM_CREATE_PIT2";
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return -errno;
	return 0;
}
