"""Shared fixtures for gserve's tests: the hub checked idle, servers in a thread, TLS, fds.

Two ways to drive a server:

- in the test's own hub, with gnet's cooperative sockets as clients (for
  tests that assert the exact order of events: a full pool, ``stop()``);
- in a thread of its own (:func:`threaded`), with the stdlib's blocking
  clients in the test's thread (``http.client``, ``urllib.request``,
  ``requests``, plain sockets): real clients, as a user would point at it.

Each test gets the hub checked idle afterwards, and the server thread checks
its own hub the same way before it ends. TLS uses the CA and certificate
that gnet's tests make (``packages/gnet/tests/tlscerts.py``).
"""

import os
import queue
import socket
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(1, str(Path(__file__).resolve().parents[2] / "gnet" / "tests"))

from tlscerts import Certificates  # noqa: E402

import ghub  # noqa: E402

JOIN = 10.0   # seconds a server thread gets to stop


def loop_is_idle(loop):
    return loop.ref_count == 0 and loop.pending_callbacks == 0


def settle(hub):
    """Let the hub run what the test's last actions queued; True if it is idle then."""
    for _ in range(5):
        if loop_is_idle(hub.loop):
            return True
        ghub.sleep(0.001)
    return loop_is_idle(hub.loop)


@pytest.fixture(autouse=True)
def idle_hub():
    """Check that the test left nothing pending in the hub's loop."""
    hub = ghub.get_hub()
    yield hub
    settle(hub)
    assert hub.loop.ref_count == 0, f"the test left pending events in {hub.loop!r}"


def open_fds():
    return len(os.listdir("/proc/self/fd"))


# -- the stdlib client side of the HTTP tests ----------------------------------------------


def read_all(sock):
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def status_of(raw):
    """The status code of the response that ``raw`` starts with."""
    return int(raw.split(b" ", 2)[1])


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return Certificates(tmp_path_factory.mktemp("tls"))


class ThreadedServer:
    """A server made and served in a thread with its own hub; ``stop()`` ends both."""

    def __init__(self, make):
        self._make = make
        self._ready = queue.Queue()
        self._control_r, self._control_w = socket.socketpair()
        self.error = None
        self.server = None
        self._thread = threading.Thread(target=self._run, name="gserve-test-server", daemon=True)
        self._thread.start()
        kind, value = self._ready.get(timeout=JOIN)
        if kind == "error":
            self._thread.join(JOIN)
            raise value
        self.server = value
        self.port = value.server_port
        self.address = ("127.0.0.1", self.port)

    def _run(self):
        import gnet.socket

        try:
            server = self._make()
            server.start()
        except BaseException as exc:
            self._ready.put(("error", exc))
            return
        self._ready.put(("ready", server))
        control = gnet.socket.socket(fileno=self._control_r.detach())
        try:
            control.recv(1)
            server.stop(timeout=2)
            ghub.sleep(0)
            if not settle(ghub.get_hub()):
                self.error = AssertionError(
                    f"the server thread's loop is not idle after stop(): {ghub.get_hub().loop!r}")
        except BaseException as exc:
            self.error = exc
        finally:
            control.close()

    def stop(self):
        if self._control_w is not None:
            self._control_w.send(b"x")
            self._control_w.close()
            self._control_w = None
            self._thread.join(JOIN)
            assert not self._thread.is_alive(), "the server thread did not stop"
            if self.error is not None:
                raise self.error


@pytest.fixture
def threaded():
    """``threaded(make)``: run the server ``make()`` returns in a thread; stopped after the test."""
    servers = []

    def start(make):
        server = ThreadedServer(make)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# --leaks=N (tools/pytest_leaks.py): each test run N more times, failed on steady growth.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools"))
from pytest_build import decoys  # noqa: E402,F401  (the fixture of test_build.py)
from pytest_leaks import *  # noqa: E402,F403
