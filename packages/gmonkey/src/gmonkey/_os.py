"""Cooperative ``os.fork`` and ``os.waitpid``: what ``patch_os`` installs.

How it works
------------

:func:`fork` (and :func:`forkpty`) is the original followed, in the child,
by ``ghub.reinit()``: libevent's back-end (an epoll descriptor, say) must not
be shared between two processes.

:func:`read` and :func:`write` first check, without blocking, whether the
descriptor is ready; if it is not and it is in blocking mode (a pipe, a
tty), the greenlet waits for it in the hub, then makes the original call.
A non-blocking descriptor keeps its ``BlockingIOError``.

The ``wait`` family first asks with ``WNOHANG``; if the child has not ended,
the calling greenlet waits without holding up the others. For one process
(``pid > 0``) it waits on a *pidfd* (``os.pidfd_open``, Linux 5.3+), which
becomes readable when the process ends, so the wait costs nothing and ends
at once. Where there is no pidfd (another system, a process group, "any
child", ``WUNTRACED``/``WCONTINUED``), it polls with ``WNOHANG``, sleeping
between tries from 1 ms up to 50 ms. Errors are the original's
(``ChildProcessError`` for no such child). Called from the hub, which must
not wait, they are the original, blocking calls.
"""

from __future__ import annotations

import os
import select as _select_module
from fcntl import F_GETFL as _F_GETFL
from fcntl import fcntl as _fcntl

from greenlet import getcurrent

import gcore
import ghub
from gmonkey._patcher import get_original
from gmonkey._wait import wait_fd, wait_readable

__all__ = ["fork", "forkpty", "waitpid", "wait", "wait3", "wait4", "read", "write"]
__implements__ = [name for name in __all__ if hasattr(os, name)]

_fork = os.fork
_forkpty = getattr(os, "forkpty", None)
_waitpid = os.waitpid
_wait3 = getattr(os, "wait3", None)
_wait4 = getattr(os, "wait4", None)
_pidfd_open = getattr(os, "pidfd_open", None)
_WNOHANG = os.WNOHANG
_EXIT_ONLY = ~(getattr(os, "WUNTRACED", 0) | getattr(os, "WCONTINUED", 0))
_MIN_DELAY, _MAX_DELAY = 0.001, 0.05
_read = os.read
_write = os.write
_select = get_original("select", "select")
_poll = get_original("select", "poll") if hasattr(_select_module, "poll") else None
_READ, _WRITE = gcore.EV_READ, gcore.EV_WRITE


def fork():
    """``os.fork()``; the child's event loop is re-initialised before it returns 0."""
    pid = _fork()
    if pid == 0:
        ghub.reinit()
    return pid


if _forkpty is not None:
    def forkpty():
        """``os.forkpty()``; the child's event loop is re-initialised before it returns."""
        pid, fd = _forkpty()
        if pid == 0:
            ghub.reinit()
        return pid, fd


def _ready(fd, evtype):
    """True if ``fd`` is ready for ``evtype`` now (or if asking fails: let the call say why)."""
    try:
        if 0 <= fd < 1024:
            wanted = [fd]
            r, w, _ = _select(wanted if evtype == _READ else (),
                              wanted if evtype == _WRITE else (), (), 0)
            return bool(r or w)
        poller = _poll()
        poller.register(fd, _select_module.POLLIN if evtype == _READ else _select_module.POLLOUT)
        return bool(poller.poll(0))
    except (OSError, ValueError, TypeError):
        return True


def _wait_ready(fd, evtype):
    """Wait in the hub until a blocking ``fd`` is ready for ``evtype``.

    Returns at once when it is ready, when it is in non-blocking mode (the
    caller asked for ``EAGAIN``), when it is not open for that direction
    (the call will fail at once with ``EBADF``) or is not a descriptor at all.
    """
    if _ready(fd, evtype) or _in_hub():
        return
    try:
        flags = _fcntl(fd, _F_GETFL)
    except OSError:
        return
    if flags & os.O_NONBLOCK:
        return
    access = flags & os.O_ACCMODE
    if access == (os.O_WRONLY if evtype == _READ else os.O_RDONLY):
        return
    try:
        wait_fd(fd, evtype)
    except OSError:
        return   # not a descriptor libevent can watch (a regular file is always ready)


def read(fd, n):
    """``os.read`` that waits for a blocking descriptor (pipe, tty...) in the hub first."""
    _wait_ready(fd, _READ)
    return _read(fd, n)


def write(fd, data):
    """``os.write`` that waits for a blocking descriptor to be writable in the hub first.

    A write larger than the room in a pipe can still block until the reader
    takes the rest (the descriptor stays in blocking mode: other processes
    may share it).
    """
    _wait_ready(fd, _WRITE)
    return _write(fd, data)


def _in_hub():
    return isinstance(getcurrent(), ghub.Hub)


def _cooperative(call, pid, options, *args):
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
                    wait_readable(fd)
            finally:
                os.close(fd)
    delay = _MIN_DELAY
    while True:
        ghub.sleep(delay)
        result = call(pid, nohang, *args)
        if result[0] != 0:
            return result
        delay = min(delay * 2, _MAX_DELAY)


def waitpid(pid, options):
    """``os.waitpid`` that blocks only the calling greenlet (unless ``WNOHANG``)."""
    return _cooperative(_waitpid, pid, options)


def wait():
    """``os.wait`` that blocks only the calling greenlet."""
    return _cooperative(_waitpid, -1, 0)


if _wait3 is not None:
    def wait3(options):
        """``os.wait3`` that blocks only the calling greenlet (unless ``WNOHANG``)."""
        return _cooperative(lambda _pid, opts: _wait3(opts), -1, options)

if _wait4 is not None:
    def wait4(pid, options):
        """``os.wait4`` that blocks only the calling greenlet (unless ``WNOHANG``)."""
        return _cooperative(_wait4, pid, options)
