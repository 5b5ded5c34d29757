#!/usr/bin/env python3
"""Host-side peers for the network tests.

  netpeer.py serve FILE PORTFILE
      serve FILE over HTTP on 127.0.0.1 (a free port, written to PORTFILE)
      until killed
  netpeer.py exchange LOG MARKER HOST PORT SENDFILE RECVFILE
      once MARKER is in LOG (the guest's console: its server is listening),
      connect to HOST:PORT, send SENDFILE while receiving as many bytes
      (or up to EOF) into RECVFILE, then close
  netpeer.py udp LOG MARKER HOST PORT TEXT
      once MARKER is in LOG, send TEXT in a datagram to HOST:PORT and print
      the reply
"""
import http.server
import os
import socket
import sys
import threading
import time


def wait_for(log, marker, limit=240):
    end = time.monotonic() + limit
    want = marker.encode()
    while time.monotonic() < end:
        try:
            with open(log, "rb") as f:
                if want in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    sys.exit(f"netpeer: '{marker}' never appeared in {log}")


def serve(path, portfile):
    data = open(path, "rb").read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def exchange(log, marker, host, port, sendfile, recvfile):
    wait_for(log, marker)
    with open(sendfile, "rb") as f:
        data = f.read()
    s = socket.create_connection((host, int(port)), timeout=120)
    got = bytearray()

    # busybox nc exits when its peer closes, even with data left to send:
    # close only after the guest's side has all arrived.
    def reader():
        while len(got) < len(data):
            b = s.recv(65536)
            if not b:
                return
            got.extend(b)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    t.join()
    s.close()
    with open(recvfile, "wb") as f:
        f.write(got)


def udp(log, marker, host, port, text):
    wait_for(log, marker)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(60)
    s.sendto(text.encode(), (host, int(port)))
    print(s.recv(65536).decode())


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serve": serve, "exchange": exchange, "udp": udp}[cmd](*args)
