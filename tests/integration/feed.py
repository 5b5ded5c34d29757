#!/usr/bin/env python3
"""Run a command, and once a line of its output contains MARKER, send it
the bytes of INFILE on stdin (from a thread, at whatever pace it reads).
Its output goes to OUTFILE; the exit status is the command's.

usage: feed.py MARKER INFILE OUTFILE COMMAND [ARG...]
"""
import subprocess
import sys
import threading


def main():
    marker, infile, outfile = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
    proc = subprocess.Popen(sys.argv[4:], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)

    def send():
        try:
            with open(infile, "rb") as f:
                proc.stdin.write(f.read())
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # the command ended first; its status tells why

    sender = None
    with open(outfile, "wb") as out:
        for line in proc.stdout:
            out.write(line)
            out.flush()
            if sender is None and marker in line:
                sender = threading.Thread(target=send, daemon=True)
                sender.start()
    sys.exit(proc.wait())


if __name__ == "__main__":
    main()
