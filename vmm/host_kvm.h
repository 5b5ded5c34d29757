/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_HOST_KVM_H
#define KESTREL_VMM_HOST_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * What this host's KVM is, and whether it can run a standard guest kernel:
 * the one place that decides, for `kestrel check`, for `kestrel run` before
 * it creates a VM, and (through `kestrel check`) for every script.
 *
 * A writable /dev/kvm is not enough. PVM (the kvm_pvm module) runs only
 * guest kernels built for it; a stock kernel stalls there without a word.
 * So the decision rests on which vendor module drives KVM.
 */

enum host_kvm_vendor {
	HOST_KVM_UNKNOWN,
	HOST_KVM_VMX, /* kvm_intel */
	HOST_KVM_SVM, /* kvm_amd */
	HOST_KVM_PVM, /* kvm_pvm */
};

/* The capabilities kestrel checks, in the order `kestrel check` lists them. */
enum host_kvm_cap {
	HOST_CAP_IRQCHIP,
	HOST_CAP_IRQFD,
	HOST_CAP_IOEVENTFD,
	HOST_CAP_IRQ_ROUTING,
	HOST_CAP_USER_MEMORY,
	HOST_CAP_IMMEDIATE_EXIT,
#if defined(__x86_64__)
	HOST_CAP_PIT2,
	HOST_CAP_SET_TSS_ADDR,
	HOST_CAP_SET_IDENTITY_MAP_ADDR,
	HOST_CAP_EXT_CPUID,
	HOST_CAP_TSC_DEADLINE_TIMER, /* optional: the LAPIC timer is used without */
#elif defined(__aarch64__)
	HOST_CAP_ARM_PSCI_0_2,
	HOST_CAP_ONE_REG,
	HOST_CAP_DEVICE_CTRL,
#endif
	HOST_CAP_COUNT,
};

/*
 * How the probe reaches the KVM device; tests replace it, since a fake
 * tree can hold sysfs and /proc files but no working KVM.
 */
struct host_kvm_ops {
	/* Opens path read-write: an fd, or -errno. */
	int (*open)(void *ctx, const char *path);
	/* ioctl(fd, request, arg): its result, or -errno. */
	int (*ioctl)(void *ctx, int fd, unsigned long request,
		     unsigned long arg);
	void (*close)(void *ctx, int fd);
	void *ctx;
};

extern const struct host_kvm_ops host_kvm_real_ops;

struct host_kvm {
	char dev_path[256];
	bool dev_present;
	mode_t dev_mode;
	uid_t dev_uid;
	gid_t dev_gid;
	int open_err; /* errno of opening the device read-write; 0: opened */
	bool dev_is_kvm; /* answered KVM_GET_API_VERSION */
	int api_version;

	enum host_kvm_vendor vendor;
	const char *vendor_module; /* "kvm_intel" ...; NULL if none seen */
	bool cpu_vmx, cpu_svm, cpu_hypervisor; /* /proc/cpuinfo flags */
	bool cpuinfo_read;

	bool cap[HOST_CAP_COUNT];
	int max_vcpus; /* 0: unknown */
};

/*
 * Fills h from the files under root ("" or "/" for this host; tests point
 * it at a fake tree) and from the device through ops. When fd_out is not
 * NULL and the device opened, the open fd is left there for the caller
 * (-1 otherwise); else the probe closes it.
 */
void host_kvm_probe(const char *root, const struct host_kvm_ops *ops,
		    struct host_kvm *h, int *fd_out);

/*
 * 0 when kestrel can run a standard guest here, with one line saying why
 * in why; -1 when it cannot, with one line naming the cause and the way
 * out. kernel, when not NULL, is the image the user asked to boot.
 */
int host_kvm_verdict(const struct host_kvm *h, const char *kernel, char *why,
		     size_t len);

/* `kestrel check`'s report: one line per fact. */
void host_kvm_print(const struct host_kvm *h, FILE *out);

/* The name `kestrel check` shows for a capability. */
const char *host_kvm_cap_name(enum host_kvm_cap cap);

/* The host tree to probe: $KESTREL_TEST_HOST_ROOT, or "" (the real one). */
const char *host_kvm_root(void);

#endif
