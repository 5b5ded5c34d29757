// SPDX-License-Identifier: MIT
/*
 * arm64_load_kernel() and arm64_kernel_release(): Images built here in
 * memory (raw and gzip'd, well-formed and hostile) loaded into a calloc'd
 * guest RAM at the arm64 board's RAM base, and the real Debian kernel when
 * KESTREL_ARM64_KERNEL names it.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include "arch/arm64/image.h"
#include "arch/arm64/layout.h"
#include "runtime/guest_mem.h"

#define MiB (1ULL << 20)
#define RAM_BASE ARM64_RAM_BASE
#define RAM_SIZE (64 * MiB)
#define DTB_MAX (2 * MiB)
#define FILL 0xaa /* what RAM holds before a load: the bss must not */
#define BANNER "Linux version 6.9.0-kestrel-test (builder@example) #1 SMP"

enum {
	FLAG_BE = 1 << 0,
	FLAG_4K = 1 << 1,
	FLAG_ANYWHERE = 1 << 3,
};

struct vm {
	struct guest_mem gm;
	uint8_t *ram;
	uint64_t ram_size;
	struct arm64_boot_input in;
	struct arm64_boot_state out;
	char err[512];
};

static void vm_init_at(struct vm *vm, uint64_t base, uint64_t size)
{
	memset(vm, 0, sizeof(*vm));
	vm->ram = malloc(size);
	assert_non_null(vm->ram);
	memset(vm->ram, FILL, size);
	vm->ram_size = size;
	assert_int_equal(gm_add_region(&vm->gm, base, size, vm->ram), 0);
	vm->in.gm = &vm->gm;
	vm->in.ram_base = base;
	vm->in.ram_size = size;
	vm->in.dtb_max = DTB_MAX;
}

static void vm_init(struct vm *vm, uint64_t size)
{
	vm_init_at(vm, RAM_BASE, size);
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
	memset(&vm->out, 0x55, sizeof(vm->out));
	return arm64_load_kernel(&vm->in, &vm->out, vm->err, sizeof(vm->err));
}

/* Host pointer to guest address gpa in the fake RAM. */
static uint8_t *guest(struct vm *vm, uint64_t gpa)
{
	return vm->ram + (gpa - vm->in.ram_base);
}

static bool all_zero(const struct arm64_boot_state *s)
{
	static const struct arm64_boot_state zero;

	return memcmp(s, &zero, sizeof(zero)) == 0;
}

/* Expects the load to fail with one line containing sub, out cleared. */
#define expect_load_error(vm, image, len, sub)                 \
	do {                                                   \
		assert_int_equal(vm_load(vm, image, len), -1); \
		assert_true((vm)->err[0] != '\0');             \
		assert_null(strchr((vm)->err, '\n'));          \
		assert_contains((vm)->err, sub);               \
		assert_true(all_zero(&(vm)->out));             \
	} while (0)

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * An Image of len bytes: the header, then a pattern with the banner in
 * it. image_size 0 makes a pre-3.17 header.
 */
static uint8_t *make_image(size_t len, uint64_t text_offset,
			   uint64_t image_size, uint64_t flags)
{
	uint8_t *p = malloc(len);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + (i >> 9) + 1);
	if (len >= 64) {
		memset(p, 0, 64);
		p[0] = 0x4d; /* "MZ", as an EFI-stub kernel's code0 */
		p[1] = 0x5a;
		put_le64(p + 8, text_offset);
		put_le64(p + 16, image_size);
		put_le64(p + 24, flags);
		memcpy(p + 56, "ARM\x64", 4);
	}
	if (len >= 4096 + sizeof(BANNER))
		memcpy(p + 4096, BANNER, sizeof(BANNER));
	return p;
}

static uint8_t *make_initrd(size_t len, uint8_t seed)
{
	uint8_t *p = malloc(len);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
	return p;
}

/*
 * gzip (not zlib: the loader looks for gzip's magic) of src, followed by
 * `zeros` zero bytes fed in 1 MiB pieces, so a huge inflated size costs
 * no memory here.
 */
static uint8_t *gzip_with_zeros(const uint8_t *src, size_t len, size_t zeros,
				size_t *out_len)
{
	static const uint8_t zero[1 << 20];
	uint8_t *out;
	z_stream zs;
	size_t cap;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED,
				      16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	/* Zeros shrink over 200-fold at level 1; deflate() says if not. */
	cap = deflateBound(&zs, len) + zeros / 128 + 65536;
	out = malloc(cap);
	assert_non_null(out);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)len;
	assert_int_equal(deflate(&zs, Z_NO_FLUSH), Z_OK);
	assert_int_equal(zs.avail_in, 0);
	while (zeros) {
		size_t n = zeros < sizeof(zero) ? zeros : sizeof(zero);

		zs.next_in = (Bytef *)zero;
		zs.avail_in = (uInt)n;
		assert_int_equal(deflate(&zs, Z_NO_FLUSH), Z_OK);
		assert_int_equal(zs.avail_in, 0);
		zeros -= n;
	}
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static uint8_t *gzip(const uint8_t *src, size_t len, size_t *out_len)
{
	return gzip_with_zeros(src, len, 0, out_len);
}

/*
 * What every successful load promises: the file's bytes at kernel_addr,
 * zeros up to kernel_end, an 8-byte aligned dtb with dtb_max bytes of RAM
 * above the kernel, the initrd page aligned between them.
 */
static void check_loaded(struct vm *vm, const uint8_t *image, size_t len,
			 uint64_t image_size)
{
	const struct arm64_boot_state *s = &vm->out;
	uint64_t ram_end = vm->in.ram_base + vm->ram_size;
	size_t copied = len < image_size ? len : image_size;

	assert_int_equal(s->entry, s->kernel_addr);
	assert_int_equal(s->kernel_end, s->kernel_addr + image_size);
	assert_true(s->kernel_addr >= vm->in.ram_base);
	assert_memory_equal(guest(vm, s->kernel_addr), image, copied);
	for (uint64_t a = s->kernel_addr + copied; a < s->kernel_end; a++)
		if (*guest(vm, a) != 0)
			fail_msg("bss byte at 0x%llx is 0x%02x, not 0",
				 (unsigned long long)a, *guest(vm, a));

	assert_int_equal(s->dtb_addr % 8, 0);
	assert_true(s->dtb_addr + vm->in.dtb_max <= ram_end);
	/* At the top: within the 8-byte rounding of it. */
	assert_true(s->dtb_addr + vm->in.dtb_max + 8 > ram_end);
	assert_true(s->dtb_addr >= s->kernel_end);

	if (!vm->in.initrd || !vm->in.initrd_len) {
		assert_int_equal(s->initrd_addr, 0);
		assert_int_equal(s->initrd_size, 0);
		return;
	}
	assert_int_equal(s->initrd_size, vm->in.initrd_len);
	assert_int_equal(s->initrd_addr % 4096, 0);
	assert_true(s->initrd_addr >= s->kernel_end);
	assert_true(s->initrd_addr + s->initrd_size <= s->dtb_addr);
	/* As high as it goes: within a page of the dtb. */
	assert_true(s->initrd_addr + s->initrd_size + 4096 > s->dtb_addr);
	assert_memory_equal(guest(vm, s->initrd_addr), vm->in.initrd,
			    vm->in.initrd_len);
}

/* ---- raw Images ------------------------------------------------------ */

static void test_loads(void **state)
{
	const size_t len = MiB + 123, initrd_len = 5000;
	const uint64_t image_size = 3 * MiB;
	uint8_t *image =
		make_image(len, 0, image_size, FLAG_4K | FLAG_ANYWHERE);
	uint8_t *initrd = make_initrd(initrd_len, 0x42);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	vm.in.initrd = initrd;
	vm.in.initrd_len = initrd_len;
	if (vm_load(&vm, image, len) != 0)
		fail_msg("%s", vm.err);
	assert_int_equal(vm.out.kernel_addr, RAM_BASE);
	assert_int_equal(vm.out.dtb_addr, RAM_BASE + RAM_SIZE - DTB_MAX);
	assert_int_equal(vm.out.initrd_addr,
			 (RAM_BASE + RAM_SIZE - DTB_MAX - initrd_len) &
				 ~0xfffULL);
	check_loaded(&vm, image, len, image_size);
	/* Nothing written past the kernel's span but the initrd. */
	assert_int_equal(*guest(&vm, vm.out.kernel_end), FILL);
	assert_int_equal(*guest(&vm, vm.out.initrd_addr - 1), FILL);
	vm_free(&vm);
	free(initrd);
	free(image);
}

static void test_no_initrd(void **state)
{
	uint8_t *image = make_image(8192, 0, 16384, 0);
	uint8_t dummy = 0;
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	check_loaded(&vm, image, 8192, 16384);
	/* A zero-length initrd is none. */
	vm.in.initrd = &dummy;
	vm.in.initrd_len = 0;
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	check_loaded(&vm, image, 8192, 16384);
	vm_free(&vm);
	free(image);
}

static void test_text_offsets(void **state)
{
	static const uint64_t offsets[] = { 0,	      0x1000,  0x80000,
					    0x1fffff, 2 * MiB, 5 * MiB + 8 };
	uint8_t *initrd = make_initrd(100000, 7);

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint8_t *image = make_image(20000, offsets[i], MiB, 0);
		struct vm vm;

		vm_init(&vm, RAM_SIZE);
		vm.in.initrd = initrd;
		vm.in.initrd_len = 100000;
		if (vm_load(&vm, image, 20000) != 0)
			fail_msg("text_offset 0x%llx: %s",
				 (unsigned long long)offsets[i], vm.err);
		assert_int_equal(vm.out.kernel_addr, RAM_BASE + offsets[i]);
		check_loaded(&vm, image, 20000, MiB);
		vm_free(&vm);
		free(image);
	}
	free(initrd);
}

/* RAM that does not start on 2 MiB: the kernel's base rounds up. */
static void test_unaligned_ram_base(void **state)
{
	uint8_t *image = make_image(8192, 0x80000, MiB, 0);
	struct vm vm;

	vm_init_at(&vm, RAM_BASE + 0x3000, RAM_SIZE);
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	assert_int_equal(vm.out.kernel_addr, RAM_BASE + 2 * MiB + 0x80000);
	check_loaded(&vm, image, 8192, MiB);
	vm_free(&vm);

	/* And a top that is not 8-byte aligned: the dtb rounds down. */
	vm_init(&vm, RAM_SIZE - 3);
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	assert_int_equal(vm.out.dtb_addr,
			 (RAM_BASE + RAM_SIZE - 3 - DTB_MAX) & ~7ULL);
	check_loaded(&vm, image, 8192, MiB);
	vm_free(&vm);
	free(image);
}

/* Pre-3.17: image_size 0 means text_offset 0x80000 and the file's size. */
static void test_legacy_header(void **state)
{
	const size_t len = 300000;
	/* The text_offset field is ignored: its byte order was unknown. */
	uint8_t *image = make_image(len, 0x123456, 0, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	assert_int_equal(vm_load(&vm, image, len), 0);
	assert_int_equal(vm.out.kernel_addr, RAM_BASE + 0x80000);
	assert_int_equal(vm.out.kernel_end, RAM_BASE + 0x80000 + len);
	check_loaded(&vm, image, len, len);
	vm_free(&vm);
	free(image);
}

/* A file longer than image_size (a signature appended): not copied on. */
static void test_file_longer_than_image_size(void **state)
{
	uint8_t *image = make_image(20000, 0, 8192, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	assert_int_equal(vm_load(&vm, image, 20000), 0);
	assert_int_equal(vm.out.kernel_end, RAM_BASE + 8192);
	check_loaded(&vm, image, 20000, 8192);
	assert_int_equal(*guest(&vm, RAM_BASE + 8192), FILL);
	vm_free(&vm);
	free(image);
}

static void test_not_an_image(void **state)
{
	uint8_t *image = make_image(8192, 0, MiB, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	image[57] = 'X';
	expect_load_error(&vm, image, 8192, "not an arm64 Image");
	memset(image, 0, 8192);
	expect_load_error(&vm, image, 8192, "not an arm64 Image");
	vm_free(&vm);
	free(image);
}

static void test_truncated(void **state)
{
	uint8_t *image = make_image(8192, 0, MiB, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	expect_load_error(&vm, image, 63, "truncated");
	expect_load_error(&vm, image, 1, "truncated");
	expect_load_error(&vm, image, 0, "truncated");
	/* The header alone, image_size 0: 64 bytes at 0x80000. */
	put_le64(image + 16, 0);
	assert_int_equal(vm_load(&vm, image, 64), 0);
	assert_int_equal(vm.out.kernel_end, vm.out.kernel_addr + 64);
	/* image_size smaller than the header is nonsense. */
	put_le64(image + 16, 8);
	expect_load_error(&vm, image, 8192, "image_size");
	vm_free(&vm);
	free(image);
}

/*
 * An EFI-stub Image (what distributions ship) says in its PE header how
 * long its file is: a copy cut short is refused, not booted into garbage.
 */
static void test_truncated_efi_stub(void **state)
{
	uint8_t *image = make_image(8192, 0, MiB, 0);
	uint8_t *pe = image + 0x40, *sec;
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	image[0] = 'M';
	image[1] = 'Z';
	put_le64(image + 60, 0x40); /* le32 PE offset, then 4 reserved bytes */
	memcpy(pe, "PE\0\0", 4);
	pe[6] = 2; /* two sections */
	pe[7] = 0;
	pe[20] = pe[21] = 0; /* no optional header */
	sec = pe + 24;
	put_le64(sec + 16,
		 0x1000ULL | 0x400ULL << 32); /* .text: 4 KiB at 1 KiB */
	sec += 40;
	put_le64(sec + 16,
		 0xc00ULL | 0x1400ULL << 32); /* .data: ends at 8 KiB */
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	expect_load_error(&vm, image, 8191,
			  "truncated arm64 Image (8191 bytes of its 8192)");
	expect_load_error(&vm, image, 4096, "truncated");
	/* A PE header that does not fit says nothing: the arm64 header rules. */
	pe[6] = 0xff;
	pe[7] = 0xff;
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	vm_free(&vm);
	free(image);
}

static void test_big_endian(void **state)
{
	uint8_t *image = make_image(8192, 0, MiB, FLAG_BE | FLAG_4K);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	expect_load_error(&vm, image, 8192, "big-endian");
	vm_free(&vm);
	free(image);
}

/* The MiB the message asks for is enough, and one less is not. */
static uint64_t asked_mib(const char *err)
{
	const char *p = strstr(err, "need");

	assert_non_null(p);
	p = strpbrk(p, "0123456789");
	assert_non_null(p);
	return strtoull(p, NULL, 10);
}

/* Sizes and offsets from the header that no RAM can hold. */
static void test_hostile_sizes(void **state)
{
	uint8_t *image = make_image(8192, 0, 1ULL << 40, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	expect_load_error(&vm, image, 8192, "too small");
	assert_true(asked_mib(vm.err) > (1ULL << 40) / MiB);
	put_le64(image + 16, UINT64_MAX);
	expect_load_error(&vm, image, 8192, "more than any guest memory");
	put_le64(image + 16, UINT64_MAX - 4095);
	put_le64(image + 8, 8192);
	expect_load_error(&vm, image, 8192, "more than any guest memory");
	put_le64(image + 16, MiB);
	put_le64(image + 8, UINT64_MAX);
	expect_load_error(&vm, image, 8192, "more than any guest memory");
	put_le64(image + 8, RAM_SIZE);
	expect_load_error(&vm, image, 8192, "too small");
	/* Just fits: the kernel ends where the dtb starts. */
	put_le64(image + 8, RAM_SIZE - DTB_MAX - MiB);
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	assert_int_equal(vm.out.kernel_end, vm.out.dtb_addr);
	check_loaded(&vm, image, 8192, MiB);
	put_le64(image + 8, RAM_SIZE - DTB_MAX - MiB + 1);
	expect_load_error(&vm, image, 8192, "too small");
	vm_free(&vm);
	free(image);
}

static void test_memory_too_small(void **state)
{
	const uint64_t image_size = 31 * MiB;
	const size_t initrd_len = 9 * MiB + 5;
	uint8_t *image = make_image(65536, 0, image_size, 0);
	uint8_t *initrd = make_initrd(initrd_len, 1);
	uint64_t mib;
	struct vm vm;

	vm_init(&vm, 32 * MiB);
	expect_load_error(&vm, image, 65536, "guest memory too small");
	assert_contains(vm.err, "--memory");
	mib = asked_mib(vm.err);
	vm_free(&vm);
	vm_init(&vm, mib * MiB);
	if (vm_load(&vm, image, 65536) != 0)
		fail_msg("with the %llu MiB asked for: %s",
			 (unsigned long long)mib, vm.err);
	check_loaded(&vm, image, 65536, image_size);

	vm.in.initrd = initrd;
	vm.in.initrd_len = initrd_len;
	expect_load_error(&vm, image, 65536, "initrd");
	mib = asked_mib(vm.err);
	vm_free(&vm);
	vm_init(&vm, mib * MiB);
	vm.in.initrd = initrd;
	vm.in.initrd_len = initrd_len;
	if (vm_load(&vm, image, 65536) != 0)
		fail_msg("with the %llu MiB asked for: %s",
			 (unsigned long long)mib, vm.err);
	check_loaded(&vm, image, 65536, image_size);
	vm_free(&vm);

	/* Less RAM than the dtb's room. */
	vm_init(&vm, MiB);
	expect_load_error(&vm, image, 65536, "too small");
	vm_free(&vm);
	free(initrd);
	free(image);
}

static void test_dtb_room(void **state)
{
	uint8_t *image = make_image(8192, 0, MiB, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	vm.in.dtb_max = 0;
	expect_load_error(&vm, image, 8192, "device tree");
	vm.in.dtb_max = DTB_MAX + 1;
	expect_load_error(&vm, image, 8192, "device tree");
	vm.in.dtb_max = 64 * 1024 + 3;
	assert_int_equal(vm_load(&vm, image, 8192), 0);
	check_loaded(&vm, image, 8192, MiB);
	vm_free(&vm);
	free(image);
}

/* The RAM range said and the guest_mem mapped disagree: no write. */
static void test_ram_not_mapped(void **state)
{
	uint8_t *image = make_image(8192, 0, MiB, 0);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	vm.in.ram_size = 2 * RAM_SIZE;
	expect_load_error(&vm, image, 8192, "no guest RAM");
	vm.in.ram_size = RAM_SIZE;
	vm.in.ram_base = RAM_BASE - RAM_SIZE;
	expect_load_error(&vm, image, 8192, "no guest RAM");
	vm.in.ram_size = 0;
	expect_load_error(&vm, image, 8192, "no guest RAM");
	vm.in.ram_base = UINT64_MAX - 4096;
	vm.in.ram_size = 8192;
	expect_load_error(&vm, image, 8192, "no guest RAM");
	vm_free(&vm);
	free(image);
}

/* ---- gzip'd Images --------------------------------------------------- */

static void test_gzip_loads(void **state)
{
	const size_t len = 2 * MiB + 77;
	uint8_t *image = make_image(len, 0x80000, 4 * MiB, FLAG_4K);
	uint8_t *initrd = make_initrd(12345, 9);
	size_t gz_len;
	uint8_t *gz = gzip(image, len, &gz_len);
	char release[64];
	struct vm vm, raw;

	assert_true(gz_len < len);
	vm_init(&vm, RAM_SIZE);
	vm.in.initrd = initrd;
	vm.in.initrd_len = 12345;
	if (vm_load(&vm, gz, gz_len) != 0)
		fail_msg("%s", vm.err);
	check_loaded(&vm, image, len, 4 * MiB);

	/* Where the raw Image would go, too. */
	vm_init(&raw, RAM_SIZE);
	raw.in.initrd = initrd;
	raw.in.initrd_len = 12345;
	assert_int_equal(vm_load(&raw, image, len), 0);
	assert_memory_equal(&raw.out, &vm.out, sizeof(vm.out));
	assert_true(memcmp(raw.ram, vm.ram, RAM_SIZE) == 0);

	assert_int_equal(
		arm64_kernel_release(gz, gz_len, release, sizeof(release)), 0);
	assert_string_equal(release, "6.9.0-kestrel-test");
	vm_free(&raw);
	vm_free(&vm);
	free(gz);
	free(initrd);
	free(image);
}

/*
 * A wrong CRC or length in the gzip trailer is refused, whatever buffer
 * the length (the loader's first guess at the size) made it allocate.
 */
static void test_gzip_bad_trailer(void **state)
{
	const size_t len = 3 * MiB;
	uint8_t *image = make_image(len, 0, 4 * MiB, 0);
	size_t gz_len;
	uint8_t *gz = gzip(image, len, &gz_len);
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	gz[gz_len - 8] ^= 1; /* the CRC */
	expect_load_error(&vm, gz, gz_len, "corrupt gzip");
	gz[gz_len - 8] ^= 1;
	memset(gz + gz_len - 4, 0, 4); /* the length: 0 */
	expect_load_error(&vm, gz, gz_len, "corrupt gzip");
	memset(gz + gz_len - 4, 0xff, 4); /* 4 GiB - 1 */
	expect_load_error(&vm, gz, gz_len, "corrupt gzip");
	gz[gz_len - 4] = 1; /* 1 byte more than it is */
	gz[gz_len - 3] = 0;
	gz[gz_len - 2] = 0x30;
	gz[gz_len - 1] = 0;
	expect_load_error(&vm, gz, gz_len, "corrupt gzip");
	gz[gz_len - 4] = 0; /* and right again */
	assert_int_equal(vm_load(&vm, gz, gz_len), 0);
	check_loaded(&vm, image, len, 4 * MiB);
	vm_free(&vm);
	free(gz);
	free(image);
}

/* Trailing bytes after the gzip member (padding) are ignored. */
static void test_gzip_trailing_padding(void **state)
{
	const size_t len = 100000;
	uint8_t *image = make_image(len, 0, MiB, 0);
	size_t gz_len;
	uint8_t *gz = gzip(image, len, &gz_len);
	uint8_t *padded = calloc(1, gz_len + 512);
	struct vm vm;

	assert_non_null(padded);
	memcpy(padded, gz, gz_len);
	vm_init(&vm, RAM_SIZE);
	assert_int_equal(vm_load(&vm, padded, gz_len + 512), 0);
	check_loaded(&vm, image, len, MiB);
	vm_free(&vm);
	free(padded);
	free(gz);
	free(image);
}

static void test_gzip_corrupt(void **state)
{
	const size_t len = MiB;
	uint8_t *image = make_image(len, 0, 2 * MiB, 0);
	size_t gz_len;
	uint8_t *gz = gzip(image, len, &gz_len);
	char release[64];
	struct vm vm;

	vm_init(&vm, RAM_SIZE);
	/* Cut short: at the end, in the middle, right after the magic. */
	expect_load_error(&vm, gz, gz_len - 1, "truncated gzip");
	expect_load_error(&vm, gz, gz_len / 2, "truncated gzip");
	expect_load_error(&vm, gz, 2, "gzip");
	assert_int_equal(
		arm64_kernel_release(gz, gz_len / 2, release, sizeof(release)),
		-1);
	/* Garbage in the deflate data. */
	for (size_t i = gz_len / 3; i < gz_len / 3 + 64; i++)
		gz[i] ^= 0x5a;
	expect_load_error(&vm, gz, gz_len, "corrupt gzip");
	/* A bad header: compression method 9 is not deflate. */
	free(gz);
	gz = gzip(image, len, &gz_len);
	gz[2] = 9;
	expect_load_error(&vm, gz, gz_len, "corrupt gzip");
	vm_free(&vm);
	free(gz);
	free(image);
}

/* Inflating to more than 256 MiB is refused, whatever the RAM. */
static void test_gzip_bomb(void **state)
{
	uint8_t *image = make_image(4096, 0, 8192, 0);
	size_t gz_len;
	uint8_t *gz = gzip_with_zeros(image, 4096, 256 * MiB, &gz_len);
	char release[64];
	struct vm vm;

	assert_true(gz_len < 4 * MiB);
	vm_init(&vm, RAM_SIZE);
	expect_load_error(&vm, gz, gz_len, "more than 256 MiB");
	assert_int_equal(
		arm64_kernel_release(gz, gz_len, release, sizeof(release)), -1);
	vm_free(&vm);
	free(gz);

	/* Exactly 256 MiB is allowed: the cap is not off by one. */
	gz = gzip_with_zeros(image, 4096, 256 * MiB - 4096, &gz_len);
	vm_init(&vm, RAM_SIZE);
	assert_int_equal(vm_load(&vm, gz, gz_len), 0);
	check_loaded(&vm, image, 4096, 8192);
	vm_free(&vm);
	free(gz);
	free(image);
}

/* ---- the release ----------------------------------------------------- */

static void test_release(void **state)
{
	static const char fmt[] = "Linux version %s (%s)";
	uint8_t *image = make_image(16384, 0, MiB, 0);
	char buf[64];

	assert_int_equal(arm64_kernel_release(image, 16384, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "6.9.0-kestrel-test");
	/* A printf format with the same words comes first: skipped. */
	memcpy(image + 1000, fmt, sizeof(fmt));
	assert_int_equal(arm64_kernel_release(image, 16384, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "6.9.0-kestrel-test");
	/* A buffer too small for it: no truncated release. */
	assert_int_equal(arm64_kernel_release(image, 16384, buf, 10), -1);
	assert_int_equal(arm64_kernel_release(image, 16384, buf, 0), -1);
	/* The banner cut off at the end of the file. */
	assert_int_equal(arm64_kernel_release(image, 4096 + 20, buf, 64), -1);
	assert_int_equal(arm64_kernel_release(image, 4096 + 14, buf, 64), -1);
	assert_int_equal(arm64_kernel_release(image, 4096, buf, 64), -1);
	assert_int_equal(arm64_kernel_release(image, 0, buf, 64), -1);
	free(image);
}

/* ---- the real Debian kernel ------------------------------------------ */

static bool is_gzip(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* zlib's own gunzip, to compare against when the file is gzip'd. */
static uint8_t *gunzip(const uint8_t *src, size_t len, size_t *out_len)
{
	size_t cap = 512 * MiB;
	uint8_t *out = malloc(cap);
	z_stream zs;

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	inflateEnd(&zs);
	return out;
}

/* Loads kernel (image, inflated) into 512 MiB at the board's RAM base. */
static void load_debian(const char *path, const uint8_t *kernel, size_t len,
			const uint8_t *image, size_t image_len)
{
	uint64_t text_offset = get_le64(image + 8);
	uint64_t image_size = get_le64(image + 16);
	struct vm vm;

	if (!image_size) {
		text_offset = 0x80000;
		image_size = image_len;
	}
	vm_init(&vm, 512 * MiB);
	if (vm_load(&vm, kernel, len) != 0)
		fail_msg("loading %s: %s", path, vm.err);
	print_message("%s%s: kernel 0x%llx..0x%llx, dtb 0x%llx\n", path,
		      is_gzip(kernel, len) ? " (gzip'd)" : "",
		      (unsigned long long)vm.out.kernel_addr,
		      (unsigned long long)vm.out.kernel_end,
		      (unsigned long long)vm.out.dtb_addr);
	assert_int_equal(vm.out.kernel_addr, RAM_BASE + text_offset);
	check_loaded(&vm, image, image_len, image_size);
	vm_free(&vm);
}

static void test_debian_kernel(void **state)
{
	const char *path = getenv("KESTREL_ARM64_KERNEL");
	const char *name, *want;
	uint8_t *file, *image, *gz;
	size_t file_len = 0, len = 0, gz_len;
	char release[128];

	if (!path || !*path) {
		print_message("KESTREL_ARM64_KERNEL is not set: skipping the "
			      "real arm64 kernel test\n");
		skip();
	}
	file = unit_read_file(path, &file_len);
	if (!file)
		fail_msg("KESTREL_ARM64_KERNEL=%s: cannot read it", path);
	image = is_gzip(file, file_len) ? gunzip(file, file_len, &len) : file;
	if (image == file)
		len = file_len;
	assert_true(len >= 64);
	assert_memory_equal(image + 56, "ARM\x64", 4);

	if (image == file) {
		/* Cut to 4 KiB, as a copy that went wrong might be. */
		struct vm vm;

		vm_init(&vm, 512 * MiB);
		expect_load_error(&vm, file, 4096, "truncated arm64 Image");
		vm_free(&vm);
	}
	load_debian(path, file, file_len, image, len);
	assert_int_equal(
		arm64_kernel_release(file, file_len, release, sizeof(release)),
		0);
	print_message("%s: release %s\n", path, release);
	/* The release is in the file name: vmlinuz-<release>. */
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	want = strncmp(name, "vmlinuz-", 8) == 0 ? name + 8 : NULL;
	if (want)
		assert_string_equal(release, want);

	/* The other way round: gzip'd if it was not, raw if it was. */
	if (image == file) {
		gz = gzip(image, len, &gz_len);
		load_debian(path, gz, gz_len, image, len);
		assert_int_equal(arm64_kernel_release(gz, gz_len, release,
						      sizeof(release)),
				 0);
		free(gz);
	} else {
		load_debian(path, image, len, image, len);
		assert_int_equal(arm64_kernel_release(image, len, release,
						      sizeof(release)),
				 0);
		free(image);
	}
	if (want)
		assert_string_equal(release, want);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_no_initrd),
		cmocka_unit_test(test_text_offsets),
		cmocka_unit_test(test_unaligned_ram_base),
		cmocka_unit_test(test_legacy_header),
		cmocka_unit_test(test_file_longer_than_image_size),
		cmocka_unit_test(test_not_an_image),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_efi_stub),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_memory_too_small),
		cmocka_unit_test(test_dtb_room),
		cmocka_unit_test(test_ram_not_mapped),
		cmocka_unit_test(test_gzip_loads),
		cmocka_unit_test(test_gzip_bad_trailer),
		cmocka_unit_test(test_gzip_trailing_padding),
		cmocka_unit_test(test_gzip_corrupt),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
