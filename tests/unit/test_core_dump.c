// SPDX-License-Identifier: MIT
/* core_dump_write(): the ELF core parsed back, its holes, and its errors. */
#include "unit.h"

#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "vmm/core_dump.h"
#include "runtime/host_limits.h"

#define PAGE 4096u
/* Two regions, added high one first: the dump orders them by address. */
#define LOW_GPA 0x0ULL
#define LOW_SIZE (256 * PAGE)
#define HIGH_GPA 0x100000000ULL
#define HIGH_SIZE (32 * PAGE + 0x800) /* ends in part of a page */

#define PRSTATUS_SIZE 336
#define QEMU_STATE_SIZE 440
#define PR_PID 32
#define PR_REG 112
/* Indexes into pr_reg (user_regs_struct). */
#define UR_R15 0
#define UR_RBX 5
#define UR_RAX 10
#define UR_ORIG_RAX 15
#define UR_RIP 16
#define UR_CS 17
#define UR_EFLAGS 18
#define UR_RSP 19
#define UR_SS 20
#define UR_FS_BASE 21
#define UR_GS_BASE 22
#define UR_GS 26
/* Offsets in QEMUCPUState. */
#define Q_RAX 8
#define Q_RSP 56
#define Q_RBP 64
#define Q_RIP 136
#define Q_RFLAGS 144
#define Q_CS 152
#define Q_SS (Q_CS + 5 * 24)
#define Q_GDT (Q_CS + 8 * 24)
#define Q_IDT (Q_CS + 9 * 24)
#define Q_CR 392
#define Q_KERNEL_GS_BASE 432

struct fixture {
	struct guest_mem gm;
	uint8_t *low, *high;
	struct x86_cpu_state cpu[3];
	char path[64];
	int fd;
	uint8_t *file; /* the dump, read back */
	size_t file_size;
};

static void fill_page(uint8_t *p, uint64_t gpa, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((gpa + i) * 131 + 7) | 1;
}

#define VMCOREINFO_TEXT "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"

/* A guest kernel's VMCOREINFO note with this text. */
static void plant_note(uint8_t *p, const char *text)
{
	const Elf64_Nhdr h = { .n_namesz = 11, .n_descsz = strlen(text) };

	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), "VMCOREINFO\0", 12);
	memcpy(p + sizeof(h) + 12, text, h.n_descsz);
}

/*
 * One off a page start: not where the kernel keeps it, so not in the
 * dump's notes, but elfcore.py finds it in RAM.
 */
static void plant_vmcoreinfo(uint8_t *p)
{
	plant_note(p, VMCOREINFO_TEXT);
}

/*
 * Guest pages with data, and zero pages between them, including pages
 * whose only non-zero byte is the first or the last.
 */
static void fill_ram(struct fixture *f)
{
	static const unsigned int low_pages[] = { 0, 1, 10, 11, 12, 255 };

	for (size_t i = 0; i < sizeof(low_pages) / sizeof(low_pages[0]); i++)
		fill_page(f->low + low_pages[i] * PAGE,
			  LOW_GPA + low_pages[i] * PAGE, PAGE);
	f->low[100 * PAGE] = 0x42;
	f->low[101 * PAGE + PAGE - 1] = 0x24;
	plant_vmcoreinfo(f->low + 12 * PAGE + 0x104);
	fill_page(f->high + 3 * PAGE, HIGH_GPA + 3 * PAGE, PAGE);
	fill_page(f->high + 32 * PAGE, HIGH_GPA + 32 * PAGE, 0x800);
}

static void fill_cpu(struct x86_cpu_state *s, unsigned int i)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int r = 0; r < X86_NR_GPRS; r++)
		s->gpr[r] = 0x1000ULL * (i + 1) + r;
	s->rip = 0xffffffff81000000ULL + 0x10 * i;
	s->rflags = 0x246;
	s->seg[X86_CS] = (struct x86_segment){ .selector = 0x10,
					       .limit = 0xffffffff,
					       .attrib = 0xa09b };
	s->seg[X86_SS] = (struct x86_segment){ .selector = 0x18,
					       .limit = 0xffffffff,
					       .attrib = 0xc093 };
	s->seg[X86_GS].base = 0xffff888000000000ULL + i;
	s->seg[X86_FS].base = 0x7f0000000000ULL + i;
	s->kernel_gs_base = 0x7f1000000000ULL + i;
	s->cr0 = 0x80050033;
	s->cr3 = 0x2000000 + 0x1000 * i;
	s->cr4 = 0x3706f0;
	s->gdt_base = 0xfffffe0000001000ULL + i;
	s->gdt_limit = 0x7f;
	s->idt_base = 0xfffffe0000000000ULL;
	s->idt_limit = 0xfff;
}

static uint8_t *map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static const char *tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->low = map(LOW_SIZE);
	f->high = map(HIGH_SIZE);
	if (!f->low || !f->high)
		return -1;
	fill_ram(f);
	if (gm_add_region(&f->gm, HIGH_GPA, HIGH_SIZE, f->high) ||
	    gm_add_region(&f->gm, LOW_GPA, LOW_SIZE, f->low))
		return -1;
	for (unsigned int i = 0; i < 3; i++)
		fill_cpu(&f->cpu[i], i);
	snprintf(f->path, sizeof(f->path), "%s/core-XXXXXX", tmpdir());
	f->fd = mkstemp(f->path);
	if (f->fd < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->fd);
	unlink(f->path);
	free(f->file);
	munmap(f->low, LOW_SIZE);
	munmap(f->high, HIGH_SIZE);
	test_free(f);
	return 0;
}

static void read_back(struct fixture *f)
{
	struct stat st;

	assert_int_equal(fstat(f->fd, &st), 0);
	f->file_size = (size_t)st.st_size;
	f->file = malloc(f->file_size);
	assert_non_null(f->file);
	assert_int_equal(pread(f->fd, f->file, f->file_size, 0),
			 (ssize_t)f->file_size);
}

static void dump(struct fixture *f, unsigned int nr_cpus)
{
	char err[256] = "";

	assert_int_equal(core_dump_write(f->fd, &f->gm, f->cpu, nr_cpus, err,
					 sizeof(err)),
			 0);
	assert_string_equal(err, "");
	read_back(f);
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const Elf64_Phdr *phdr(const struct fixture *f, unsigned int i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->file;

	return (const Elf64_Phdr *)(f->file + eh->e_phoff) + i;
}

static void check_elf_header(const struct fixture *f)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->file;

	assert_true(f->file_size >= sizeof(*eh));
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh->e_ident[EI_DATA], ELFDATA2LSB);
	assert_int_equal(eh->e_ident[EI_VERSION], EV_CURRENT);
	assert_int_equal(eh->e_type, ET_CORE);
	assert_int_equal(eh->e_machine, EM_X86_64);
	assert_int_equal(eh->e_version, EV_CURRENT);
	assert_int_equal(eh->e_phoff, sizeof(Elf64_Ehdr));
	assert_int_equal(eh->e_phentsize, sizeof(Elf64_Phdr));
	assert_int_equal(eh->e_ehsize, sizeof(Elf64_Ehdr));
	/* PT_NOTE and one PT_LOAD per region */
	assert_int_equal(eh->e_phnum, 3);
	assert_int_equal(eh->e_shnum, 0);
}

static void check_load(const struct fixture *f, unsigned int i, uint64_t gpa,
		       uint64_t size, const uint8_t *host)
{
	const Elf64_Phdr *ph = phdr(f, i);

	assert_int_equal(ph->p_type, PT_LOAD);
	assert_int_equal(ph->p_paddr, gpa);
	/* as QEMU without paging: no virtual address but the physical */
	assert_int_equal(ph->p_vaddr, gpa);
	assert_int_equal(ph->p_filesz, size);
	assert_int_equal(ph->p_memsz, size);
	/* crash takes a nonzero p_align for the old netdump format */
	assert_int_equal(ph->p_align, 0);
	assert_int_equal(ph->p_flags, 0);
	assert_int_equal(ph->p_offset % PAGE, 0);
	assert_true(ph->p_offset + ph->p_filesz <= f->file_size);
	assert_memory_equal(f->file + ph->p_offset, host, size);
}

static void check_layout(const struct fixture *f, unsigned int nr_cpus)
{
	const Elf64_Phdr *note = phdr(f, 0);
	uint64_t notes_end = note->p_offset + note->p_filesz;

	check_elf_header(f);
	assert_int_equal(note->p_type, PT_NOTE);
	assert_int_equal(note->p_offset,
			 sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr));
	/* per vCPU: 12 + 8 + 336 for CORE, 12 + 8 + 440 for QEMU */
	assert_int_equal(note->p_filesz, nr_cpus * (356 + 460));
	check_load(f, 1, LOW_GPA, LOW_SIZE, f->low);
	check_load(f, 2, HIGH_GPA, HIGH_SIZE, f->high);
	assert_true(phdr(f, 1)->p_offset >= notes_end);
	assert_true(phdr(f, 2)->p_offset >= phdr(f, 1)->p_offset + LOW_SIZE);
	assert_int_equal(f->file_size, phdr(f, 2)->p_offset + HIGH_SIZE);
}

/* Walks the notes; returns the description of the n-th, checking it. */
static const uint8_t *note(const struct fixture *f, unsigned int n,
			   const char *name, uint32_t type, uint32_t descsz)
{
	const Elf64_Phdr *ph = phdr(f, 0);
	const uint8_t *p = f->file + ph->p_offset;
	const uint8_t *end = p + ph->p_filesz;

	for (unsigned int i = 0;; i++) {
		const Elf64_Nhdr *h = (const Elf64_Nhdr *)p;
		const uint8_t *desc;

		assert_true(p + sizeof(*h) <= end);
		desc = p + sizeof(*h) + ((h->n_namesz + 3) & ~3u);
		assert_true(desc + ((h->n_descsz + 3) & ~3u) <= end);
		if (i == n) {
			assert_int_equal(h->n_namesz, strlen(name) + 1);
			assert_string_equal((const char *)(h + 1), name);
			assert_int_equal(h->n_type, type);
			assert_int_equal(h->n_descsz, descsz);
			return desc;
		}
		p = desc + ((h->n_descsz + 3) & ~3u);
	}
}

static void check_notes(const struct fixture *f, unsigned int nr_cpus)
{
	const Elf64_Phdr *ph = phdr(f, 0);
	const uint8_t *last = NULL;

	for (unsigned int i = 0; i < nr_cpus; i++) {
		const struct x86_cpu_state *s = &f->cpu[i];
		const uint8_t *pr =
			note(f, i, "CORE", NT_PRSTATUS, PRSTATUS_SIZE);
		const uint8_t *reg = pr + PR_REG;

		assert_int_equal(u32_at(pr + PR_PID), i + 1);
		assert_int_equal(u64_at(reg + 8 * UR_R15), s->gpr[X86_R15]);
		assert_int_equal(u64_at(reg + 8 * UR_RBX), s->gpr[X86_RBX]);
		assert_int_equal(u64_at(reg + 8 * UR_RAX), s->gpr[X86_RAX]);
		assert_int_equal(u64_at(reg + 8 * UR_ORIG_RAX), 0);
		assert_int_equal(u64_at(reg + 8 * UR_RIP), s->rip);
		assert_int_equal(u64_at(reg + 8 * UR_CS), 0x10);
		assert_int_equal(u64_at(reg + 8 * UR_EFLAGS), 0x246);
		assert_int_equal(u64_at(reg + 8 * UR_RSP), s->gpr[X86_RSP]);
		assert_int_equal(u64_at(reg + 8 * UR_SS), 0x18);
		assert_int_equal(u64_at(reg + 8 * UR_FS_BASE),
				 s->seg[X86_FS].base);
		assert_int_equal(u64_at(reg + 8 * UR_GS_BASE),
				 s->seg[X86_GS].base);
		assert_int_equal(u64_at(reg + 8 * UR_GS), 0);
	}
	for (unsigned int i = 0; i < nr_cpus; i++) {
		const struct x86_cpu_state *s = &f->cpu[i];
		const uint8_t *q =
			note(f, nr_cpus + i, "QEMU", 0, QEMU_STATE_SIZE);

		assert_int_equal(u32_at(q), 1);
		assert_int_equal(u32_at(q + 4), QEMU_STATE_SIZE);
		assert_int_equal(u64_at(q + Q_RAX), s->gpr[X86_RAX]);
		assert_int_equal(u64_at(q + Q_RSP), s->gpr[X86_RSP]);
		assert_int_equal(u64_at(q + Q_RBP), s->gpr[X86_RBP]);
		assert_int_equal(u64_at(q + Q_RIP), s->rip);
		assert_int_equal(u64_at(q + Q_RFLAGS), 0x246);
		/* selector, limit, then the descriptor's attribute bits */
		assert_int_equal(u32_at(q + Q_CS), 0x10);
		assert_int_equal(u32_at(q + Q_CS + 4), 0xffffffff);
		assert_int_equal(u32_at(q + Q_CS + 8), 0xa09b00);
		assert_int_equal(u32_at(q + Q_SS + 8), 0xc09300);
		assert_int_equal(u64_at(q + Q_GDT + 16), s->gdt_base);
		assert_int_equal(u32_at(q + Q_GDT + 4), 0x7f);
		assert_int_equal(u64_at(q + Q_IDT + 16), s->idt_base);
		assert_int_equal(u32_at(q + Q_IDT + 4), 0xfff);
		assert_int_equal(u64_at(q + Q_CR), s->cr0);
		assert_int_equal(u64_at(q + Q_CR + 8 * 3), s->cr3);
		assert_int_equal(u64_at(q + Q_CR + 8 * 4), s->cr4);
		assert_int_equal(u64_at(q + Q_KERNEL_GS_BASE),
				 s->kernel_gs_base);
		last = q + QEMU_STATE_SIZE;
	}
	/* nothing after the last note */
	assert_ptr_equal(last, f->file + ph->p_offset + ph->p_filesz);
}

/* Is [off, off + len) of the file a hole? */
static bool is_hole(int fd, off_t off, off_t len)
{
	off_t data = lseek(fd, off, SEEK_DATA);

	return (data < 0 && errno == ENXIO) || data >= off + len;
}

static void check_holes(const struct fixture *f)
{
	off_t low = (off_t)phdr(f, 1)->p_offset;
	off_t high = (off_t)phdr(f, 2)->p_offset;
	struct stat st;

	assert_int_equal(fstat(f->fd, &st), 0);
	/* 12 pages of data in 290: most of the file is not on disk */
	assert_true((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size / 4);
	assert_true(is_hole(f->fd, low + 2 * PAGE, 8 * PAGE));
	assert_true(is_hole(f->fd, low + 13 * PAGE, 87 * PAGE));
	assert_true(is_hole(f->fd, low + 102 * PAGE, 153 * PAGE));
	assert_true(is_hole(f->fd, high, 3 * PAGE));
	assert_false(is_hole(f->fd, low + 100 * PAGE, PAGE));
	assert_false(is_hole(f->fd, low + 101 * PAGE, PAGE));
	assert_false(is_hole(f->fd, high + 32 * PAGE, 0x800));
}

static void test_one_cpu(void **state)
{
	struct fixture *f = *state;

	dump(f, 1);
	check_layout(f, 1);
	check_notes(f, 1);
	check_holes(f);
}

static void test_three_cpus(void **state)
{
	struct fixture *f = *state;

	dump(f, 3);
	check_layout(f, 3);
	check_notes(f, 3);
	check_holes(f);
}

/* An old, longer file under the same name leaves nothing behind. */
static void test_old_contents_are_gone(void **state)
{
	struct fixture *f = *state;
	static uint8_t junk[64 * PAGE];

	memset(junk, 0xee, sizeof(junk));
	for (int i = 0; i < 8; i++)
		assert_int_equal(pwrite(f->fd, junk, sizeof(junk),
					(off_t)i * (off_t)sizeof(junk)),
				 (ssize_t)sizeof(junk));
	dump(f, 1);
	check_layout(f, 1);
	check_notes(f, 1);
}

static void test_readelf_is_happy(void **state)
{
	struct fixture *f = *state;
	char cmd[128], out[8192];
	size_t n;
	FILE *p;
	int status;

	plant_note(f->low + 50 * PAGE, VMCOREINFO_TEXT);
	dump(f, 3);
	snprintf(cmd, sizeof(cmd), "readelf -W -l -n %s 2>&1", f->path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		skip();
	assert_int_equal(status, 0);
	assert_null(strcasestr(out, "warning"));
	assert_null(strcasestr(out, "error"));
	assert_contains(out, "Elf file type is CORE");
	assert_contains(out, "NOTE");
	assert_contains(out, "0x0000000100000000 0x0000000100000000");
	assert_contains(out, "NT_PRSTATUS");
	assert_contains(out, "QEMU");
	assert_contains(out, "VMCOREINFO");
}

/* Runs elfcore.py on the dump; returns its exit status, output in out. */
static int elfcore(const struct fixture *f, const char *args, char *out,
		   size_t size)
{
	char cmd[256];
	size_t n;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd),
		 "python3 tests/integration/elfcore.py %s %s 2>&1", f->path,
		 args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		skip();
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The reader the integration tests use agrees with the writer. */
static void test_elfcore_reads_it(void **state)
{
	struct fixture *f = *state;
	char out[4096], want[256];

	dump(f, 3);
	assert_int_equal(elfcore(f, "check", out, sizeof(out)), 0);
	assert_contains(out, "ok: 3 vCPUs, 3 QEMU notes, 2 RAM regions");
	assert_int_equal(elfcore(f, "cpus", out, sizeof(out)), 0);
	assert_string_equal(out, "cpu 0 rip 0xffffffff81000000\n"
				 "cpu 1 rip 0xffffffff81000010\n"
				 "cpu 2 rip 0xffffffff81000020\n");
	/* the last 4 bytes of page 2 of the high region and 4 of page 3 */
	snprintf(want, sizeof(want), "00000000%02x%02x%02x%02x\n",
		 f->high[3 * PAGE], f->high[3 * PAGE + 1],
		 f->high[3 * PAGE + 2], f->high[3 * PAGE + 3]);
	assert_int_equal(elfcore(f, "read 0x100002ffc 8", out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(elfcore(f, "read 0x100020800 1", out, sizeof(out)), 1);
	assert_contains(out, "not in the dump's RAM");
	assert_int_equal(elfcore(f, "read 0xfffff 2", out, sizeof(out)), 1);
	assert_int_equal(elfcore(f, "vmcoreinfo", out, sizeof(out)), 0);
	assert_string_equal(out, VMCOREINFO_TEXT);
}

/* A file that is not such a dump is an error of one line. */
static void test_elfcore_refuses_garbage(void **state)
{
	struct fixture *f = *state;
	char out[4096];

	assert_int_equal(pwrite(f->fd,
				"\x7f"
				"ELF",
				4, 0),
			 4);
	assert_int_equal(elfcore(f, "check", out, sizeof(out)), 1);
	assert_contains(out, "shorter than an ELF header");
	dump(f, 1);
	/* the note segment claims more than the file holds */
	assert_int_equal(
		pwrite(f->fd, "\xff\xff\xff\x7f", 4,
		       sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, p_filesz)),
		4);
	assert_int_equal(elfcore(f, "check", out, sizeof(out)), 1);
	assert_contains(out, "program header 0");
}

/* The first VMCOREINFO at a page start in RAM becomes the last note. */
static void test_vmcoreinfo_note(void **state)
{
	struct fixture *f = *state;
	const char *text = "OSRELEASE=6.1.0-57-amd64\nKERNELOFFSET=0\n";
	size_t len = strlen(text);
	char out[4096];

	plant_note(f->low + 40 * PAGE, "OSRELEASE=6.1\001\n");
	plant_note(f->low + 50 * PAGE, text);
	plant_note(f->high + 5 * PAGE, "OSRELEASE=later\n");
	dump(f, 3);
	check_elf_header(f);
	check_load(f, 1, LOW_GPA, LOW_SIZE, f->low);
	check_load(f, 2, HIGH_GPA, HIGH_SIZE, f->high);
	assert_int_equal(phdr(f, 0)->p_filesz,
			 3 * (356 + 460) + 24 + ((len + 3) & ~3u));
	assert_memory_equal(note(f, 6, "VMCOREINFO", 0, (uint32_t)len), text,
			    len);
	assert_true(phdr(f, 1)->p_offset >=
		    phdr(f, 0)->p_offset + phdr(f, 0)->p_filesz);
	assert_int_equal(elfcore(f, "vmcoreinfo", out, sizeof(out)), 0);
	assert_string_equal(out, text);
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct guest_mem none = { 0 };
	char err[256] = "";
	int pipefd[2];

	assert_int_equal(
		core_dump_write(f->fd, &f->gm, f->cpu, 0, err, sizeof(err)),
		-1);
	assert_contains(err, "0 vCPUs");
	assert_int_equal(
		core_dump_write(f->fd, &none, f->cpu, 1, err, sizeof(err)), -1);
	assert_contains(err, "no guest RAM");
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(
		core_dump_write(pipefd[1], &f->gm, f->cpu, 1, err, sizeof(err)),
		-1);
	assert_contains(err, "not a regular file");
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_read_only_fd(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	int ro = open(f->path, O_RDONLY);

	assert_true(ro >= 0);
	assert_int_equal(
		core_dump_write(ro, &f->gm, f->cpu, 1, err, sizeof(err)), -1);
	close(ro);
	assert_contains(err, "core dump: ");
	assert_null(strchr(err, '\n'));
}

struct limited {
	struct fixture *f;
	rlim_t limit;
	char err[256];
};

static int dump_limited(void *arg)
{
	struct limited *l = arg;
	struct rlimit rl = { l->limit, l->limit };

	host_limits_fsize_is_error();
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		return 2;
	if (core_dump_write(l->f->fd, &l->f->gm, l->f->cpu, 1, l->err,
			    sizeof(l->err)) != -1)
		return 3;
	return strstr(l->err, strerror(EFBIG)) && !strchr(l->err, '\n') ? 0 : 4;
}

/* RLIMIT_FSIZE below the dump's size: an error, not SIGXFSZ. */
static void test_file_size_limit(void **state)
{
	struct limited l = { .f = *state, .limit = 64 * PAGE };

	assert_int_equal(run_in_child(dump_limited, &l, 10), 0);
}

#define SKIPPED 77

static int dump_to_full_disk(void *arg)
{
	struct fixture *f = arg;
	char dir[64], path[80], err[256] = "";
	int fd, ret;

	/* A tmpfs of 16 KiB in a mount namespace of this child's own. */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return SKIPPED;
	snprintf(dir, sizeof(dir), "%s/full-XXXXXX", tmpdir());
	if (!mkdtemp(dir))
		return 2;
	if (mount("tmpfs", dir, "tmpfs", 0, "size=16k") < 0) {
		rmdir(dir);
		return SKIPPED;
	}
	snprintf(path, sizeof(path), "%s/core", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		ret = 3;
	else if (core_dump_write(fd, &f->gm, f->cpu, 3, err, sizeof(err)) != -1)
		ret = 4;
	else
		ret = strstr(err, strerror(ENOSPC)) ? 0 : 5;
	if (fd >= 0)
		close(fd);
	umount(dir);
	rmdir(dir);
	return ret;
}

static void test_full_disk(void **state)
{
	int ret = run_in_child(dump_to_full_disk, *state, 10);

	if (ret == SKIPPED)
		skip();
	assert_int_equal(ret, 0);
}

static long rss_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *s = fopen("/proc/self/status", "r");

	assert_non_null(s);
	while (fgets(line, sizeof(line), s))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(s);
	return kib;
}

/* Reading RAM the guest never touched allocates no host memory. */
static void test_untouched_ram_costs_nothing(void **state)
{
	struct fixture *f = *state;
	const size_t size = 256u << 20;
	struct guest_mem gm = { 0 };
	uint8_t *ram = map(size);
	char err[256] = "";
	long before, after;
	struct stat st;

	assert_non_null(ram);
	ram[size / 2] = 1;
	assert_int_equal(gm_add_region(&gm, 0, size, ram), 0);
	before = rss_kib();
	assert_int_equal(
		core_dump_write(f->fd, &gm, f->cpu, 1, err, sizeof(err)), 0);
	after = rss_kib();
	munmap(ram, size);
	assert_true(before > 0);
	assert_true(after - before < 1024);
	assert_int_equal(fstat(f->fd, &st), 0);
	assert_true(st.st_size > (off_t)size);
	assert_true((uint64_t)st.st_blocks * 512 <= 64 * PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_cpus, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_old_contents_are_gone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_readelf_is_happy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elfcore_reads_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_elfcore_refuses_garbage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmcoreinfo_note, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only_fd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_size_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_untouched_ram_costs_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
