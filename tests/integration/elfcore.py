#!/usr/bin/env python3
"""Reads a guest dump that kestrel wrote (an ELF64 x86-64 core in the layout
of QEMU's dump-guest-memory), for the tests and for people.

usage: elfcore.py DUMP read GPA LEN   the LEN bytes at guest physical address
                                      GPA, as hex (exit 1 unless RAM has them)
       elfcore.py DUMP cpus           one line per NT_PRSTATUS: cpu N rip 0x...
       elfcore.py DUMP check          validates the structure; prints a summary
       elfcore.py DUMP vmcoreinfo     the guest kernel's VMCOREINFO text: the
                                      dump's note, else the first note found
                                      in guest RAM (for drgn --vmcoreinfo)

Exits 1 with one line on stderr when the dump is malformed or lacks what was
asked for, 2 on bad usage.
"""
import os
import struct
import sys

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
NHDR = struct.Struct("<III")
ET_CORE, EM_X86_64 = 4, 62
PT_LOAD, PT_NOTE = 1, 4
NT_PRSTATUS = 1
PRSTATUS_SIZE = 336
PR_PID, PR_REG = 32, 112
UR_RIP, UR_RSP = 16, 19
QEMU_STATE_MIN = 432  # QEMUCPUState version 1 without later fields
PAGE = 4096


class BadDump(Exception):
    pass


def align4(n):
    return (n + 3) & ~3


class Dump:
    def __init__(self, path):
        self.f = open(path, "rb")
        self.size = os.fstat(self.f.fileno()).st_size
        self.ehdr = self._header()
        self.phdrs = self._phdrs()
        self.loads = [p for p in self.phdrs if p["type"] == PT_LOAD]
        self.notes = []
        for p in self.phdrs:
            if p["type"] == PT_NOTE:
                self.notes += self._notes(p)

    def pread(self, off, n):
        self.f.seek(off)
        data = self.f.read(n)
        if len(data) != n:
            raise BadDump("%d bytes at offset %d: past the end" % (n, off))
        return data

    def _header(self):
        if self.size < EHDR.size:
            raise BadDump("shorter than an ELF header")
        (ident, etype, machine, version, _entry, phoff, _shoff, _flags,
         ehsize, phentsize, phnum, _shentsize, _shnum, _shstrndx) = \
            EHDR.unpack(self.pread(0, EHDR.size))
        if ident[:4] != b"\x7fELF":
            raise BadDump("not an ELF file")
        if ident[4] != 2 or ident[5] != 1:
            raise BadDump("not ELF64 little-endian")
        if etype != ET_CORE or machine != EM_X86_64 or version != 1:
            raise BadDump("not an x86-64 ET_CORE (type %d machine %d)" %
                          (etype, machine))
        if ehsize != EHDR.size or phentsize != PHDR.size:
            raise BadDump("header sizes %d/%d" % (ehsize, phentsize))
        if phnum < 2:
            raise BadDump("%d program headers" % phnum)
        return {"phoff": phoff, "phnum": phnum}

    def _phdrs(self):
        phoff, phnum = self.ehdr["phoff"], self.ehdr["phnum"]
        if phoff + phnum * PHDR.size > self.size:
            raise BadDump("program headers past the end")
        raw = self.pread(phoff, phnum * PHDR.size)
        out = []
        for i in range(phnum):
            (ptype, flags, off, vaddr, paddr, filesz, memsz,
             align) = PHDR.unpack_from(raw, i * PHDR.size)
            if off + filesz > self.size or filesz > memsz:
                raise BadDump("program header %d: [%d, +%d) of a %d-byte "
                              "file, memsz %d" %
                              (i, off, filesz, self.size, memsz))
            out.append({"type": ptype, "flags": flags, "offset": off,
                        "vaddr": vaddr, "paddr": paddr, "filesz": filesz,
                        "memsz": memsz, "align": align})
        return out

    def _notes(self, ph):
        data = self.pread(ph["offset"], ph["filesz"])
        pos, out = 0, []
        while pos < len(data):
            if pos + NHDR.size > len(data):
                raise BadDump("note header cut at %d" % pos)
            namesz, descsz, ntype = NHDR.unpack_from(data, pos)
            name_at = pos + NHDR.size
            desc_at = name_at + align4(namesz)
            end = desc_at + align4(descsz)
            if end > len(data):
                raise BadDump("note at %d runs past its segment" % pos)
            name = data[name_at:name_at + namesz]
            if namesz == 0 or name[-1:] != b"\0":
                raise BadDump("note at %d: name not NUL-terminated" % pos)
            out.append((name[:-1].decode("ascii", "replace"), ntype,
                        data[desc_at:desc_at + descsz]))
            pos = end
        return out

    def read(self, gpa, n):
        """Bytes at [gpa, gpa + n), or None unless PT_LOADs cover them."""
        out = bytearray()
        while n > 0:
            for p in self.loads:
                if p["paddr"] <= gpa < p["paddr"] + p["memsz"]:
                    break
            else:
                return None
            rel = gpa - p["paddr"]
            take = min(n, p["memsz"] - rel)
            infile = max(0, min(take, p["filesz"] - rel))
            out += self.pread(p["offset"] + rel, infile)
            out += bytes(take - infile)
            gpa, n = gpa + take, n - take
        return bytes(out)

    def prstatus(self):
        return [d for name, t, d in self.notes
                if name == "CORE" and t == NT_PRSTATUS]


def regs(desc):
    reg = lambda i: struct.unpack_from("<Q", desc, PR_REG + 8 * i)[0]
    return struct.unpack_from("<i", desc, PR_PID)[0], reg(UR_RIP), reg(UR_RSP)


def cmd_read(d, gpa, n):
    data = d.read(gpa, n)
    if data is None:
        raise BadDump("0x%x+%d is not in the dump's RAM" % (gpa, n))
    print(data.hex())


def cmd_cpus(d):
    for i, desc in enumerate(d.prstatus()):
        if len(desc) < PR_REG + 8 * 27:
            raise BadDump("NT_PRSTATUS %d is %d bytes" % (i, len(desc)))
        _pid, rip, _rsp = regs(desc)
        print("cpu %d rip 0x%x" % (i, rip))


def cmd_check(d):
    if d.phdrs[0]["type"] != PT_NOTE:
        raise BadDump("the first program header is not PT_NOTE")
    pr = d.prstatus()
    qemu = [desc for name, _t, desc in d.notes if name == "QEMU"]
    if not pr:
        raise BadDump("no NT_PRSTATUS note")
    for i, desc in enumerate(pr):
        if len(desc) != PRSTATUS_SIZE:
            raise BadDump("NT_PRSTATUS %d is %d bytes" % (i, len(desc)))
        if regs(desc)[0] != i + 1:
            raise BadDump("NT_PRSTATUS %d has pid %d" % (i, regs(desc)[0]))
    for i, desc in enumerate(qemu):
        if len(desc) < QEMU_STATE_MIN:
            raise BadDump("QEMU note %d is %d bytes" % (i, len(desc)))
        version, size = struct.unpack_from("<II", desc)
        if version != 1 or size != len(desc):
            raise BadDump("QEMU note %d: version %d size %d" %
                          (i, version, size))
    if qemu and len(qemu) != len(pr):
        raise BadDump("%d NT_PRSTATUS but %d QEMU notes" %
                      (len(pr), len(qemu)))
    spans = sorted((p["paddr"], p["paddr"] + p["memsz"]) for p in d.loads)
    for (_a, end), (start, _b) in zip(spans, spans[1:]):
        if start < end:
            raise BadDump("PT_LOADs overlap at 0x%x" % start)
    stored = os.fstat(d.f.fileno()).st_blocks * 512
    ram = sum(p["memsz"] for p in d.loads)
    print("ok: %d vCPUs, %d QEMU notes, %d RAM regions, %d MiB of RAM, "
          "%d bytes, %d on disk" % (len(pr), len(qemu), len(d.loads),
                                    ram >> 20, d.size, stored))
    for p in sorted(d.loads, key=lambda p: p["paddr"]):
        print("ram 0x%x-0x%x at offset 0x%x" %
              (p["paddr"], p["paddr"] + p["memsz"], p["offset"]))


def vmcoreinfo_at(data, start):
    """The VMCOREINFO text if the kernel's note starts at data[start]."""
    namesz, descsz, ntype = NHDR.unpack_from(data, start)
    text = data[start + 24:start + 24 + descsz]
    if namesz != 11 or ntype != 0 or len(text) != descsz:
        return None
    return text if text.startswith(b"OSRELEASE=") else None


def cmd_vmcoreinfo(d):
    for name, ntype, desc in d.notes:
        if name == "VMCOREINFO" and ntype == 0:
            sys.stdout.write(desc.decode("ascii", "replace"))
            return
    # The note (at most a page of text) is 4-byte aligned in RAM; chunks
    # overlap by two pages so that none is cut.
    chunk, overlap = 256 * PAGE, 2 * PAGE
    for p in d.loads:
        for rel in range(0, p["filesz"], chunk):
            n = min(chunk + overlap, p["filesz"] - rel)
            data = d.pread(p["offset"] + rel, n)
            pos = data.find(b"VMCOREINFO\0\0", 12)
            while 0 <= pos < chunk + 12:
                if pos % 4 == 0:
                    text = vmcoreinfo_at(data, pos - 12)
                    if text:
                        sys.stdout.write(text.decode("ascii", "replace"))
                        return
                pos = data.find(b"VMCOREINFO\0\0", pos + 1)
    raise BadDump("no VMCOREINFO note in guest RAM")


def main(argv):
    if len(argv) < 3 or argv[2] not in ("read", "cpus", "check",
                                        "vmcoreinfo"):
        sys.stderr.write(__doc__)
        return 2
    try:
        d = Dump(argv[1])
        if argv[2] == "read":
            if len(argv) != 5:
                sys.stderr.write(__doc__)
                return 2
            cmd_read(d, int(argv[3], 0), int(argv[4], 0))
        elif argv[2] == "cpus":
            cmd_cpus(d)
        elif argv[2] == "check":
            cmd_check(d)
        else:
            cmd_vmcoreinfo(d)
    except (BadDump, OSError, ValueError) as e:
        sys.stderr.write("elfcore.py: %s: %s\n" % (argv[1], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
