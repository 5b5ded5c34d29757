#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the arm64 targets (deterministic):
tests/fuzz/corpus/{fuzz_pl031,fuzz_pl031_race,fuzz_arm64_image}/.

Each seed is an input in the format described at the top of the target's
.c file. Run from anywhere, after gen_seeds.py if the corpora were wiped:
    python3 tests/fuzz/gen_seeds_arm64.py
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# 2026-11-22 05:36:36 UTC, as tests/unit/test_pl031.c.
T0 = 1795325796
DR, MR, LR, CR, IMSC, RIS, MIS, ICR = range(8)  # register indexes
ID0 = 0xFE0


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


# fuzz_pl031 and fuzz_pl031_race: FUZZ_OP_SIZE (14) bytes per operation.
SIZE = {1: 0, 2: 1, 4: 2, 8: 3}
AT_REG, AT_ID, AT_WINDOW, AT_RAW = 0, 1, 2, 3


def op(what, b1=0, off=0, value=0):
    return struct.pack("<BBIQ", what, b1, off & 0xFFFFFFFF,
                       value & 0xFFFFFFFFFFFFFFFF)


def acc(write, where, off, value=0, size=4, rel=False, snap=False, vcpu=0):
    # op[0] bit 6 is fuzz_pl031's snapshot, fuzz_pl031_race's vCPU 1.
    what = (0x80 if write else 0) | (0x40 if snap else 0) | \
        (0x40 if vcpu else 0)
    b1 = SIZE[size] | where << 2 | (0x10 if rel else 0)
    return op(what, b1, off, value)


def rd(reg, **kw):
    return acc(False, AT_REG, reg, **kw)


def wr(reg, value, **kw):
    return acc(True, AT_REG, reg, value, **kw)


def clock_on(secs):  # fuzz_pl031: 4: + value % 8
    return op(4, value=secs)


def clock_jump(secs):  # fuzz_pl031: 5: + value % 2^32
    return op(5, value=secs)


def clock_back(secs):  # fuzz_pl031: 6: - value % 2^16
    return op(6, value=secs)


def clock_set(t):  # fuzz_pl031: 7
    return op(7, value=t)


def pl031_seeds():
    t = "fuzz_pl031"
    hdr = struct.pack("<Q", T0)

    # What Linux's rtc-pl031 does: the IDs, CR, the time, set it, alarm.
    ops = b"".join(acc(False, AT_ID, i) for i in range(8))
    ops += rd(CR) + wr(CR, 1) + rd(DR) + wr(LR, 1700000000) + rd(DR)
    ops += wr(IMSC, 0) + wr(ICR, 1) + wr(MR, 1700000100) + wr(IMSC, 1)
    ops += rd(MR) + rd(IMSC) + rd(RIS) + rd(MIS)
    write(t, "linux-probe", hdr + ops)

    # An alarm three seconds ahead, fired, acknowledged.
    ops = wr(LR, 0x12345678) + wr(MR, 3, rel=True) + wr(IMSC, 1)
    ops += clock_on(1) + rd(RIS) + clock_on(1) + rd(MIS) + clock_on(1)
    ops += rd(RIS) + rd(MIS) + wr(ICR, 1) + rd(MIS) + clock_on(5) + rd(RIS)
    write(t, "alarm", hdr + ops)

    # A match written at the count fires at once; masked, then unmasked.
    ops = wr(MR, 0, rel=True) + rd(RIS) + rd(MIS) + wr(IMSC, 1) + rd(MIS)
    ops += wr(ICR, 1) + wr(LR, 0, rel=True) + wr(MR, 0, rel=True)
    ops += wr(LR, 5, rel=True) + rd(RIS)
    write(t, "match-now", hdr + ops)

    # The host clock steps back past the match, then forward over it.
    ops = wr(IMSC, 1) + wr(MR, 2, rel=True) + clock_back(10) + rd(DR)
    ops += clock_on(7) + rd(RIS) + clock_on(7) + rd(RIS) + clock_on(7)
    ops += clock_back(3) + rd(MIS) + clock_jump(1 << 31) + rd(DR)
    ops += clock_jump((1 << 31) + 5) + rd(RIS) + clock_set(7) + rd(DR)
    write(t, "clock-steps", hdr + ops)

    # The count wraps at 2^32.
    ops = wr(LR, 0xFFFFFFFE) + wr(MR, 1) + wr(IMSC, 1) + clock_on(2)
    ops += rd(DR) + rd(RIS) + clock_on(1) + rd(DR) + rd(MIS)
    write(t, "wrap", struct.pack("<Q", (1 << 32) - 3) + ops)

    # Accesses that are not aligned 32-bit ones, each between snapshots.
    ops = wr(IMSC, 1) + wr(MR, 1, rel=True)
    for size in (1, 2, 8):
        for reg in (DR, MR, LR, IMSC, ICR):
            ops += acc(True, AT_REG, reg, 0xFFFFFFFF, size=size, snap=True)
            ops += acc(False, AT_REG, reg, size=size, snap=True)
    for off in (0x1, 0x6, 0xB, 0x20, 0x7FC, 0xFDC, 0xFE2, 0xFFD):
        ops += acc(True, AT_WINDOW, off, 1, snap=True)
        ops += acc(False, AT_WINDOW, off, snap=True)
    for off in (0x1000, 0x1004, 0xFFFFFFFC):
        ops += acc(True, AT_RAW, off, 1, snap=True)
        ops += acc(False, AT_RAW, off, snap=True)
    ops += acc(True, AT_ID, 0, 0, snap=True) + wr(RIS, 1, snap=True)
    ops += wr(MIS, 1, snap=True) + wr(DR, 5, snap=True) + wr(CR, 0, snap=True)
    write(t, "odd-accesses", hdr + ops)


def race_seeds():
    t = "fuzz_pl031_race"
    hdr = struct.pack("<Q", T0)
    sync = [op(7, 0), op(0x47, 0)]  # vCPU 0's, vCPU 1's
    spin = [op(7, 1, 0x100), op(0x47, 1, 0x80)]

    def check(v):
        return op(6 | (0x40 if v else 0))

    def on(v, secs):
        return op(4 | (0x40 if v else 0), value=secs)

    # One vCPU arms and acknowledges, the other masks and unmasks.
    ops = b""
    for _ in range(16):
        ops += wr(MR, 1, rel=True) + on(0, 1) + rd(RIS) + wr(ICR, 1)
        ops += wr(IMSC, 1, vcpu=1) + rd(MIS, vcpu=1) + wr(IMSC, 0, vcpu=1)
        ops += check(0) + check(1) + sync[0] + sync[1]
    write(t, "mask-vs-alarm", hdr + ops)

    # Both load the count and match it, the clock stepping under them.
    ops = b""
    for i in range(16):
        ops += wr(LR, 100 + i) + wr(MR, 0, rel=True) + spin[0]
        ops += wr(LR, 200 + i, vcpu=1) + wr(MR, 1, rel=True, vcpu=1)
        ops += on(1, 1) + wr(IMSC, 1, vcpu=1) + rd(DR) + check(0)
        ops += op(0x45, value=(1 << 63) | T0) + spin[1] + check(1)
    write(t, "load-and-match", hdr + ops)

    # Odd accesses from one vCPU while the other writes.
    ops = b""
    for i in range(16):
        ops += acc(False, AT_WINDOW, 0x3 + 4 * i) + \
            acc(False, AT_ID, i, size=2)
        ops += acc(False, AT_ID, i) + acc(False, AT_RAW, 0x1000 + 4 * i)
        ops += wr(ICR, 1, vcpu=1) + wr(IMSC, i & 1, vcpu=1)
        ops += wr(MR, 0, rel=True, vcpu=1) + check(1)
    write(t, "odd-vs-writes", hdr + ops)


# fuzz_arm64_image: an 8-byte header, then the kernel.
MiB = 1 << 20
BANNER = (b"Linux version 6.1.0-57-arm64 (debian-kernel@lists.debian.org) "
          b"(gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP Debian 6.1.158-1\n")


def image(text_offset=0, image_size=0x10000, flags=0xA, body=None,
          magic=b"ARM\x64"):
    """A tiny arm64 Image: booting.rst's 64-byte header, then a body."""
    if body is None:
        body = b"\x00" * 64 + BANNER + bytes(range(256)) * 2
    # code0: b +64 (to the body); code1: 0.
    hdr = struct.pack("<IIQQQQQQ", 0x14000010, 0, text_offset, image_size,
                      flags, 0, 0, 0) + magic + struct.pack("<I", 0)
    assert len(hdr) == 64
    return hdr + body


def img_hdr(ram=0, initrd=None, dtb=0, v=0, errlen=None, buflen=64,
            as_is=False):
    b0 = ram | (4 if initrd is not None else 0) | (8 if as_is else 0)
    return struct.pack("<BBHHBB", b0, dtb, initrd or 0, v,
                       0 if errlen is None else 0x80 | errlen, buflen)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def image_seeds():
    t = "fuzz_arm64_image"
    write(t, "raw", img_hdr() + image())
    write(t, "raw-initrd", img_hdr(initrd=4096) + image())
    write(t, "legacy", img_hdr(initrd=100) + image(image_size=0,
                                                  text_offset=0x1234))
    write(t, "text-offset", img_hdr(dtb=1) + image(text_offset=0x80000,
                                                   image_size=3 * MiB))
    write(t, "gzip", img_hdr(initrd=512) + gz(image()))
    write(t, "gzip-legacy", img_hdr(dtb=2) + gz(image(image_size=0)))
    write(t, "gzip-truncated", img_hdr() + gz(image())[:-12])
    # The trailer's size as it is: true, then a lie (a 256 MiB buffer).
    write(t, "gzip-as-is", img_hdr(as_is=True, initrd=99) +
          gz(image(image_size=0)))
    write(t, "gzip-size-lie", img_hdr(as_is=True) + gz(image())[:-4] +
          struct.pack("<I", 0xFFFFFFF0))
    write(t, "gzip-truncated-lie", img_hdr(as_is=True) + gz(image())[:-30] +
          struct.pack("<I", 0x7FFFFFFF))
    write(t, "gzip-trailing", img_hdr() + gz(image()) + b"\0" * 16)
    write(t, "big-endian", img_hdr(errlen=16) + image(flags=0xB))
    write(t, "bad-magic", img_hdr(errlen=7) + image(magic=b"ARMd"[::-1]))
    write(t, "too-big", img_hdr(initrd=0xFFFF) +
          image(image_size=62 * MiB))
    write(t, "huge-offset", img_hdr() +
          image(text_offset=(1 << 64) - 0x1000, image_size=1 << 40))
    # The RAM the loader is told of: less, starting higher, more.
    write(t, "ram-small", img_hdr(ram=1, v=0x1000, initrd=64) + image())
    write(t, "ram-shifted", img_hdr(ram=2, v=1000, initrd=4096, dtb=7) +
          image())
    write(t, "ram-larger", img_hdr(ram=3, v=16) + image())
    write(t, "ram-lower", img_hdr(ram=3 | 16, v=511, initrd=1) + image())
    write(t, "dtb-room-odd", img_hdr(dtb=3 + 8 * 20, initrd=33) + image())
    write(t, "dtb-room-none", img_hdr(dtb=5, errlen=0) + image())
    # Releases: a short buffer, a format string before the real banner.
    write(t, "release-short", img_hdr(buflen=4) + image())
    body = b"Linux version %s (%s)\n\0" + BANNER
    write(t, "release-format", img_hdr(buflen=255) + image(body=body))
    write(t, "release-at-end", img_hdr() + image(body=b"Linux version 6.1"))


if __name__ == "__main__":
    pl031_seeds()
    race_seeds()
    image_seeds()
