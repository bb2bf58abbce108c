"""Cooperative ``os``: file descriptors, child processes and ``fork`` (gevent's ``gevent.os``).

How it works
------------

Plain descriptors (pipes, ttys) have no cooperative form in the stdlib; this
module gives three ways to use them without blocking the other greenlets:

- :func:`nb_read` / :func:`nb_write` put nothing in blocking mode themselves:
  on a descriptor made non-blocking (:func:`make_nonblocking`), they try the
  call and, on ``EAGAIN``, wait for the descriptor in the hub and try again;
- :func:`read` / :func:`write` (what ``gmonkey.patch_os`` puts in ``os``)
  leave the descriptor in blocking mode, because another process may share
  it: they first check, without blocking, whether it is ready; if it is not,
  the greenlet waits for it in the hub, then makes the original call. A
  non-blocking descriptor keeps its ``BlockingIOError``;
- :func:`tp_read` / :func:`tp_write` run ``os.read``/``os.write`` in the
  hub's thread pool (``get_hub().threadpool``): for descriptors libevent
  cannot watch, such as regular files on a slow disk.

Child processes are reaped without blocking the hub. The ``wait`` family
first asks with ``WNOHANG``; if the child has not ended, the calling greenlet
waits, and the others run. For one process (``pid > 0``) it waits on a
*pidfd* (``os.pidfd_open``, Linux 5.3+), which becomes readable when the
process ends: the loop watches it like any descriptor, so the wait costs
nothing and ends at once. Where there is no pidfd (another system, a process
group, "any child", ``WUNTRACED``/``WCONTINUED``), it polls with ``WNOHANG``,
sleeping between tries from 1 ms up to 50 ms. No ``SIGCHLD`` handler is
installed: the program's own (or the default) stays in place, and nothing
reaps a child behind the back of code that waits for it. Errors are the
original's (``ChildProcessError`` for no such child). Called from the hub,
which must not wait, these are the original, blocking calls.

:func:`fork` (and :func:`forkpty`) is the original followed, in the child,
by ``ghub.reinit()``: libevent's back-end (an epoll descriptor, say) must
not be shared between two processes. :func:`fork_and_watch` also calls a
function in the parent, in the hub, when the child ends.
"""

from __future__ import annotations

import os as _os
from collections.abc import Callable
from errno import EAGAIN as _EAGAIN
from errno import EWOULDBLOCK as _EWOULDBLOCK
from fcntl import F_GETFL as _F_GETFL
from fcntl import F_SETFL as _F_SETFL
from fcntl import fcntl as _fcntl
from typing import Any

from greenlet import getcurrent as _getcurrent

import gcore as _gcore
import ghub as _ghub
import gsync.threadpool  # noqa: F401  (plugs the thread pool class into ghub.Hub)
from gnet._private import wait_fd as _wait_fd
from gnet.select import _POLLIN, _POLLOUT, _std_poll, _std_select

# The names this module provides in place of the stdlib's (gmonkey's patch_os patches these).
__implements__ = ["fork", "forkpty", "waitpid", "wait", "wait3", "wait4", "read", "write"]
# gevent's additions.
__extensions__ = ["tp_read", "tp_write", "make_nonblocking", "nb_read", "nb_write",
                  "fork_gevent", "forkpty_gevent", "fork_and_watch", "forkpty_and_watch"]

# (POSIX only: fcntl above. Every POSIX system Python supports has these.)
__all__ = [
    "fork", "forkpty", "waitpid", "wait", "wait3", "wait4", "read", "write",
    "tp_read", "tp_write", "make_nonblocking", "nb_read", "nb_write", "fork_gevent",
    "forkpty_gevent", "fork_and_watch", "forkpty_and_watch",
]

# The stdlib's functions, taken at import: gmonkey may later put ours in their place.
_fork = _os.fork
_forkpty = getattr(_os, "forkpty", None)
_waitpid = _os.waitpid
_wait3 = getattr(_os, "wait3", None)
_wait4 = getattr(_os, "wait4", None)
_pidfd_open = getattr(_os, "pidfd_open", None)
_read = _os.read
_write = _os.write
_WNOHANG = _os.WNOHANG
_EXIT_ONLY = ~(getattr(_os, "WUNTRACED", 0) | getattr(_os, "WCONTINUED", 0))
_MIN_DELAY, _MAX_DELAY = 0.001, 0.05
_READ, _WRITE = _gcore.EV_READ, _gcore.EV_WRITE


def _in_hub() -> bool:
    return isinstance(_getcurrent(), _ghub.Hub)


def _wait(fd: int, evtype: int) -> None:
    _wait_fd(fd, evtype)


# -- fork --------------------------------------------------------------------------------


def fork() -> int:
    """``os.fork()``; the child's event loop is re-initialised before it returns 0."""
    pid = _fork()
    if pid == 0:
        _ghub.reinit()
    return pid


fork_gevent = fork   # gevent's name for the same function


if _forkpty is not None:
    def forkpty() -> tuple[int, int]:
        """``os.forkpty()``; the child's event loop is re-initialised before it returns."""
        pid, fd = _forkpty()
        if pid == 0:
            _ghub.reinit()
        return pid, fd

    forkpty_gevent = forkpty


class ChildWatch:
    """What :func:`fork_and_watch`'s callback gets: the child's ``pid``, and once it ended
    ``rpid`` (its pid again) and ``rstatus`` (the status ``os.waitpid`` reported)."""

    __slots__ = ("pid", "rpid", "rstatus")

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.rpid = 0
        self.rstatus = 0

    def __repr__(self) -> str:
        return f"<gnet.os.ChildWatch pid={self.pid} rpid={self.rpid} rstatus={self.rstatus}>"


def _watch(pid: int, callback: Callable[[ChildWatch], Any] | None) -> None:
    watch = ChildWatch(pid)
    try:
        watch.rpid, watch.rstatus = waitpid(pid, 0)
    except ChildProcessError:
        return   # someone else reaped it
    if callback is not None:
        callback(watch)


def fork_and_watch(callback: Callable[[ChildWatch], Any] | None = None,
                   fork: Callable[[], int] = fork) -> int:
    """Fork; in the parent, reap the child when it ends and call ``callback(watch)`` then.

    Returns what ``fork()`` returns (0 in the child). The parent waits for
    the child in a greenlet of its own (see :func:`waitpid`); ``callback``
    gets a :class:`ChildWatch`. ``TypeError`` if ``callback`` is neither
    ``None`` nor callable.
    """
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
    pid = fork()
    if pid:
        _ghub.spawn(_watch, pid, callback)
    return pid


if _forkpty is not None:
    def forkpty_and_watch(callback: Callable[[ChildWatch], Any] | None = None,
                          forkpty: Callable[[], tuple[int, int]] = forkpty
                          ) -> tuple[int, int]:
        """:func:`forkpty`, then as :func:`fork_and_watch` in the parent."""
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
        pid, fd = forkpty()
        if pid:
            _ghub.spawn(_watch, pid, callback)
        return pid, fd


# -- reading and writing descriptors -----------------------------------------------------


def _ready(fd: int, evtype: int) -> bool:
    """True if ``fd`` is ready for ``evtype`` now (or if asking fails: let the call say why)."""
    try:
        if 0 <= fd < 1024:
            wanted = [fd]
            r, w, _ = _std_select(wanted if evtype == _READ else (),
                                  wanted if evtype == _WRITE else (), (), 0)
            return bool(r or w)
        poller = _std_poll()
        poller.register(fd, _POLLIN if evtype == _READ else _POLLOUT)
        return bool(poller.poll(0))
    except (OSError, ValueError, TypeError):
        return True


def wait_ready(fd: int, evtype: int) -> None:
    """Wait in the hub until a blocking ``fd`` is ready for ``evtype`` (``EV_READ``/``EV_WRITE``).

    Returns at once when it is ready, when it is in non-blocking mode (the
    caller asked for ``EAGAIN``), when it is not open for that direction
    (the call will fail at once with ``EBADF``), when it is not a descriptor
    libevent can watch (a regular file is always ready), or in the hub.
    """
    if _ready(fd, evtype) or _in_hub():
        return
    try:
        flags = _fcntl(fd, _F_GETFL)
    except OSError:
        return
    if flags & _os.O_NONBLOCK:
        return
    access = flags & _os.O_ACCMODE
    if access == (_os.O_WRONLY if evtype == _READ else _os.O_RDONLY):
        return
    try:
        _wait(fd, evtype)
    except OSError:
        return


def read(fd: int, n: int) -> bytes:
    """``os.read`` that waits for a blocking descriptor (pipe, tty...) in the hub first."""
    wait_ready(fd, _READ)
    return _read(fd, n)


def write(fd: int, data: Any) -> int:
    """``os.write`` that waits for a blocking descriptor to be writable in the hub first.

    A write larger than the room in a pipe can still block until the reader
    takes the rest (the descriptor stays in blocking mode: other processes
    may share it); :func:`nb_write` on a non-blocking descriptor never does.
    """
    wait_ready(fd, _WRITE)
    return _write(fd, data)


def make_nonblocking(fd: int) -> bool:
    """Put ``fd`` in non-blocking mode; True if it was blocking (so something changed).

    ``OSError`` (``EBADF``) for a descriptor that is not open.
    """
    flags = _fcntl(fd, _F_GETFL)
    if flags & _os.O_NONBLOCK:
        return False
    _fcntl(fd, _F_SETFL, flags | _os.O_NONBLOCK)
    return True


def nb_read(fd: int, n: int) -> bytes:
    """Read up to ``n`` bytes from a non-blocking ``fd``, waiting in the hub while it has none.

    Returns ``b""`` at end of file. On a blocking descriptor this is
    ``os.read`` (and may block the thread): call :func:`make_nonblocking` first.
    """
    while True:
        try:
            return _read(fd, n)
        except OSError as exc:
            if exc.errno not in (_EAGAIN, _EWOULDBLOCK):
                raise
        _wait(fd, _READ)


def nb_write(fd: int, data: Any) -> int:
    """Write ``data`` to a non-blocking ``fd``, waiting in the hub while it is full.

    Returns the number of bytes written (maybe fewer than ``len(data)``, as
    ``os.write``).
    """
    while True:
        try:
            return _write(fd, data)
        except OSError as exc:
            if exc.errno not in (_EAGAIN, _EWOULDBLOCK):
                raise
        _wait(fd, _WRITE)


def tp_read(fd: int, n: int) -> bytes:
    """``os.read(fd, n)`` run in the hub's thread pool: only the calling greenlet waits."""
    return _ghub.get_hub().threadpool.apply(_read, (fd, n))


def tp_write(fd: int, data: Any) -> int:
    """``os.write(fd, data)`` run in the hub's thread pool: only the calling greenlet waits."""
    return _ghub.get_hub().threadpool.apply(_write, (fd, data))


# -- waiting for children ----------------------------------------------------------------


def _cooperative(call: Callable[..., Any], pid: int, options: int, *args: Any) -> Any:
    """Run ``call(pid, options | WNOHANG, *args)`` until it reports a process."""
    if options & _WNOHANG or _in_hub():
        return call(pid, options, *args)
    nohang = options | _WNOHANG
    result = call(pid, nohang, *args)
    if result[0] != 0:
        return result
    if pid > 0 and _pidfd_open is not None and options == options & _EXIT_ONLY:
        try:
            fd = _pidfd_open(pid)
        except OSError:
            fd = None   # gone already, not permitted, no pidfd support: poll instead
        if fd is not None:
            try:
                while True:
                    result = call(pid, nohang, *args)
                    if result[0] != 0:
                        return result
                    _wait(fd, _READ)
            finally:
                _os.close(fd)
    delay = _MIN_DELAY
    while True:
        _ghub.sleep(delay)
        result = call(pid, nohang, *args)
        if result[0] != 0:
            return result
        delay = min(delay * 2, _MAX_DELAY)


def waitpid(pid: int, options: int) -> tuple[int, int]:
    """``os.waitpid`` that blocks only the calling greenlet (unless ``WNOHANG``)."""
    return _cooperative(_waitpid, pid, options)


def wait() -> tuple[int, int]:
    """``os.wait`` that blocks only the calling greenlet."""
    return _cooperative(_waitpid, -1, 0)


if _wait3 is not None:
    def wait3(options: int) -> tuple[int, int, Any]:
        """``os.wait3`` that blocks only the calling greenlet (unless ``WNOHANG``)."""
        return _cooperative(lambda _pid, opts: _wait3(opts), -1, options)

if _wait4 is not None:
    def wait4(pid: int, options: int) -> tuple[int, int, Any]:
        """``os.wait4`` that blocks only the calling greenlet (unless ``WNOHANG``)."""
        return _cooperative(_wait4, pid, options)
