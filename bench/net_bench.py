#!/usr/bin/env python3
"""iperf3 TCP throughput to and from a guest: kestrel vs QEMU.

Boots the network-benchmark initramfs (bench/net-init.sh) under each VMM
and back end, interleaved, RUNS times; the guest serves iperf3 and this
host runs the clients: host->guest, then guest->host (-R). Prints a
Markdown table of medians with kestrel/QEMU ratios (above 1: kestrel is
faster). Needs root for the TAP device (ktap0, 192.168.77.1/24).

usage: net_bench.py KESTREL KERNEL INITRD [RUNS] [SECONDS] [BACKENDS]
(BACKENDS: "user tap", the default, or one of them.)
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time

PORT = 15201
TAP = "ktap0"


def qemu(kernel, initrd, append, netdev):
    return ["qemu-system-x86_64", "-M", "q35", "-accel", "kvm", "-cpu",
            "host", "-m", "512", "-smp", "1", "-nodefaults",
            "-no-user-config", "-nographic", "-no-reboot", "-serial", "stdio",
            "-bios", "/usr/share/qemu/qboot.rom", "-kernel", kernel,
            "-initrd", initrd, "-append", "console=ttyS0 panic=-1 " + append,
            "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0"]


def wait_for(log, text, count, proc, limit=300):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        with open(log, "rb") as f:
            if f.read().count(text.encode()) >= count:
                return
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    with open(log, errors="replace") as f:
        sys.stderr.write(f.read()[-3000:])
    raise SystemExit("net_bench: the guest's iperf3 server never came up")


def iperf(addr, port, secs, reverse):
    argv = ["iperf3", "-c", addr, "-p", str(port), "-t", str(secs), "-J"]
    if reverse:
        argv.append("-R")
    out = subprocess.run(argv, stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e6


def one_run(argv, addr, port, secs):
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            got = []
            for i, reverse in enumerate((False, True)):
                wait_for(log.name, "Server listening on 5201", i + 1, proc)
                got.append(iperf(addr, port, secs, reverse))
            proc.wait(timeout=120)
            return got
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def setup_tap():
    subprocess.run(["ip", "link", "del", TAP], stderr=subprocess.DEVNULL)
    for cmd in (["ip", "tuntap", "add", TAP, "mode", "tap"],
                ["ip", "addr", "add", "192.168.77.1/24", "dev", TAP],
                ["ip", "link", "set", TAP, "up"]):
        subprocess.run(cmd, check=True)


def main():
    kestrel, kernel, initrd = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    secs = int(sys.argv[5]) if len(sys.argv) > 5 else 10
    setup_tap()
    user_args = "quiet netbench.tests=2"
    tap_args = user_args + " netbench.ip=192.168.77.2/24"
    fwd = f"hostfwd=tcp:127.0.0.1:{PORT}-:5201"
    configs = {
        ("user", "kestrel"): [kestrel, "run", "-k", kernel, "-i", initrd,
                              "-a", user_args, "--net", f"user,{fwd}"],
        ("user", "QEMU"): qemu(kernel, initrd, user_args,
                               f"user,id=n0,{fwd}"),
        ("tap", "kestrel"): [kestrel, "run", "-k", kernel, "-i", initrd,
                             "-a", tap_args, "--net", f"tap={TAP}"],
        ("tap", "QEMU"): qemu(kernel, initrd, tap_args,
                              f"tap,id=n0,ifname={TAP},script=no,"
                              "downscript=no,vhost=off"),
    }
    nets = (sys.argv[6] if len(sys.argv) > 6 else "user tap").split()
    configs = {k: v for k, v in configs.items() if k[0] in nets}
    where = {"user": ("127.0.0.1", PORT), "tap": ("192.168.77.2", 5201)}
    results = {k: [] for k in configs}
    for i in range(runs):  # interleaved, so drift hits both alike
        for (net, vmm), argv in configs.items():
            got = one_run(argv, *where[net], secs)
            results[(net, vmm)].append(got)
            print(f"net_bench: run {i + 1}/{runs} {net} {vmm}: "
                  f"host->guest {got[0]:.0f}, guest->host {got[1]:.0f} "
                  "Mbit/s", file=sys.stderr, flush=True)
    print(f"{runs} runs each, {secs} s per direction, medians, Mbit/s\n")
    print("| back end, direction | kestrel | QEMU | kestrel / QEMU |")
    print("| --- | ---: | ---: | ---: |")
    for net in nets:
        for d, label in ((0, "host -> guest"), (1, "guest -> host")):
            k = statistics.median(r[d] for r in results[(net, "kestrel")])
            q = statistics.median(r[d] for r in results[(net, "QEMU")])
            print(f"| {net}, {label} | {k:.0f} | {q:.0f} | {k / q:.2f}x |")
    subprocess.run(["ip", "link", "del", TAP])


if __name__ == "__main__":
    main()
