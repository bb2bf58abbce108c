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
            proc.terminate()   # SIGTERM: the parent stops its children
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait(10)
        proc.stdout.close()


def alive(pid):
    """True while ``pid`` runs (a zombie that its new parent has not reaped yet is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


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


def test_children_stop_when_the_parent_is_killed(parent):
    proc, port = parent(2)
    children = pids_seen(port)
    proc.kill()   # SIGKILL: no chance to stop them
    proc.wait(10)
    deadline = time.monotonic() + 10
    for pid in children:
        while alive(pid):
            assert time.monotonic() < deadline, f"child {pid} outlived its parent"
            time.sleep(0.05)


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


FORK_SCRIPT = textwrap.dedent(r'''
    import os, sys, time
    import ghub
    from gnet import socket
    from gserve.pywsgi import WSGIServer

    def app(environ, start_response):
        body = str(os.getpid()).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    def ask(sock):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(body) < length:
            body += sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 200"), head
        return int(body)

    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.start()
    kept = socket.create_connection(server.address, timeout=5)
    assert ask(kept) == os.getpid()
    parent = os.getpid()
    pid = ghub.fork()
    if pid == 0:
        try:
            server.close() if sys.argv[1] == "close" else server.stop(timeout=1)
            addrs = socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)
            assert addrs and addrs[0][4][0] == "127.0.0.1", addrs
            own = WSGIServer(("127.0.0.1", 0), app, log=None)
            own.start()
            with socket.create_connection(own.address, timeout=5) as c:
                assert ask(c) == os.getpid()
            own.stop()
            print("child ok", flush=True)
            os._exit(0)
        except BaseException as exc:
            print("child failed", repr(exc), flush=True)
            os._exit(1)
    for _ in range(500):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ghub.sleep(0.01)
    assert done and os.waitstatus_to_exitcode(status) == 0, status
    assert ask(kept) == parent, "the kept connection"
    with socket.create_connection(server.address, timeout=5) as c:
        assert ask(c) == parent
    kept.close()
    server.stop()
    print("parent ok", flush=True)
''')


@pytest.mark.parametrize("how", ["stop", "close"])
def test_fork_with_a_live_server(tmp_path, how):
    # The child (ghub.fork) stops or closes the server it inherited, resolves a name,
    # serves on a port of its own; the parent's kept-alive connection and its
    # listener are not disturbed.
    script = tmp_path / "fork_live.py"
    script.write_text(FORK_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split("\n")[:2] == ["child ok", "parent ok"], proc.stdout
