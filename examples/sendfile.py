#!/usr/bin/env python3
"""Send a large file to every client with the kernel's sendfile, one greenlet per client.

    python examples/sendfile.py [FILE] [--host 127.0.0.1] [--port 8090] [--method socket|os]

Each connection gets the whole of FILE (without FILE, a 64 MiB file made for
the occasion), then is closed: ``nc 127.0.0.1 8090 > copy``. The bytes go
from the page cache to the socket with ``os.sendfile``, never through
Python. The socket is non-blocking underneath: when the client reads slowly
and the socket's buffer is full, ``sendfile`` fails with ``EAGAIN`` and this
client's greenlet waits for the socket to be writable, while the other
clients are served.

``--method socket`` (the default) calls ``sock.sendfile(file)``: gstack's
socket does exactly that loop. ``--method os`` writes the loop out
(:func:`sendfile_os`: ``os.sendfile``, and ``gstack.socket.wait_write`` on
``EAGAIN``). Ctrl-C stops the server.
"""

import argparse
import os
import sys
import tempfile
import time

from gstack.server import StreamServer
from gstack.socket import wait_write


def sendfile_os(sock, file):
    """Send all of ``file`` on ``sock`` with os.sendfile; return the bytes sent.

    Blocks this greenlet only: on EAGAIN it parks in ``wait_write`` until the
    socket can take more (``sock.sendfile(file)`` does the same).
    """
    out, fd = sock.fileno(), file.fileno()
    offset, size = 0, os.fstat(fd).st_size
    while offset < size:
        try:
            sent = os.sendfile(out, fd, offset, size - offset)
        except BlockingIOError:   # EAGAIN: the socket's buffer is full
            wait_write(out)
            continue
        if sent == 0:   # the file got shorter meanwhile
            break
        offset += sent
    return offset


def sendfile_socket(sock, file):
    return sock.sendfile(file)


def make_file(size):
    """A temporary file of ``size`` bytes (not all zeros), removed when closed."""
    file = tempfile.NamedTemporaryFile(prefix="gstack-sendfile-")
    block = bytes(range(256)) * 4096   # 1 MiB
    for _ in range(size // len(block)):
        file.write(block)
    file.write(block[:size % len(block)])
    file.flush()
    return file


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/sendfile.py",
                                     description="Serve a file with cooperative sendfile.")
    parser.add_argument("file", nargs="?", help="the file to send (default: 64 MiB made up)")
    parser.add_argument("--host", default="127.0.0.1", help="address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port (8090; 0: any free port)")
    parser.add_argument("--method", choices=["socket", "os"], default="socket",
                        help="sock.sendfile (socket) or the os.sendfile loop written out (os)")
    args = parser.parse_args(argv)

    if args.file:
        name = args.file
        open(name, "rb").close()   # fail now, with the stdlib's error, if it cannot be read
    else:
        made = make_file(64 * 1024 * 1024)
        name = made.name
    size = os.path.getsize(name)
    send = sendfile_os if args.method == "os" else sendfile_socket

    def handle(sock, address):
        started = time.monotonic()
        with open(name, "rb") as file:   # a file object per client: its own offset
            sent = send(sock, file)
        print(f"sent {sent} bytes to {address[0]}:{address[1]} "
              f"in {time.monotonic() - started:.2f} s", flush=True)

    server = StreamServer((args.host, args.port), handle)
    server.start()
    print(f"Sending {args.file or 'a made-up file'} ({size} bytes) to each client of "
          f"{args.host}:{server.server_port} with {args.method} sendfile (Ctrl-C to stop)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out
    return 0


if __name__ == "__main__":
    sys.exit(main())
