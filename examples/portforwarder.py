#!/usr/bin/env python3
"""Forward every TCP connection to another address, both ways, one greenlet per direction.

    python examples/portforwarder.py TARGET_HOST:PORT [--host 127.0.0.1] [--port 8081]

For example, ``python examples/echoserver.py 16000`` in one terminal,
``python examples/portforwarder.py 127.0.0.1:16000`` in another, then
``nc 127.0.0.1 8081`` talks to the echo server. For each client, a
StreamServer handler connects to the target and two greenlets copy the
bytes, one each way; when one side stops sending (end of file), the other
side is told so (``shutdown(SHUT_WR)``) and the answer still flows back. A
target that cannot be reached closes the client's connection. Ctrl-C stops
the forwarder.
"""

import argparse
import sys

import gstack
from gstack import socket
from gstack.server import StreamServer

CONNECT_TIMEOUT = 10


def pipe(source, destination, counts, key):
    """Copy ``source`` to ``destination`` until end of file, then pass the end on."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
            counts[key] += len(data)
        destination.shutdown(socket.SHUT_WR)
    except OSError:   # one side reset or closed: stop both ways
        source.close()
        destination.close()


def forwarder(target):
    def forward(client, address):
        peer = f"{address[0]}:{address[1]}"
        try:
            upstream = socket.create_connection(target, timeout=CONNECT_TIMEOUT)
        except OSError as error:
            print(f"{peer}: cannot reach {target[0]}:{target[1]}: {error}", flush=True)
            return   # the server closes the client's connection
        upstream.settimeout(None)
        print(f"{peer} -> {target[0]}:{target[1]}", flush=True)
        counts = {"in": 0, "out": 0}
        with upstream:
            gstack.joinall([gstack.spawn(pipe, client, upstream, counts, "out"),
                            gstack.spawn(pipe, upstream, client, counts, "in")])
        print(f"{peer} closed: {counts['out']} bytes out, {counts['in']} bytes in", flush=True)
    return forward


def address(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/portforwarder.py",
                                     description="Forward TCP connections to TARGET.")
    parser.add_argument("target", type=address, help="where to forward, HOST:PORT")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (8081; 0: any free port)")
    args = parser.parse_args(argv)
    server = StreamServer((args.host, args.port), forwarder(args.target))
    server.start()
    print(f"Forwarding {args.host}:{server.server_port} to {args.target[0]}:{args.target[1]} "
          "(Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out
    return 0


if __name__ == "__main__":
    sys.exit(main())
