// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the arm64 kernel loader (arch/arm64/image.c):
 * arm64_load_kernel() and arm64_kernel_release() on arbitrary bytes as the
 * kernel -- a raw Image or, when they start with gzip's magic, a gzip'd
 * one -- with a small initrd, into a fake guest RAM of 64 MiB at the
 * board's RAM base (one heap block, allocated once, with ASan redzones
 * around it), which the loader may be told is smaller, starts higher or
 * is larger than it is.
 *
 * Input: an 8-byte header, then the kernel
 *
 *   [0]      bits 0-1: the RAM the loader is told of (0: the block as it
 *            is; 1: its first v << 10 bytes; 2: from v * 4099 % 64 MiB
 *            bytes in, to its end; 3: v * 4 KiB + 1 bytes more than it
 *            is, or with bit 4, (v + 1) * 4 KiB more below it, ending
 *            where it ends), v = [4..5]; bit 2: an initrd of [2..3]
 *            bytes (else none, its length [2..3] all the same); bit 3:
 *            a gzip'd kernel as it is (else its last 4 bytes, the
 *            trailer's size unless bytes follow the gzip member, are
 *            first made the size zlib inflates it to, or 0 if it does
 *            not: the loader sizes its first buffer by them, and a
 *            mutation's lie costs a 256 MiB block, slow under ASan)
 *   [1]      the device tree's room: b % 8 is 0: 2 MiB, 1: 1 MiB, 2:
 *            4 KiB, 3: 1 + b * 977, 4: 1 byte, 5: 0, 6: 2 MiB + 1,
 *            7: 2 MiB - 1
 *   [2..3]   initrd length (16 bit)
 *   [4..5]   v, for the RAM
 *   [6]      room for the error message: < 128: 256 bytes, else b & 31
 *   [7]      room for arm64_kernel_release()'s release (0-255 bytes)
 *
 * Oracles besides ASan/UBSan (every buffer the loader is given is a heap
 * block of exactly its size): the loader succeeds exactly when the
 * placement booting.rst and image.h describe fits (the kernel at the
 * lowest 2 MiB boundary in RAM plus text_offset, image_size bytes, the
 * device tree's room 8-byte aligned at the top, the initrd page aligned
 * right under it, all in the RAM told of and in the real block; a gzip
 * that zlib inflates whole, its first member), and then: the kernel, the
 * initrd and the device tree's room lie in RAM and do not overlap, the
 * RAM holds the Image's bytes (up to image_size), zeros for the rest of
 * image_size (the bss) and the initrd's bytes; on failure, the error is
 * one NUL-terminated line inside its buffer. The release is
 * NUL-terminated inside its buffer, a word of printable characters
 * starting with a digit that follows "Linux version " in the Image.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arch/arm64/image.h"
#include "arch/arm64/layout.h"
#include "tests/fuzz/fuzz_guest.h"
#include "runtime/guest_mem.h"

#define MiB (1ULL << 20)
#define RAM_BASE ARM64_RAM_BASE
#define RAM_SIZE (64 * MiB)
#define HDR_SIZE 8
#define INITRD_MAX 0x10000
#define BANNER "Linux version "

typedef unsigned __int128 u128;

static struct guest_mem gm;
static uint8_t *ram;
static uint8_t *initrd;
static const uint8_t zeros[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_verbose = getenv("KESTREL_FUZZ_VERBOSE") != NULL;
	ram = malloc(RAM_SIZE);
	initrd = malloc(INITRD_MAX);
	if (!ram || !initrd || gm_add_region(&gm, RAM_BASE, RAM_SIZE, ram))
		fuzz_fail("cannot set up guest memory");
	memset(ram, 0xaa, RAM_SIZE);
	for (size_t i = 0; i < INITRD_MAX; i++)
		initrd[i] = (uint8_t)(i * 7 + 3);
	return 0;
}

static uint64_t le64(const uint8_t *p)
{
	return fuzz_le64(p);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/*
 * The whole first gzip member of k inflated (at most the loader's cap),
 * in a malloc'd buffer: NULL if zlib cannot inflate it whole.
 */
static uint8_t *inflate_all(const uint8_t *k, size_t len, size_t *out_len)
{
	size_t cap = 64 * 1024, total = 0;
	uint8_t *buf = malloc(cap), *grown;
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (!buf || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		fuzz_fail("cannot start zlib");
	zs.next_in = (Bytef *)k;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (total == cap) {
			if (cap > ARM64_GZIP_MAX_SIZE)
				break;
			cap = cap * 2 > ARM64_GZIP_MAX_SIZE + 1 ?
				      ARM64_GZIP_MAX_SIZE + 1 :
				      cap * 2;
			grown = realloc(buf, cap);
			if (!grown)
				fuzz_fail("out of memory inflating");
			buf = grown;
		}
		zs.next_out = buf + total;
		zs.avail_out = (uInt)(cap - total);
		rc = inflate(&zs, Z_NO_FLUSH);
		total = (size_t)(zs.next_out - buf);
		if (rc == Z_STREAM_END) {
			inflateEnd(&zs);
			if (total > ARM64_GZIP_MAX_SIZE)
				break;
			*out_len = total;
			return buf;
		}
		if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0))
			break;
	}
	inflateEnd(&zs);
	free(buf);
	return NULL;
}

/* What booting.rst says of the Image's header, or false if it is none. */
struct header {
	uint64_t text_offset, image_size, copy_len;
};

static bool parse(const uint8_t *k, size_t len, struct header *h)
{
	if (len < 64 || memcmp(k + 56, "ARM\x64", 4) || (le64(k + 24) & 1))
		return false;
	h->image_size = le64(k + 16);
	if (h->image_size == 0) {
		h->text_offset = 0x80000; /* pre-3.17 */
		h->image_size = len;
	} else {
		h->text_offset = le64(k + 8);
	}
	if (h->image_size < 64)
		return false;
	h->copy_len = len < h->image_size ? len : h->image_size;
	return true;
}

static bool in_block(u128 addr, u128 len)
{
	return addr >= RAM_BASE && addr + len <= (u128)RAM_BASE + RAM_SIZE;
}

static bool in_ram(const struct arm64_boot_input *in, u128 addr, u128 len)
{
	return addr >= in->ram_base &&
	       addr + len <= (u128)in->ram_base + in->ram_size &&
	       in_block(addr, len);
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Where the documented placement puts everything, or false if it fails. */
static bool expect(const struct arm64_boot_input *in, const struct header *h,
		   struct arm64_boot_state *st)
{
	u128 end = (u128)in->ram_base + in->ram_size, base, kend, dtb;
	uint64_t initrd_len = in->initrd ? in->initrd_len : 0;

	memset(st, 0, sizeof(*st));
	if (!in->ram_size || !in->dtb_max || in->dtb_max > ARM64_DTB_MAX_SIZE ||
	    in->ram_size < in->dtb_max)
		return false;
	dtb = (end - in->dtb_max) & ~(u128)7;
	if (dtb < in->ram_base)
		return false;
	base = ((u128)in->ram_base + 2 * MiB - 1) & ~(u128)(2 * MiB - 1);
	kend = base + h->text_offset + h->image_size;
	if (kend > dtb)
		return false;
	st->kernel_addr = (uint64_t)(base + h->text_offset);
	st->kernel_end = (uint64_t)kend;
	st->entry = st->kernel_addr;
	st->dtb_addr = (uint64_t)dtb;
	if (initrd_len) {
		if (initrd_len > dtb - kend ||
		    ((dtb - initrd_len) & ~(u128)4095) < kend)
			return false;
		st->initrd_addr = (uint64_t)((dtb - initrd_len) & ~(u128)4095);
		st->initrd_size = initrd_len;
	}
	return in_block(dtb, in->dtb_max) &&
	       in_block(st->kernel_addr, h->image_size) &&
	       (!initrd_len || in_block(st->initrd_addr, initrd_len));
}

static uint8_t *host(uint64_t gpa)
{
	return ram + (gpa - RAM_BASE);
}

static bool all_zero(const uint8_t *p, uint64_t len)
{
	while (len) {
		size_t n = len < sizeof(zeros) ? len : sizeof(zeros);

		if (memcmp(p, zeros, n))
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* Before a load expected to work: RAM unlike what it must then hold. */
static void dirty(const struct arm64_boot_state *st, const struct header *h,
		  const uint8_t *k)
{
	uint8_t *p = host(st->kernel_addr);

	for (uint64_t i = 0; i < h->copy_len; i++)
		p[i] = (uint8_t)~k[i];
	memset(p + h->copy_len, 0xaa, h->image_size - h->copy_len);
	if (!st->initrd_size)
		return;
	p = host(st->initrd_addr);
	for (uint64_t i = 0; i < st->initrd_size; i++)
		p[i] = (uint8_t)~initrd[i];
}

static void check_loaded(const struct arm64_boot_input *in,
			 const struct header *h, const uint8_t *k,
			 const struct arm64_boot_state *got,
			 const struct arm64_boot_state *want)
{
	uint64_t klen = got->kernel_end - got->kernel_addr;

	if (memcmp(got, want, sizeof(*got)))
		fuzz_fail("loaded: kernel %#" PRIx64 "-%#" PRIx64
			  " entry %#" PRIx64 ", initrd %#" PRIx64 "+%" PRIu64
			  ", dtb %#" PRIx64
			  "; the placement is kernel %#" PRIx64 "-%#" PRIx64
			  ", initrd %#" PRIx64 ", dtb %#" PRIx64,
			  got->kernel_addr, got->kernel_end, got->entry,
			  got->initrd_addr, got->initrd_size, got->dtb_addr,
			  want->kernel_addr, want->kernel_end,
			  want->initrd_addr, want->dtb_addr);
	/* The brief's invariants, whatever the placement. */
	if (got->kernel_end < got->kernel_addr || klen != h->image_size ||
	    (got->kernel_addr - h->text_offset) % (2 * MiB) ||
	    !in_ram(in, got->kernel_addr, klen))
		fuzz_fail("kernel at %#" PRIx64 "-%#" PRIx64
			  " (text_offset %#" PRIx64 ", image_size %#" PRIx64
			  ")",
			  got->kernel_addr, got->kernel_end, h->text_offset,
			  h->image_size);
	if (got->dtb_addr % 8 || !in_ram(in, got->dtb_addr, in->dtb_max))
		fuzz_fail("device tree room at %#" PRIx64 "+%zu", got->dtb_addr,
			  in->dtb_max);
	if (got->initrd_size &&
	    (got->initrd_addr % 4096 ||
	     !in_ram(in, got->initrd_addr, got->initrd_size)))
		fuzz_fail("initrd at %#" PRIx64 "+%" PRIu64, got->initrd_addr,
			  got->initrd_size);
	if (!got->initrd_size && got->initrd_addr)
		fuzz_fail("no initrd, but at %#" PRIx64, got->initrd_addr);
	if (overlap(got->kernel_addr, klen, got->dtb_addr, in->dtb_max) ||
	    overlap(got->kernel_addr, klen, got->initrd_addr,
		    got->initrd_size) ||
	    overlap(got->initrd_addr, got->initrd_size, got->dtb_addr,
		    in->dtb_max))
		fuzz_fail("kernel %#" PRIx64 "+%#" PRIx64 ", initrd %#" PRIx64
			  "+%#" PRIx64 " and dtb %#" PRIx64 "+%#zx overlap",
			  got->kernel_addr, klen, got->initrd_addr,
			  got->initrd_size, got->dtb_addr, in->dtb_max);
	if (memcmp(host(got->kernel_addr), k, h->copy_len))
		fuzz_fail("the kernel in RAM is not the Image");
	if (!all_zero(host(got->kernel_addr) + h->copy_len,
		      h->image_size - h->copy_len))
		fuzz_fail("the bss (%#" PRIx64 " bytes) is not zero",
			  h->image_size - h->copy_len);
	if (got->initrd_size &&
	    memcmp(host(got->initrd_addr), initrd, got->initrd_size))
		fuzz_fail("the initrd in RAM is not the initrd");
}

static void check_error(const char *err, size_t errlen)
{
	const char *nul;

	if (!errlen)
		return;
	nul = memchr(err, '\0', errlen);
	if (!nul)
		fuzz_fail("the error is not NUL-terminated in its %zu bytes",
			  errlen);
	if (errlen > 1 && nul == err)
		fuzz_fail("failed without a word");
	for (const char *p = err; p < nul; p++)
		if (!isprint((unsigned char)*p))
			fuzz_fail("the error has byte %#x: %s",
				  (unsigned char)*p, err);
}

/* The release must follow a banner in k, and end there. */
static void check_release(const uint8_t *k, size_t len, const char *buf,
			  size_t buflen)
{
	const char *nul = memchr(buf, '\0', buflen);
	size_t n, blen = strlen(BANNER);

	if (!nul)
		fuzz_fail("the release is not NUL-terminated in its %zu bytes",
			  buflen);
	n = (size_t)(nul - buf);
	if (!n || !isdigit((unsigned char)buf[0]))
		fuzz_fail("release \"%s\"", buf);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)buf[i]))
			fuzz_fail("release with byte %#x",
				  (unsigned char)buf[i]);
	for (const uint8_t *p = k, *end = k + len;
	     (p = memmem(p, (size_t)(end - p), BANNER, blen)); p++)
		if ((size_t)(end - p) > blen + n && !memcmp(p + blen, buf, n) &&
		    !isgraph(p[blen + n]))
			return;
	fuzz_fail("release \"%s\" is not a banner's", buf);
}

static size_t dtb_room(uint8_t b)
{
	static const size_t room[8] = {
		2 * MiB, MiB, 4096, 0, 1, 0, 2 * MiB + 1, 2 * MiB - 1
	};

	return b % 8 == 3 ? 1 + (size_t)b * 977 : room[b % 8];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arm64_boot_input in = { .gm = &gm };
	struct arm64_boot_state got, want;
	const uint8_t *k = data + HDR_SIZE, *image;
	size_t klen, image_len, errlen, buflen;
	uint8_t *kernel, *inflated = NULL;
	struct header h;
	uint64_t v;
	char *err, *buf;
	bool fits;
	int rc;

	if (size < HDR_SIZE)
		return 0;
	klen = size - HDR_SIZE;
	v = fuzz_le16(data + 4);
	switch (data[0] & 3) {
	case 0:
		in.ram_base = RAM_BASE;
		in.ram_size = RAM_SIZE;
		break;
	case 1:
		in.ram_base = RAM_BASE;
		in.ram_size = v << 10;
		break;
	case 2:
		in.ram_base = RAM_BASE + v * 4099 % RAM_SIZE;
		in.ram_size = RAM_BASE + RAM_SIZE - in.ram_base;
		break;
	default:
		if (data[0] & 16) {
			in.ram_base = RAM_BASE - ((v + 1) << 12);
			in.ram_size = RAM_SIZE + ((v + 1) << 12);
		} else {
			in.ram_base = RAM_BASE;
			in.ram_size = RAM_SIZE + v * 4096 + 1;
		}
		break;
	}
	in.initrd = data[0] & 4 ? initrd : NULL;
	in.initrd_len = fuzz_le16(data + 2);
	in.dtb_max = dtb_room(data[1]);
	/* Each buffer a block of its own size: anything past it is ASan's. */
	kernel = malloc(klen);
	errlen = data[6] < 128 ? 256 : data[6] & 31;
	buflen = data[7];
	err = malloc(errlen);
	buf = malloc(buflen);
	if ((klen && !kernel) || (errlen && !err) || (buflen && !buf))
		fuzz_fail("out of memory");
	if (klen)
		memcpy(kernel, k, klen);
	in.kernel = kernel;
	in.kernel_len = klen;
	memset(err, 0xcc, errlen);
	memset(buf, 0xcc, buflen);

	image = in.kernel;
	image_len = klen;
	if (klen >= 2 && k[0] == 0x1f && k[1] == 0x8b) {
		if (!(data[0] & 8) && klen >= 18) {
			/* The trailer's size made true, as gzip writes it. */
			inflated = inflate_all(kernel, klen, &image_len);
			put_le32(kernel + klen - 4,
				 inflated ? (uint32_t)image_len : 0);
			free(inflated);
		}
		inflated = inflate_all(kernel, klen, &image_len);
		image = inflated;
	}
	fits = image && parse(image, image_len, &h) && expect(&in, &h, &want);
	if (fits)
		dirty(&want, &h, image);

	memset(&got, 0x55, sizeof(got));
	rc = arm64_load_kernel(&in, &got, err, errlen);
	if (fuzz_verbose)
		fprintf(stderr,
			"load: %d (%s), kernel %#" PRIx64 "-%#" PRIx64
			", initrd %#" PRIx64 "+%" PRIu64 ", dtb %#" PRIx64 "\n",
			rc, rc && errlen ? err : "-", got.kernel_addr,
			got.kernel_end, got.initrd_addr, got.initrd_size,
			got.dtb_addr);
	if (rc != 0 && rc != -1)
		fuzz_fail("arm64_load_kernel returned %d", rc);
	if (fits && rc)
		fuzz_fail("refused an Image that fits: %s",
			  errlen ? err : "(no room for the error)");
	if (!fits && !rc)
		fuzz_fail(
			"loaded an Image that does not fit (%s): kernel %#" PRIx64
			"-%#" PRIx64,
			image ? "bad header or no room" :
				"zlib does not inflate it",
			got.kernel_addr, got.kernel_end);
	if (rc)
		check_error(err, errlen);
	else
		check_loaded(&in, &h, image, &got, &want);

	rc = arm64_kernel_release(in.kernel, klen, buf, buflen);
	if (rc != 0 && rc != -1)
		fuzz_fail("arm64_kernel_release returned %d", rc);
	if (!rc) {
		if (!image)
			fuzz_fail("a release from a gzip zlib cannot inflate");
		check_release(image, image_len, buf, buflen);
	}

	free(inflated);
	free(kernel);
	free(err);
	free(buf);
	return 0;
}
