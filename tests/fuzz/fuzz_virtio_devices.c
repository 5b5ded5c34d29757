// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for virtio-blk, virtio-net and virtio-fs
 * (devices/virtio/blk.c, net.c, fs.c) behind either transport, virtio-pci
 * (devices/virtio/pci.c on devices/pci.c) or virtio-mmio
 * (devices/virtio/mmio.c): the driver's register programming comes from
 * the input, dispatched through iobus_access() as the vCPU loop does, and
 * so do the rings and requests the queues then carry. The devices are the
 * real ones on the real event loop: blk on a 64 KiB image with Linux AIO,
 * net on a back end that takes what it is sent and offers frames the
 * input asks for, fs on a read-only share of a small tree. The devices
 * are made once; the bus and transports are fresh for each input, and
 * each device is reset after it.
 *
 * Input: a 3-byte header, the operations, then guest RAM from FUZZ_RAM_GPA
 *
 *   [0]      bit 0: virtio-mmio (else virtio-pci)
 *   [1..2]   number of FUZZ_OP_SIZE-byte operations (le16, at most MAX_OPS)
 *   op [0]   bits 0-3: what (0-2: a register access to blk, net or fs:
 *            BAR 0 where kestrel places it, at off % 32 KiB, or the
 *            virtio-mmio window at off % 512; 3: port I/O at 0xCF8 +
 *            (off & 7), or with mmio any window at off % 1.5 KiB; 4: ECAM
 *            at off % 1 MiB, or as 3; 5: the device thread until idle;
 *            6: store the value in guest RAM at off % (both regions);
 *            7: a driver brings device [1] % 3 up through the registers
 *            (below); 8: a frame of value % NET_MAX_FRAME bytes (at least
 *            a header) comes from the network; 9: reset device [1] % 4
 *            % 3 through its status register; 10-15: as 0-2, 0-2);
 *            bit 7: a write (else a read)
 *   [1]      size: 1 + b % 8
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * The bring-up (op 7) is what a driver writes: reset, ACKNOWLEDGE,
 * DRIVER, features (the value's low word, cut to what the device offers
 * unless bit 63 is set; VERSION_1), FEATURES_OK, then each queue: size
 * 1 << ([1] >> 2) % 16 % 11, rings packed from FUZZ_RAM_GPA + (off % 16) *
 * 4 KiB, one queue after the other, enabled; DRIVER_OK. On virtio-pci it
 * first turns on memory decoding (and bus mastering) in the command
 * register.
 *
 * Oracles besides ASan/UBSan: the device thread goes idle (or is serving
 * an endless ring, a ring's worth per round, by design); every live
 * queue uses the rings its registers describe (fuzz_check_live_queues());
 * queue sizes within what the devices offer, MSI-X vectors in range,
 * InterruptStatus only its two bits, set_irq only on the devices' lines at
 * level 0 or 1; blk: every read and write handed to the kernel has all
 * its buffers in guest RAM and its range inside the image, and a reset
 * leaves none in flight; net: every frame sent is 12 to NET_MAX_FRAME
 * bytes of guest RAM; fs: the read-only share is unchanged.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86/layout.h"
#include "devices/pci.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/fs.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/net.h"
#include "devices/virtio/pci.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_host.h"
#include "tests/fuzz/fuzz_netbe.h"
#include "tests/fuzz/fuzz_pci.h"
#include "runtime/iobus.h"

#define HDR_SIZE 3
#define MAX_OPS 512
#define MAX_ROUNDS 2000
#define NR_DEVS 3
#define IMAGE_SIZE (64 * 1024)
#define MMIO_BASE X86_VIRTIO_MMIO_BASE

enum { BLK, NET, FS };

static const uint32_t mmio_gsi[NR_DEVS] = { 5, 6, 7 };

static struct fuzz_guest guest;
static struct virtio_blk blk;
static struct virtio_net net;
static struct fuzz_netbe netbe; /* takes frames, offers the input's */
static struct virtio_fs fs;
static struct virtio_device *vdev[NR_DEVS] = { &blk.vdev, &net.vdev, &fs.vdev };
static bool use_mmio;
static struct pci_bus bus;
static struct virtio_pci vpci[NR_DEVS];
static struct virtio_mmio vmmio[NR_DEVS];
static struct iobus pio = { .name = "pio" }, pci_mmio = { .name = "mmio" },
		    virtio_mmio = { .name = "mmio" };
static char share[4096];
static struct stat share_st[3];

/* ---- blk: what reaches the kernel ---- */

static void check_iocb(const struct iocb *cb)
{
	if (cb->aio_fildes != blk.disk.fd &&
	    cb->aio_fildes != blk.disk.buffered_fd)
		fuzz_fail("io_submit: fd %d is not the disk's", cb->aio_fildes);
	fuzz_check_iocb_io(&guest, cb, IMAGE_SIZE);
}

/* Replaces libaio's, to look at each request first. */
int io_submit(io_context_t ctx, long nr, struct iocb *ios[])
{
	fuzz_check_submit(nr, ios, check_iocb);
	return fuzz_io_submit(ctx, nr, ios);
}

/* ---- fs: a read-only share that must stay as it is ---- */

static void stat_share(struct stat st[3])
{
	static const char *const names[] = { "", "/file", "/d/a" };
	char p[4200];

	for (unsigned int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", share, names[i]);
		if (lstat(p, &st[i]) < 0)
			fuzz_fail("the share lost %s: %s", p, strerror(errno));
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_share(void)
{
	nftw(share, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_share(const char *dir)
{
	char p[4200];

	snprintf(share, sizeof(share), "%s/kestrel-fuzz-share-XXXXXX", dir);
	if (!mkdtemp(share))
		fuzz_fail("mkdtemp in %s: %s", dir, strerror(errno));
	atexit(remove_share);
	fuzz_put_file(share, "file", "0123456789abcdef\n");
	snprintf(p, sizeof(p), "%s/d", share);
	if (mkdir(p, 0755) < 0)
		fuzz_fail("mkdir %s: %s", p, strerror(errno));
	fuzz_put_file(share, "d/a", "a\n");
	snprintf(p, sizeof(p), "%s/link", share);
	if (symlink("file", p) < 0)
		fuzz_fail("symlink %s: %s", p, strerror(errno));
	stat_share(share_st);
}

static void check_share(void)
{
	struct stat st[3];

	stat_share(st);
	for (unsigned int i = 0; i < 3; i++)
		if (st[i].st_size != share_st[i].st_size ||
		    st[i].st_mode != share_st[i].st_mode ||
		    st[i].st_mtim.tv_sec != share_st[i].st_mtim.tv_sec ||
		    st[i].st_mtim.tv_nsec != share_st[i].st_mtim.tv_nsec)
			fuzz_fail("the read-only share changed (entry %u)", i);
}

/* ---- set-up ---- */

static void set_irq(void *ctx, uint32_t gsi, int level)
{
	bool ok = false;

	(void)ctx;
	if (use_mmio) {
		for (unsigned int d = 0; d < NR_DEVS; d++)
			ok |= gsi == mmio_gsi[d];
	} else {
		ok = gsi >= PCI_INTX_GSI_BASE &&
		     gsi < PCI_INTX_GSI_BASE + PCI_INTX_GSIS;
	}
	if (!ok || (level != 0 && level != 1))
		fuzz_fail("set_irq(%u, %d)", gsi, level);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const char *dir = fuzz_tmp_dir();
	char err[512];

	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	guest.hv.set_irq = set_irq;

	fuzz_make_blk(&blk, &guest.hv, dir, DISK_WRITABLE, "kestrel-fuzz",
		      IMAGE_SIZE);

	fuzz_netbe_init(&netbe, &guest,
			(1ULL << VIRTIO_NET_F_CSUM) |
				(1ULL << VIRTIO_NET_F_GUEST_CSUM));
	if (virtio_net_init(&net, mac, &netbe.be, &guest.hv))
		fuzz_fail("virtio_net_init");

	make_share(dir);
	if (virtio_fs_open(&fs, share, "fuzz", true, err, sizeof(err)) ||
	    virtio_fs_setup(&fs, &guest.hv))
		fuzz_fail("virtio-fs: %s", err);

	fuzz_pci_register(&pio, &pci_mmio, &bus);
	for (unsigned int d = 0; d < NR_DEVS; d++)
		if (iobus_register(
			    &virtio_mmio, MMIO_BASE + d * VIRTIO_MMIO_SIZE,
			    VIRTIO_MMIO_SIZE, &virtio_mmio_io_ops, &vmmio[d]))
			fuzz_fail("cannot register the virtio-mmio ranges");
	return 0;
}

static void attach_transports(void)
{
	int err = 0;

	if (use_mmio) {
		for (unsigned int d = 0; d < NR_DEVS && !err; d++)
			err = virtio_mmio_init(&vmmio[d], vdev[d],
					       MMIO_BASE + d * VIRTIO_MMIO_SIZE,
					       mmio_gsi[d]);
	} else {
		pci_bus_init(&bus, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			     set_irq, NULL);
		for (unsigned int d = 0; d < NR_DEVS && !err; d++)
			err = virtio_pci_init(&vpci[d], vdev[d], &bus);
	}
	if (err)
		fuzz_fail("cannot attach the transports: %d", err);
}

static void detach_transports(void)
{
	if (use_mmio)
		return;
	for (unsigned int d = 0; d < NR_DEVS; d++)
		virtio_pci_destroy(&vpci[d]);
	fuzz_pci_bus_destroy(&bus);
}

/* ---- registers ---- */

/* Where kestrel places device d's BAR 0, or its virtio-mmio window. */
static uint64_t regs_base(unsigned int d)
{
	return use_mmio ? MMIO_BASE + d * VIRTIO_MMIO_SIZE :
			  X86_PCI_WINDOW_BASE + d * VIRTIO_PCI_BAR_SIZE;
}

static void reg(unsigned int d, uint64_t off, unsigned int size, uint64_t value)
{
	iobus_access(use_mmio ? &virtio_mmio : &pci_mmio, regs_base(d) + off,
		     &value, size, true);
}

static uint64_t reg_read(unsigned int d, uint64_t off, unsigned int size)
{
	uint64_t v = 0;

	iobus_access(use_mmio ? &virtio_mmio : &pci_mmio, regs_base(d) + off,
		     &v, size, false);
	return v;
}

/* virtio-pci common config and virtio-mmio registers the driver uses. */
enum {
	PCI_STATUS_REG = 0x14,
	PCI_DFSEL = 0x08,
	PCI_DF = 0x0c,
	PCI_QSEL = 0x16,
	PCI_QSIZE = 0x18,
	PCI_QENABLE = 0x1c,
	PCI_QDESC = 0x20,
	PCI_QDRIVER = 0x28,
	PCI_QDEVICE = 0x30,
	MMIO_DFSEL = 0x024,
	MMIO_DF = 0x020,
	MMIO_QSEL = 0x030,
	MMIO_QNUM = 0x038,
	MMIO_QREADY = 0x044,
	MMIO_STATUS = 0x070,
	MMIO_QDESC = 0x080,
	MMIO_QDRIVER = 0x090,
	MMIO_QDEVICE = 0x0a0,
};

static void set_status(unsigned int d, uint8_t status)
{
	if (use_mmio)
		reg(d, MMIO_STATUS, 4, status);
	else
		reg(d, PCI_STATUS_REG, 1, status);
}

static void set_addr(unsigned int d, uint64_t pci_off, uint64_t mmio_off,
		     uint64_t gpa)
{
	if (use_mmio) {
		reg(d, mmio_off, 4, (uint32_t)gpa);
		reg(d, mmio_off + 4, 4, gpa >> 32);
	} else {
		reg(d, pci_off, 8, gpa);
	}
}

static void bring_up(const uint8_t *op)
{
	unsigned int d = (op[1] & 3) % 3;
	const struct virtio_device *v = vdev[d];
	uint64_t value = fuzz_le64(op + 6);
	uint32_t lo = (uint32_t)value;
	uint64_t n = 1ULL << ((op[1] >> 2) % 16 % 11);
	uint64_t gpa = FUZZ_RAM_GPA + (fuzz_le32(op + 2) % 16) * 0x1000;
	uint8_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	if (!(value >> 63))
		lo &= (uint32_t)virtio_offered_features(v);
	if (!use_mmio) {
		uint64_t ecam =
			X86_PCI_ECAM_BASE + ((uint64_t)vpci[d].pci.slot << 15);
		uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

		iobus_access(&pci_mmio, ecam + PCI_COMMAND, &cmd, 2, true);
	}
	set_status(d, 0);
	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(d, status);
	reg(d, use_mmio ? MMIO_DFSEL : PCI_DFSEL, 4, 0);
	reg(d, use_mmio ? MMIO_DF : PCI_DF, 4, lo);
	reg(d, use_mmio ? MMIO_DFSEL : PCI_DFSEL, 4, 1);
	reg(d, use_mmio ? MMIO_DF : PCI_DF, 4, 1); /* VERSION_1 */
	status |= VIRTIO_STATUS_FEATURES_OK;
	set_status(d, status);
	for (unsigned int q = 0; q < v->ops->nr_queues; q++) {
		uint64_t avail = gpa + 16 * n;
		uint64_t used = (avail + 6 + 2 * n + 3) & ~3ULL;

		if (use_mmio) {
			reg(d, MMIO_QSEL, 4, q);
			reg(d, MMIO_QNUM, 4, n);
		} else {
			reg(d, PCI_QSEL, 2, q);
			reg(d, PCI_QSIZE, 2, n);
		}
		set_addr(d, PCI_QDESC, MMIO_QDESC, gpa);
		set_addr(d, PCI_QDRIVER, MMIO_QDRIVER, avail);
		set_addr(d, PCI_QDEVICE, MMIO_QDEVICE, used);
		if (use_mmio)
			reg(d, MMIO_QREADY, 4, 1);
		else
			reg(d, PCI_QENABLE, 2, 1);
		gpa = (used + 6 + 8 * n + 63) & ~63ULL;
	}
	set_status(d, status | VIRTIO_STATUS_DRIVER_OK);
	(void)reg_read(d, use_mmio ? MMIO_STATUS : PCI_STATUS_REG,
		       use_mmio ? 4 : 1);
}

/* ---- oracles ---- */

static void check_device(unsigned int d)
{
	struct virtio_device *v = vdev[d];

	pthread_mutex_lock(&v->lock);
	fuzz_check_live_queues(&guest, v);
	for (unsigned int q = 0; q < v->ops->nr_queues; q++) {
		if (!v->vq[q].size || v->vq[q].size > v->ops->queue_size)
			fuzz_fail("%s: queue %u has size %u", v->ops->name, q,
				  v->vq[q].size);
		if (!use_mmio && vpci[d].queue_vector[q] != VIRTIO_NO_VECTOR &&
		    vpci[d].queue_vector[q] >= vpci[d].nr_vectors)
			fuzz_fail("%s: queue %u vector %u", v->ops->name, q,
				  vpci[d].queue_vector[q]);
	}
	if (use_mmio && (vmmio[d].interrupt_status & ~3U))
		fuzz_fail("%s: InterruptStatus %#x", v->ops->name,
			  vmmio[d].interrupt_status);
	if (!use_mmio && vpci[d].config_vector != VIRTIO_NO_VECTOR &&
	    vpci[d].config_vector >= vpci[d].nr_vectors)
		fuzz_fail("%s: config vector %u", v->ops->name,
			  vpci[d].config_vector);
	pthread_mutex_unlock(&v->lock);
}

/* An endless ring keeps a device busy, a ring's worth per round. */
static bool working(void)
{
	bool yielded = false;

	for (unsigned int d = 0; d < NR_DEVS && !yielded; d++) {
		pthread_mutex_lock(&vdev[d]->lock);
		yielded = fuzz_queue_yielded(vdev[d]);
		pthread_mutex_unlock(&vdev[d]->lock);
	}
	return yielded;
}

static void run_device_thread(void)
{
	fuzz_guest_run_until_idle(&guest, MAX_ROUNDS, working);
}

/* ---- operations ---- */

static void do_op(const uint8_t *op)
{
	unsigned int what = op[0] & 15;
	size_t len;

	if (what >= 10)
		what = (what - 10) % 3;
	switch (what) {
	case 0:
	case 1:
	case 2:
		fuzz_op_mmio(
			use_mmio ? &virtio_mmio : &pci_mmio, regs_base(what),
			use_mmio ? VIRTIO_MMIO_SIZE : VIRTIO_PCI_BAR_SIZE, op);
		break;
	case 3:
	case 4:
		if (use_mmio)
			fuzz_op_mmio(&virtio_mmio, MMIO_BASE,
				     NR_DEVS * VIRTIO_MMIO_SIZE, op);
		else if (what == 3)
			fuzz_op_pio(&pio, PCI_CONF1_PORT, PCI_CONF1_PORTS, op);
		else
			fuzz_op_mmio(&pci_mmio, X86_PCI_ECAM_BASE,
				     X86_PCI_ECAM_SIZE, op);
		break;
	case 5:
		run_device_thread();
		break;
	case 6:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE + FUZZ_RAM2_SIZE, op);
		break;
	case 7:
		bring_up(op);
		break;
	case 8:
		len = NET_HDR_LEN +
		      fuzz_le64(op + 6) % (NET_MAX_FRAME - NET_HDR_LEN + 1);
		if (fuzz_netbe_offer(&netbe, len, 0, 0x42))
			net.be->rx_ready(net.be->dev);
		break;
	default:
		set_status((op[1] & 3) % 3, 0);
		break;
	}
	for (unsigned int d = 0; d < NR_DEVS; d++)
		check_device(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nr_ops, at;

	if (size < HDR_SIZE)
		return 0;
	use_mmio = data[0] & 1;
	nr_ops = fuzz_le16(data + 1) % (MAX_OPS + 1);
	if ((size - HDR_SIZE) / FUZZ_OP_SIZE < nr_ops)
		nr_ops = (size - HDR_SIZE) / FUZZ_OP_SIZE;
	at = HDR_SIZE + nr_ops * FUZZ_OP_SIZE;
	fuzz_guest_load(&guest, data + at, size - at);
	fuzz_netbe_reset(&netbe);
	attach_transports();

	for (size_t i = 0; i < nr_ops; i++)
		do_op(data + HDR_SIZE + i * FUZZ_OP_SIZE);
	run_device_thread();
	for (unsigned int d = 0; d < NR_DEVS; d++)
		check_device(d);
	if (fuzz_verbose)
		fprintf(stderr,
			"%s: blk status %#x, used %u, inflight %u; net status "
			"%#x, rx used %u, tx used %u; fs status %#x, used %u "
			"%u\n",
			use_mmio ? "mmio" : "pci", blk.vdev.status,
			blk.vdev.vq[0].used, blk.inflight, net.vdev.status,
			net.vdev.vq[0].used, net.vdev.vq[1].used,
			fs.vdev.status, fs.vdev.vq[0].used, fs.vdev.vq[1].used);

	for (unsigned int d = 0; d < NR_DEVS; d++) {
		pthread_mutex_lock(&vdev[d]->lock);
		virtio_set_status(vdev[d], 0);
		pthread_mutex_unlock(&vdev[d]->lock);
	}
	if (blk.inflight)
		fuzz_fail("%u requests in flight after a reset", blk.inflight);
	run_device_thread();
	check_share();
	detach_transports();
	return 0;
}
