#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora tests/fuzz/corpus/<target>/ (deterministic).

Each seed is a valid (or deliberately slightly broken) input in the format
described at the top of the target's .c file. Run from anywhere:
    python3 tests/fuzz/gen_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
RAM_GPA = 0x1000
RAM_SIZE = 0x10000

F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
VERSION_1, INDIRECT, EVENT_IDX = 32, 28, 29
BLK_F_DISCARD, BLK_F_WRITE_ZEROES = 13, 14
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES = 0, 1, 4, 8, 11, 13


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


class Ram:
    """Guest RAM from RAM_GPA, grown as written; put() takes a gpa."""

    def __init__(self):
        self.b = bytearray()

    def put(self, gpa, data):
        off = gpa - RAM_GPA
        assert 0 <= off and off + len(data) <= RAM_SIZE
        if len(self.b) < off + len(data):
            self.b.extend(bytes(off + len(data) - len(self.b)))
        self.b[off:off + len(data)] = data


def desc(addr, length, flags=0, nxt=0):
    return struct.pack("<QIHH", addr, length, flags, nxt)


class Queue:
    """A driver's view of a split ring, packed from RAM_GPA like the targets
    do by default (or at the given ring addresses)."""

    def __init__(self, ram, n, desc_gpa=None, avail_gpa=None, used_gpa=None):
        self.ram, self.n = ram, n
        self.desc = RAM_GPA if desc_gpa is None else desc_gpa
        self.avail = self.desc + 16 * n if avail_gpa is None else avail_gpa
        self.used = ((self.avail + 6 + 2 * n + 3) & ~3
                     if used_gpa is None else used_gpa)
        self.next_desc = 0
        self.heads = []
        ram.put(self.desc, bytes(16 * n))
        ram.put(self.avail, bytes(6 + 2 * n))
        ram.put(self.used, bytes(6 + 8 * n))

    def chain(self, bufs):
        """bufs: (gpa, len, flags) each; returns the head index."""
        head = self.next_desc
        assert head + len(bufs) <= self.n, "descriptor table overflow"
        for i, (addr, length, flags) in enumerate(bufs):
            idx = self.next_desc
            last = i == len(bufs) - 1
            nxt = 0 if last else idx + 1
            f = flags | (0 if last else F_NEXT)
            self.ram.put(self.desc + 16 * idx, desc(addr, length, f, nxt))
            self.next_desc += 1
        self.publish(head)
        return head

    def publish(self, head):
        slot = len(self.heads) % self.n
        self.ram.put(self.avail + 4 + 2 * slot, struct.pack("<H", head))
        self.heads.append(head)
        self.ram.put(self.avail + 2, struct.pack("<H", len(self.heads)))

    def used_event(self, v):
        self.ram.put(self.avail + 4 + 2 * self.n, struct.pack("<H", v))


def log2(n):
    return n.bit_length() - 1


# ---------------------------------------------------------------- virtqueue

def vq_hdr(n, flags=0, push_seed=0, delta=0, kick_bits=0, offs=None,
           gpas=None, raw_size=None):
    h = bytearray(40)
    h[0] = log2(n) if raw_size is None else 0x80
    h[1] = flags
    if raw_size is not None:
        h[2:4] = struct.pack("<H", raw_size)
    if offs:
        h[4:10] = struct.pack("<HHH", *offs)
    h[10:12] = struct.pack("<H", push_seed)
    h[12] = delta
    h[13] = kick_bits
    if gpas:
        h[16:40] = struct.pack("<QQQ", *gpas)
    return h


def virtqueue_seeds():
    t = "fuzz_virtqueue"

    ram = Ram()
    q = Queue(ram, 8)
    q.chain([(0x3000, 16, 0), (0x3200, 512, F_WRITE)])
    write(t, "simple", vq_hdr(8) + ram.b)

    ram = Ram()
    q = Queue(ram, 16)
    q.chain([(0x3000, 16, 0), (0x3400, 1024, F_WRITE), (0x3800, 1, F_WRITE)])
    q.chain([(0x4000, 100, 0), (0x4100, 200, 0)])
    q.chain([(0x5000, 4096, F_WRITE)])
    q.used_event(1)
    write(t, "event-idx", vq_hdr(16, flags=1 | 0x10, delta=1,
                                 kick_bits=0x55) + ram.b)

    ram = Ram()
    q = Queue(ram, 4)
    table = 0x2000
    ram.put(table, desc(0x3000, 16, F_NEXT, 1) + desc(0x3010, 32, F_NEXT, 2)
            + desc(0x3100, 512, F_WRITE, 0))
    ram.put(q.desc, desc(table, 48, F_INDIRECT))
    q.next_desc = 1
    q.publish(0)
    q.chain([(0x4000, 8, F_WRITE)])
    write(t, "indirect", vq_hdr(4, flags=2 | 1) + ram.b)

    ram = Ram()
    q = Queue(ram, 8)
    # A loop, a readable after a writable buffer, a buffer beyond RAM,
    # a next index out of range, an indirect table without the feature.
    ram.put(q.desc, desc(0x3000, 16, F_NEXT, 0))
    ram.put(q.desc + 16, desc(0x3000, 16, F_WRITE | F_NEXT, 2))
    ram.put(q.desc + 32, desc(0x3100, 16, 0))
    ram.put(q.desc + 48, desc(0x20000, 16, 0))
    ram.put(q.desc + 64, desc(0x3000, 16, F_NEXT, 9))
    ram.put(q.desc + 80, desc(0x2000, 32, F_INDIRECT))
    for h in (0, 1, 3, 4, 5):
        q.publish(h)
    write(t, "bad-chains", vq_hdr(8) + ram.b)

    ram = Ram()
    q = Queue(ram, 32, desc_gpa=0x4000, avail_gpa=0x2000, used_gpa=0x2800)
    for i in range(5):
        q.chain([(0x6000 + 0x100 * i, 64, 0), (0x7000 + 0x100 * i, 64,
                                               F_WRITE)])
    write(t, "custom-rings",
          vq_hdr(32, flags=4 | 0x20, offs=(0x3000, 0x1000, 0x1800)) + ram.b)

    # Rings straddling the two RAM regions, or past the end: vq_start
    # must refuse them.
    write(t, "rings-straddle",
          vq_hdr(8, flags=8, gpas=(0x10f80, 0x10000, 0x11000 - 16)))
    write(t, "rings-in-ram2",
          vq_hdr(4, flags=8, gpas=(0x11000, 0x11100, 0x11200)))
    write(t, "size-not-pow2", vq_hdr(8, raw_size=24) + Ram().b)

    ram = Ram()
    q = Queue(ram, 1024)
    q.chain([(0x9000, 64, 0), (0x9100, 64, F_WRITE)])
    write(t, "size-1024", vq_hdr(1024) + ram.b)


# ---------------------------------------------------------------- virtio-blk

def blk_hdr(n, features=0, flags=0, delta=0, readonly=False, fault=0):
    h = bytearray(24)
    h[0] = log2(n) | (0x20 if readonly else 0)
    h[2] = flags
    h[3] = delta
    h[4:12] = struct.pack("<Q", features)
    h[18] = fault
    return h


class Blk:
    """Requests laid out after the rings: headers, data, status bytes."""

    def __init__(self, n=8):
        self.ram = Ram()
        self.q = Queue(self.ram, n)
        base = (self.q.used + 6 + 8 * n + 0xff) & ~0xff
        self.hdr_at = base
        self.status_at = base + 0x400
        self.table_at = base + 0x600  # for an indirect table
        self.data_at = base + 0x800

    def _alloc(self, attr, size, align):
        at = (getattr(self, attr) + align - 1) & ~(align - 1)
        setattr(self, attr, at + size)
        return at

    def request(self, rtype, sector=0, out=b"", in_len=0, split=1):
        h = self._alloc("hdr_at", 16, 16)
        self.ram.put(h, struct.pack("<IIQ", rtype, 0, sector))
        bufs = [(h, 16, 0)]
        if out:
            piece = len(out) // split
            for i in range(split):
                at = self._alloc("data_at", piece, 512)
                self.ram.put(at, out[i * piece:(i + 1) * piece])
                bufs.append((at, piece, 0))
        if in_len:
            piece = in_len // split
            for i in range(split):
                bufs.append((self._alloc("data_at", piece, 512), piece,
                             F_WRITE))
        s = self._alloc("status_at", 1, 1)
        self.ram.put(s, b"\xff")
        bufs.append((s, 1, F_WRITE))
        return bufs

    def add(self, *a, **kw):
        return self.q.chain(self.request(*a, **kw))


def blk_seeds():
    t = "fuzz_virtio_blk"

    b = Blk()
    b.add(T_IN, sector=0, in_len=512)
    write(t, "read", blk_hdr(8) + b.ram.b)

    b = Blk()
    b.add(T_OUT, sector=1, out=bytes(range(256)) * 4, split=2)
    write(t, "write-split", blk_hdr(8) + b.ram.b)

    b = Blk()
    b.add(T_FLUSH)
    b.add(T_GET_ID, in_len=20)
    b.add(99)  # unsupported type
    write(t, "flush-getid-unsupp", blk_hdr(8) + b.ram.b)

    b = Blk()
    b.add(T_DISCARD, out=struct.pack("<QII", 8, 8, 0))
    write(t, "discard", blk_hdr(8, features=1 << BLK_F_DISCARD) + b.ram.b)

    b = Blk()
    b.add(T_WRITE_ZEROES, out=struct.pack("<QII", 16, 16, 1)
          + struct.pack("<QII", 64, 8, 0))
    write(t, "write-zeroes",
          blk_hdr(8, features=1 << BLK_F_WRITE_ZEROES) + b.ram.b)

    b = Blk(4)
    bufs = b.request(T_IN, sector=4, in_len=1024, split=2)
    table = b.table_at
    for i, (addr, length, flags) in enumerate(bufs):
        last = i == len(bufs) - 1
        b.ram.put(table + 16 * i, desc(addr, length,
                                       flags | (0 if last else F_NEXT),
                                       0 if last else i + 1))
    b.ram.put(b.q.desc, desc(table, 16 * len(bufs), F_INDIRECT))
    b.q.next_desc = 1
    b.q.publish(0)
    write(t, "indirect-read", blk_hdr(4, features=1 << INDIRECT) + b.ram.b)

    b = Blk(16)
    b.add(T_IN, sector=2, in_len=512)
    b.add(T_OUT, sector=3, out=b"\x5a" * 512)
    b.add(T_FLUSH)
    b.add(T_IN, sector=127, in_len=512)
    b.add(T_IN, sector=128, in_len=512)  # past the end
    b.q.used_event(2)
    write(t, "mixed-event-idx",
          blk_hdr(16, features=1 << EVENT_IDX, flags=0x08, delta=1)
          + b.ram.b)

    b = Blk()
    b.add(T_OUT, sector=0, out=b"\x00" * 512)
    b.add(T_IN, sector=0, in_len=512)
    write(t, "readonly", blk_hdr(8, readonly=True) + b.ram.b)

    b = Blk(16)
    for i in range(4):
        b.add(T_IN, sector=i, in_len=512)
    write(t, "reset-in-flight", blk_hdr(16, flags=0x04) + b.ram.b)

    b = Blk()
    b.add(T_IN, sector=0, in_len=512)
    write(t, "enable-after-driver-ok", blk_hdr(8, flags=0x01) + b.ram.b)

    # One chain made available 256 times, then 255 more without waiting
    # for the disk: more requests than slots.
    b = Blk(256)
    b.add(T_IN, sector=0, in_len=512)
    for _ in range(255):
        b.q.publish(0)
    write(t, "pile-up", blk_hdr(256, flags=0x40 | 0x08, delta=255) + b.ram.b)

    # io_submit failing or taking only part of a batch.
    for name, fault, flags in (("submit-eagain", 1, 0),
                               ("submit-partial", 2, 0),
                               ("submit-einval-2nd", 1 << 2 | 3, 0x08)):
        b = Blk(16)
        for i in range(4):
            b.add(T_IN if i % 2 else T_OUT, sector=i, in_len=512 * (i % 2),
                  out=b"" if i % 2 else b"\xa5" * 512)
        write(t, name, blk_hdr(16, flags=flags, delta=2, fault=fault)
              + b.ram.b)


# ---------------------------------------------------------------- PCI

PIO, ECAM, WINDOW, DEVTHREAD, RAMWRITE = 0, 1, 2, 3, 4
PIO_SIZE = {1: 0, 2: 1, 4: 2}
MMIO_SIZE = {1: 0, 2: 1, 4: 3, 8: 7}
RNG_SLOT = 1
CFG_CAP, MSIX_CAP = 0x74, 0x88  # where virtio-pci puts them for virtio-rng


def op(kind, off=0, size=4, value=0, wr=False):
    s = PIO_SIZE[size] if kind == PIO else MMIO_SIZE[size]
    return (bytes([kind | (0x80 if wr else 0), s]) + struct.pack("<I", off)
            + struct.pack("<Q", value))


def conf1(slot, reg, size=4, value=None):
    ops = op(PIO, 0, 4, 0x80000000 | slot << 11 | (reg & 0xfc), wr=True)
    port = 4 + (reg & 3)
    if value is None:
        return ops + op(PIO, port, size)
    return ops + op(PIO, port, size, value, wr=True)


def ecam(slot, reg, size=4, value=None):
    off = slot << 15 | reg
    if value is None:
        return op(ECAM, off, size)
    return op(ECAM, off, size, value, wr=True)


def win(off, size=4, value=None):
    if value is None:
        return op(WINDOW, off, size)
    return op(WINDOW, off, size, value, wr=True)


def ram_write(gpa, value):
    return op(RAMWRITE, gpa - RAM_GPA, 8, value)


def virtio_bringup(bar=0):
    s = b""
    s += win(bar + 0x14, 1, 0)  # reset
    s += win(bar + 0x14, 1, 1)  # ACKNOWLEDGE
    s += win(bar + 0x14, 1, 3)  # DRIVER
    s += win(bar + 0x00, 4, 1) + win(bar + 0x04, 4)  # device features hi
    s += win(bar + 0x08, 4, 1) + win(bar + 0x0c, 4, 1)  # VERSION_1
    s += win(bar + 0x14, 1, 0xb)  # FEATURES_OK
    s += win(bar + 0x14, 1)
    s += win(bar + 0x16, 2, 0) + win(bar + 0x18, 2)
    s += win(bar + 0x18, 2, 8)
    s += win(bar + 0x20, 8, 0x2000)
    s += win(bar + 0x28, 4, 0x2080) + win(bar + 0x2c, 4, 0)
    s += win(bar + 0x30, 8, 0x20a0)
    s += win(bar + 0x1c, 2, 1)
    s += win(bar + 0x14, 1, 0xf)  # DRIVER_OK
    # One 64-byte writable buffer, made available.
    s += ram_write(0x2000, 0x3000)
    s += ram_write(0x2008, 64 | F_WRITE << 32)
    s += ram_write(0x2080, 1 << 16)
    s += win(bar + 0x3000, 2, 0)  # notify queue 0
    s += op(DEVTHREAD)
    s += win(bar + 0x1000, 1)  # ISR
    return s


def pci_seeds():
    t = "fuzz_pci_config"

    s = b""
    for slot in range(3):
        for reg in (0x00, 0x08, 0x0c, 0x2c, 0x34, 0x3c):
            s += conf1(slot, reg)
    s += op(PIO, 3, 1, 0, wr=True)  # Linux's type-1 probe byte
    s += op(PIO, 0, 4)
    s += conf1(RNG_SLOT, 0x10, 4, 0xffffffff) + conf1(RNG_SLOT, 0x10)
    s += conf1(RNG_SLOT, 0x10, 4, 0xc0000000)
    s += conf1(RNG_SLOT, 0x06, 2) + conf1(RNG_SLOT, 0x04, 2, 0x0406)
    s += conf1(RNG_SLOT, 0x3c, 1, 0x0b)
    write(t, "conf1-probe", s)

    s = ecam(RNG_SLOT, 0x04, 2, 0x0006)  # memory decode, bus master
    s += virtio_bringup()
    write(t, "virtio-rng-request", s)

    s = ecam(RNG_SLOT, 0x04, 2, 0x0006)
    s += ecam(RNG_SLOT, MSIX_CAP + 2, 2, 0x8000)  # MSI-X enable
    s += win(0x4000, 8, 0xfee00000) + win(0x4008, 4, 0x4021)
    s += win(0x400c, 4, 0)  # unmask vector 0
    s += win(0x4010, 8, 0xfee00000) + win(0x4018, 4, 0x4022)
    s += win(0x401c, 4, 0)
    s += win(0x10, 2, 0) + win(0x1a, 2, 1)
    s += virtio_bringup()
    s += win(0x14, 1, 0x4f)  # NEEDS_RESET bit from the driver
    s += ecam(RNG_SLOT, MSIX_CAP + 2, 2, 0xc000)  # mask all
    s += win(0x5000, 8) + win(0x4000, 8)
    # The VIRTIO_PCI_CAP_PCI_CFG window: status through config space.
    s += ecam(RNG_SLOT, CFG_CAP + 4, 1, 0)
    s += ecam(RNG_SLOT, CFG_CAP + 8, 4, 0x14)
    s += ecam(RNG_SLOT, CFG_CAP + 12, 4, 1)
    s += ecam(RNG_SLOT, CFG_CAP + 16, 4, 0)
    s += ecam(RNG_SLOT, CFG_CAP + 16, 4)
    write(t, "msix-cfg-window", s)

    s = ecam(RNG_SLOT, 0x04, 2, 0x0006)
    s += ecam(RNG_SLOT, 0x10, 4, 0xd0000000)  # move BAR 0 out of the window
    s += win(0x14, 1)
    s += ecam(RNG_SLOT, 0x10, 4, 0xc0010000)  # and back in, elsewhere
    s += virtio_bringup(0x10000)
    s += ecam(RNG_SLOT, 0x04, 2, 0x0400)  # decode off, INTx disabled
    s += win(0x10014, 1)
    write(t, "bar-move", s)

    s = b""
    for slot in (0, 1, 2, 31):
        s += ecam(slot, 0x00, 4) + ecam(slot, 0x0e, 1) + ecam(slot, 0xfc, 8)
        s += ecam(slot, 0xffd, 4) + ecam(slot, 0x3c, 1, 0xff)
    s += ecam(0, 0x04, 2, 0x0400) + ecam(0, 0x04, 2, 0)
    s += op(ECAM, 1 << 12, 4) + op(ECAM, 0xfffff, 1)
    write(t, "ecam-sweep", s)


# ---------------------------------------------------------------- virtio-mmio

M_RNG, M_CON, M_DEVTHREAD, M_RAMWRITE, M_RX = 0, 4, 5, 6, 7


def mop(kind, off=0, size=4, value=0, wr=False):
    return (bytes([kind | (0x80 if wr else 0), size - 1])
            + struct.pack("<I", off) + struct.pack("<Q", value))


def mmio_ram(gpa, value):
    return mop(M_RAMWRITE, gpa - RAM_GPA, 8, value)


def mmio_queue(dev, q, n, ring):
    """Sets up queue q of n entries with its rings from gpa `ring`."""
    s = mop(dev, 0x030, 4, q, wr=True) + mop(dev, 0x034)
    s += mop(dev, 0x038, 4, n, wr=True)
    s += mop(dev, 0x080, 4, ring, wr=True) + mop(dev, 0x084, 4, 0, wr=True)
    s += mop(dev, 0x090, 4, ring + 16 * n, wr=True)
    s += mop(dev, 0x0a0, 4, ring + 16 * n + 0x40, wr=True)
    s += mop(dev, 0x044, 4, 1, wr=True) + mop(dev, 0x044)
    return s


def mmio_buffer(n, ring, addr, length, flags):
    """Descriptor 0 -> (addr, length), made available as entry 0."""
    return (mmio_ram(ring, addr) + mmio_ram(ring + 8, length | flags << 32)
            + mmio_ram(ring + 16 * n, 1 << 16))


def mmio_bringup(dev):
    s = b""
    for reg in (0x000, 0x004, 0x008, 0x00c):
        s += mop(dev, reg)
    s += mop(dev, 0x070, 4, 0, wr=True)
    s += mop(dev, 0x070, 4, 1, wr=True) + mop(dev, 0x070, 4, 3, wr=True)
    s += mop(dev, 0x014, 4, 1, wr=True) + mop(dev, 0x010)
    s += mop(dev, 0x024, 4, 1, wr=True) + mop(dev, 0x020, 4, 1, wr=True)
    s += mop(dev, 0x070, 4, 0xb, wr=True) + mop(dev, 0x070)
    return s


def mmio_seeds():
    t = "fuzz_virtio_mmio"

    s = mmio_bringup(M_RNG) + mmio_queue(M_RNG, 0, 8, 0x2000)
    s += mop(M_RNG, 0x070, 4, 0xf, wr=True)
    s += mmio_buffer(8, 0x2000, 0x4000, 64, F_WRITE)
    s += mop(M_RNG, 0x050, 4, 0, wr=True) + mop(M_DEVTHREAD)
    s += mop(M_RNG, 0x060) + mop(M_RNG, 0x064, 4, 1, wr=True)
    s += mop(M_RNG, 0x0fc) + mop(M_RNG, 0x100, 4)
    s += mop(M_RNG, 0x070, 4, 0, wr=True)
    write(t, "rng-request", s)

    s = mmio_bringup(M_CON) + mmio_queue(M_CON, 0, 4, 0x2000)
    s += mmio_queue(M_CON, 1, 4, 0x3000)
    s += mop(M_CON, 0x070, 4, 0xf, wr=True)
    s += mmio_buffer(4, 0x2000, 0x5000, 16, F_WRITE)  # receive buffer
    s += mmio_ram(0x6000, int.from_bytes(b"hello, k", "little"))
    s += mmio_buffer(4, 0x3000, 0x6000, 8, 0)  # transmit "hello, k"
    s += mop(M_CON, 0x050, 4, 1, wr=True) + mop(M_CON, 0x050, 4, 0, wr=True)
    s += mop(M_DEVTHREAD)
    s += mop(M_RX, 5, 8, int.from_bytes(b"hi there", "little"))
    s += mop(M_CON, 0x060) + mop(M_CON, 0x064, 4, 3, wr=True)
    write(t, "console-tx-rx", s)

    # Sub-word and odd-size accesses, unknown registers, queue out of range.
    s = b""
    for size in (1, 2, 3, 8):
        s += mop(M_RNG, 0x070, size, 1, wr=True) + mop(M_RNG, 0x000, size)
    s += mop(M_RNG, 0x030, 4, 7, wr=True) + mop(M_RNG, 0x034)
    s += mop(M_RNG, 0x080, 4, 0x1234, wr=True) + mop(M_RNG, 0x044, 4, 1,
                                                      wr=True)
    s += mop(M_RNG, 0x050, 4, 9, wr=True) + mop(M_RNG, 0x1fc, 8)
    s += mop(M_CON, 0x100, 8, 0, wr=True)
    write(t, "odd-accesses", s)

# ------------------------------------------- racing vCPUs (mmio and PCI)

RACE_VCPU1, RACE_OWN = 0x40, 7


def on_vcpu(ops, vcpu, kinds):
    """Re-targets a single-threaded op stream at one vCPU of a racer,
    mapping each op kind through `kinds` (ops whose kind is not there go)."""
    out = b""
    for i in range(0, len(ops), 14):
        o = bytearray(ops[i:i + 14])
        if o[0] & 7 not in kinds:
            continue
        o[0] = (o[0] & 0x80) | kinds[o[0] & 7] | (RACE_VCPU1 if vcpu else 0)
        out += bytes(o)
    return out


def race_sync(vcpu):
    return bytes([RACE_OWN | (RACE_VCPU1 if vcpu else 0), 0]) + bytes(12)


def race_spin(vcpu, n):
    return (bytes([RACE_OWN | (RACE_VCPU1 if vcpu else 0), 1])
            + struct.pack("<H", n) + bytes(10))


def mmio_race_seeds():
    t = "fuzz_virtio_mmio_race"
    kinds = {M_RNG: 0, M_CON: 3, M_RAMWRITE: 6}

    def v(ops, vcpu):
        return on_vcpu(ops, vcpu, kinds)

    # vCPU 0 sets the rng up and asks for entropy while vCPU 1 reads the
    # registers a driver polls.
    s = v(mmio_bringup(M_RNG) + mmio_queue(M_RNG, 0, 8, 0x2000)
          + mop(M_RNG, 0x070, 4, 0xf, wr=True)
          + mmio_buffer(8, 0x2000, 0x4000, 64, F_WRITE), 0)
    s += race_sync(0) + race_sync(1)
    s += v(mop(M_RNG, 0x050, 4, 0, wr=True) + mop(M_RNG, 0x060)
           + mop(M_RNG, 0x064, 4, 1, wr=True), 0)
    s += v(mop(M_RNG, 0x070) + mop(M_RNG, 0x044) + mop(M_RNG, 0x0fc), 1)
    write(t, "rng-request-and-poll", s)

    # The rings at the very end of guest RAM, where a ring read or written
    # past the size it was checked for leaves RAM at once.
    desc, avail, used = 0x12000 - 16 * 8, 0x11e00, 0x11e40
    q = mop(M_RNG, 0x030, 4, 0, wr=True) + mop(M_RNG, 0x038, 4, 8, wr=True)
    q += mop(M_RNG, 0x080, 4, desc, wr=True)
    q += mop(M_RNG, 0x090, 4, avail, wr=True)
    q += mop(M_RNG, 0x0a0, 4, used, wr=True)
    q += mop(M_RNG, 0x044, 4, 1, wr=True)
    buf = (mmio_ram(desc, 0x4000) + mmio_ram(desc + 8, 64 | F_WRITE << 32)
           + mmio_ram(avail, 1 << 16))
    s = v(mmio_bringup(M_RNG) + q + mop(M_RNG, 0x070, 4, 0xf, wr=True)
          + buf, 0)
    s += race_sync(0) + race_sync(1)
    s += v(mop(M_RNG, 0x050, 4, 0, wr=True), 0)
    s += v(mop(M_RNG, 0x030, 4, 0, wr=True) + mop(M_RNG, 0x034), 1)
    write(t, "rng-rings-at-ram-end", s)

    # vCPU 0 programs a queue (rings first, then its size) and enables it
    # while vCPU 1, as a second CPU of a sloppy driver might, writes the
    # same size again.
    ring = 0x3000
    q = mop(M_CON, 0x030, 4, 1, wr=True)
    q += mop(M_CON, 0x080, 4, ring, wr=True)
    q += mop(M_CON, 0x090, 4, ring + 0x40, wr=True)
    q += mop(M_CON, 0x0a0, 4, ring + 0x80, wr=True)
    q += mop(M_CON, 0x038, 4, 4, wr=True)
    s = v(mmio_bringup(M_CON) + q, 0)
    s += race_sync(0) + race_sync(1)
    s += v(mop(M_CON, 0x044, 4, 1, wr=True)
           + mop(M_CON, 0x070, 4, 0xf, wr=True)
           + mmio_ram(0x6000, int.from_bytes(b"hello, k", "little"))
           + mmio_buffer(4, ring, 0x6000, 8, 0)
           + mop(M_CON, 0x050, 4, 1, wr=True), 0)
    s += v(mop(M_CON, 0x038, 4, 4, wr=True) + mop(M_CON, 0x070), 1)
    write(t, "queue-enable-and-size-rewrite", s)

    # Each vCPU sets up one of the console's queues, one after the other;
    # then one transmits while the other resets the device.
    s = v(mmio_bringup(M_CON) + mmio_queue(M_CON, 0, 4, 0x2000), 0)
    s += race_sync(0) + race_sync(1)
    s += v(mmio_queue(M_CON, 1, 4, 0x3000)
           + mop(M_CON, 0x070, 4, 0xf, wr=True), 1)
    s += race_sync(1) + race_sync(0)
    s += v(mmio_ram(0x6000, int.from_bytes(b"hello, k", "little"))
           + mmio_buffer(4, 0x3000, 0x6000, 8, 0)
           + mop(M_CON, 0x050, 4, 1, wr=True), 0)
    s += race_spin(1, 200) + v(mop(M_CON, 0x070, 4, 0, wr=True), 1)
    write(t, "console-tx-vs-reset", s)


def pci_race_seeds():
    t = "fuzz_virtio_pci_race"
    kinds = {PIO: 0, ECAM: 1, WINDOW: 2, RAMWRITE: 6}
    con_slot, con_bar = 2, 0x8000

    def v(ops, vcpu):
        return on_vcpu(ops, vcpu, kinds)

    # vCPU 0 sets the rng up; then it asks for entropy while vCPU 1 reads
    # the ISR, as an INTx handler does.
    s = v(ecam(RNG_SLOT, 0x04, 2, 0x0006) + virtio_bringup(), 0)
    s += race_sync(0) + race_sync(1)
    s += v(ram_write(0x2080, 2 << 16) + win(0x3000, 2, 0), 0)
    s += v(win(0x1000, 1) + conf1(RNG_SLOT, 0x04), 1)
    write(t, "rng-request-and-isr", s)

    # MSI-X on both devices from different vCPUs; then one masks all while
    # the other kicks.
    msix = (ecam(RNG_SLOT, MSIX_CAP + 2, 2, 0x8000)
            + win(0x4000, 8, 0xfee00000) + win(0x4008, 4, 0x4021)
            + win(0x400c, 4, 0) + win(0x1a, 2, 0))
    s = v(ecam(RNG_SLOT, 0x04, 2, 0x0006) + msix, 0)
    s += v(ecam(con_slot, 0x04, 2, 0x0006) + virtio_bringup(con_bar), 1)
    s += race_sync(0) + race_sync(1)
    s += v(virtio_bringup(), 0)
    s += v(ecam(RNG_SLOT, MSIX_CAP + 2, 2, 0xc000) + win(0x5000, 8), 1)
    write(t, "msix-two-devices", s)


# ---- fuzz_virtio_fs: FUSE requests as records ----
# (FUSE_WRITE: F_WRITE is the descriptor flag, which the seeds above use.)
(F_LOOKUP, F_FORGET, F_GETATTR, F_SETATTR, F_READLINK, F_SYMLINK, F_MKNOD,
 F_MKDIR, F_UNLINK, F_RMDIR, F_RENAME, F_LINK, F_OPEN, F_READ, FUSE_WRITE,
 F_STATFS, F_RELEASE, F_FSYNC, F_FLUSH, F_INIT, F_OPENDIR, F_READDIR,
 F_RELEASEDIR, F_ACCESS, F_CREATE, F_DESTROY, F_BATCH_FORGET, F_FALLOCATE,
 F_READDIRPLUS, F_RENAME2, F_LSEEK, F_SYNCFS) = (
    1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 25, 26,
    27, 28, 29, 34, 35, 38, 42, 43, 44, 45, 46, 50)
O_WRONLY, O_RDWR, O_TRUNC = 1, 2, 0o1000


def fuse(opcode, nodeid=1, args=b"", room=4096, flags=0):
    """One record: flags, reply room, request (in-header + args)."""
    req = struct.pack("<IIQQIIII", 40 + len(args), opcode, 7, nodeid, 0, 0,
                      1, 0) + args
    return struct.pack("<BHH", flags, room, len(req)) + req


def name(*names):
    return b"".join(n.encode() + b"\0" for n in names)


def fs_seeds():
    t = "fuzz_virtio_fs"
    read_in = lambda fh, off, size: struct.pack("<QQIIQII", fh, off, size,
                                                0, 0, 0, 0)
    # Node 2 is the first looked up, handle 1 the first opened.
    write(t, "lookup-read", b"\0" +
          fuse(F_LOOKUP, 1, name("file")) +
          fuse(F_GETATTR, 2, struct.pack("<IIQ", 0, 0, 0)) +
          fuse(F_OPEN, 2, struct.pack("<II", 0, 0)) +
          fuse(F_READ, 2, read_in(1, 3, 4096), flags=0x1a) +
          fuse(F_LSEEK, 2, struct.pack("<QQII", 1, 0, 3, 0)) +
          fuse(F_RELEASE, 2, struct.pack("<QIIQ", 1, 0, 0, 0)) +
          fuse(F_FORGET, 2, struct.pack("<Q", 1), room=0, flags=0x21))
    write(t, "readdirplus", b"\1" +
          fuse(F_LOOKUP, 1, name("d")) +
          fuse(F_OPENDIR, 2, struct.pack("<II", 0, 0)) +
          fuse(F_READDIRPLUS, 2, read_in(1, 0, 4096)) +
          fuse(F_READDIR, 2, read_in(1, 0, 200)) +
          fuse(F_RELEASEDIR, 2, struct.pack("<QIIQ", 1, 0, 0, 0)) +
          fuse(F_STATFS, 1) +
          fuse(F_BATCH_FORGET, 0, struct.pack("<II", 3, 0) +
               struct.pack("<QQ", 2, 1) + struct.pack("<QQ", 3, 5) +
               struct.pack("<QQ", 4, 1), room=0, flags=0x21))
    write(t, "symlinks-and-escapes", b"\1" +
          fuse(F_LOOKUP, 1, name("abs")) +
          fuse(F_READLINK, 2) +
          fuse(F_OPEN, 2, struct.pack("<II", 0, 0)) +
          fuse(F_LOOKUP, 1, name("rel")) +
          fuse(F_LOOKUP, 1, name("..")) +
          fuse(F_LOOKUP, 1, name("d/a")) +
          fuse(F_LOOKUP, 2, name("x")) +
          fuse(F_LOOKUP, 1, name("fifo")) +
          fuse(F_OPEN, 4, struct.pack("<II", 0, 0)))
    setattr = struct.pack("<IIQQQQQQIIIIIIII", 1 << 3 | 1, 0, 0, 3, 0, 0,
                          0, 0, 0, 0, 0, 0o600, 0, 0, 0, 0)
    write(t, "create-write-rename", b"\0" +
          fuse(F_CREATE, 1, struct.pack("<IIII", 2, 0o644, 0, 0) +
               name("new")) +
          fuse(FUSE_WRITE, 2, struct.pack("<QQIIQII", 1, 2, 5, 0, 0, 0, 0) +
               b"hello", flags=0x04) +
          fuse(F_READ, 2, read_in(1, 0, 64)) +
          fuse(F_SETATTR, 2, setattr) +
          fuse(F_FSYNC, 2, struct.pack("<QII", 1, 1, 0)) +
          fuse(F_FALLOCATE, 2, struct.pack("<QQQII", 1, 0, 8192, 0, 0)) +
          fuse(F_FLUSH, 2, struct.pack("<QIIQ", 1, 0, 0, 0)) +
          fuse(F_RELEASE, 2, struct.pack("<QIIQ", 1, 0, 0, 0)) +
          fuse(F_MKDIR, 1, struct.pack("<II", 0o755, 0) + name("sub")) +
          fuse(F_SYMLINK, 3, name("ln", "../file")) +
          fuse(F_RENAME, 1, struct.pack("<Q", 3) + name("new", "moved")) +
          fuse(F_RENAME2, 3, struct.pack("<QII", 1, 1, 0) +
               name("moved", "back")) +
          fuse(F_LINK, 1, struct.pack("<Q", 2) + name("hard")) +
          fuse(F_ACCESS, 2, struct.pack("<II", 4, 0)) +
          fuse(F_MKNOD, 1, struct.pack("<IIII", 0o10644, 0, 0, 0) +
               name("pipe")) +
          fuse(F_UNLINK, 1, name("hard")) +
          fuse(F_UNLINK, 3, name("ln")) +
          fuse(F_RMDIR, 1, name("sub")) +
          fuse(F_DESTROY, 0))
    write(t, "ro-refuses", b"\1" +
          fuse(F_CREATE, 1, struct.pack("<IIII", 2, 0o644, 0, 0) +
               name("new")) +
          fuse(F_LOOKUP, 1, name("file")) +
          fuse(F_OPEN, 2, struct.pack("<II", 2, 0)) +
          fuse(F_SETATTR, 2, setattr) +
          fuse(F_MKDIR, 1, struct.pack("<II", 0o755, 0) + name("sub")) +
          fuse(F_UNLINK, 1, name("file")))
    create = lambda flags, *names: fuse(
        F_CREATE, 1, struct.pack("<IIII", flags, 0o644, 0, 0) + name(*names))
    open_in = lambda flags: struct.pack("<II", flags, 0)
    write_in = lambda fh, off, size: struct.pack("<QQIIQII", fh, off, size,
                                                 0, 0, 0, 0)
    size_in = lambda size: struct.pack("<IIQQQQQQIIIIIIII", 1 << 3, 0, 0,
                                       size, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0)
    # CREATE of names that hold a FIFO, a device, a directory, a link.
    write(t, "create-on-special-files", b"\0" +
          create(O_WRONLY, "fifo") + create(O_RDWR, "fifo") +
          create(0, "fifo") + create(O_WRONLY, "null") +
          create(O_WRONLY | O_TRUNC, "d") + create(O_WRONLY, "abs") +
          fuse(F_LOOKUP, 1, name("null")) +
          fuse(F_OPEN, 2, open_in(0)) +
          fuse(F_SETATTR, 2, size_in(0)))
    # Writes and truncates of set-ID programs drop their bits.
    write(t, "setid-writes", b"\0" +
          fuse(F_LOOKUP, 1, name("suid")) +
          fuse(F_OPEN, 2, open_in(O_WRONLY)) +
          fuse(FUSE_WRITE, 2, write_in(1, 0, 4) + b"evil") +
          fuse(F_LOOKUP, 1, name("sgid")) +
          fuse(F_SETATTR, 3, size_in(1)) +
          create(O_WRONLY | O_TRUNC, "sgid") +
          fuse(F_FALLOCATE, 3, struct.pack("<QQQII", 2, 0, 4096, 0, 0)))
    # Past RLIMIT_FSIZE (1 MiB): EFBIG, a short write across it.
    write(t, "past-fsize-limit", b"\0" +
          create(O_RDWR, "big") +
          fuse(FUSE_WRITE, 2, write_in(1, 2 << 20, 4) + b"data") +
          fuse(FUSE_WRITE, 2, write_in(1, (1 << 20) - 2, 4) + b"data") +
          fuse(F_SETATTR, 2, size_in(4 << 20)) +
          fuse(F_FALLOCATE, 2, struct.pack("<QQQII", 1, 0, 2 << 20, 0,
                                           0)) +
          fuse(F_SYNCFS, 1, struct.pack("<Q", 0)))
    # The procfs mounted at proc/ is an empty, sealed directory.
    write(t, "into-proc", b"\1" +
          fuse(F_LOOKUP, 1, name("proc")) +
          fuse(F_LOOKUP, 2, name("self")) +
          fuse(F_LOOKUP, 2, name("1")) +
          fuse(F_OPENDIR, 2, open_in(0)) +
          fuse(F_READDIRPLUS, 2, read_in(1, 0, 4096)) +
          fuse(F_LOOKUP, 1, name("d")) +
          fuse(F_READDIRPLUS, 3, read_in(1, 0, 4096)) +
          fuse(F_MKDIR, 2, struct.pack("<II", 0o755, 0) + name("x")))
    write(t, "malformed", b"\2" +
          fuse(F_LOOKUP, 1, name("file")) +
          fuse(F_INIT, 0, struct.pack("<IIII", 7, 38, 0, 0), room=10) +
          fuse(F_LOOKUP, 1, b"file", flags=0x40) +
          fuse(F_READ, 1, b"\xff" * 7) +
          fuse(999, 1, b"x" * 100) +
          struct.pack("<BHH", 0, 100, 12) + b"\x10" * 12)


# ---- fuzz_platform_io: port I/O to the platform devices ----
P_COM1, P_RTC, P_PM, P_KBD, P_PCI, P_EXTRA, P_NONE, P_RAW = range(8)
P_SIZE = {1: 0, 2: 1, 4: 2}
CTRL_A = 1


def plat_hdr(clock=1700000000, raw=False, ranges=()):
    h = struct.pack("<I", clock) + bytes([(1 if raw else 0)
                                          | len(ranges) << 4, 0, 0, 0])
    for base, length, high in ranges:
        h += struct.pack("<H", base) + bytes([length | (0x80 if high else
                                                        0)])
    return h


def pio(base, off, size=1, value=None):
    """A port access at base (P_*) + off; a write when value is given."""
    assert -8 <= off < 24
    kind = 0 | P_SIZE[size] << 2 | (0x80 if value is not None else 0)
    return (bytes([kind, base << 5 | (off + 8)])
            + struct.pack("<I", value or 0))


def pio_raw(port, size=1, value=None):
    kind = 0 | P_SIZE[size] << 2 | (0x80 if value is not None else 0)
    return (bytes([kind, P_RAW << 5 | 8])
            + struct.pack("<I", port << 16 | (value or 0) & 0xffff))


def host_in(data=b"", counter=False):
    """Up to 4 bytes of host input, and 300 bytes of a counter."""
    assert len(data) <= 4
    return (bytes([2, len(data) | (0x80 if counter else 0)])
            + data.ljust(4, b"\0"))


def run_device():
    return bytes([3, 0, 0, 0, 0, 0])


def close_stdin():
    return bytes([3 | 1 << 2, 0, 0, 0, 0, 0])


def uart_listen():
    """What the 8250 driver leaves: DLAB off, FIFO on, OUT2, RX irq."""
    return (pio(P_COM1, 3, 1, 0x03) + pio(P_COM1, 2, 1, 0xc7)
            + pio(P_COM1, 4, 1, 0x0b) + pio(P_COM1, 1, 1, 0x01))


def cmos(index, value=None):
    s = pio(P_RTC, 0, 1, index)
    return s + (pio(P_RTC, 1) if value is None else pio(P_RTC, 1, 1, value))


def platform_seeds():
    t = "fuzz_platform_io"

    # The 8250 driver's probe: scratch, loopback test, baud divisor, IIR
    # with the THR interrupt on, then printing a panic line.
    s = pio(P_COM1, 7, 1, 0x55) + pio(P_COM1, 7)
    s += pio(P_COM1, 4, 1, 0x1a) + pio(P_COM1, 6) + pio(P_COM1, 4, 1, 0)
    s += pio(P_COM1, 3, 1, 0x80) + pio(P_COM1, 0, 1, 1)
    s += pio(P_COM1, 1, 1, 0) + pio(P_COM1, 3, 1, 0x03)
    s += pio(P_COM1, 1, 1, 0x0f) + pio(P_COM1, 2) + pio(P_COM1, 5)
    s += pio(P_COM1, 2) + pio(P_COM1, 1, 1, 0)
    s += pio(P_COM1, 4, 1, 0x10)  # loopback
    for c in b"ab":
        s += pio(P_COM1, 0, 1, c)
    s += pio(P_COM1, 5) + pio(P_COM1, 0) + pio(P_COM1, 0) + pio(P_COM1, 0)
    s += pio(P_COM1, 4, 1, 0x0b)
    for c in b"Kernel panic - not syncing: x\n":
        s += pio(P_COM1, 0, 1, c)
    write(t, "uart-probe", plat_hdr() + s)

    # More input than FIFO and console buffer hold between reads.
    s = uart_listen() + host_in(b"go", True) + host_in(counter=True)
    s += host_in(counter=True) + run_device()
    for _ in range(40):
        s += pio(P_COM1, 2) + pio(P_COM1, 5) + pio(P_COM1, 0)
    s += run_device() + pio(P_COM1, 2, 1, 0xc7) + run_device()
    s += pio(P_COM1, 1, 1, 0) + host_in(b"late") + run_device()
    s += pio(P_COM1, 1, 1, 1) + run_device() + pio(P_COM1, 0)
    s += close_stdin() + run_device()
    write(t, "uart-input-backpressure", plat_hdr() + s)

    # A terminal: Ctrl-A Ctrl-A, Ctrl-A y, then Ctrl-A x.
    s = uart_listen() + host_in(b"a" + bytes([CTRL_A, CTRL_A]) + b"b")
    s += host_in(bytes([CTRL_A]) + b"yc") + run_device()
    for _ in range(4):
        s += pio(P_COM1, 0)
    s += host_in(bytes([CTRL_A]) + b"xz") + run_device()
    write(t, "uart-escapes", plat_hdr(raw=True) + s)

    # Input held while the guest does not listen, let in when it does.
    s = host_in(b"wait", True) + run_device()
    s += pio(P_COM1, 1, 1, 1) + run_device() + pio(P_COM1, 4, 1, 0x08)
    s += run_device() + close_stdin() + run_device()
    s += pio(P_COM1, 0, 2) + pio(P_COM1, 5, 4)
    write(t, "uart-listen-late", plat_hdr() + s)

    # Setting the clock in BCD, 24 h; then binary, 12 h.
    s = cmos(0x0b, 0x82)
    for reg, v in ((0, 0x30), (2, 0x59), (4, 0x23), (7, 0x31), (8, 0x12),
                   (9, 0x99), (0x32, 0x19)):
        s += cmos(reg, v)
    s += cmos(0x0b, 0x02)
    for reg in (0, 2, 4, 6, 7, 8, 9, 0x32, 0x0a, 0x0c, 0x0d):
        s += cmos(reg)
    s += cmos(0x0b, 0x84)
    for reg, v in ((0, 5), (2, 7), (4, 0x80 | 12), (7, 29), (8, 2), (9, 24),
                   (0x32, 20)):
        s += cmos(reg, v)
    s += cmos(0x0b, 0x04) + cmos(4) + cmos(0x0b, 0x06) + cmos(4)
    s += cmos(2, 0x45) + cmos(2) + cmos(0x8e, 0x12) + cmos(0x0e)
    write(t, "rtc-set-clock", plat_hdr(clock=951782400) + s)

    # Power off, ACPI reset, i8042 reset, and writes that mean neither.
    s = pio(P_PM, 0, 1, 5 << 2) + pio(P_PM, 0, 2, 5 << 2 | 1 << 5)
    s += pio(P_PM, 2, 1, 1) + pio(P_PM, 1, 2, 0x100) + pio(P_PM, 0, 4, 0x21)
    s += pio(P_PM, 1) + pio(P_KBD, 0, 1, 0xfe) + pio(P_KBD, 0)
    s += pio(P_KBD, -4, 1, 0xfe) + pio(P_KBD, 0, 2, 0x01fe)
    write(t, "power-and-reset", plat_hdr() + s)

    # Accesses across the ends of ranges; ranges that overlap, are empty,
    # or wrap; the PCI configuration ports.
    ranges = ((0x80, 16, False), (0x88, 4, False), (0x90, 0, False),
              (0xffe0, 40, True), (0x3f0, 8, False), (0xa0, 1, False))
    s = b""
    for base in (P_COM1, P_RTC, P_PM, P_KBD, P_EXTRA):
        for off in (-2, -1, 0, 1, 6, 7):
            for size in (1, 2, 4):
                s += pio(base, off, size)
    s += pio_raw(0xffff, 2) + pio_raw(0, 4) + pio_raw(0xa0, 1, 7)
    s += pio(P_PCI, 0, 4, 0x80000000) + pio(P_PCI, 4, 4)
    s += pio(P_PCI, 0, 4, 0x80000800) + pio(P_PCI, 6, 2) + pio(P_PCI, 3, 1)
    s += pio(P_PCI, -1, 2) + pio(P_NONE, 0, 1) + pio(P_NONE, 4, 1, 0xfe)
    write(t, "bus-edges", plat_hdr(ranges=ranges) + s)


# ---- fuzz_net_backends: virtio-net on its TAP and slirp back ends ----
N_FRAME, N_BURST, N_POST_RX, N_TX, N_RUN, N_RESET, N_KICK, N_STORE = range(8)
N_MRG, N_EVENT_IDX, N_GUEST_CSUM, N_GUEST_TSO4 = 1, 2, 4, 8
N_CSUM, N_HOST_TSO4 = 0x20, 0x40
# frame_size() classes
C_EMPTY, C_RUNT, C_HDR, C_ETH, C_RAW, C_MTU, C_MAX, C_OVER = range(8)


def net_hdr(n=16, slirp=False, features=N_MRG, rx_later=False):
    return bytes([(1 if slirp else 0) | log2(n) << 1
                  | (0x20 if rx_later else 0), features, 0, 0])


def vnet(flags=0, gso=0, hdr_len=0, gso_size=0, csum_start=0, csum_off=0,
         nb=0):
    return struct.pack("<BBHHHHH", flags, gso, hdr_len, gso_size,
                       csum_start, csum_off, nb)


def nop(kind, b1=0, size=0, rest=b""):
    return (bytes([kind, b1]) + struct.pack("<H", size)
            + rest.ljust(12, b"\0"))


def host_frame(cls, size=0, hdr=vnet()):
    return nop(N_FRAME, cls, size, hdr)


def burst(cls, count, size=0, hdr=vnet()):
    return nop(N_BURST, cls | (count - 1) << 3, size, hdr)


def post_rx(count, size_even, size_odd=None, descs=1, bad=False,
            readable=False):
    b1 = (count - 1) | (descs - 1) << 3 | (0x20 if bad else 0) \
        | (0x40 if readable else 0)
    return (bytes([N_POST_RX, b1]) + struct.pack("<HH", size_even,
                                                 size_even if size_odd is None
                                                 else size_odd) + bytes(10))


def tx(payload, hdr=vnet(), descs=1, short=False, oversize=False,
       writable=False):
    b1 = (descs - 1) | (4 if short else 0) | (8 if oversize else 0) \
        | (0x10 if writable else 0)
    return nop(N_TX, b1, payload, hdr)


def nrun():
    return nop(N_RUN)


def net_backend_seeds():
    t = "fuzz_net_backends"
    hostile = vnet(0xff, 0x44, 0xffff, 0xfff0, 0xfffe, 0xffff, 0x1234)
    gso = vnet(1, 1, 54, 1448, 34, 16, 0)

    s = post_rx(4, 1526) + host_frame(C_ETH, 100) + nrun()
    s += host_frame(C_MTU, 3) + host_frame(C_HDR) + nrun()
    write(t, "tap-rx", net_hdr(16, features=N_MRG | N_EVENT_IDX) + s)

    s = post_rx(6, 4096) + host_frame(C_RAW, 20000, gso) + nrun()
    s += post_rx(2, 4096) + nrun() + post_rx(2, 1000) + nrun()
    write(t, "tap-rx-merged", net_hdr(64, features=N_MRG | N_GUEST_CSUM
                                       | N_GUEST_TSO4) + s)

    s = post_rx(2, 8, 100) + post_rx(2, 1526, descs=3)
    s += host_frame(C_ETH, 50) + host_frame(C_ETH, 500) + nrun()
    s += host_frame(C_ETH, 1400) + nrun()
    write(t, "tap-rx-no-merge-small", net_hdr(8, features=0) + s)

    s = post_rx(3, 16000, descs=2) + burst(C_RUNT, 4, 3)
    s += host_frame(C_EMPTY) + host_frame(C_OVER, 100)
    s += host_frame(C_MAX, 2) + nrun() + post_rx(3, 16000) + nrun()
    write(t, "tap-runts-oversize", net_hdr(16) + s)

    s = post_rx(4, 2048) + host_frame(C_ETH, 200, hostile)
    s += host_frame(C_HDR, 0, hostile) + burst(C_ETH, 8, 60, gso) + nrun()
    s += post_rx(8, 256, 2048, readable=True) + nrun()
    write(t, "tap-hostile-headers",
          net_hdr(16, features=N_MRG | N_EVENT_IDX | N_GUEST_CSUM) + s)

    s = tx(100, gso, descs=3) + tx(0) + tx(5, short=True)
    s += tx(0, oversize=True) + tx(1500, hostile, writable=True) + nrun()
    s += tx(9000, vnet(1, 3, 66, 1440, 54, 6), descs=4) + nrun()
    write(t, "tap-tx", net_hdr(16, features=N_CSUM | N_HOST_TSO4
                                | N_EVENT_IDX) + s)

    s = post_rx(1, 1526) + host_frame(C_RAW, 4000) + nrun()
    s += nop(N_RESET, N_MRG) + post_rx(4, 1526) + nrun()
    s += host_frame(C_ETH, 10) + nrun()
    write(t, "reset-with-frame-held", net_hdr(8) + s)

    s = host_frame(C_ETH, 80) + nrun() + post_rx(2, 1526)
    s += nop(N_KICK, 0) + nrun() + nop(N_KICK, 2) + nrun()
    write(t, "kicks", net_hdr(4, features=N_EVENT_IDX) + s)

    s = post_rx(8, 1600) + host_frame(C_EMPTY) + host_frame(C_ETH, 60)
    s += host_frame(C_RAW, 1536) + host_frame(C_RAW, 1537)
    s += burst(C_ETH, 32, 100) + nrun() + post_rx(8, 1600) + nrun()
    write(t, "slirp-rx", net_hdr(16, slirp=True) + s)

    s = tx(60, descs=2) + tx(0) + tx(1, short=True) + tx(8000, descs=4)
    s += tx(0, oversize=True) + nrun()
    write(t, "slirp-tx", net_hdr(16, slirp=True, features=N_EVENT_IDX) + s)

    # Frames on the TAP queue while the device cannot take them: the
    # device thread spun on the readable queue before readiness became
    # one-shot. The receive queue enabled only after DRIVER_OK ...
    s = host_frame(C_ETH, 100) + nrun() + post_rx(2, 1526)
    s += nop(N_KICK, 0x80) + nrun() + host_frame(C_ETH, 200) + nrun()
    write(t, "regress-tap-rx-enabled-late", net_hdr(16, rx_later=True) + s)
    # ... and a receive ring broken (avail->idx 0x7777 ahead of a ring of
    # 16): the device needs a reset, which comes and brings the frames in.
    s = post_rx(1, 1526) + nop(N_STORE, 0x02, 0x7701, b"\x77")
    s += host_frame(C_ETH, 100) + host_frame(C_ETH, 100) + nrun()
    s += host_frame(C_ETH, 100) + nrun()
    s += nop(N_RESET, N_MRG) + post_rx(4, 1526) + nrun()
    write(t, "regress-tap-ring-broken", net_hdr(16) + s)


# ---- fuzz_virtio_devices: blk, net, fs behind virtio-pci or virtio-mmio ----
D_BLK, D_NET, D_FS = 0, 1, 2
D_RUN, D_STORE, D_BRINGUP, D_FRAME, D_RESET = 5, 6, 7, 8, 9


def dop(what, b1=0, off=0, value=0, wr=False):
    return (bytes([what | (0x80 if wr else 0), b1]) + struct.pack("<I", off)
            + struct.pack("<Q", value))


def dev_rings(base, n, nq):
    """The ring layout the target's bring-up programs."""
    out, gpa = [], base
    for _ in range(nq):
        avail = gpa + 16 * n
        used = (avail + 6 + 2 * n + 3) & ~3
        out.append((gpa, avail, used))
        gpa = (used + 6 + 8 * n + 63) & ~63
    return out


def dev_bringup(dev, n, page=0, features=0):
    return dop(D_BRINGUP, dev | log2(n) << 2, page, features)


def dev_notify(dev, q, mmio):
    if mmio:
        return dop(dev, 3, 0x050, q, wr=True)
    return dop(dev, 1, 0x3000 + 4 * q, q, wr=True)


def dev_seed(mmio, ops, ram):
    return (bytes([1 if mmio else 0]) + struct.pack("<H", len(ops) // 14)
            + ops + ram.b)


def device_seeds():
    t = "fuzz_virtio_devices"
    n = 16
    for mmio in (False, True):
        tag = "mmio" if mmio else "pci"

        # blk: a write, a read of it, a flush, GET_ID.
        ram = Ram()
        (d, a, u), = dev_rings(RAM_GPA, n, 1)
        q = Queue(ram, n, d, a, u)
        hdr, data, st = 0x8000, 0x9000, 0x8800
        ram.put(hdr, struct.pack("<IIQ", T_OUT, 0, 2))
        ram.put(data, bytes(range(256)) * 2)
        q.chain([(hdr, 16, 0), (data, 512, 0), (st, 1, F_WRITE)])
        ram.put(hdr + 16, struct.pack("<IIQ", T_IN, 0, 2))
        q.chain([(hdr + 16, 16, 0), (data + 0x200, 512, F_WRITE),
                 (st + 1, 1, F_WRITE)])
        ram.put(hdr + 32, struct.pack("<IIQ", T_FLUSH, 0, 0))
        q.chain([(hdr + 32, 16, 0), (st + 2, 1, F_WRITE)])
        ram.put(hdr + 48, struct.pack("<IIQ", T_GET_ID, 0, 0))
        q.chain([(hdr + 48, 16, 0), (data + 0x400, 20, F_WRITE),
                 (st + 3, 1, F_WRITE)])
        ops = dev_bringup(D_BLK, n, features=1 << EVENT_IDX)
        ops += dev_notify(D_BLK, 0, mmio) + dop(D_RUN)
        ops += dop(D_BLK, 3, 0x060 if mmio else 0x1000) + dop(D_RUN)
        write(t, f"{tag}-blk", dev_seed(mmio, ops, ram))

        # net: a frame out, two receive buffers, a frame in.
        ram = Ram()
        (rd, ra, ru), (td, ta, tu) = dev_rings(RAM_GPA, n, 2)
        rxq = Queue(ram, n, rd, ra, ru)
        txq = Queue(ram, n, td, ta, tu)
        rxq.chain([(0x8000, 1526, F_WRITE)])
        rxq.chain([(0x8800, 1526, F_WRITE)])
        ram.put(0x9000, bytes(12) + b"\xff" * 6 + b"\x52\x54" * 3
                + b"\x08\x06" + bytes(46))
        txq.chain([(0x9000, 12, 0), (0x900c, 60, 0)])
        ops = dev_bringup(D_NET, n, features=1 << 15)  # MRG_RXBUF
        ops += dev_notify(D_NET, 1, mmio) + dev_notify(D_NET, 0, mmio)
        ops += dop(D_FRAME, 0, 0, 100) + dop(D_FRAME, 0, 0, 2000)
        ops += dop(D_RUN)
        ops += dop(D_NET, 3, 0x100 if mmio else 0x2000)  # config: MAC
        write(t, f"{tag}-net", dev_seed(mmio, ops, ram))

        # fs: INIT, LOOKUP, OPEN, READ on the request queue; a FORGET on
        # the hiprio queue.
        ram = Ram()
        (hd, ha, hu), (qd, qa, qu) = dev_rings(RAM_GPA, n, 2)
        hq = Queue(ram, n, hd, ha, hu)
        rq = Queue(ram, n, qd, qa, qu)
        reqs = [fuse(F_INIT, 0, struct.pack("<IIII", 7, 38, 0, 0)),
                fuse(F_LOOKUP, 1, name("file")),
                fuse(F_OPEN, 2, struct.pack("<II", 0, 0)),
                fuse(F_READ, 2, struct.pack("<QQIIQII", 1, 0, 64, 0, 0, 0,
                                            0))]
        at, reply = 0x8000, 0xa000
        for r in reqs:
            req = r[5:]
            ram.put(at, req)
            rq.chain([(at, len(req), 0), (reply, 1024, F_WRITE)])
            at += 0x100
            reply += 0x400
        forget = fuse(F_FORGET, 2, struct.pack("<Q", 1))[5:]
        ram.put(at, forget)
        hq.chain([(at, len(forget), 0)])
        ops = dev_bringup(D_FS, n)
        ops += dev_notify(D_FS, 1, mmio) + dop(D_RUN)
        ops += dev_notify(D_FS, 0, mmio) + dop(D_RUN)
        ops += dop(D_FS, 3, 0x100 if mmio else 0x2000)  # config: tag
        write(t, f"{tag}-fs", dev_seed(mmio, ops, ram))

        # All three up at once, rings apart; resets with work queued.
        ram = Ram()
        ops = dev_bringup(D_BLK, n, 0) + dev_bringup(D_NET, n, 2)
        ops += dev_bringup(D_FS, n, 4)
        (d, a, u), = dev_rings(RAM_GPA, n, 1)
        q = Queue(ram, n, d, a, u)
        ram.put(0xc000, struct.pack("<IIQ", T_IN, 0, 0))
        q.chain([(0xc000, 16, 0), (0xd000, 4096, F_WRITE),
                 (0xc010, 1, F_WRITE)])
        ops += dev_notify(D_BLK, 0, mmio) + dop(D_RESET, D_BLK)
        ops += dop(D_FRAME, 0, 0, 60) + dop(D_RESET, D_NET) + dop(D_RUN)
        ops += dop(D_RESET, D_FS) + dop(D_RUN)
        write(t, f"{tag}-all-and-resets", dev_seed(mmio, ops, ram))

# fuzz_control: operations on up to ten clients of the control socket.
C_SEND, C_SEND_FDS, C_RUN, C_READ, C_SHUT, C_LEAVE, C_FILL, C_CANNED = range(8)
FD_FILE, FD_RDONLY, FD_PIPE, FD_NULL, FD_APPEND, FD_DIR = (1 << k for k in range(6))


def cop(what, client=0, *args):
    return bytes([what | client << 3]) + bytes(args)


def csend(data, client=0):
    data = data.encode() if isinstance(data, str) else data
    out = b""
    while True:
        out += cop(C_SEND, client, len(data[:255])) + data[:255]
        data = data[255:]
        if not data:
            return out


def csend_fds(data, mask, client=0):
    data = data.encode() if isinstance(data, str) else data
    return cop(C_SEND_FDS, client, mask, len(data)) + data


def control_seeds():
    t = "fuzz_control"
    run_read = cop(C_RUN) + cop(C_READ)
    for i, name in enumerate(["status", "pause", "resume", "stop", "sysrq",
                              "nmi", "dump", "sysrq-escaped",
                              "dump-duplicate"]):
        write(t, f"canned-{name}", cop(C_CANNED, 0, i) + run_read)
    write(t, "every-command", b"".join(cop(C_CANNED, 0, i) for i in range(9))
          + run_read)
    write(t, "status-bytes", csend('{"cmd":"status"}\n') + run_read)
    write(t, "pipelined", csend('{"cmd":"nmi"}\nhello\n\n{"cmd":"status"}'
                                 '\n{}\n{"cmd":1}\n') + run_read)
    write(t, "escapes", csend('{"cmd":"sysrq","key":"\\u0074"}\n'
                              '{"cmd":"\\ud83d\\ude00"}\n'
                              '{"cmd":"s\\u0000"}\n{"a":"\\ud800"}\n'
                              '{"cmd":"status","x":[1]}\n'
                              '{"n":-9223372036854775808}\n') + run_read)
    write(t, "utf8", csend(b'{"cmd":"\xc3\xa9\xf0\x9f\x98\x80"}\n'
                           b'{"cmd":"\xc0\xaf"}\n{"cmd":"\xed\xa0\x80"}\n')
          + run_read)
    for name, mask in [("file", FD_FILE), ("rdonly", FD_RDONLY),
                       ("pipe", FD_PIPE), ("null", FD_NULL),
                       ("append", FD_APPEND), ("dir", FD_DIR),
                       ("two", FD_FILE | FD_RDONLY), ("all", 0x3f)]:
        write(t, f"dump-{name}",
              csend_fds('{"cmd":"dump"}\n', mask) + run_read)
    write(t, "dump-split", csend_fds('{"cmd":', FD_FILE) + cop(C_RUN)
          + csend('"dump"}\n') + run_read)
    write(t, "dump-joined", csend('{"cmd":"status"}\n')
          + csend_fds('{"cmd":"dump"}\n', FD_FILE) + run_read)
    write(t, "status-with-fd", csend_fds('{"cmd":"status"}\n', FD_PIPE)
          + run_read)
    write(t, "longest-line", csend('{"cmd":"status"}') + cop(C_FILL, 0, 32, 126)
          + csend(" " * 63 + "\n") + run_read)
    write(t, "line-too-long", cop(C_FILL, 0, ord("x"), 128) + run_read
          + csend('{"cmd":"status"}\n') + run_read)
    write(t, "too-many-clients",
          b"".join(csend('{"cmd":', c) for c in range(10)) + cop(C_RUN)
          + b"".join(csend('"status"}\n', c) for c in range(10)) + run_read)
    write(t, "leave-mid-request", csend_fds('{"cmd":"du', FD_FILE) + cop(C_RUN)
          + cop(C_LEAVE) + csend('{"cmd":"status"}\n', 1) + run_read)
    write(t, "leave-mid-reply", b"".join(csend('{"cmd":"status"}\n')
                                         for _ in range(30))
          + cop(C_LEAVE) + cop(C_RUN))
    write(t, "half-close", csend('{"cmd":"status"}\n{"cmd":"nmi"}') + cop(C_SHUT)
          + run_read)
    write(t, "never-reads", b"".join(csend("\n" * 255) for _ in range(16))
          + cop(C_RUN) + csend('{"cmd":"status"}\n', 1) + run_read)


def gpkt(data):
    """A gdb packet as gdb frames it."""
    if isinstance(data, str):
        data = data.encode()
    return b"$" + data + b"#%02x" % (sum(data) & 0xff)


def gfeed(raw):
    """Operations feeding raw bytes to the stub, 128 at a time."""
    out = b""
    for i in range(0, len(raw), 128):
        chunk = raw[i:i + 128]
        out += bytes([len(chunk) - 1]) + chunk
    return out


def gcmds(*cmds):
    return gfeed(b"".join(gpkt(c) for c in cmds))


G_INTERRUPT, G_SWBREAK, G_DEBUG = 0, 1, 2
G_BS = 0x10


def gstop(kind, cpu=0, dr6=0):
    return bytes([0x80 | cpu << 2 | kind, dr6])


def gdb_stub_seeds():
    t = "fuzz_gdb_stub"
    # What gdb 13 sends when it connects, steps, uses each kind of
    # breakpoint and detaches (acks on, then off).
    ops = gfeed(b"+" + gpkt("qSupported:multiprocess+;swbreak+;hwbreak+;"
                            "qRelocInsn+;vContSupported+;xmlRegisters=i386"))
    ops += gfeed(b"+" + gpkt("vMustReplyEmpty") + b"+" +
                 gpkt("QStartNoAckMode") + b"+")
    ops += gcmds("Hg0", "qXfer:features:read:target.xml:0,1000",
                 "qXfer:features:read:target.xml:1000,1000", "qTStatus",
                 "?", "qfThreadInfo", "qsThreadInfo", "qAttached", "Hc-1",
                 "g", "m1000,1", "vCont?", "vCont;s:1;c")
    ops += gstop(G_DEBUG, 0, G_BS)
    ops += gcmds("Z1,1010,1", "vCont;c") + gstop(G_DEBUG, 0, 1)
    ops += gcmds("z1,1010,1", "Z0,1020,1", "vCont;c") + gstop(G_SWBREAK)
    ops += gcmds("z0,1020,1", "Z4,2000,8", "vCont;c") + gstop(G_DEBUG, 0, 1)
    ops += gcmds("z4,2000,8", "P0=3412000000000000", "p10", "M1000,2:cccc",
                 "qThreadExtraInfo,2", "Hg2", "g", "T2", "D")
    write(t, "session", bytes([1]) + ops)

    # Breakpoints under memory writes, the table and the DRs filled.
    ops = gcmds(*["Z0,%x,1" % (0x1000 + 3 * i) for i in range(65)])
    ops += gcmds("m1000,40", "M1001,4:01020304", "z0,1003,1", "m1000,8",
                 "Z2,3000,4", "Z3,3008,8", "Z4,3011,1", "Z1,1000,1",
                 "Z2,3020,2", "Z2,3001,2", "c")
    ops += gstop(G_DEBUG, 0, 0x1f)
    ops += gfeed(gpkt(b"X1000,4:}\x03}]*\x00") + gpkt("m5000,10") +
                 gpkt("m4ff0,20"))
    write(t, "breakpoints", bytes([0]) + ops)

    # Ctrl-C while running, a disconnect while running, a new gdb.
    ops = gcmds("c") + gfeed(b"\x03\x03") + gstop(G_INTERRUPT, 1)
    ops += gcmds("Z0,1010,1", "s") + b"\xe0" + gstop(G_DEBUG, 0, G_BS)
    ops += b"\xe1" + gcmds("?", "m1010,1") + gstop(G_INTERRUPT)
    write(t, "interrupt-and-reconnect", bytes([1]) + ops)

    # A packet past the limit, then a good one; bad checksums; '-'.
    ops = gfeed(b"$") + bytes([0xc0 + 16, ord("a")]) + gfeed(b"#00")
    ops += gfeed(b"$?#00$?#zz") + gcmds("qC") + gfeed(b"-")
    write(t, "oversized-and-nacks", bytes([0]) + ops)

    # Four vCPUs, a step of one, vCPUs reported out of range.
    ops = gcmds("qfThreadInfo", "qsThreadInfo", "Hg3", "g", "T4", "T5",
                "Hc2", "vCont;s:3;c")
    ops += gstop(G_DEBUG, 7, G_BS) + gstop(G_DEBUG, 2, G_BS)
    ops += gcmds("S05;1000") + gstop(G_DEBUG, 1, G_BS) + gcmds("C02")
    ops += gstop(G_INTERRUPT, 3) + gcmds("k")
    write(t, "threads-and-kill", bytes([3]) + ops)

    # A target that stops inside resume(), set_debug failing.
    ops = gcmds("Z0,1010,1", "s", "c", "vCont;s:1") + b"\xe2"
    ops += gcmds("c") + b"\xe2" + gcmds("c", "D")
    write(t, "stop-at-once", bytes([4 | 1]) + ops)

    # Every register written at once (G as long as g's reply), one at a
    # time, and with the target failing; memory at the top of the
    # address space.
    sizes = [8] * 17 + [4] * 7 + [10] * 8 + [4] * 8 + [16] * 16 + [4] + \
        [8] * 9
    regs = "".join("%02x" % (i + 1) * n for i, n in enumerate(sizes))
    ops = gcmds("g", "G" + regs, "g", "P11=46020000", "P12=33000000",
                "P18=00000000000000000000", "P41=010d000000000000", "p41")
    ops += b"\xe3" + gcmds("g", "G" + regs, "p10", "P10=0010000000000000",
                           "c1000") + b"\xe3"
    ops += gcmds("mfffffffffffffff8,10", "Mfffffffffffffffc,8:0011223344556677",
                 "Xffffffffffffffff,1:a", "qC", "T1")
    write(t, "registers-and-edges", bytes([1]) + ops)


if __name__ == "__main__":
    virtqueue_seeds()
    blk_seeds()
    pci_seeds()
    mmio_seeds()
    fs_seeds()
    mmio_race_seeds()
    pci_race_seeds()
    platform_seeds()
    net_backend_seeds()
    device_seeds()
    gdb_stub_seeds()
    control_seeds()
