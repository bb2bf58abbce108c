"""Serving from several processes: ``server.serve_forever(processes=N)``.

How it works
------------

The parent binds nothing that listens. It reserves the server's address
with a socket that has ``SO_REUSEPORT`` and is bound but never listening (so
that port 0 becomes one port every child shares, and no other program can
take it meanwhile), then forks ``N`` children with :func:`ghub.fork` (each
child's event loop is re-initialised). Each child makes its own listener on
that address with ``SO_REUSEPORT`` and serves with its own hub: the kernel
spreads new connections over the children's listeners, and no process
accepts for another.

The parent supervises: a child that dies is replaced (after a pause that
grows while children keep dying young, so a server that cannot start does
not fork in a tight loop). ``SIGTERM`` or ``SIGINT`` to the parent, or
``server.stop()`` in another of its greenlets, stops everything gracefully:
every child gets ``SIGTERM``, which makes it ``stop(stop_timeout)`` (stop
accepting, let running handlers finish, then kill them) and exit; a child
still alive ``stop_timeout + grace`` seconds later is killed. Children
ignore ``SIGINT`` (a Ctrl-C reaches the whole process group; the parent
decides).
"""

from __future__ import annotations

import os
import signal as _signal
import socket as _stdsocket
import sys
import time
import traceback
from typing import Any

from ghub import fork, sleep
from ghub import signal as hub_signal
from gserve.baseserver import positive_int
from gsync.event import Event

__all__ = ["serve_in_processes"]

#: Seconds a stopping child gets beyond its stop_timeout before SIGKILL.
GRACE = 5.0
#: A child that dies sooner than this after its start counts as dying young.
YOUNG = 1.0


def _reserve(server: Any) -> _stdsocket.socket:
    sock = _stdsocket.socket(server.family, server.socket_type)
    try:
        sock.setsockopt(_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEPORT, 1)
        sock.bind(server.address)
    except BaseException:
        sock.close()
        raise
    return sock


def _child(server: Any, stop_timeout: float | None, inherited: list[Any]) -> None:
    """The life of one child process: serve until SIGTERM, then exit (never returns)."""
    code = 0
    try:
        server._supervisor = None   # the parent's, copied by fork()
        for watcher in inherited:   # the parent's signal watchers, copied by fork()
            watcher.cancel()
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
        hub_signal(_signal.SIGTERM, server.stop, stop_timeout)
        server.serve_forever(stop_timeout)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve_in_processes(server: Any, processes: Any, stop_timeout: float | None) -> None:
    """Serve ``server`` from ``processes`` child processes until stopped (module doc)."""
    processes = positive_int(processes, "processes")
    if not hasattr(_stdsocket, "SO_REUSEPORT"):
        raise OSError("serving from several processes needs SO_REUSEPORT, which this "
                      "platform lacks")
    if server.started or server.closed:
        raise RuntimeError(f"serve_forever(processes=...) needs a {type(server).__name__} "
                           "that was never started")
    if server.socket is not None:
        raise ValueError("serve_forever(processes=...) needs an address to bind in each "
                         "process, not a socket")
    server.reuse_port = True
    reserved = _reserve(server)
    server.address = reserved.getsockname()
    wake = Event()
    stopping = Event()
    children: dict[int, float] = {}   # pid -> when it started

    def request_stop() -> None:
        stopping.set()
        wake.set()

    server._supervisor = request_stop
    watchers = [hub_signal(_signal.SIGTERM, request_stop), hub_signal(_signal.SIGINT, request_stop),
                hub_signal(_signal.SIGCHLD, wake.set)]

    def start_child() -> None:
        pid = fork()
        if pid == 0:
            reserved.close()
            _child(server, stop_timeout, watchers)
        children[pid] = time.monotonic()

    def reap() -> list[float]:
        lifetimes = []
        while children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                break
            if pid == 0:
                break
            started = children.pop(pid, None)
            if started is not None:
                lifetimes.append(time.monotonic() - started)
        return lifetimes

    delay = 0.1
    try:
        for _ in range(processes):
            start_child()
        while not stopping.is_set():
            wake.wait(1.0)
            wake.clear()
            if stopping.is_set():
                break
            lifetimes = reap()
            if lifetimes and min(lifetimes) < YOUNG:
                sleep(delay)
                delay = min(delay * 2, 5.0)
            elif lifetimes:
                delay = 0.1
            while len(children) < processes and not stopping.is_set():
                start_child()
    finally:
        for pid in children:
            try:
                os.kill(pid, _signal.SIGTERM)
            except ProcessLookupError:
                pass
        timeout = server.stop_timeout if stop_timeout is None else stop_timeout
        deadline = time.monotonic() + timeout + GRACE
        while children and time.monotonic() < deadline:
            reap()
            if children:
                wake.clear()
                wake.wait(0.05)
        for pid in list(children):
            try:
                os.kill(pid, _signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        children.clear()
        for watcher in watchers:
            watcher.cancel()
        reserved.close()
        server._supervisor = None
        server._closed = True
