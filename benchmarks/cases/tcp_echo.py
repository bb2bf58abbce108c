"""TCP echo: 100 connections doing 64-byte request/response round trips for 3 seconds.

A server process (the library's cooperative sockets, one greenlet per
connection echoing what it reads) and this client process (100 greenlets,
one connection each, ``sendall`` 64 bytes then read the 64-byte echo, in a
loop) each run on their own CPU where the machine has two. Both ends use the
library under test. The connections are made before the clock starts.
Figure: round trips per second, all connections together.
"""

import sys

import _tcp
from _common import cpu_pair, main, now, pin_to_cpu, stop_child

UNIT = "k round trips/s"
BETTER = "higher"
CONNECTIONS = 100
SECONDS = 3.0


def _measure(lib):
    socket_module, spawn, joinall, _ = _tcp.lib_api(lib)
    server_cpu, client_cpu = cpu_pair()
    proc, port = _tcp.start_echo_server(__file__, lib, server_cpu)
    try:
        pin_to_cpu(client_cpu)
        socks = []

        def connect():
            sock = socket_module.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY, 1)
            socks.append(sock)

        joinall([spawn(connect) for _ in range(CONNECTIONS)], raise_error=True)
        counts = []
        message, size = _tcp.MESSAGE, len(_tcp.MESSAGE)
        recv_exactly = _tcp.recv_exactly

        def client(sock, deadline):
            sendall, n = sock.sendall, 0
            while now() < deadline:
                sendall(message)
                recv_exactly(sock, size)
                n += 1
            counts.append(n)

        start = now()
        jobs = [spawn(client, sock, start + SECONDS) for sock in socks]
        joinall(jobs, raise_error=True)
        elapsed = now() - start
        for sock in socks:
            sock.close()
        if len(counts) != CONNECTIONS:
            raise RuntimeError(f"only {len(counts)} of {CONNECTIONS} connections finished")
        return sum(counts) / elapsed / 1e3
    finally:
        stop_child(proc)


def run_gstack():
    return _measure("gstack")


def run_gevent():
    return _measure("gevent")


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        _tcp.child_main([sys.argv[1], *sys.argv[3:]])
    main(globals())
