/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_BOARD_H
#define KESTREL_VMM_BOARD_H

#include <stddef.h>
#include <stdint.h>

/*
 * What differs between the machines kestrel builds: x86_64's PC
 * (board_x86_64.c) and arm64's virt-like board (board_arm64.c). vm.c,
 * vcpu.c and platform.c call these at fixed points of a VM's life; each
 * build has exactly one board.
 */
#if defined(__x86_64__)
#include "vmm/board_x86_64.h"
#elif defined(__aarch64__)
#include "vmm/board_arm64.h"
#else
#error "kestrel runs on x86_64 and arm64 hosts"
#endif

struct vm;
struct vcpu;
struct vm_config;
struct platform;
struct iobus;
struct hv;
struct guest_event_sink;
struct host_console;

/* A guest RAM region. */
struct board_ram {
	uint64_t gpa, size;
};
#define BOARD_MAX_RAM 2

/* The images a run boots: the kernel, the initrd (NULL: none), the line. */
struct board_images {
	const uint8_t *kernel;
	size_t kernel_len;
	const uint8_t *initrd;
	size_t initrd_len;
	const char *cmdline;
};

/* Where guest RAM goes for mem_size bytes; returns how many regions. */
unsigned int board_ram_regions(uint64_t mem_size, struct board_ram *r);

/*
 * Fills guest RAM for boot: the kernel, initrd and whatever the board puts
 * around them. Needs no KVM, so bad images are refused before a VM exists.
 * Returns 0 or -1 with one line in err.
 */
int board_load(struct vm *vm, const struct board_images *img, char *err,
	       size_t errlen);

/* The kernel command line's first words: its console, and more. */
const char *board_cmdline(const struct vm_config *cfg);

/* The release an image says it is ("6.1.0-27-amd64"): 0, or -1. */
int board_kernel_release(const uint8_t *kernel, size_t len, char *buf,
			 size_t buflen);

/*
 * VM-wide KVM state, right after KVM_CREATE_VM (irqchip ...); then each
 * vCPU's; then what needs every vCPU to exist. Each returns 0 or -errno
 * with the failing step in *what (NULL: it has logged why itself).
 */
int board_vm_init(struct vm *vm, const char **what);
int board_vcpu_init(struct vm *vm, struct vcpu *v, const char **what);
int board_vm_finish(struct vm *vm, const char **what);
void board_destroy(struct vm *vm);

/*
 * Logs where vCPU v is (its own thread, or any once it has stopped), with
 * `why` when given: "vCPU 0: <why> at pc ...".
 */
void board_vcpu_log_position(struct vcpu *v, const char *why);

/*
 * The devices a board has besides the virtio ones (UART, RTC, power,
 * PCI host): created and put on the buses. Returns 0, or -1 after logging.
 */
int board_platform_init(struct platform *p, const struct vm_config *cfg,
			struct iobus *pio, struct iobus *mmio,
			const struct hv *hv,
			const struct guest_event_sink *events,
			struct host_console *console);

/*
 * The routes KVM has by default for the in-kernel irqchip's pins, which a
 * new routing table must keep: written to e (room for 64), counted. MSIs
 * take GSIs from BOARD_FIRST_MSI_GSI up. An interrupt line's GSI as
 * KVM_IRQ_LINE names it.
 */
struct kvm_irq_routing_entry;
unsigned int board_irqchip_routes(struct kvm_irq_routing_entry *e);
uint32_t board_irq_line(uint32_t gsi);

/* The i-th virtio-mmio window and its interrupt: false past the last. */
bool board_virtio_mmio_slot(unsigned int i, uint64_t *base, uint64_t *size,
			    uint32_t *gsi);

#endif
