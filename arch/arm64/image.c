// SPDX-License-Identifier: MIT
/*
 * The arm64 Linux boot protocol (Documentation/arch/arm64/booting.rst): a
 * flat Image with a 64-byte header is copied to text_offset bytes above a
 * 2 MiB-aligned base in RAM and entered at its first byte, x0 pointing at
 * the device tree. Distributions may ship the Image gzip-compressed (there
 * is no decompressor inside it, unlike a bzImage), so that is undone here.
 * The file is untrusted: every size and offset in it is checked before use.
 */
#include "arch/arm64/image.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST /* next_in is const: the kernel buffer is read-only */
#include <zlib.h>

#define MiB (1ULL << 20)
#define PAGE_SIZE 4096ULL
#define KERNEL_ALIGN (2 * MiB)
#define DTB_ALIGN 8ULL

/* The Image header: little-endian fields at these offsets. */
#define HDR_SIZE 64
#define HDR_TEXT_OFFSET 8
#define HDR_IMAGE_SIZE 16
#define HDR_FLAGS 24
#define HDR_MAGIC 56
#define IMAGE_MAGIC 0x644d5241U /* "ARM\x64" */
#define FLAG_BIG_ENDIAN (1ULL << 0)
/* Before 3.17, image_size is 0 and the text offset is this. */
#define LEGACY_TEXT_OFFSET 0x80000ULL
/* An EFI stub's PE/COFF header: where it is, and its section table. */
#define PE_OFFSET 60
#define PE_SECTIONS_AT 24 /* after "PE\0\0" and the COFF header */
#define PE_SECTION_SIZE 40

#define BANNER "Linux version "

static void image_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void image_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Byte by byte, so that the header reads the same on any host. */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* a + b, or UINT64_MAX if that does not fit: for sizes in messages. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Rounds up to a power of two a; UINT64_MAX if that overflows. */
static uint64_t sat_align_up(uint64_t v, uint64_t a)
{
	return v > UINT64_MAX - (a - 1) ? UINT64_MAX : (v + a - 1) & ~(a - 1);
}

static bool is_gzip(const uint8_t *k, size_t len)
{
	return len >= 2 && k[0] == 0x1f && k[1] == 0x8b;
}

/*
 * Inflates a gzip stream into a malloc'd buffer of at most
 * ARM64_GZIP_MAX_SIZE bytes: a few hundred KiB of hostile gzip can claim
 * gigabytes, so anything that inflates to more is refused. Trailing bytes
 * after the first gzip member are ignored. Returns the buffer and its
 * length in *out_len, or NULL with one line in err.
 */
static uint8_t *gunzip(const uint8_t *src, size_t len, size_t *out_len,
		       char *err, size_t errlen)
{
	/* One byte past the cap, so that "more than the cap" shows. */
	const size_t limit = ARM64_GZIP_MAX_SIZE + 1;
	size_t cap = 0, total = 0, in_off = 0;
	uint8_t *buf = NULL, *grown;
	z_stream zs;
	uint32_t hint;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		image_err(err, errlen, "gzip'd kernel: zlib would not start");
		return NULL;
	}
	/*
	 * gzip's trailer says the inflated size (mod 4 GiB): a first guess
	 * for the buffer, one byte over so that the end needs no regrowth.
	 * A lie only costs a realloc; the cap still holds.
	 */
	hint = len >= 18 ? le32(src + len - 4) : 0;
	for (;;) {
		if (total == cap) {
			size_t want = cap ? cap * 2 : (size_t)hint + 1;

			if (cap == limit)
				break; /* over the cap: refused below */
			if (want < MiB)
				want = MiB;
			if (want > limit)
				want = limit;
			grown = realloc(buf, want);
			if (!grown) {
				image_err(
					err, errlen,
					"out of memory inflating the gzip'd kernel (%zu MiB)",
					want >> 20);
				goto fail;
			}
			buf = grown;
			cap = want;
		}
		if (zs.avail_in == 0 && in_off < len) {
			size_t n = len - in_off;

			if (n > UINT_MAX)
				n = UINT_MAX;
			zs.next_in = src + in_off;
			zs.avail_in = (uInt)n;
			in_off += n;
		}
		zs.next_out = buf + total;
		zs.avail_out = (uInt)(cap - total);
		rc = inflate(&zs, Z_NO_FLUSH);
		total = (size_t)(zs.next_out - buf);
		if (rc == Z_STREAM_END)
			break;
		/* Z_BUF_ERROR: no progress; with room to write, no input. */
		if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_off == len) {
			image_err(
				err, errlen,
				"truncated gzip'd kernel: the stream ends early");
			goto fail;
		}
		if (rc == Z_MEM_ERROR) {
			image_err(err, errlen,
				  "out of memory inflating the gzip'd kernel");
			goto fail;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			image_err(err, errlen, "corrupt gzip'd kernel: %s",
				  zs.msg ? zs.msg : "inflate failed");
			goto fail;
		}
	}
	if (total > ARM64_GZIP_MAX_SIZE) {
		image_err(
			err, errlen,
			"gzip'd kernel inflates to more than %llu MiB: refusing it",
			ARM64_GZIP_MAX_SIZE >> 20);
		goto fail;
	}
	inflateEnd(&zs);
	*out_len = total;
	return buf;
fail:
	inflateEnd(&zs);
	free(buf);
	return NULL;
}

struct image_header {
	uint64_t text_offset;
	uint64_t image_size; /* the file size for a pre-3.17 kernel */
	uint64_t copy_len; /* what of the file is the image */
};

/*
 * How many bytes an EFI-stub Image's file has (the end of its last PE
 * section's raw data), or 0 when it has no PE header to say. Distribution
 * kernels are EFI-stub Images; their arm64 header has no file size, and
 * image_size covers the bss, so this is what tells a truncated copy.
 */
static uint64_t pe_file_size(const uint8_t *k, size_t len)
{
	uint64_t pe, sections, end = 0;
	unsigned int n;

	if (k[0] != 'M' || k[1] != 'Z')
		return 0;
	pe = le32(k + PE_OFFSET);
	if (pe > len || len - pe < PE_SECTIONS_AT ||
	    memcmp(k + pe, "PE\0\0", 4))
		return 0;
	n = (unsigned int)k[pe + 6] | (unsigned int)k[pe + 7] << 8;
	sections = pe + PE_SECTIONS_AT +
		   ((unsigned int)k[pe + 20] | (unsigned int)k[pe + 21] << 8);
	if (sections > len || (len - sections) / PE_SECTION_SIZE < n)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *s = k + sections + (uint64_t)i * PE_SECTION_SIZE;
		uint64_t e = (uint64_t)le32(s + 20) + le32(s + 16);

		if (e > end)
			end = e;
	}
	return end;
}

static int parse_header(const uint8_t *k, size_t len, struct image_header *h,
			char *err, size_t errlen)
{
	uint64_t file_size;
	uint64_t flags;

	if (len < HDR_SIZE) {
		image_err(
			err, errlen,
			"truncated arm64 Image (%zu bytes, less than its %d-byte header)",
			len, HDR_SIZE);
		return -1;
	}
	if (le32(k + HDR_MAGIC) != IMAGE_MAGIC) {
		image_err(
			err, errlen,
			"not an arm64 Image (no \"ARM\\x64\" magic at offset %d)",
			HDR_MAGIC);
		return -1;
	}
	file_size = pe_file_size(k, len);
	if (file_size > len) {
		image_err(err, errlen,
			  "truncated arm64 Image (%zu bytes of its %llu)", len,
			  (unsigned long long)file_size);
		return -1;
	}
	flags = le64(k + HDR_FLAGS);
	if (flags & FLAG_BIG_ENDIAN) {
		image_err(
			err, errlen,
			"big-endian arm64 Image: kestrel boots little-endian kernels only");
		return -1;
	}
	/*
	 * Flags bits 1-2 (the kernel's page size) need nothing of the loader;
	 * bit 3 (placement anywhere) neither, as the base chosen is the
	 * lowest 2 MiB boundary in RAM, which also suits a kernel without it.
	 */
	h->image_size = le64(k + HDR_IMAGE_SIZE);
	if (h->image_size == 0) {
		/* Pre-3.17: text_offset's byte order was unspecified. */
		h->text_offset = LEGACY_TEXT_OFFSET;
		h->image_size = len;
	} else {
		h->text_offset = le64(k + HDR_TEXT_OFFSET);
	}
	if (h->image_size < HDR_SIZE) {
		image_err(
			err, errlen,
			"arm64 Image header says image_size %llu, less than the header itself",
			(unsigned long long)h->image_size);
		return -1;
	}
	/*
	 * image_size spans the bss too, so it is normally more than the file;
	 * what a file has past it (a signature appended to an EFI-signed
	 * Image) is not part of the kernel and is not copied.
	 */
	h->copy_len = len < h->image_size ? len : h->image_size;
	return 0;
}

/* Enough RAM from ram_base up for everything, rounded up to MiB. */
static uint64_t mib_needed(const struct arm64_boot_input *in, uint64_t base,
			   const struct image_header *h, uint64_t initrd_len)
{
	uint64_t need = base - in->ram_base;

	need = sat_add(need, h->text_offset);
	need = sat_add(need, h->image_size);
	/* A page of slack covers the rounding of the initrd and dtb. */
	need = sat_add(need, sat_align_up(initrd_len, PAGE_SIZE));
	need = sat_add(need, sat_align_up(in->dtb_max + DTB_ALIGN, PAGE_SIZE));
	need = sat_add(need, PAGE_SIZE);
	return sat_align_up(need, MiB) >> 20;
}

static void too_small(const struct arm64_boot_input *in, uint64_t base,
		      const struct image_header *h, uint64_t initrd_len,
		      char *err, size_t errlen)
{
	uint64_t mib = mib_needed(in, base, h, initrd_len);

	if (mib >= UINT64_MAX >> 20)
		image_err(
			err, errlen,
			"arm64 Image claims %llu bytes at text_offset %llu: more than any guest memory",
			(unsigned long long)h->image_size,
			(unsigned long long)h->text_offset);
	else if (initrd_len)
		image_err(
			err, errlen,
			"guest memory too small for this kernel and its %llu-byte initrd: they need %llu MiB; give the guest more --memory",
			(unsigned long long)initrd_len,
			(unsigned long long)mib);
	else
		image_err(
			err, errlen,
			"guest memory too small for this kernel: it needs %llu MiB; give the guest more --memory",
			(unsigned long long)mib);
}

static int load_image(const struct arm64_boot_input *in, const uint8_t *k,
		      size_t len, struct arm64_boot_state *out, char *err,
		      size_t errlen)
{
	uint64_t ram_end, base, top, kernel_addr, kernel_end, initrd_addr = 0;
	uint64_t dtb_addr;
	uint64_t initrd_len = in->initrd ? in->initrd_len : 0;
	struct image_header h;
	uint8_t *bss;

	if (parse_header(k, len, &h, err, errlen))
		return -1;
	if (in->ram_size == 0 || in->ram_base > UINT64_MAX - in->ram_size) {
		image_err(err, errlen, "no guest RAM to load the kernel into");
		return -1;
	}
	if (in->dtb_max == 0 || in->dtb_max > ARM64_DTB_MAX_SIZE) {
		image_err(
			err, errlen,
			"room for the device tree must be 1 byte to %llu MiB, not %zu bytes",
			ARM64_DTB_MAX_SIZE >> 20, in->dtb_max);
		return -1;
	}
	ram_end = in->ram_base + in->ram_size;
	base = sat_align_up(in->ram_base, KERNEL_ALIGN);

	/* Top down: the device tree, then the initrd under it. */
	if (in->ram_size < in->dtb_max ||
	    ((ram_end - in->dtb_max) & ~(DTB_ALIGN - 1)) < in->ram_base) {
		too_small(in, base, &h, initrd_len, err, errlen);
		return -1;
	}
	dtb_addr = (ram_end - in->dtb_max) & ~(DTB_ALIGN - 1);
	top = dtb_addr;

	/* Bottom up: the kernel's whole image_size span below that. */
	if (base > top || h.text_offset > top - base ||
	    h.image_size > top - base - h.text_offset) {
		too_small(in, base, &h, initrd_len, err, errlen);
		return -1;
	}
	kernel_addr = base + h.text_offset;
	kernel_end = kernel_addr + h.image_size;

	/* As high as it goes, page aligned, clear of the kernel. */
	if (initrd_len) {
		if (initrd_len > top - kernel_end ||
		    ((top - initrd_len) & ~(PAGE_SIZE - 1)) < kernel_end) {
			too_small(in, base, &h, initrd_len, err, errlen);
			return -1;
		}
		initrd_addr = (top - initrd_len) & ~(PAGE_SIZE - 1);
	}

	/* Caller's RAM range and its guest_mem must agree; check they do. */
	if (!gm_ptr(in->gm, dtb_addr, in->dtb_max)) {
		image_err(err, errlen,
			  "no guest RAM at 0x%llx for the device tree",
			  (unsigned long long)dtb_addr);
		return -1;
	}
	if (!gm_write(in->gm, kernel_addr, k, h.copy_len)) {
		image_err(err, errlen, "no guest RAM at 0x%llx for the kernel",
			  (unsigned long long)kernel_addr);
		return -1;
	}
	/*
	 * The bss past the file must read as zero. Fresh anonymous guest RAM
	 * already does, but clearing it costs only the bss and holds for RAM
	 * that was used before (a reset) too.
	 */
	bss = gm_ptr(in->gm, kernel_addr + h.copy_len,
		     h.image_size - h.copy_len);
	if (!bss) {
		image_err(err, errlen, "no guest RAM at 0x%llx for the kernel",
			  (unsigned long long)kernel_addr);
		return -1;
	}
	memset(bss, 0, h.image_size - h.copy_len);
	if (initrd_len &&
	    !gm_write(in->gm, initrd_addr, in->initrd, initrd_len)) {
		image_err(err, errlen, "no guest RAM at 0x%llx for the initrd",
			  (unsigned long long)initrd_addr);
		return -1;
	}

	out->kernel_addr = kernel_addr;
	out->kernel_end = kernel_end;
	out->entry = kernel_addr;
	out->initrd_addr = initrd_addr;
	out->initrd_size = initrd_len;
	out->dtb_addr = dtb_addr;
	return 0;
}

int arm64_load_kernel(const struct arm64_boot_input *in,
		      struct arm64_boot_state *out, char *err, size_t errlen)
{
	uint8_t *image;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!is_gzip(in->kernel, in->kernel_len))
		return load_image(in, in->kernel, in->kernel_len, out, err,
				  errlen);
	image = gunzip(in->kernel, in->kernel_len, &len, err, errlen);
	if (!image)
		return -1;
	ret = load_image(in, image, len, out, err, errlen);
	free(image);
	return ret;
}

/*
 * Copies the word at s into buf; -1 if it does not fit, or if end cuts it
 * (a banner at the very end of the data is not a whole one).
 */
static int copy_word(const uint8_t *s, const uint8_t *end, char *buf,
		     size_t buflen)
{
	size_t n = 0;

	while (s + n < end && n + 1 < buflen && isgraph(s[n]))
		n++;
	if (!n || s + n == end || isgraph(s[n]))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/* The first banner whose release starts with a digit, not a format. */
static int find_release(const uint8_t *k, size_t len, char *buf, size_t buflen)
{
	const size_t blen = strlen(BANNER);
	const uint8_t *p = k, *end = k + len, *hit;

	while ((hit = memmem(p, (size_t)(end - p), BANNER, blen))) {
		const uint8_t *word = hit + blen;

		if (word < end && isdigit(*word))
			return copy_word(word, end, buf, buflen);
		p = hit + 1;
	}
	return -1;
}

int arm64_kernel_release(const uint8_t *kernel, size_t len, char *buf,
			 size_t buflen)
{
	char err[256];
	uint8_t *image;
	size_t image_len;
	int ret;

	if (!buflen)
		return -1;
	if (!is_gzip(kernel, len))
		return find_release(kernel, len, buf, buflen);
	image = gunzip(kernel, len, &image_len, err, sizeof(err));
	if (!image)
		return -1;
	ret = find_release(image, image_len, buf, buflen);
	free(image);
	return ret;
}
