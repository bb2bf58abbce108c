#!/usr/bin/env python3
"""A UDP echo server on gstack's DatagramServer: each datagram comes back upper-cased.

    python examples/udp_echo.py [PORT]        # default 9000; 0: any free port

Try it with ``nc -u 127.0.0.1 9000``. Ctrl-C stops it.
"""

import sys

from gstack.server import DatagramServer


class EchoServer(DatagramServer):
    def handle(self, data, address):
        print(f"{address[0]}:{address[1]}: got {data!r}", flush=True)
        self.sendto(data.upper(), address)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    server = EchoServer(("127.0.0.1", port))
    server.start()
    print(f"Serving on udp 127.0.0.1:{server.server_port} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass   # serve_forever() stopped the server on its way out


if __name__ == "__main__":
    main()
