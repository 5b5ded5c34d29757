// SPDX-License-Identifier: MIT
/*
 * Guest memory as an ELF core file, laid out as QEMU's `dump-guest-memory`
 * without paging lays it out, because that is the guest dump the Linux
 * crash-analysis tools already know:
 *
 *   ELF header (ELF64, little-endian, EM_X86_64, ET_CORE)
 *   program headers: PT_NOTE first, then one PT_LOAD per RAM region
 *   notes: one "CORE" NT_PRSTATUS per vCPU, then one "QEMU" per vCPU, then
 *          the guest kernel's "VMCOREINFO" when its RAM has one
 *   guest RAM, each region at a page-aligned file offset
 *
 * What the readers need, and so why:
 * - crash takes an ELF64 ET_CORE whose first program header is PT_NOTE and
 *   whose PT_LOADs have p_align 0 as a kdump vmcore (a nonzero p_align
 *   makes it the old netdump format); it reads physical memory through
 *   p_paddr. A "QEMU" note marks a QEMU guest dump, so crash keeps one
 *   NT_PRSTATUS per vCPU rather than remapping them to online CPUs. With a
 *   VMCOREINFO note it takes the KASLR offset and phys_base from it; with
 *   none it finds them itself, from each vCPU's CR3 (walking the kernel's
 *   page tables) or IDT base in the QEMU note. Either way `crash vmlinux
 *   FILE` needs only a vmlinux with debug info of the same build.
 * - drgn reads registers from NT_PRSTATUS and memory through p_paddr, but
 *   treats a core as a kernel's only with a VMCOREINFO note (or, from drgn
 *   0.0.27, one given with --vmcoreinfo); a dump with a "QEMU" note and no
 *   VMCOREINFO it refuses, naming the cause. QEMU gets the note from the
 *   guest through its vmcoreinfo device; kestrel has none, but Linux (4.13
 *   and later, with CONFIG_CRASH_CORE or CONFIG_VMCORE_INFO) keeps the
 *   note at the start of a page of RAM from early boot on, and the dump
 *   copies the first one it meets (vmm/vmcoreinfo.c). With no virtual
 *   addresses in the dump, drgn before 0.0.27 translates kernel addresses
 *   only through libkdumpfile (DRGN_USE_LIBKDUMPFILE_FOR_ELF=1).
 * - gdb and readelf see a core of a process whose threads are the vCPUs.
 * - Like QEMU, p_vaddr = p_paddr (there is no virtual mapping without
 *   paging) and p_flags = 0; NT_PRSTATUS pr_pid is the vCPU index + 1.
 *
 * Where QEMU differs: RAM starts at a page-aligned offset, not right after
 * the notes, so that each guest page is whole file-system blocks and an
 * all-zero page can be a hole. Readers use p_offset and need no more.
 *
 * Pages that are all zero are not written: the file is truncated to its
 * full size and the non-zero runs are written each with one pwrite, so a
 * mostly idle guest makes a small file. Reading guest RAM the guest never
 * touched maps the shared zero page and allocates nothing. The headers go
 * last, once RAM has shown whether it holds a VMCOREINFO note; room for
 * the largest one is kept before RAM.
 */
#include "vmm/core_dump.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86/core_notes.h"
#include "vmm/vmcoreinfo.h"

#define PAGE 4096u
#define ZERO_PREFIX 16u

#define ALIGN_UP(x, a) (((x) + (a)-1) / (a) * (a))
/* Bytes of one note: header, then name and description, each padded to 4. */
#define NOTE_SIZE(namesz, descsz) \
	(sizeof(Elf64_Nhdr) + ALIGN_UP(namesz, 4) + ALIGN_UP(descsz, 4))

#define CORE_NOTE_SIZE NOTE_SIZE(sizeof("CORE"), X86_CORE_PRSTATUS_SIZE)
#define QEMU_NOTE_SIZE NOTE_SIZE(sizeof("QEMU"), X86_CORE_QEMU_STATE_SIZE)
#define VMCOREINFO_NOTE_MAX NOTE_SIZE(sizeof("VMCOREINFO"), VMCOREINFO_TEXT_MAX)

/* Where each piece goes in the file. */
struct layout {
	unsigned int order[GM_MAX_REGIONS]; /* regions by guest address */
	uint64_t region_off[GM_MAX_REGIONS];
	size_t notes_off, cpu_notes_size, header_max;
	uint64_t file_size;
};

/* The guest kernel's VMCOREINFO text, if RAM has shown one yet. */
struct vmcoreinfo {
	const uint8_t *text;
	uint32_t len;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns 0 or an errno value. */
static int pwrite_all(int fd, const uint8_t *buf, uint64_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		/* A regular file takes at least one byte or says why not. */
		if (n == 0)
			return ENOSPC;
		buf += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

/*
 * Zero first bytes, and every byte equal to the one ZERO_PREFIX before it:
 * all zero, found by glibc's memcmp faster than by a loop of our own.
 */
static bool all_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zero[ZERO_PREFIX];

	if (len <= ZERO_PREFIX)
		return memcmp(p, zero, len) == 0;
	return memcmp(p, zero, ZERO_PREFIX) == 0 &&
	       memcmp(p, p + ZERO_PREFIX, len - ZERO_PREFIX) == 0;
}

static void plan(const struct guest_mem *gm, unsigned int nr_cpus,
		 struct layout *l)
{
	unsigned int n = gm->nr_regions;
	uint64_t off;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int j = i;

		while (j > 0 &&
		       gm->region[l->order[j - 1]].gpa > gm->region[i].gpa) {
			l->order[j] = l->order[j - 1];
			j--;
		}
		l->order[j] = i;
	}
	l->notes_off = sizeof(Elf64_Ehdr) + (1 + n) * sizeof(Elf64_Phdr);
	l->cpu_notes_size = nr_cpus * (CORE_NOTE_SIZE + QEMU_NOTE_SIZE);
	l->header_max = l->notes_off + l->cpu_notes_size + VMCOREINFO_NOTE_MAX;
	off = ALIGN_UP(l->header_max, PAGE);
	for (unsigned int i = 0; i < n; i++) {
		const struct gm_region *r = &gm->region[l->order[i]];

		l->region_off[i] = off;
		l->file_size = off + r->size;
		off = ALIGN_UP(l->file_size, PAGE);
	}
}

static uint8_t *put_note(uint8_t *p, const char *name, uint32_t type,
			 size_t descsz)
{
	Elf64_Nhdr h = {
		.n_namesz = (Elf64_Word)strlen(name) + 1,
		.n_descsz = (Elf64_Word)descsz,
		.n_type = type,
	};

	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, name, h.n_namesz);
	return p + ALIGN_UP(h.n_namesz, 4);
}

/*
 * ELF header, program headers and notes, in a zeroed buffer of
 * l->header_max bytes; returns how many bytes they take.
 */
static size_t build_header(uint8_t *buf, const struct layout *l,
			   const struct guest_mem *gm,
			   const struct x86_cpu_state *cpus,
			   unsigned int nr_cpus, const struct vmcoreinfo *vmci)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));
	size_t notes_size = l->cpu_notes_size;
	uint8_t *p = buf + l->notes_off;

	if (vmci->text)
		notes_size += NOTE_SIZE(sizeof("VMCOREINFO"), vmci->len);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = (Elf64_Half)(1 + gm->nr_regions);

	ph[0] = (Elf64_Phdr){
		.p_type = PT_NOTE,
		.p_offset = l->notes_off,
		.p_filesz = notes_size,
		.p_memsz = notes_size,
	};
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[l->order[i]];

		ph[1 + i] = (Elf64_Phdr){
			.p_type = PT_LOAD,
			.p_offset = l->region_off[i],
			.p_vaddr = r->gpa,
			.p_paddr = r->gpa,
			.p_filesz = r->size,
			.p_memsz = r->size,
		};
	}

	for (unsigned int i = 0; i < nr_cpus; i++) {
		p = put_note(p, "CORE", NT_PRSTATUS, X86_CORE_PRSTATUS_SIZE);
		x86_core_prstatus(&cpus[i], i + 1, p);
		p += ALIGN_UP(X86_CORE_PRSTATUS_SIZE, 4);
	}
	/* QEMU writes type 0; crash and drgn go by the name. */
	for (unsigned int i = 0; i < nr_cpus; i++) {
		p = put_note(p, "QEMU", 0, X86_CORE_QEMU_STATE_SIZE);
		x86_core_qemu_state(&cpus[i], p);
		p += ALIGN_UP(X86_CORE_QEMU_STATE_SIZE, 4);
	}
	if (vmci->text) {
		p = put_note(p, "VMCOREINFO", 0, vmci->len);
		memcpy(p, vmci->text, vmci->len);
	}
	return l->notes_off + notes_size;
}

/*
 * Writes the region's non-zero pages at off, each run of them with one
 * pwrite, and looks for VMCOREINFO at their starts until one is found;
 * returns 0 or an errno value, with *where the failed offset.
 */
static int write_region(int fd, const struct gm_region *r, uint64_t off,
			struct vmcoreinfo *vmci, uint64_t *where)
{
	uint64_t run = 0, pos = 0;
	bool in_run = false;
	int e;

	for (; pos < r->size; pos += PAGE) {
		uint64_t len = r->size - pos < PAGE ? r->size - pos : PAGE;
		bool zero = all_zero(r->host + pos, len);

		if (!zero && !vmci->text)
			vmcoreinfo_at(r->host + pos, r->size - pos, &vmci->text,
				      &vmci->len);
		if (!zero && !in_run) {
			run = pos;
			in_run = true;
		} else if (zero && in_run) {
			e = pwrite_all(fd, r->host + run, pos - run, off + run);
			if (e) {
				*where = off + run;
				return e;
			}
			in_run = false;
		}
	}
	if (!in_run)
		return 0;
	e = pwrite_all(fd, r->host + run, r->size - run, off + run);
	if (e)
		*where = off + run;
	return e;
}

int core_dump_write(int fd, const struct guest_mem *gm,
		    const struct x86_cpu_state *cpus, unsigned int nr_cpus,
		    char *err, size_t errlen)
{
	struct layout l = { 0 };
	struct vmcoreinfo vmci = { 0 };
	struct stat st;
	uint8_t *header;
	size_t header_size;
	uint64_t where;
	int e;

	if (gm->nr_regions == 0 || gm->nr_regions > GM_MAX_REGIONS)
		return fail(err, errlen, "core dump: no guest RAM to dump");
	if (nr_cpus == 0 || nr_cpus > CORE_DUMP_MAX_CPUS)
		return fail(err, errlen,
			    "core dump: %u vCPUs (1 to %u can be dumped)",
			    nr_cpus, CORE_DUMP_MAX_CPUS);
	if (fstat(fd, &st) < 0)
		return fail(err, errlen, "core dump: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, "core dump: not a regular file");

	plan(gm, nr_cpus, &l);
	/*
	 * Emptied first, so that no old byte shows through a hole; then at
	 * full size, so a file-size limit stops the dump before any write.
	 */
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)l.file_size) < 0)
		return fail(err, errlen,
			    "core dump: setting the size to %llu: %s",
			    (unsigned long long)l.file_size, strerror(errno));

	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[l.order[i]];

		e = write_region(fd, r, l.region_off[i], &vmci, &where);
		if (e)
			return fail(
				err, errlen,
				"core dump: writing guest RAM at file offset %llu: %s",
				(unsigned long long)where, strerror(e));
	}

	header = calloc(1, l.header_max);
	if (!header)
		return fail(err, errlen, "core dump: out of memory");
	header_size = build_header(header, &l, gm, cpus, nr_cpus, &vmci);
	e = pwrite_all(fd, header, header_size, 0);
	free(header);
	if (e)
		return fail(err, errlen, "core dump: writing the headers: %s",
			    strerror(e));
	return 0;
}
