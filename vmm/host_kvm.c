// SPDX-License-Identifier: MIT
/* Can this host's KVM run a standard guest? Probe, decide, report. */
#include "vmm/host_kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT_ENV "KESTREL_TEST_HOST_ROOT"
#define NESTED_HINT "or inside a nested host (tests/nested/run.sh)"
#if defined(__aarch64__)
#define NO_KVM_HINT \
	"boot this host's kernel at EL2 (KVM needs the virtualization extensions), " NESTED_HINT
#else
#define NO_KVM_HINT \
	"enable virtualization (VT-x or AMD-V) in the firmware and load kvm_intel or kvm_amd, " NESTED_HINT
#endif

static const struct {
	const char *module;
	enum host_kvm_vendor vendor;
} vendor_modules[] = {
	/* The standard ones first: they decide when several are loaded. */
	{ "kvm_intel", HOST_KVM_VMX },
	{ "kvm_amd", HOST_KVM_SVM },
	{ "kvm_pvm", HOST_KVM_PVM },
};

static const struct {
	int cap;
	const char *name;
	bool required;
} caps[HOST_CAP_COUNT] = {
	[HOST_CAP_IRQCHIP] = { KVM_CAP_IRQCHIP, "in-kernel irqchip", true },
#if defined(__x86_64__)
	[HOST_CAP_PIT2] = { KVM_CAP_PIT2, "in-kernel PIT", true },
#endif
	[HOST_CAP_IRQFD] = { KVM_CAP_IRQFD, "irqfd", true },
	[HOST_CAP_IOEVENTFD] = { KVM_CAP_IOEVENTFD, "ioeventfd", true },
	[HOST_CAP_IRQ_ROUTING] = { KVM_CAP_IRQ_ROUTING, "IRQ routing", true },
	[HOST_CAP_USER_MEMORY] = { KVM_CAP_USER_MEMORY, "user memory", true },
#if defined(__x86_64__)
	[HOST_CAP_SET_TSS_ADDR] = { KVM_CAP_SET_TSS_ADDR, "TSS address", true },
	[HOST_CAP_SET_IDENTITY_MAP_ADDR] = { KVM_CAP_SET_IDENTITY_MAP_ADDR,
					     "identity map address", true },
	[HOST_CAP_EXT_CPUID] = { KVM_CAP_EXT_CPUID, "CPUID", true },
#endif
	[HOST_CAP_IMMEDIATE_EXIT] = { KVM_CAP_IMMEDIATE_EXIT, "immediate exit",
				      true },
#if defined(__x86_64__)
	[HOST_CAP_TSC_DEADLINE_TIMER] = { KVM_CAP_TSC_DEADLINE_TIMER,
					  "TSC deadline timer", false },
#elif defined(__aarch64__)
	[HOST_CAP_ARM_PSCI_0_2] = { KVM_CAP_ARM_PSCI_0_2, "PSCI 0.2", true },
	[HOST_CAP_ONE_REG] = { KVM_CAP_ONE_REG, "one-register access", true },
	[HOST_CAP_DEVICE_CTRL] = { KVM_CAP_DEVICE_CTRL, "device control",
				   true },
#endif
};

static int real_open(void *ctx, const char *path)
{
	int fd;

	(void)ctx;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int real_ioctl(void *ctx, int fd, unsigned long request,
		      unsigned long arg)
{
	int ret;

	(void)ctx;
	ret = ioctl(fd, request, arg);
	return ret < 0 ? -errno : ret;
}

static void real_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

const struct host_kvm_ops host_kvm_real_ops = {
	.open = real_open,
	.ioctl = real_ioctl,
	.close = real_close,
};

const char *host_kvm_root(void)
{
	const char *root = getenv(ROOT_ENV);

	return root ? root : "";
}

const char *host_kvm_cap_name(enum host_kvm_cap cap)
{
	return caps[cap].name;
}

static bool exists(const char *root, const char *path)
{
	char buf[512];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s%s", root, path);
	return stat(buf, &st) == 0;
}

/* The flags line of the first CPU in /proc/cpuinfo. */
static void read_cpu_flags(const char *root, struct host_kvm *h)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	f = fopen(path, "re");
	if (!f)
		return;
	h->cpuinfo_read = true;
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "flags", 5) != 0 || !colon)
			continue;
		for (char *save, *w = strtok_r(colon + 1, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			h->cpu_vmx |= !strcmp(w, "vmx");
			h->cpu_svm |= !strcmp(w, "svm");
			h->cpu_hypervisor |= !strcmp(w, "hypervisor");
		}
		break;
	}
	free(line);
	fclose(f);
}

/*
 * The vendor module is what decides: a module built in shows in
 * /sys/module as well (by its parameters). Without /sys, the CPU flags
 * are the next best sign; PVM hosts have neither vmx nor svm.
 */
static void find_vendor(const char *root, struct host_kvm *h)
{
	for (size_t i = 0; i < sizeof(vendor_modules) / sizeof(*vendor_modules);
	     i++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/module/%s",
			 vendor_modules[i].module);
		if (exists(root, path)) {
			h->vendor = vendor_modules[i].vendor;
			h->vendor_module = vendor_modules[i].module;
			return;
		}
	}
	if (h->cpu_vmx)
		h->vendor = HOST_KVM_VMX;
	else if (h->cpu_svm)
		h->vendor = HOST_KVM_SVM;
}

static void query_device(const struct host_kvm_ops *ops, int fd,
			 struct host_kvm *h)
{
	int ret = ops->ioctl(ops->ctx, fd, KVM_GET_API_VERSION, 0);

	if (ret < 0)
		return;
	h->dev_is_kvm = true;
	h->api_version = ret;
	for (int i = 0; i < HOST_CAP_COUNT; i++)
		h->cap[i] = ops->ioctl(ops->ctx, fd, KVM_CHECK_EXTENSION,
				       caps[i].cap) > 0;
	ret = ops->ioctl(ops->ctx, fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (ret <= 0)
		ret = ops->ioctl(ops->ctx, fd, KVM_CHECK_EXTENSION,
				 KVM_CAP_NR_VCPUS);
	h->max_vcpus = ret > 0 ? ret : 0;
}

void host_kvm_probe(const char *root, const struct host_kvm_ops *ops,
		    struct host_kvm *h, int *fd_out)
{
	struct stat st;
	int fd;

	memset(h, 0, sizeof(*h));
	if (fd_out)
		*fd_out = -1;
	if (!strcmp(root, "/"))
		root = "";
	snprintf(h->dev_path, sizeof(h->dev_path), "%s/dev/kvm", root);
	read_cpu_flags(root, h);
	find_vendor(root, h);

	if (stat(h->dev_path, &st) < 0)
		return;
	h->dev_present = true;
	h->dev_mode = st.st_mode;
	h->dev_uid = st.st_uid;
	h->dev_gid = st.st_gid;
	fd = ops->open(ops->ctx, h->dev_path);
	if (fd < 0) {
		h->open_err = -fd;
		return;
	}
	query_device(ops, fd, h);
	if (fd_out && h->dev_is_kvm)
		*fd_out = fd;
	else
		ops->close(ops->ctx, fd);
}

static const char *vendor_name(enum host_kvm_vendor v)
{
	switch (v) {
	case HOST_KVM_VMX:
		return "VMX";
	case HOST_KVM_SVM:
		return "SVM";
	case HOST_KVM_PVM:
		return "PVM";
	case HOST_KVM_UNKNOWN:
		break;
	}
	return "unknown";
}

static const char *group_name(gid_t gid, char *buf, size_t len)
{
	struct group *g = getgrgid(gid);

	if (g)
		return g->gr_name;
	snprintf(buf, len, "%u", (unsigned int)gid);
	return buf;
}

int host_kvm_verdict(const struct host_kvm *h, const char *kernel, char *why,
		     size_t len)
{
	char gbuf[16];

	if (!h->dev_present) {
		snprintf(why, len, "no %s on this host: " NO_KVM_HINT,
			 h->dev_path);
		return -1;
	}
	if (h->vendor == HOST_KVM_PVM) {
		snprintf(
			why, len,
			"this host's KVM is PVM (%s), which runs only guest kernels built for PVM, not %s; run kestrel where KVM has VMX or SVM, " NESTED_HINT,
			h->vendor_module ? h->vendor_module : "no vmx/svm",
			kernel ? kernel : "standard ones");
		return -1;
	}
	if (h->open_err == EACCES || h->open_err == EPERM) {
		snprintf(
			why, len,
			"cannot open %s: %s (add yourself to its group '%s': sudo usermod -aG %s $USER, then log in again)",
			h->dev_path, strerror(h->open_err),
			group_name(h->dev_gid, gbuf, sizeof(gbuf)),
			group_name(h->dev_gid, gbuf, sizeof(gbuf)));
		return -1;
	}
	if (h->open_err) {
		snprintf(why, len, "cannot open %s: %s", h->dev_path,
			 strerror(h->open_err));
		return -1;
	}
	if (!h->dev_is_kvm) {
		snprintf(why, len, "%s does not answer as a KVM device",
			 h->dev_path);
		return -1;
	}
	if (h->api_version != KVM_API_VERSION) {
		snprintf(why, len, "%s has KVM API version %d, not %d",
			 h->dev_path, h->api_version, KVM_API_VERSION);
		return -1;
	}
	for (int i = 0; i < HOST_CAP_COUNT; i++) {
		if (caps[i].required && !h->cap[i]) {
			snprintf(
				why, len,
				"this host's KVM lacks %s support, which kestrel needs",
				caps[i].name);
			return -1;
		}
	}
#if defined(__aarch64__)
	/* Every arm64 KVM runs standard guests: there is no PVM there. */
	snprintf(why, len, "this host's KVM (arm64) can run standard guests");
	return 0;
#endif
	if (h->vendor == HOST_KVM_UNKNOWN)
		snprintf(
			why, len,
			"this host's KVM can run standard guests as far as kestrel can tell (no kvm_intel or kvm_amd seen, nor a vmx or svm CPU flag)");
	else
		snprintf(why, len,
			 "this host's KVM (%s, %s) can run standard guests",
			 h->vendor_module ? h->vendor_module : "CPU flag",
			 vendor_name(h->vendor));
	return 0;
}

void host_kvm_print(const struct host_kvm *h, FILE *out)
{
	char gbuf[16];
	struct passwd *pw;

	if (!h->dev_present) {
		fprintf(out, "%-22s missing\n", "/dev/kvm");
	} else {
		pw = getpwuid(h->dev_uid);
		fprintf(out, "%-22s %s, mode %03o, owner %s, group %s, %s\n",
			"/dev/kvm",
			S_ISCHR(h->dev_mode) ? "character device" :
					       "not a character device",
			(unsigned int)(h->dev_mode & 0777),
			pw ? pw->pw_name : "?",
			group_name(h->dev_gid, gbuf, sizeof(gbuf)),
			h->open_err ? strerror(h->open_err) :
				      "opened read-write");
	}
	fprintf(out, "%-22s %s", "vendor", vendor_name(h->vendor));
	if (h->vendor_module)
		fprintf(out, " (module %s)", h->vendor_module);
	if (h->cpuinfo_read)
		fprintf(out, "; CPU flags: %s, %s%s\n",
			h->cpu_vmx ? "vmx" : "no vmx",
			h->cpu_svm ? "svm" : "no svm",
			h->cpu_hypervisor ? ", running under a hypervisor" :
					    "");
	else
		fprintf(out, "; /proc/cpuinfo unreadable\n");
	if (!h->dev_is_kvm)
		return;
	fprintf(out, "%-22s %d\n", "KVM API version", h->api_version);
	for (int i = 0; i < HOST_CAP_COUNT; i++)
		fprintf(out, "%-22s %s%s\n", caps[i].name,
			h->cap[i] ? "yes" : "no",
			caps[i].required ? "" : " (optional)");
	if (h->max_vcpus)
		fprintf(out, "%-22s %d\n", "vCPUs at most", h->max_vcpus);
}
