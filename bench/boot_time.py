#!/usr/bin/env python3
"""Boot-to-init wall time and peak RSS: kestrel vs QEMU on one host.

Both boot the same kernel, initramfs and command line; the initramfs's init
prints a marker and powers off. Time to marker = process start until the
marker line arrives on the console; total = until the process exits.
Prints a Markdown table of medians, with QEMU/kestrel ratios.

usage: boot_time.py KESTREL KERNEL INITRD [RUNS] [EXTRA_CMDLINE]
"""
import os
import statistics
import subprocess
import sys
import time

MARKER = b"BENCH-INIT-REACHED"


def measure(argv):
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    t_marker = None
    for line in proc.stdout:
        if t_marker is None and MARKER in line:
            t_marker = time.monotonic() - start
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.monotonic() - start
    if t_marker is None or proc.returncode != 0:
        raise SystemExit(f"{argv[0]}: no marker or status {proc.returncode}")
    return t_marker, total, usage.ru_maxrss / 1024.0


def main():
    kestrel, kernel, initrd = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    extra = sys.argv[5] if len(sys.argv) > 5 else ""
    cmdline = ("console=ttyS0 earlyprintk=serial panic=-1 " + extra).strip()
    vmms = {
        "kestrel": [kestrel, "run", "-k", kernel, "-i", initrd, "-m", "512M",
                    "-a", extra] if extra else
                   [kestrel, "run", "-k", kernel, "-i", initrd, "-m", "512M"],
        "qemu -M microvm": ["qemu-system-x86_64", "-M", "microvm",
                            "-accel", "kvm", "-cpu", "host", "-m", "512",
                            "-smp", "1", "-nodefaults", "-no-user-config",
                            "-nographic", "-no-reboot", "-serial", "stdio",
                            "-kernel", kernel, "-initrd", initrd,
                            "-append", cmdline],
    }
    results = {name: [] for name in vmms}
    for _ in range(runs):  # interleaved, so drift hits both alike
        for name, argv in vmms.items():
            results[name].append(measure(argv))
    med = {name: [statistics.median(r[i] for r in rs) for i in range(3)]
           for name, rs in results.items()}
    print(f"kernel command line: `{cmdline}`, {runs} runs each, medians\n")
    print("| VMM | boot to init (s) | total wall (s) | peak RSS (MiB) |")
    print("| --- | ---: | ---: | ---: |")
    for name, (m, t, rss) in med.items():
        print(f"| {name} | {m:.2f} | {t:.2f} | {rss:.1f} |")
    k, q = med["kestrel"], med["qemu -M microvm"]
    print(f"| ratio QEMU / kestrel | {q[0] / k[0]:.2f}x | {q[1] / k[1]:.2f}x "
          f"| {q[2] / k[2]:.2f}x |")


if __name__ == "__main__":
    main()
