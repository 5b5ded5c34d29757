#!/usr/bin/env python3
"""Kernel-testing mode: `kestrel run --rootfs / -- CMD` vs the QEMU command
line virtme-ng would build (microvm, root over virtio-fs with virtiofsd, or
over 9p), same kernel, same command line, 1 vCPU, 512 MiB.

Each run is timed from process start (for QEMU + virtio-fs: virtiofsd's
start) to the exit of every process of the run; peak RSS is each process's
ru_maxrss. Every run must show, on its stdout, the root's /etc/hostname as
read by the command in the guest, or the run fails loudly. Runs are
interleaved; prints a Markdown table of medians with QEMU/kestrel ratios.

usage: rootfs_time.py KESTREL KERNEL INITRD_VIRTIOFS INITRD_9P [RUNS]
"""
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

CMDLINE = "console=ttyS0 earlyprintk=serial panic=-1 quiet"
VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
SOCK = "/tmp/rootfs-bench-vfs.sock"
with open("/etc/hostname") as f:
    HOSTNAME = f.read().strip()

QEMU = ["qemu-system-x86_64", "-M", "microvm,accel=kvm,pcie=on,rtc=on",
        "-cpu", "host", "-smp", "1", "-m", "512", "-nodefaults",
        "-no-user-config", "-nographic", "-no-reboot", "-serial", "stdio"]


def fail(name, argv, out, why):
    sys.stderr.write(f"\nrootfs_time: {name}: {why}\n  {shlex.join(argv)}\n"
                     "--- its output (last 60 lines) ---\n")
    sys.stderr.write("\n".join(out.decode(errors="replace").splitlines()[-60:]))
    sys.stderr.write("\n")
    raise SystemExit(1)


def reap(proc, timeout=None):
    """wait4 with an optional timeout; returns (status, usage) or None."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, 0 if deadline is None else os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)


def run(name, argv, kind, start, helper=None):
    """Runs argv (already started helper, if any), checks, returns
    (wall s, vmm RSS MiB, helper RSS MiB)."""
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=errf)
    out = proc.stdout.read()
    rc, usage = reap(proc)
    errf.seek(0)
    err = errf.read()
    helper_rss = 0.0
    if helper is not None:
        got = reap(helper, 15)
        if got is None:
            helper.kill()
            reap(helper)
            fail(name, helper.args, b"", "virtiofsd did not exit after QEMU")
        helper.log.seek(0)
        err += b"--- virtiofsd ---\n" + helper.log.read()
        helper_rss = got[1].ru_maxrss / 1024.0
    wall = time.monotonic() - start
    lines = [l.strip() for l in out.decode(errors="replace").splitlines()]
    if kind == "kestrel-true":
        ok = rc == 0
    elif kind == "kestrel":
        ok = rc == 0 and lines == [HOSTNAME]
    else:
        ok = rc == 0 and HOSTNAME in lines and "ROOTFS-BENCH-STATUS=0" in lines
    if not ok:
        fail(name, argv, out + err, f"exit status {rc}, no marker '{HOSTNAME}' "
             "from the guest's root, or the command failed")
    return wall, usage.ru_maxrss / 1024.0, helper_rss


def kestrel_run(name, kestrel, kernel, cmd, kind):
    argv = [kestrel, "run", "-k", kernel, "--rootfs", "/", "-m", "512M",
            "--"] + cmd
    return argv, lambda: run(name, argv, kind, time.monotonic())


def qemu_virtiofs(kernel, initrd):
    vfsd = [VIRTIOFSD, f"--socket-path={SOCK}", "-o", "source=/",
            "-o", "cache=auto", "-o", "sandbox=chroot"]
    argv = QEMU + ["-object", "memory-backend-memfd,id=mem,size=512M,share=on",
                   "-machine", "memory-backend=mem",
                   "-chardev", f"socket,id=vfs,path={SOCK}",
                   "-device", "vhost-user-fs-pci,chardev=vfs,tag=root",
                   "-kernel", kernel, "-initrd", initrd, "-append", CMDLINE]

    def go():
        if os.path.exists(SOCK):
            os.unlink(SOCK)
        start = time.monotonic()
        log = tempfile.TemporaryFile()
        helper = subprocess.Popen(vfsd, stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=log)
        helper.log = log
        while not os.path.exists(SOCK):  # virtiofsd listens: QEMU may connect
            if helper.poll() is not None:
                fail("virtiofsd", vfsd, b"", f"exited {helper.returncode} before listening")
            if time.monotonic() - start > 30:
                helper.kill()
                fail("virtiofsd", vfsd, b"", "no socket after 30 s")
            time.sleep(0.002)
        return run("qemu virtio-fs", argv, "qemu", start, helper)
    return vfsd, argv, go


def qemu_9p(kernel, initrd):
    argv = QEMU + ["-fsdev", "local,id=r,path=/,security_model=none,"
                   "readonly=on,multidevs=remap",
                   "-device", "virtio-9p-pci,fsdev=r,mount_tag=root",
                   "-kernel", kernel, "-initrd", initrd, "-append", CMDLINE]
    return argv, lambda: run("qemu 9p", argv, "qemu", time.monotonic())


def main():
    kestrel, kernel, initrd_vfs, initrd_9p = sys.argv[1:5]
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    only = os.environ.get("ROOTFS_BENCH_ONLY", "").split()
    k_true_argv, k_true = kestrel_run("kestrel -- true", kestrel, kernel,
                                      ["true"], "kestrel-true")
    k_cat_argv, k_cat = kestrel_run("kestrel -- cat", kestrel, kernel,
                                    ["cat", "/etc/hostname"], "kestrel")
    vfsd_argv, q_vfs_argv, q_vfs = qemu_virtiofs(kernel, initrd_vfs)
    q_9p_argv, q_9p = qemu_9p(kernel, initrd_9p)
    variants = {
        "kestrel `-- true`": (k_true, k_true_argv),
        "kestrel `-- cat /etc/hostname`": (k_cat, k_cat_argv),
        "QEMU microvm + virtiofsd": (q_vfs, q_vfs_argv),
        "QEMU microvm + 9p": (q_9p, q_9p_argv),
    }
    if only:
        variants = {n: v for i, (n, v) in enumerate(variants.items())
                    if str(i + 1) in only}
    print("commands:")
    for name, (_, argv) in variants.items():
        print(f"  {name}: {shlex.join(argv)}")
        if "virtiofsd" in name:
            print(f"    with, started first: {shlex.join(vfsd_argv)}")
    sys.stdout.flush()
    results = {name: [] for name in variants}
    for i in range(runs):  # interleaved, so drift hits all alike
        for name, (go, _) in variants.items():
            r = go()
            results[name].append(r)
            print(f"run {i + 1} {name}: {r[0]:.2f} s, RSS {r[1]:.1f} MiB"
                  + (f" + virtiofsd {r[2]:.1f} MiB" if r[2] else ""), flush=True)
    med = {n: [statistics.median(r[j] for r in rs) for j in range(3)]
           for n, rs in results.items()}
    print(f"\nkernel command line: `{CMDLINE}`, {runs} runs each, medians\n")
    print("| VMM | wall (s) | peak RSS, VMM (MiB) | peak RSS, VMM + virtiofsd (MiB) |")
    print("| --- | ---: | ---: | ---: |")
    for n, (w, r, h) in med.items():
        print(f"| {n} | {w:.2f} | {r:.1f} | {r + h:.1f} |")
    base = med.get("kestrel `-- cat /etc/hostname`")
    if base:
        for n, (w, r, h) in med.items():
            if n.startswith("QEMU"):
                print(f"| **{n} / kestrel** | **{w / base[0]:.2f}x** | "
                      f"**{r / base[1]:.2f}x** | **{(r + h) / base[1]:.2f}x** |")


if __name__ == "__main__":
    main()
