// SPDX-License-Identifier: MIT
/* `kestrel check`'s decision, on fake host trees and a fake KVM device. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/host_kvm.h"

#define FAKE_FD 1000

/* The device the probe talks to: what open and each ioctl answer. */
struct fake_kvm {
	int open_err; /* errno open fails with; 0: opens */
	int api_version; /* < 0: KVM_GET_API_VERSION fails (not KVM) */
	int missing_cap; /* a KVM_CAP_* it lacks; -1: none (IRQCHIP is 0) */
	int opens, closes;
};

static int fake_open(void *ctx, const char *path)
{
	struct fake_kvm *k = ctx;

	(void)path;
	if (k->open_err)
		return -k->open_err;
	k->opens++;
	return FAKE_FD;
}

static int fake_ioctl(void *ctx, int fd, unsigned long request,
		      unsigned long arg)
{
	struct fake_kvm *k = ctx;

	assert_int_equal(fd, FAKE_FD);
	if (request == KVM_GET_API_VERSION)
		return k->api_version < 0 ? -ENOTTY : k->api_version;
	if (request == KVM_CHECK_EXTENSION) {
		if ((int)arg == k->missing_cap)
			return 0;
		return arg == KVM_CAP_MAX_VCPUS ? 288 : 1;
	}
	return -ENOTTY;
}

static void fake_close(void *ctx, int fd)
{
	struct fake_kvm *k = ctx;

	assert_int_equal(fd, FAKE_FD);
	k->closes++;
}

struct fixture {
	char root[64];
	struct fake_kvm kvm;
	struct host_kvm_ops ops;
	struct host_kvm h;
	char why[512];
};

static void put(struct fixture *f, const char *path, const char *text)
{
	char full[256], *slash;
	FILE *fp;

	snprintf(full, sizeof(full), "%s/%s", f->root, path);
	for (slash = strchr(full + strlen(f->root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(full, 0755);
		*slash = '/';
	}
	if (!text) {
		assert_int_equal(mkdir(full, 0755), 0);
		return;
	}
	fp = fopen(full, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/kestrel-host-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	f->kvm.api_version = KVM_API_VERSION;
	f->kvm.missing_cap = -1;
	f->ops = (struct host_kvm_ops){ fake_open, fake_ioctl, fake_close,
					&f->kvm };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

#define CPUINFO(flags)                                             \
	"processor\t: 0\nvendor_id\t: Test\nflags\t\t: fpu " flags \
	" sse2\n\nprocessor\t: 1\nflags\t\t: fpu\n"

/* A host: its vendor module (or NULL), CPU flags, and a /dev/kvm. */
static void host(struct fixture *f, const char *module, const char *flags)
{
	char path[64];

	if (module) {
		snprintf(path, sizeof(path), "sys/module/%s/parameters",
			 module);
		put(f, path, NULL);
	}
	put(f, "sys/module/kvm/parameters", NULL);
	put(f, "proc/cpuinfo", flags);
	put(f, "dev/kvm", "");
}

static int probe(struct fixture *f, const char *kernel)
{
	int fd;

	host_kvm_probe(f->root, &f->ops, &f->h, &fd);
	if (fd >= 0)
		f->ops.close(f->ops.ctx, fd);
	return host_kvm_verdict(&f->h, kernel, f->why, sizeof(f->why));
}

static void test_vmx_host_runs_guests(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_intel", CPUINFO("vmx hypervisor"));
	assert_int_equal(probe(f, NULL), 0);
	assert_int_equal(f->h.vendor, HOST_KVM_VMX);
	assert_true(f->h.cpu_vmx);
	assert_true(f->h.cpu_hypervisor);
	assert_int_equal(f->h.max_vcpus, 288);
	assert_contains(f->why, "(kvm_intel, VMX) can run standard guests");
	assert_int_equal(f->kvm.opens, f->kvm.closes);
}

static void test_svm_host_runs_guests(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_amd", CPUINFO("svm"));
	assert_int_equal(probe(f, NULL), 0);
	assert_int_equal(f->h.vendor, HOST_KVM_SVM);
	assert_contains(f->why, "(kvm_amd, SVM)");
}

static void test_pvm_host_is_refused(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_pvm", CPUINFO("hypervisor"));
	assert_int_equal(probe(f, "/boot/vmlinuz-6.1"), -1);
	assert_int_equal(f->h.vendor, HOST_KVM_PVM);
	assert_string_equal(
		f->why,
		"this host's KVM is PVM (kvm_pvm), which runs only guest kernels built for PVM, not /boot/vmlinuz-6.1; run kestrel where KVM has VMX or SVM, or inside a nested host (tests/nested/run.sh)");
	/* `kestrel check` names no kernel. */
	host_kvm_verdict(&f->h, NULL, f->why, sizeof(f->why));
	assert_contains(f->why, "not standard ones;");
}

/* PVM is refused even where the device would not open: it is the cause. */
static void test_pvm_host_without_permission_names_pvm(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_pvm", CPUINFO(""));
	f->kvm.open_err = EACCES;
	assert_int_equal(probe(f, NULL), -1);
	assert_contains(f->why, "is PVM (kvm_pvm)");
}

/* A standard vendor module wins over a PVM one loaded beside it. */
static void test_standard_module_beside_pvm(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_intel", CPUINFO("vmx"));
	put(f, "sys/module/kvm_pvm/parameters", NULL);
	assert_int_equal(probe(f, NULL), 0);
	assert_int_equal(f->h.vendor, HOST_KVM_VMX);
}

static void test_no_dev_kvm(void **state)
{
	struct fixture *f = *state;

	put(f, "proc/cpuinfo", CPUINFO("vmx"));
	assert_int_equal(probe(f, NULL), -1);
	assert_false(f->h.dev_present);
	assert_int_equal(f->kvm.opens, 0);
	assert_contains(f->why, "/dev/kvm on this host");
	assert_contains(f->why, "load kvm_intel or kvm_amd");
}

static void test_dev_kvm_without_permission(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_amd", CPUINFO("svm"));
	f->kvm.open_err = EACCES;
	assert_int_equal(probe(f, NULL), -1);
	assert_contains(f->why, "/dev/kvm: Permission denied");
	assert_contains(f->why, "usermod -aG");
}

static void test_dev_kvm_other_open_error(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_amd", CPUINFO("svm"));
	f->kvm.open_err = ENODEV;
	assert_int_equal(probe(f, NULL), -1);
	assert_contains(f->why, "/dev/kvm: No such device");
}

static void test_missing_capability(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_intel", CPUINFO("vmx"));
	f->kvm.missing_cap = KVM_CAP_IOEVENTFD;
	assert_int_equal(probe(f, NULL), -1);
	assert_false(f->h.cap[HOST_CAP_IOEVENTFD]);
	assert_string_equal(
		f->why,
		"this host's KVM lacks ioeventfd support, which kestrel needs");
}

/* KVM_CAP_IRQCHIP is capability 0. */
static void test_missing_irqchip(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_amd", CPUINFO("svm"));
	f->kvm.missing_cap = KVM_CAP_IRQCHIP;
	assert_int_equal(probe(f, NULL), -1);
	assert_contains(f->why, "lacks in-kernel irqchip support");
}

static void test_missing_optional_capability(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_intel", CPUINFO("vmx"));
	f->kvm.missing_cap = KVM_CAP_TSC_DEADLINE_TIMER;
	assert_int_equal(probe(f, NULL), 0);
	assert_false(f->h.cap[HOST_CAP_TSC_DEADLINE_TIMER]);
}

static void test_not_a_kvm_device(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_intel", CPUINFO("vmx"));
	f->kvm.api_version = -1;
	assert_int_equal(probe(f, NULL), -1);
	assert_contains(f->why, "does not answer as a KVM device");
	assert_int_equal(f->kvm.opens, f->kvm.closes);
}

static void test_wrong_api_version(void **state)
{
	struct fixture *f = *state;

	host(f, "kvm_intel", CPUINFO("vmx"));
	f->kvm.api_version = 11;
	assert_int_equal(probe(f, NULL), -1);
	assert_contains(f->why, "KVM API version 11, not 12");
}

/* Without /sys, the CPU flags tell; PVM hosts have neither. */
static void test_cpu_flags_without_sysfs(void **state)
{
	struct fixture *f = *state;

	put(f, "proc/cpuinfo", CPUINFO("svm"));
	put(f, "dev/kvm", "");
	assert_int_equal(probe(f, NULL), 0);
	assert_int_equal(f->h.vendor, HOST_KVM_SVM);
	assert_null(f->h.vendor_module);
	assert_contains(f->why, "(CPU flag, SVM)");
}

static void test_unknown_vendor_is_given_the_benefit(void **state)
{
	struct fixture *f = *state;

	put(f, "dev/kvm", "");
	assert_int_equal(probe(f, NULL), 0);
	assert_int_equal(f->h.vendor, HOST_KVM_UNKNOWN);
	assert_false(f->h.cpuinfo_read);
	assert_contains(f->why, "as far as kestrel can tell");
}

/* The flags of the first CPU only, and whole words only. */
static void test_cpu_flags_are_whole_words(void **state)
{
	struct fixture *f = *state;

	put(f, "proc/cpuinfo",
	    "processor\t: 0\nflags\t\t: fpu vmxe svmx\n\nprocessor\t: 1\nflags\t\t: vmx\n");
	put(f, "dev/kvm", "");
	probe(f, NULL);
	assert_false(f->h.cpu_vmx);
	assert_false(f->h.cpu_svm);
}

static void test_device_fd_is_handed_over(void **state)
{
	struct fixture *f = *state;
	int fd;

	host(f, "kvm_amd", CPUINFO("svm"));
	host_kvm_probe(f->root, &f->ops, &f->h, &fd);
	assert_int_equal(fd, FAKE_FD);
	assert_int_equal(f->kvm.closes, 0);
	host_kvm_probe(f->root, &f->ops, &f->h, NULL);
	assert_int_equal(f->kvm.opens, 2);
	assert_int_equal(f->kvm.closes, 1);
}

static void test_report_lists_every_fact(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	host(f, "kvm_pvm", CPUINFO("hypervisor"));
	f->kvm.missing_cap = KVM_CAP_PIT2;
	probe(f, NULL);
	host_kvm_print(&f->h, out);
	fclose(out);
	assert_contains(text, "/dev/kvm");
	assert_contains(text, "not a character device");
	assert_contains(text, "PVM (module kvm_pvm)");
	assert_contains(text, "no vmx, no svm, running under a hypervisor");
	assert_contains(text, "KVM API version        12");
	assert_contains(text, "in-kernel PIT          no\n");
	assert_contains(text, "irqfd                  yes\n");
	assert_contains(text, "TSC deadline timer     yes (optional)\n");
	assert_contains(text, "vCPUs at most          288\n");
	free(text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_vmx_host_runs_guests),
		T(test_svm_host_runs_guests),
		T(test_pvm_host_is_refused),
		T(test_pvm_host_without_permission_names_pvm),
		T(test_standard_module_beside_pvm),
		T(test_no_dev_kvm),
		T(test_dev_kvm_without_permission),
		T(test_dev_kvm_other_open_error),
		T(test_missing_capability),
		T(test_missing_irqchip),
		T(test_missing_optional_capability),
		T(test_not_a_kvm_device),
		T(test_wrong_api_version),
		T(test_cpu_flags_without_sysfs),
		T(test_unknown_vendor_is_given_the_benefit),
		T(test_cpu_flags_are_whole_words),
		T(test_device_fd_is_handed_over),
		T(test_report_lists_every_fact),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
