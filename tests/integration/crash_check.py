#!/usr/bin/env python3
"""Checks a disk image after a crash trial (tests/integration/t-crash.sh).

The guest wrote record i to sector i and flushed it, then printed
FLUSHED=i, for i = 1, 2, ...; kestrel was then killed with SIGKILL at a
random moment. Every record whose FLUSHED line reached the host must be on
the image, whole. Prints how many were, and exits 1 on the first that is
not.

usage: crash_check.py IMAGE CONSOLE_OUTPUT
"""
import re
import sys

SECTOR = 512


def record(i):
    return (b"kestrel-record %08d\n" % i).ljust(SECTOR, b"\0")


def main():
    image, console = sys.argv[1:3]
    with open(console, "rb") as f:
        flushed = [int(m) for m in re.findall(rb"^FLUSHED=(\d+)\r?$", f.read(), re.M)]
    last = max(flushed, default=0)
    with open(image, "rb") as f:
        for i in range(1, last + 1):
            f.seek(i * SECTOR)
            got = f.read(SECTOR)
            if got != record(i):
                print(f"record {i} of {last} flushed is not on the image: {got[:32]!r}")
                return 1
    print(f"FLUSHED-ON-IMAGE={last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
