#!/usr/bin/env python3
"""A TCP echo server: one greenlet per connection, each echoing what it reads.

The 0.13 reference's echoserver.py, on Python 3 and gstack's StreamServer:

    python examples/echoserver.py [PORT]      # default 16000; 0: any free port

then ``telnet 127.0.0.1 16000`` (or ``nc``) and type; ``quit`` closes the
connection. A pool bounds the connections served at once (10,000 here): while
it is full, the server stops accepting and new clients wait in the backlog.
Ctrl-C stops the server.
"""

import sys

from gstack.pool import Pool
from gstack.server import StreamServer


def echo(sock, address):
    """Runs in its own greenlet for each connection; the server closes it when we return."""
    print(f"new connection from {address[0]}:{address[1]}", flush=True)
    sock.sendall(b"Welcome to the echo server! Type quit to exit.\r\n")
    reader = sock.makefile("rb")
    for line in reader:
        if line.strip().lower() == b"quit":
            print(f"client {address[0]}:{address[1]} quit", flush=True)
            break
        sock.sendall(line)
    reader.close()


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 16000
    server = StreamServer(("127.0.0.1", port), echo, spawn=Pool(10000))
    server.start()
    print(f"Serving on 127.0.0.1:{server.server_port} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out


if __name__ == "__main__":
    main()
