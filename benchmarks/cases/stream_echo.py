"""StreamServer echo: the library's StreamServer, 64-byte round trips from a C client.

The server process runs the library's ``StreamServer`` (gstack:
``gserve.server.StreamServer``; gevent: ``gevent.server.StreamServer``) on
127.0.0.1 with a ``handle(sock, address)`` that sets ``TCP_NODELAY`` and
``sendall``s back what each ``recv(4096)`` returns until EOF, one greenlet
per connection as the server spawns them. The load generator is the same
for both columns and is not the library under test, so only the server is
compared: ``cases/_echo_client.c`` (compiled here with ``$CC``, default
``cc -O2``), one epoll loop holding 100 connections, each keeping one
64-byte message in flight and checking the echo byte for byte. The server
and the client each run on their own CPU where the machine has two. The
client warms up for 0.5 s, then counts for 3 s, and fails if any connection
made no round trip. Beside ``tcp_echo`` (whose client is the library too):
this is the server's half alone, and its accept/spawn/handle machinery.
Figure: round trips per second, all connections together.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    child_cpu,
    compile_c,
    cpu_pair,
    main,
    pin_to_cpu,
    process_cpu_seconds,
    start_child,
    stop_child,
)

UNIT = "k round trips/s"
BETTER = "higher"
CONNECTIONS = 100
WARMUP = 0.5
SECONDS = 3.0
SOURCE = Path(__file__).with_name("_echo_client.c")


def _server_api(lib):
    """(StreamServer class, socket module) of ``lib``; an ImportError if it has none yet."""
    if lib == "gstack":
        import gnet.socket as socket_module
        from gserve.server import StreamServer
    else:
        import gevent.socket as socket_module
        from gevent.server import StreamServer
    return StreamServer, socket_module


def _serve(lib):
    """The server process: ``stream_echo.py LIB serve [--cpu N]``; prints its port, serves."""
    StreamServer, socket_module = _server_api(lib)  # noqa: N806
    IPPROTO_TCP, TCP_NODELAY = socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY  # noqa: N806

    def handle(sock, address):
        sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
        recv, sendall = sock.recv, sock.sendall
        try:
            while True:
                data = recv(4096)
                if not data:
                    break
                sendall(data)
        except OSError:  # the client's exit may reset the connection
            pass
        finally:
            sock.close()

    server = StreamServer(("127.0.0.1", 0), handle, backlog=1024)
    server.start()
    print(server.server_port, flush=True)
    server.serve_forever()


def measure(lib):
    """(k round trips/s, k round trips per server CPU-second) of ``lib``'s StreamServer."""
    _server_api(lib)  # a layer that is not written yet shows as "missing", not as an error
    server_cpu, client_cpu = cpu_pair()
    with tempfile.TemporaryDirectory() as tmp:
        program = compile_c(SOURCE, tmp, "stream_echo")
        proc, line = start_child(__file__, lib, "serve", cpu=server_cpu)
        try:
            port = str(int(line))
            pin_to_cpu(client_cpu)  # the client program inherits this CPU
            cpu_before = process_cpu_seconds(proc.pid)
            out = subprocess.run([program, port, str(CONNECTIONS), str(WARMUP), str(SECONDS)],
                                 capture_output=True, text=True, timeout=WARMUP + SECONDS + 30)
            cpu_used = process_cpu_seconds(proc.pid) - cpu_before
            if out.returncode != 0:
                raise RuntimeError(f"the echo client failed ({out.returncode}): "
                                   f"{out.stderr.strip()}")
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode} during the run")
        finally:
            stop_child(proc)
    rate, _least, in_all = out.stdout.split()
    if cpu_used <= 0:
        raise RuntimeError("the server used no CPU time: it did not serve the run")
    return float(rate) / 1e3, int(in_all) / cpu_used / 1e3


def run_gstack():
    return measure("gstack")[0]


def run_gevent():
    return measure("gevent")[0]


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        _serve(child_cpu(sys.argv[1:])[0])
        sys.exit(0)
    main(globals())
