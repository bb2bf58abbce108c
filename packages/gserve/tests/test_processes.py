"""serve_forever(processes=N) and reuse_port: several processes serving one port.

Each test runs the supervising parent as a subprocess (it forks, and its
signals are the test's to send), with a handler that answers with its pid.
"""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from gserve.server import StreamServer

SCRIPT = textwrap.dedent("""
    import os, sys, ghub
    from gserve.server import StreamServer

    def handle(sock, address):
        request = sock.recv(100)
        if request == b"slow":
            ghub.sleep(0.5)
        sock.sendall(str(os.getpid()).encode())

    server = StreamServer(("127.0.0.1", 0), handle)
    server.stop_timeout = 3
    import gserve._processes as processes
    original = processes._reserve

    def reserve(server):
        sock = original(server)
        print(sock.getsockname()[1], flush=True)
        return sock

    processes._reserve = reserve
    server.serve_forever(processes=int(sys.argv[1]))
    print("parent done", flush=True)
""")


def ask(port, request=b"pid"):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        return int(sock.recv(100))


@pytest.fixture
def parent(tmp_path):
    procs = []

    def start(processes):
        script = tmp_path / "serve.py"
        script.write_text(SCRIPT)
        proc = subprocess.Popen([sys.executable, str(script), str(processes)],
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        port = int(proc.stdout.readline())
        deadline = time.monotonic() + 10
        while True:   # until a child listens
            try:
                ask(port)
                break
            except (ConnectionRefusedError, ValueError):
                assert time.monotonic() < deadline, "no child started listening"
                time.sleep(0.05)
        return proc, port

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()


def pids_seen(port, tries=60, lost_ok=False):
    """The pids that answered ``tries`` connections (``lost_ok``: skip connections reset
    because they were queued on a child that just died)."""
    seen = set()
    for _ in range(tries):
        try:
            seen.add(ask(port))
        except (ConnectionResetError, ValueError):
            if not lost_ok:
                raise
    return seen


def test_children_share_the_port_and_are_replaced(parent):
    proc, port = parent(2)
    pids = pids_seen(port)
    assert len(pids) == 2 and proc.pid not in pids   # the kernel spreads connections
    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while True:
        now = pids_seen(port, 20, lost_ok=True)
        if victim not in now and len(now - pids) >= 1:
            break
        assert time.monotonic() < deadline, f"no replacement for {victim}: {now}"
        time.sleep(0.1)


def test_sigterm_stops_all_gracefully(parent):
    proc, port = parent(2)
    children = pids_seen(port)
    slow = socket.create_connection(("127.0.0.1", port), timeout=5)
    slow.sendall(b"slow")
    time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert int(slow.recv(100)) in children   # the request in flight finished
    slow.close()
    assert proc.wait(10) == 0
    assert proc.stdout.read() == "parent done\n"
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(ConnectionRefusedError):
        ask(port)


def test_processes_argument_is_checked():
    server = StreamServer(("127.0.0.1", 0), lambda s, a: None)
    with pytest.raises(ValueError, match="positive"):
        server.serve_forever(processes=0)
    with pytest.raises(TypeError, match="processes must be an integer"):
        server.serve_forever(processes="2")
    with pytest.raises(TypeError, match="not bool"):
        server.serve_forever(processes=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    given = StreamServer(listener, lambda s, a: None)
    with pytest.raises(ValueError, match="address"):
        given.serve_forever(processes=2)
    given.socket.close()
    with pytest.raises(TypeError, match="reuse_port"):
        StreamServer(("127.0.0.1", 0), lambda s, a: None, reuse_port=1)


def test_reuse_port_lets_two_servers_share_a_port():
    first = StreamServer(("127.0.0.1", 0), lambda s, a: s.sendall(b"1"), reuse_port=True)
    first.start()
    second = StreamServer(("127.0.0.1", first.server_port), lambda s, a: s.sendall(b"2"),
                          reuse_port=True)
    second.start()   # would be EADDRINUSE without SO_REUSEPORT
    try:
        assert second.server_port == first.server_port
        assert second.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
    finally:
        first.stop()
        second.stop()
