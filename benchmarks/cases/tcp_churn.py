"""Connection churn: connect, one 64-byte round trip, close; as fast as possible for 2 seconds.

The same echo server process as ``tcp_echo`` (its own CPU where there are
two); this client process runs 10 greenlets, each opening a connection with
``create_connection``, doing one round trip and closing it, in a loop. The
client closes with ``SO_LINGER`` 0 (a reset, no ``TIME_WAIT``) so that
repeated runs do not exhaust the ephemeral ports. Figure: connections per
second, all greenlets together.
"""

import struct
import sys

import _tcp
from _common import cpu_pair, main, now, pin_to_cpu, stop_child

UNIT = "k connections/s"
BETTER = "higher"
CONCURRENCY = 10
SECONDS = 2.0
_LINGER_0 = struct.pack("ii", 1, 0)


def _measure(lib):
    socket_module, spawn, joinall, _ = _tcp.lib_api(lib)
    server_cpu, client_cpu = cpu_pair()
    proc, port = _tcp.start_echo_server(__file__, lib, server_cpu)
    address = ("127.0.0.1", port)
    message, size = _tcp.MESSAGE, len(_tcp.MESSAGE)
    recv_exactly = _tcp.recv_exactly
    create_connection = socket_module.create_connection
    SOL_SOCKET, SO_LINGER = socket_module.SOL_SOCKET, socket_module.SO_LINGER  # noqa: N806
    counts = []

    def client(deadline):
        n = 0
        while now() < deadline:
            sock = create_connection(address)
            try:
                sock.setsockopt(SOL_SOCKET, SO_LINGER, _LINGER_0)
                sock.sendall(message)
                recv_exactly(sock, size)
            finally:
                sock.close()
            n += 1
        counts.append(n)

    try:
        pin_to_cpu(client_cpu)
        joinall([spawn(client, now() + 0.2) for _ in range(CONCURRENCY)], raise_error=True)
        del counts[:]  # that was the warm-up
        start = now()
        joinall([spawn(client, start + SECONDS) for _ in range(CONCURRENCY)], raise_error=True)
        elapsed = now() - start
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
