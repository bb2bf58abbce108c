"""TCP echo in C, no library: the kernel's floor under ``tcp_echo``, for reference.

``_echo_floor.c`` (compiled here with ``$CC``, default ``cc -O2``) makes
the same round trips as ``tcp_echo`` with the same system calls a
cooperative socket makes (the server reads with a 4096-byte buffer until
EAGAIN and echoes each piece; the client sends, tries a read that finds
nothing yet, and waits in edge-triggered epoll), 100 connections, a server
and a client process each pinned to its own CPU, for 3 seconds. No Python
runs during the measurement, so the figure is what the kernel's loopback
TCP allows on this machine: a library's ``tcp_echo`` can approach it, not
pass it. The code is the same for both columns; its spread shows the noise.
Figure: round trips per second.
"""

import subprocess
import tempfile
from pathlib import Path

from _common import compile_c, cpu_pair, main

UNIT = "k round trips/s"
BETTER = "higher"
CONNECTIONS = 100
SECONDS = 3.0
SOURCE = Path(__file__).with_name("_echo_floor.c")


def _measure():
    server_cpu, client_cpu = cpu_pair()
    with tempfile.TemporaryDirectory() as tmp:
        program = compile_c(SOURCE, tmp, "tcp_echo_floor")
        cpus = [str(-1 if cpu is None else cpu) for cpu in (server_cpu, client_cpu)]
        out = subprocess.run([program, str(CONNECTIONS), str(SECONDS), *cpus], check=True,
                             capture_output=True, text=True, timeout=SECONDS + 30)
    return float(out.stdout.strip()) / 1e3


def run_gstack():
    return _measure()


def run_gevent():
    return _measure()


if __name__ == "__main__":
    main(globals())
