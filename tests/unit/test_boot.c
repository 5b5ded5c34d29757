// SPDX-License-Identifier: MIT
/*
 * x86_load_kernel(): the host's real bzImage (and the vmlinux inside it)
 * and small hand-built PVH ELF files, loaded into a calloc'd guest RAM.
 */
#include "unit.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86/boot.h"
#include "arch/x86/e820.h"
#include "arch/x86/layout.h"
#include "runtime/guest_mem.h"

#define MiB (1ULL << 20)
#define RAM_SIZE (256 * MiB)
#define RSDP_ADDR 0xe0000ULL
#define CMDLINE "console=ttyS0 panic=-1 kestrel.test=1"
#define EXTRACT_SCRIPT "tests/data/extract-vmlinux.sh"

/* The host kernel, read once for all tests (NULL if there is none). */
static char kernel_path[512];
static char kernel_ver[256];
static uint8_t *kernel;
static size_t kernel_len;

struct vm {
	struct guest_mem gm;
	uint8_t *ram;
	struct e820_entry e820[X86_E820_MAX];
	struct x86_boot_input in;
	struct x86_boot_state out;
	char err[512];
};

/* The newest /boot/vmlinuz-*, by version order. */
static int find_kernel(void)
{
	const size_t prefix = strlen("/boot/vmlinuz-");
	const char *best = NULL;
	glob_t g;
	int ret = -1;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0)
		return -1;
	for (size_t i = 0; i < g.gl_pathc; i++)
		if (!best ||
		    strverscmp(g.gl_pathv[i] + prefix, best + prefix) > 0)
			best = g.gl_pathv[i];
	if (best && strlen(best) < sizeof(kernel_path)) {
		strcpy(kernel_path, best);
		strcpy(kernel_ver, best + prefix);
		ret = 0;
	}
	globfree(&g);
	return ret;
}

static int group_setup(void **state)
{
	if (find_kernel() == 0)
		kernel = unit_read_file(kernel_path, &kernel_len);
	return 0;
}

static int group_teardown(void **state)
{
	free(kernel);
	kernel = NULL;
	return 0;
}

static void need_kernel(void)
{
	if (!kernel) {
		print_message("no readable /boot/vmlinuz-* on this host: "
			      "skipping this bzImage test\n");
		skip();
	}
}

static void vm_init(struct vm *vm, uint64_t mem_size)
{
	memset(vm, 0, sizeof(*vm));
	vm->ram = calloc(1, mem_size);
	assert_non_null(vm->ram);
	assert_int_equal(gm_add_region(&vm->gm, 0, mem_size, vm->ram), 0);
	vm->in.gm = &vm->gm;
	vm->in.mem_size = mem_size;
	vm->in.cmdline = CMDLINE;
	vm->in.nr_e820 = x86_e820_build(mem_size, vm->e820, X86_E820_MAX);
	vm->in.e820 = vm->e820;
	vm->in.rsdp_addr = RSDP_ADDR;
}

static void vm_free(struct vm *vm)
{
	free(vm->ram);
	vm->ram = NULL;
}

static int vm_load(struct vm *vm, const uint8_t *image, size_t len)
{
	vm->in.kernel = image;
	vm->in.kernel_len = len;
	memset(vm->err, 0, sizeof(vm->err));
	return x86_load_kernel(&vm->in, &vm->out, vm->err, sizeof(vm->err));
}

/* Expects the load to fail with a message containing sub. */
#define expect_load_error(vm, image, len, sub)                 \
	do {                                                   \
		assert_int_equal(vm_load(vm, image, len), -1); \
		assert_true((vm)->err[0] != '\0');             \
		assert_null(strchr((vm)->err, '\n'));          \
		assert_contains((vm)->err, sub);               \
	} while (0)

static uint8_t *make_initrd(size_t len, uint8_t seed)
{
	uint8_t *p = malloc(len);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
	return p;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const struct setup_header *image_hdr(const uint8_t *image)
{
	return (const struct setup_header *)(image +
					     offsetof(struct boot_params, hdr));
}

static size_t image_setup_len(const uint8_t *image)
{
	unsigned int sects = image_hdr(image)->setup_sects;

	return ((size_t)(sects ? sects : 4) + 1) * 512;
}

static uint8_t *copy_kernel(void)
{
	uint8_t *p = malloc(kernel_len);

	assert_non_null(p);
	memcpy(p, kernel, kernel_len);
	return p;
}

/* ---- bzImage ---------------------------------------------------------- */

static void test_bzimage_loads(void **state)
{
	const size_t initrd_len = 5000; /* not a page multiple */
	struct boot_params bp;
	struct setup_header hdr;
	uint8_t *initrd;
	size_t setup_len, payload_len;
	uint64_t need;
	struct vm vm;

	need_kernel();
	memcpy(&hdr, image_hdr(kernel), sizeof(hdr));
	setup_len = image_setup_len(kernel);
	payload_len = kernel_len - setup_len;
	need = hdr.init_size > payload_len ? hdr.init_size : payload_len;

	vm_init(&vm, RAM_SIZE);
	initrd = make_initrd(initrd_len, 0x42);
	vm.in.initrd = initrd;
	vm.in.initrd_len = initrd_len;
	if (vm_load(&vm, kernel, kernel_len) != 0)
		fail_msg("loading %s: %s", kernel_path, vm.err);

	assert_int_equal(vm.out.mode, X86_ENTRY_LINUX64);
	assert_int_equal(vm.out.entry, vm.out.kernel_addr + 0x200);
	assert_int_equal(vm.out.info_addr, X86_ZERO_PAGE_ADDR);
	/* 256 MiB has room for the kernel at its preferred address. */
	assert_int_equal(vm.out.kernel_addr, hdr.pref_address);
	assert_int_equal(vm.out.kernel_end, vm.out.kernel_addr + need);
	/* The protected-mode kernel is in guest memory, byte for byte. */
	assert_true(memcmp(vm.ram + vm.out.kernel_addr, kernel + setup_len,
			   payload_len) == 0);

	assert_true(gm_read(&vm.gm, &bp, X86_ZERO_PAGE_ADDR, sizeof(bp)));
	assert_int_equal(bp.hdr.boot_flag, 0xaa55);
	assert_int_equal(bp.hdr.header, 0x53726448); /* "HdrS" */
	assert_int_equal(bp.hdr.version, hdr.version);
	assert_int_equal(bp.hdr.setup_sects, hdr.setup_sects);
	assert_int_equal(bp.hdr.type_of_loader, 0xff);
	assert_int_equal(bp.hdr.code32_start, vm.out.kernel_addr);
	assert_int_equal(bp.hdr.cmd_line_ptr, 0x20000);
	assert_string_equal((const char *)vm.ram + 0x20000, CMDLINE);
	assert_int_equal(bp.acpi_rsdp_addr, RSDP_ADDR);

	/* The initrd: where the zero page says, page aligned, in range. */
	assert_int_equal(bp.hdr.ramdisk_image, vm.out.initrd_addr);
	assert_int_equal(bp.hdr.ramdisk_size, initrd_len);
	assert_int_equal(vm.out.initrd_addr & 0xfff, 0);
	assert_true(vm.out.initrd_addr >= vm.out.kernel_end);
	assert_true(vm.out.initrd_addr + initrd_len <=
		    (uint64_t)hdr.initrd_addr_max + 1);
	assert_true(vm.out.initrd_addr + initrd_len <= RAM_SIZE);
	/* As high as it goes: within a page of the top of RAM. */
	assert_true(vm.out.initrd_addr + initrd_len > RAM_SIZE - 4096);
	assert_memory_equal(vm.ram + vm.out.initrd_addr, initrd, initrd_len);

	assert_int_equal(bp.e820_entries, vm.in.nr_e820);
	for (unsigned int i = 0; i < vm.in.nr_e820; i++) {
		assert_int_equal(bp.e820_table[i].addr, vm.e820[i].addr);
		assert_int_equal(bp.e820_table[i].size, vm.e820[i].size);
		assert_int_equal(bp.e820_table[i].type, vm.e820[i].type);
	}
	free(initrd);
	vm_free(&vm);
}

static void test_bzimage_no_initrd(void **state)
{
	struct boot_params bp;
	struct vm vm;

	need_kernel();
	vm_init(&vm, RAM_SIZE);
	vm.in.cmdline = "";
	assert_int_equal(vm_load(&vm, kernel, kernel_len), 0);
	assert_int_equal(vm.out.initrd_addr, 0);
	assert_true(gm_read(&vm.gm, &bp, X86_ZERO_PAGE_ADDR, sizeof(bp)));
	assert_int_equal(bp.hdr.ramdisk_image, 0);
	assert_int_equal(bp.hdr.ramdisk_size, 0);
	assert_int_equal(bp.hdr.cmd_line_ptr, 0x20000);
	assert_int_equal(vm.ram[0x20000], '\0');
	vm_free(&vm);
}

/* Too little RAM above the preferred address: load low, aligned. */
static void test_bzimage_relocates_when_preferred_does_not_fit(void **state)
{
	const struct setup_header *hdr;
	uint64_t need, mem;
	struct vm vm;

	need_kernel();
	hdr = image_hdr(kernel);
	if (!hdr->relocatable_kernel || hdr->pref_address <= 0x200000 ||
	    hdr->kernel_alignment != 0x200000) {
		print_message("%s: not a relocatable kernel preferring a high "
			      "address: skipping\n",
			      kernel_path);
		skip();
	}
	need = kernel_len - image_setup_len(kernel);
	if (hdr->init_size > need)
		need = hdr->init_size;
	/* Fits at 2 MiB but not at the preferred address. */
	mem = ((0x200000 + need) | (MiB - 1)) + 1;
	assert_true(hdr->pref_address + need > mem);
	vm_init(&vm, mem);
	assert_int_equal(vm_load(&vm, kernel, kernel_len), 0);
	assert_int_equal(vm.out.kernel_addr, 0x200000);
	assert_int_equal(vm.out.entry, 0x200000 + 0x200);
	assert_true(vm.out.kernel_end <= mem);
	vm_free(&vm);
}

/*
 * A relocatable kernel whose preferred address lies outside RAM is loaded
 * low instead, however far outside. BUG (arch/x86/bzimage.c bzimage_load):
 * "load + need > low" wraps around for pref_address near 2^64, so the
 * address is kept and the load then fails with "kernel does not fit in
 * guest RAM" (safely: gm_write refuses it) instead of relocating.
 */
static void test_bzimage_preferred_address_out_of_range(void **state)
{
	static const uint64_t prefs[] = { 0x100000000ULL,
					  0xffffffffff000000ULL };
	uint8_t *image;
	struct vm vm;

	need_kernel();
	if (!image_hdr(kernel)->relocatable_kernel) {
		print_message("%s is not relocatable: skipping\n", kernel_path);
		skip();
	}
	image = copy_kernel();
	vm_init(&vm, RAM_SIZE);
	for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
		memcpy(image + offsetof(struct boot_params, hdr) +
			       offsetof(struct setup_header, pref_address),
		       &prefs[i], sizeof(prefs[i]));
		if (vm_load(&vm, image, kernel_len) != 0)
			fail_msg("pref_address %#llx: %s",
				 (unsigned long long)prefs[i], vm.err);
		assert_true(vm.out.kernel_addr >= X86_KERNEL_MIN_ADDR);
		assert_true(vm.out.kernel_end <= RAM_SIZE);
	}
	free(image);
	vm_free(&vm);
}

/* The initrd stays below the kernel's initrd_addr_max. */
static void test_bzimage_initrd_addr_max(void **state)
{
	const uint32_t max = 128 * MiB - 1;
	uint8_t *image, *initrd;
	struct vm vm;

	need_kernel();
	image = copy_kernel();
	memcpy(image + offsetof(struct boot_params, hdr) +
		       offsetof(struct setup_header, initrd_addr_max),
	       &max, sizeof(max));
	initrd = make_initrd(3 * 4096 + 1, 1);
	vm_init(&vm, RAM_SIZE);
	vm.in.initrd = initrd;
	vm.in.initrd_len = 3 * 4096 + 1;
	assert_int_equal(vm_load(&vm, image, kernel_len), 0);
	assert_true(vm.out.initrd_addr + vm.in.initrd_len <= (uint64_t)max + 1);
	assert_true(vm.out.initrd_addr >= vm.out.kernel_end);
	assert_int_equal(vm.out.initrd_addr & 0xfff, 0);
	assert_memory_equal(vm.ram + vm.out.initrd_addr, initrd,
			    vm.in.initrd_len);
	free(initrd);
	free(image);
	vm_free(&vm);
}

static void test_not_a_kernel(void **state)
{
	static const uint8_t empty[1];
	uint8_t *junk = malloc(65536);
	uint32_t x = 12345;
	struct vm vm;

	assert_non_null(junk);
	for (size_t i = 0; i < 65536; i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (uint8_t)(x >> 16);
	}
	/* What makes the bytes "random" for the loader. */
	assert_false(junk[0] == 0x7f && junk[1] == 'E');
	assert_false(memcmp(junk + 0x202, "HdrS", 4) == 0);

	vm_init(&vm, 64 * MiB);
	expect_load_error(&vm, empty, 0, "not a Linux kernel");
	expect_load_error(&vm, junk, 65536, "not a Linux kernel");
	expect_load_error(&vm, junk, 3, "not a Linux kernel");
	/* "HdrS" one byte short of fitting. */
	memcpy(junk + 0x202, "HdrS", 4);
	expect_load_error(&vm, junk, 0x205, "not a Linux kernel");
	vm_free(&vm);
	free(junk);
}

static void test_bzimage_truncated(void **state)
{
	size_t full;
	struct vm vm;

	need_kernel();
	full = image_setup_len(kernel) +
	       (size_t)image_hdr(kernel)->syssize * 16;
	assert_true(full <= kernel_len);
	vm_init(&vm, RAM_SIZE);
	/* Just the magic, none of the rest of the setup header. */
	expect_load_error(&vm, kernel, 0x210, "truncated");
	expect_load_error(&vm, kernel, 1024, "truncated");
	expect_load_error(&vm, kernel, image_setup_len(kernel), "truncated");
	expect_load_error(&vm, kernel, kernel_len / 2, "truncated");
	/* One byte short of what the header promises (syssize), then all. */
	expect_load_error(&vm, kernel, full - 1, "truncated");
	assert_int_equal(vm_load(&vm, kernel, full), 0);
	vm_free(&vm);
}

static void test_bzimage_bad_header(void **state)
{
	const size_t hdr_off = offsetof(struct boot_params, hdr);
	uint8_t *image;
	uint16_t u16;
	struct vm vm;

	need_kernel();
	vm_init(&vm, RAM_SIZE);
	image = copy_kernel();

	image[0x1fe] ^= 0xff;
	expect_load_error(&vm, image, kernel_len, "boot flag");
	memcpy(image, kernel, kernel_len);

	/* Boot protocol 2.11: before xloadflags. */
	u16 = 0x020b;
	memcpy(image + hdr_off + offsetof(struct setup_header, version), &u16,
	       2);
	expect_load_error(&vm, image, kernel_len, "64-bit");
	memcpy(image, kernel, kernel_len);

	image[hdr_off + offsetof(struct setup_header, xloadflags)] &=
		~XLF_KERNEL_64;
	expect_load_error(&vm, image, kernel_len, "64-bit");
	memcpy(image, kernel, kernel_len);

	image[hdr_off + offsetof(struct setup_header, loadflags)] &=
		~LOADED_HIGH;
	expect_load_error(&vm, image, kernel_len, "zImage");

	free(image);
	vm_free(&vm);
}

static void test_bzimage_cmdline_size(void **state)
{
	uint32_t max;
	char *cmdline;
	struct vm vm;

	need_kernel();
	max = image_hdr(kernel)->cmdline_size;
	if (max == 0 || max >= X86_CMDLINE_MAX)
		max = max ? X86_CMDLINE_MAX - 1 : 255;
	cmdline = malloc(max + 2);
	assert_non_null(cmdline);
	memset(cmdline, 'x', max + 1);
	cmdline[max + 1] = '\0';

	vm_init(&vm, RAM_SIZE);
	vm.in.cmdline = cmdline;
	expect_load_error(&vm, kernel, kernel_len, "command line");
	/* Exactly cmdline_size characters fit. */
	cmdline[max] = '\0';
	assert_int_equal(vm_load(&vm, kernel, kernel_len), 0);
	assert_string_equal((const char *)vm.ram + X86_CMDLINE_ADDR, cmdline);
	free(cmdline);
	vm_free(&vm);
}

static void test_bzimage_memory_too_small(void **state)
{
	const size_t big = 30 * MiB;
	uint8_t *initrd = calloc(1, 60 * MiB);
	struct vm vm;

	need_kernel();
	assert_non_null(initrd);
	/* 32 MiB with a 30 MiB initrd. */
	vm_init(&vm, 32 * MiB);
	vm.in.initrd = initrd;
	vm.in.initrd_len = big;
	expect_load_error(&vm, kernel, kernel_len, "memory");
	vm_free(&vm);

	/* Room for the kernel, but then not for a 60 MiB initrd as well. */
	vm_init(&vm, 128 * MiB);
	vm.in.initrd = initrd;
	vm.in.initrd_len = 60 * MiB;
	expect_load_error(&vm, kernel, kernel_len, "initrd");
	assert_contains(vm.err, "memory");
	vm_free(&vm);

	/*
	 * mem_size claims more than is mapped: the initrd, placed at the top
	 * of what mem_size says, is refused rather than written out of bounds.
	 */
	vm_init(&vm, 32 * MiB);
	vm.in.mem_size = RAM_SIZE;
	vm.in.nr_e820 = x86_e820_build(RAM_SIZE, vm.e820, X86_E820_MAX);
	vm.in.initrd = initrd;
	vm.in.initrd_len = 4096;
	expect_load_error(&vm, kernel, kernel_len, "guest RAM");
	vm_free(&vm);
	free(initrd);
}

/* ---- ELF vmlinux from the host's bzImage ----------------------------- */

/* The PVH entry recorded in an ELF file's notes, found independently. */
static uint64_t elf_pvh_entry(const uint8_t *img, size_t len)
{
	Elf64_Ehdr eh;

	memcpy(&eh, img, sizeof(eh));
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		size_t off;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset + ph.p_filesz > len)
			continue;
		for (off = 0; off + 12 <= ph.p_filesz;) {
			const uint8_t *n = img + ph.p_offset + off;
			uint32_t namesz = rd32(n), descsz = rd32(n + 4);
			const uint8_t *desc = n + 12 + ((namesz + 3) & ~3U);

			if (rd32(n + 8) == 18 && namesz == 4 &&
			    !memcmp(n + 12, "Xen", 4))
				return descsz == 8 ? rd64(desc) : rd32(desc);
			off += 12 + ((namesz + 3) & ~3U) + ((descsz + 3) & ~3U);
		}
	}
	return 0;
}

static int run_extract(const char *out)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", EXTRACT_SCRIPT, kernel_path, out,
		      (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_vmlinux_pvh(void **state)
{
	char path[600], tmpdir[] = "/tmp/kestrel-test-boot.XXXXXX";
	bool made = false;
	uint8_t *img;
	size_t len = 0;
	Elf64_Ehdr eh;
	uint64_t entry, lowest = UINT64_MAX;
	struct vm vm;

	need_kernel();
	snprintf(path, sizeof(path), "build/integration/vmlinux-%s",
		 kernel_ver);
	if (access(path, R_OK) != 0) {
		if (access(EXTRACT_SCRIPT, R_OK) != 0) {
			print_message(
				"%s not found (run from the source tree): "
				"skipping the vmlinux test\n",
				EXTRACT_SCRIPT);
			skip();
		}
		assert_non_null(mkdtemp(tmpdir));
		snprintf(path, sizeof(path), "%s/vmlinux", tmpdir);
		if (run_extract(path) != 0) {
			rmdir(tmpdir);
			fail_msg("%s %s failed", EXTRACT_SCRIPT, kernel_path);
		}
		made = true;
	}
	img = unit_read_file(path, &len);
	if (made) {
		unlink(path);
		rmdir(tmpdir);
	}
	assert_non_null(img);
	assert_true(len > sizeof(eh));
	memcpy(&eh, img, sizeof(eh));
	entry = elf_pvh_entry(img, len);
	if (!entry) {
		free(img);
		print_message("%s has no PVH note (CONFIG_PVH off): skipping\n",
			      kernel_path);
		skip();
	}

	vm_init(&vm, RAM_SIZE);
	if (vm_load(&vm, img, len) != 0)
		fail_msg("loading %s: %s", path, vm.err);
	assert_int_equal(vm.out.mode, X86_ENTRY_PVH32);
	assert_int_equal(vm.out.entry, entry);
	assert_int_equal(vm.out.info_addr, X86_PVH_INFO_ADDR);
	assert_int_equal(rd32(vm.ram + X86_PVH_INFO_ADDR), 0x336ec578);
	/* Every PT_LOAD segment's file bytes are at its physical address. */
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_paddr < lowest)
			lowest = ph.p_paddr;
		assert_true(ph.p_paddr + ph.p_memsz <= vm.out.kernel_end);
		assert_true(memcmp(vm.ram + ph.p_paddr, img + ph.p_offset,
				   ph.p_filesz) == 0);
	}
	assert_int_equal(vm.out.kernel_addr, lowest);
	assert_true(entry >= vm.out.kernel_addr && entry < vm.out.kernel_end);
	free(img);
	vm_free(&vm);
}

/* ---- hand-built PVH ELF files ------------------------------------------ */

#define ELF_PHOFF 64
#define ELF_NOTE_OFF (ELF_PHOFF + 2 * sizeof(Elf64_Phdr))
#define ELF_PAYLOAD_OFF 256
#define ELF_PAYLOAD_LEN 64
#define ELF_LEN (ELF_PAYLOAD_OFF + ELF_PAYLOAD_LEN)
#define ELF_PADDR 0x1000000ULL
#define ELF_MEMSZ 0x3000ULL
#define ELF_ENTRY (ELF_PADDR + 0x20)

struct elf_opts {
	uint16_t machine;
	uint32_t note_type;
	unsigned int descsz; /* 4 or 8 */
	bool gnu_note_first; /* a build-id note before the Xen one */
	uint64_t entry;
	uint64_t paddr;
	uint64_t memsz;
};

static const struct elf_opts default_elf = { .machine = EM_X86_64,
					     .note_type = 18,
					     .descsz = 4,
					     .entry = ELF_ENTRY,
					     .paddr = ELF_PADDR,
					     .memsz = ELF_MEMSZ };

static size_t put_note(uint8_t *p, const char *name, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = descsz, .n_type = type };

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), name, 4);
	memcpy(p + sizeof(nh) + 4, desc, descsz);
	return sizeof(nh) + 4 + ((descsz + 3) & ~3U);
}

/*
 * ELF header, a PT_LOAD of ELF_PAYLOAD_LEN bytes at paddr and a PT_NOTE
 * holding the "Xen" PHYS32_ENTRY note. Fills buf[ELF_LEN].
 */
static void build_elf(uint8_t *buf, const struct elf_opts *o)
{
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { { 0 } };
	static const uint8_t build_id[20] = { 0xb1, 0x1d };
	size_t note_len = 0;

	memset(buf, 0, ELF_LEN);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = o->machine;
	eh.e_version = EV_CURRENT;
	eh.e_entry = 0xffffffff81000000ULL;
	eh.e_phoff = ELF_PHOFF;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	memcpy(buf, &eh, sizeof(eh));

	if (o->gnu_note_first)
		note_len += put_note(buf + ELF_NOTE_OFF, "GNU", NT_GNU_BUILD_ID,
				     build_id, sizeof(build_id));
	note_len += put_note(buf + ELF_NOTE_OFF + note_len, "Xen", o->note_type,
			     &o->entry, o->descsz);
	assert_true(ELF_NOTE_OFF + note_len <= ELF_PAYLOAD_OFF);

	ph[0].p_type = PT_LOAD;
	ph[0].p_flags = PF_R | PF_X;
	ph[0].p_offset = ELF_PAYLOAD_OFF;
	ph[0].p_vaddr = 0xffffffff81000000ULL;
	ph[0].p_paddr = o->paddr;
	ph[0].p_filesz = ELF_PAYLOAD_LEN;
	ph[0].p_memsz = o->memsz;
	ph[0].p_align = 0x1000;
	ph[1].p_type = PT_NOTE;
	ph[1].p_offset = ELF_NOTE_OFF;
	ph[1].p_paddr = 0x2000000;
	ph[1].p_filesz = note_len;
	ph[1].p_memsz = note_len;
	ph[1].p_align = 4;
	memcpy(buf + ELF_PHOFF, ph, sizeof(ph));

	for (unsigned int i = 0; i < ELF_PAYLOAD_LEN; i++)
		buf[ELF_PAYLOAD_OFF + i] = (uint8_t)(0xc0 + i);
}

static void get_ehdr(const uint8_t *buf, Elf64_Ehdr *eh)
{
	memcpy(eh, buf, sizeof(*eh));
}

static void put_ehdr(uint8_t *buf, const Elf64_Ehdr *eh)
{
	memcpy(buf, eh, sizeof(*eh));
}

static void get_phdr(const uint8_t *buf, unsigned int i, Elf64_Phdr *ph)
{
	memcpy(ph, buf + ELF_PHOFF + i * sizeof(*ph), sizeof(*ph));
}

static void put_phdr(uint8_t *buf, unsigned int i, const Elf64_Phdr *ph)
{
	memcpy(buf + ELF_PHOFF + i * sizeof(*ph), ph, sizeof(*ph));
}

/* Checks hvm_start_info at 0x6000 field by field (Xen's public ABI). */
static void check_start_info(const struct vm *vm, size_t initrd_len)
{
	const uint8_t *si = vm->ram + X86_PVH_INFO_ADDR;
	uint64_t memmap;

	assert_int_equal(rd32(si + 0), 0x336ec578); /* magic */
	assert_int_equal(rd32(si + 4), 1); /* version */
	assert_int_equal(rd64(si + 24), X86_CMDLINE_ADDR); /* cmdline_paddr */
	assert_string_equal((const char *)vm->ram + rd64(si + 24),
			    vm->in.cmdline);
	assert_int_equal(rd64(si + 32), RSDP_ADDR); /* rsdp_paddr */
	if (initrd_len) {
		const uint8_t *mod;

		assert_int_equal(rd32(si + 12), 1); /* nr_modules */
		assert_true(rd64(si + 16) != 0);
		assert_true(rd64(si + 16) + 32 <= 0x7000);
		mod = vm->ram + rd64(si + 16);
		assert_int_equal(rd64(mod), vm->out.initrd_addr);
		assert_int_equal(rd64(mod + 8), initrd_len);
	} else {
		assert_int_equal(rd32(si + 12), 0);
		assert_int_equal(rd64(si + 16), 0);
	}
	memmap = rd64(si + 40);
	assert_int_equal(rd32(si + 48), vm->in.nr_e820); /* memmap_entries */
	assert_true(memmap >= X86_PVH_INFO_ADDR + 56);
	assert_true(memmap + 24 * vm->in.nr_e820 <= 0x7000);
	for (unsigned int i = 0; i < vm->in.nr_e820; i++) {
		const uint8_t *e = vm->ram + memmap + 24 * i;

		assert_int_equal(rd64(e), vm->e820[i].addr);
		assert_int_equal(rd64(e + 8), vm->e820[i].size);
		assert_int_equal(rd32(e + 16), vm->e820[i].type);
	}
}

static void test_pvh_loads(void **state)
{
	const size_t initrd_len = 6000;
	uint8_t elf[ELF_LEN], *initrd;
	struct vm vm;

	build_elf(elf, &default_elf);
	vm_init(&vm, RAM_SIZE);
	/* The bss must be cleared, whatever was in RAM before. */
	memset(vm.ram + ELF_PADDR, 0xaa, ELF_MEMSZ + 16);
	initrd = make_initrd(initrd_len, 9);
	vm.in.initrd = initrd;
	vm.in.initrd_len = initrd_len;
	if (vm_load(&vm, elf, sizeof(elf)) != 0)
		fail_msg("%s", vm.err);

	assert_int_equal(vm.out.mode, X86_ENTRY_PVH32);
	assert_int_equal(vm.out.entry, ELF_ENTRY);
	assert_int_equal(vm.out.info_addr, X86_PVH_INFO_ADDR);
	assert_int_equal(vm.out.kernel_addr, ELF_PADDR);
	assert_int_equal(vm.out.kernel_end, ELF_PADDR + ELF_MEMSZ);
	assert_memory_equal(vm.ram + ELF_PADDR, elf + ELF_PAYLOAD_OFF,
			    ELF_PAYLOAD_LEN);
	for (uint64_t a = ELF_PADDR + ELF_PAYLOAD_LEN;
	     a < ELF_PADDR + ELF_MEMSZ; a++)
		if (vm.ram[a] != 0)
			fail_msg("bss byte at %#llx not cleared",
				 (unsigned long long)a);
	/* Just past the segment: untouched. */
	assert_int_equal(vm.ram[ELF_PADDR + ELF_MEMSZ], 0xaa);

	assert_int_equal(vm.out.initrd_addr & 0xfff, 0);
	assert_true(vm.out.initrd_addr >= vm.out.kernel_end);
	assert_true(vm.out.initrd_addr + initrd_len <= RAM_SIZE);
	assert_memory_equal(vm.ram + vm.out.initrd_addr, initrd, initrd_len);
	check_start_info(&vm, initrd_len);
	free(initrd);
	vm_free(&vm);
}

static void test_pvh_variants(void **state)
{
	uint8_t elf[ELF_LEN];
	struct elf_opts o = default_elf;
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	/* No initrd. */
	build_elf(elf, &o);
	assert_int_equal(vm_load(&vm, elf, sizeof(elf)), 0);
	assert_int_equal(vm.out.initrd_addr, 0);
	check_start_info(&vm, 0);

	/* An 8-byte entry, after another note in the same segment. */
	o.descsz = 8;
	o.gnu_note_first = true;
	o.entry = ELF_PADDR + 0x40;
	build_elf(elf, &o);
	assert_int_equal(vm_load(&vm, elf, sizeof(elf)), 0);
	assert_int_equal(vm.out.entry, ELF_PADDR + 0x40);
	assert_int_equal(vm.out.mode, X86_ENTRY_PVH32);
	vm_free(&vm);
}

static void test_pvh_errors(void **state)
{
	uint8_t elf[ELF_LEN];
	struct elf_opts o;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	struct vm vm;

	vm_init(&vm, RAM_SIZE);

	o = default_elf;
	o.note_type = 17;
	build_elf(elf, &o);
	expect_load_error(&vm, elf, sizeof(elf), "PVH");

	/* The note claims more bytes than its segment has. */
	build_elf(elf, &default_elf);
	get_phdr(elf, 1, &ph);
	ph.p_filesz -= 2;
	put_phdr(elf, 1, &ph);
	expect_load_error(&vm, elf, sizeof(elf), "PVH");

	/* No PT_NOTE at all. */
	build_elf(elf, &default_elf);
	get_ehdr(elf, &eh);
	eh.e_phnum = 1;
	put_ehdr(elf, &eh);
	expect_load_error(&vm, elf, sizeof(elf), "PVH");

	o = default_elf;
	o.machine = EM_386;
	build_elf(elf, &o);
	expect_load_error(&vm, elf, sizeof(elf), "x86_64");

	build_elf(elf, &default_elf);
	elf[EI_CLASS] = ELFCLASS32;
	expect_load_error(&vm, elf, sizeof(elf), "x86_64");

	/* Truncated: the ELF header itself. */
	build_elf(elf, &default_elf);
	expect_load_error(&vm, elf, 40, "truncated");

	/* Program headers past the end of the file. */
	get_ehdr(elf, &eh);
	eh.e_phoff = ELF_LEN - 8;
	put_ehdr(elf, &eh);
	expect_load_error(&vm, elf, sizeof(elf), "truncated");
	eh.e_phoff = UINT64_MAX - 8;
	put_ehdr(elf, &eh);
	expect_load_error(&vm, elf, sizeof(elf), "truncated");
	eh.e_phoff = ELF_PHOFF;
	eh.e_phnum = 0xffff;
	put_ehdr(elf, &eh);
	expect_load_error(&vm, elf, sizeof(elf), "truncated");
	expect_load_error(&vm, elf, ELF_PHOFF + 60, "truncated");

	/* A segment whose file bytes run past the end of the file. */
	build_elf(elf, &default_elf);
	get_phdr(elf, 0, &ph);
	ph.p_filesz = ELF_LEN;
	ph.p_memsz = 2 * ELF_LEN;
	put_phdr(elf, 0, &ph);
	expect_load_error(&vm, elf, sizeof(elf), "truncated");
	ph.p_filesz = ELF_PAYLOAD_LEN;
	ph.p_offset = UINT64_MAX - 8;
	put_phdr(elf, 0, &ph);
	expect_load_error(&vm, elf, sizeof(elf), "truncated");
	/* The same for the note segment. */
	build_elf(elf, &default_elf);
	get_phdr(elf, 1, &ph);
	ph.p_filesz = UINT64_MAX;
	put_phdr(elf, 1, &ph);
	expect_load_error(&vm, elf, sizeof(elf), "truncated");

	/* More file bytes than memory bytes. */
	o = default_elf;
	o.memsz = ELF_PAYLOAD_LEN - 1;
	build_elf(elf, &o);
	expect_load_error(&vm, elf, sizeof(elf), "guest RAM");

	vm_free(&vm);
}

static void test_pvh_segment_outside_ram(void **state)
{
	static const uint64_t bad[][2] = {
		{ 512 * MiB, ELF_MEMSZ }, /* above RAM */
		{ RAM_SIZE - 0x1000, 0x2000 }, /* straddles the end */
		{ 0x1000, ELF_MEMSZ }, /* below 1 MiB, over boot structures */
		{ 0xfec00000ULL, ELF_MEMSZ }, /* MMIO */
		{ UINT64_MAX - 0xfff, ELF_MEMSZ }, /* wraps around */
		{ ELF_PADDR, UINT64_MAX - 0x100 }, /* wraps around */
	};
	uint8_t elf[ELF_LEN];
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct elf_opts o = default_elf;

		o.paddr = bad[i][0];
		o.memsz = bad[i][1];
		o.entry = bad[i][0] + 0x20;
		build_elf(elf, &o);
		expect_load_error(&vm, elf, sizeof(elf), "guest RAM");
	}
	vm_free(&vm);

	/* mem_size claims more than is mapped: no write outside the map. */
	vm_init(&vm, 32 * MiB);
	vm.in.mem_size = RAM_SIZE;
	{
		struct elf_opts o = default_elf;

		o.paddr = 64 * MiB;
		o.entry = o.paddr;
		build_elf(elf, &o);
		expect_load_error(&vm, elf, sizeof(elf), "guest RAM");
	}
	vm_free(&vm);
}

static void test_pvh_cmdline_and_initrd_limits(void **state)
{
	uint8_t elf[ELF_LEN], *initrd;
	char cmdline[2049];
	struct vm vm;

	build_elf(elf, &default_elf);
	vm_init(&vm, RAM_SIZE);
	memset(cmdline, 'y', sizeof(cmdline) - 1);
	cmdline[2048] = '\0';
	vm.in.cmdline = cmdline;
	expect_load_error(&vm, elf, sizeof(elf), "command line");
	cmdline[2047] = '\0';
	assert_int_equal(vm_load(&vm, elf, sizeof(elf)), 0);
	assert_string_equal((const char *)vm.ram + X86_CMDLINE_ADDR, cmdline);
	vm_free(&vm);

	/* 32 MiB of RAM, the kernel at 16 MiB: a 20 MiB initrd cannot fit. */
	initrd = calloc(1, 20 * MiB);
	assert_non_null(initrd);
	vm_init(&vm, 32 * MiB);
	vm.in.initrd = initrd;
	vm.in.initrd_len = 20 * MiB;
	expect_load_error(&vm, elf, sizeof(elf), "initrd");
	/* 16 MiB - 12 KiB does, right below the top. */
	vm.in.initrd_len = 16 * MiB - 0x3000;
	assert_int_equal(vm_load(&vm, elf, sizeof(elf)), 0);
	assert_int_equal(vm.out.initrd_addr, ELF_PADDR + ELF_MEMSZ);
	vm_free(&vm);
	free(initrd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_loads),
		cmocka_unit_test(test_bzimage_no_initrd),
		cmocka_unit_test(
			test_bzimage_relocates_when_preferred_does_not_fit),
		cmocka_unit_test(test_bzimage_preferred_address_out_of_range),
		cmocka_unit_test(test_bzimage_initrd_addr_max),
		cmocka_unit_test(test_not_a_kernel),
		cmocka_unit_test(test_bzimage_truncated),
		cmocka_unit_test(test_bzimage_bad_header),
		cmocka_unit_test(test_bzimage_cmdline_size),
		cmocka_unit_test(test_bzimage_memory_too_small),
		cmocka_unit_test(test_vmlinux_pvh),
		cmocka_unit_test(test_pvh_loads),
		cmocka_unit_test(test_pvh_variants),
		cmocka_unit_test(test_pvh_errors),
		cmocka_unit_test(test_pvh_segment_outside_ram),
		cmocka_unit_test(test_pvh_cmdline_and_initrd_limits),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
