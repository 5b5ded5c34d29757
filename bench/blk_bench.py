#!/usr/bin/env python3
"""In-guest block throughput: kestrel vs QEMU on one host and one disk.

Boots the block-benchmark initramfs (bench/blk-init.sh) under each VMM,
interleaved, RUNS times, on the disk in $NESTED_DISK, and prints a Markdown
table of medians with kestrel/QEMU ratios (above 1: kestrel is faster).

With BLK_BENCH_SNAPSHOT=1 in the environment, kestrel also runs the disk
as `--disk DISK,snapshot` (overlay in $TMPDIR), and a second table compares
that with the plain disk.

usage: blk_bench.py KESTREL KERNEL INITRD [RUNS] [SECONDS]
"""
import os
import statistics
import subprocess
import sys

SPAN = 512 << 20
TESTS = [("seqwrite", "seq write 1 MiB x4 (MB/s)", 1),
         ("seqread", "seq read 1 MiB x4 (MB/s)", 1),
         ("randread", "rand read 4 KiB x32 (IOPS)", 2)]


def run(argv, secs):
    # Nested under TCG, a guest of either VMM sometimes stalls for good
    # under this load (see BENCHMARKS.md): give up on it, not wait.
    try:
        out = subprocess.run(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=6 * secs + 120).stdout
    except subprocess.TimeoutExpired:
        raise SystemExit(f"{argv[0]}: the guest stalled; run again")
    out = out.decode(errors="replace")
    got = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == "BLKBENCH":
            got[f[1]] = (float(f[2]), float(f[3]))
    if len(got) != len(TESTS):
        sys.stderr.write(out[-3000:])
        raise SystemExit(f"{argv[0]}: the guest did not report every test")
    return got


def main():
    kestrel, kernel, initrd = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    secs = int(sys.argv[5]) if len(sys.argv) > 5 else 15
    disk = os.environ.get("NESTED_DISK")
    if not disk:
        raise SystemExit("blk_bench: no disk (run through bench/blk.sh)")
    args = f"blkbench.secs={secs} blkbench.span={SPAN}"
    cmdline = f"console=ttyS0 panic=-1 quiet {args}"
    vmms = {
        "kestrel": [kestrel, "run", "-k", kernel, "-i", initrd, "-m", "512M",
                    "-a", f"quiet {args}", "--disk", disk],
        "QEMU q35": ["qemu-system-x86_64", "-M", "q35", "-accel", "kvm",
                     "-cpu", "host", "-m", "512", "-smp", "1",
                     "-nodefaults", "-no-user-config", "-nographic",
                     "-no-reboot", "-serial", "stdio",
                     "-bios", "/usr/share/qemu/qboot.rom",
                     "-kernel", kernel, "-initrd", initrd,
                     "-append", cmdline,
                     "-drive", f"file={disk},if=none,id=d0,format=raw,"
                               "cache=none,aio=native",
                     "-device", "virtio-blk-pci,drive=d0"],
    }
    if os.environ.get("BLK_BENCH_SNAPSHOT"):
        vmms["kestrel snapshot"] = vmms["kestrel"][:-1] + [disk + ",snapshot"]
    results = {name: [] for name in vmms}
    for i in range(runs):  # interleaved, so drift hits both alike
        for name, argv in vmms.items():
            results[name].append(run(argv, secs))
            print(f"blk_bench: run {i + 1}/{runs} {name}: "
                  f"{results[name][-1]}", file=sys.stderr, flush=True)
    print(f"{runs} runs each, {secs} s per test, medians\n")
    print("| test | kestrel | QEMU q35 | kestrel / QEMU |")
    print("| --- | ---: | ---: | ---: |")
    for key, label, field in TESTS:
        med = {name: statistics.median(r[key][field - 1] for r in rs)
               for name, rs in results.items()}
        k, q = med["kestrel"], med["QEMU q35"]
        print(f"| {label} | {k:.0f} | {q:.0f} | {k / q:.2f}x |")
    if "kestrel snapshot" in results:
        print("\n| test | kestrel | kestrel snapshot | snapshot / plain |")
        print("| --- | ---: | ---: | ---: |")
        for key, label, field in TESTS:
            med = {name: statistics.median(r[key][field - 1] for r in rs)
                   for name, rs in results.items()}
            k, sn = med["kestrel"], med["kestrel snapshot"]
            print(f"| {label} | {k:.0f} | {sn:.0f} | {sn / k:.2f}x |")


if __name__ == "__main__":
    main()
