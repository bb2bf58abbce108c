"""Cooperative ``subprocess.Popen``: what ``patch_subprocess`` installs.

How it works
------------

``Popen`` opens its pipes with ``io.open(fd, mode, bufsize)`` (and wraps
them in ``io.TextIOWrapper`` for text), looking ``io`` up in the
``subprocess`` module's globals. ``patch_subprocess`` puts there a copy of
the ``io`` namespace whose ``open`` makes, for a file descriptor, a
:class:`CooperativeFileIO`: a ``FileIO`` whose reads and writes first wait
for the pipe in the hub, so that the call itself never blocks the thread.
``p.stdout.read()``, ``p.stdin.write()``, ``p.communicate()`` (which also
uses the patched ``selectors``) then block only the calling greenlet, and
the objects keep their types (``io.BufferedReader``, ``io.FileIO``...).

:class:`Popen` waits with the cooperative ``waitpid`` of ``gmonkey._os``
even when ``os`` itself is not patched.
"""

from __future__ import annotations

import io as _io
import os
import select as _select
import subprocess as _subprocess
import types
import warnings

from gmonkey._os import _READ, _WRITE, _wait_ready
from gmonkey._os import _waitpid as _blocking_waitpid
from gmonkey._os import waitpid as _cooperative_waitpid

__all__ = ["CooperativeFileIO", "cooperative_io", "Popen"]
__implements__ = ["Popen", "io"]

_PIPE_BUF = getattr(_select, "PIPE_BUF", 512)   # what a writable pipe always takes
_CHUNK = 65536


class CooperativeFileIO(_io.FileIO):
    """A ``FileIO`` on a pipe whose reads and writes wait for the pipe in the hub.

    Blocking: ``read``/``readinto``/``readall``/``write`` block the calling
    greenlet (never the thread) until the pipe is ready. The descriptor stays
    in blocking mode, because the other process may share it (a pipe handed
    on as another child's stdin); instead each call first waits until it
    cannot block: a read until there is data, a write until there is room,
    writing at most ``PIPE_BUF`` bytes (which a ready pipe always takes) at a
    time. Raises what ``FileIO`` raises (``BrokenPipeError``, ``ValueError``
    once closed...).
    """

    def readinto(self, buffer):
        _wait_ready(self.fileno(), _READ)
        return super().readinto(buffer)

    def read(self, size=-1):
        if size is None or size < 0:
            return self.readall()
        _wait_ready(self.fileno(), _READ)
        return super().read(size)

    def readall(self):
        chunks = []
        while True:
            _wait_ready(self.fileno(), _READ)
            data = super().read(_CHUNK)
            if not data:
                if data is None and not chunks:
                    return None   # non-blocking descriptor set by the user: as FileIO
                return b"".join(chunks)
            chunks.append(data)

    def write(self, data):
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            _wait_ready(self.fileno(), _WRITE)
            n = super().write(view[done:done + _PIPE_BUF])
            if n is None:   # non-blocking descriptor set by the user: as FileIO
                return done or None
            done += n
        return done


def _open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
          closefd=True, opener=None):
    if not isinstance(file, int) or "b" not in mode or opener is not None:
        return _io.open(file, mode, buffering, encoding, errors, newline, closefd, opener)
    raw_mode = mode.replace("b", "").replace("t", "")
    raw = CooperativeFileIO(file, raw_mode, closefd)
    if buffering == 0:
        return raw
    if buffering == 1:
        warnings.warn("line buffering (buffering=1) isn't supported in binary mode, the "
                      "default buffer size will be used", RuntimeWarning, 2)
    if buffering < 0 or buffering == 1:
        buffering = _io.DEFAULT_BUFFER_SIZE
    if "+" in raw_mode:
        return _io.BufferedRandom(raw, buffering)
    if "r" in raw_mode:
        return _io.BufferedReader(raw, buffering)
    return _io.BufferedWriter(raw, buffering)


def cooperative_io():
    """A copy of the ``io`` namespace whose ``open`` gives cooperative pipes for descriptors."""
    namespace = types.ModuleType("io", _io.__doc__)
    namespace.__dict__.update({k: v for k, v in vars(_io).items() if not k.startswith("__")})
    namespace.open = _open
    namespace.__name__ = "io"
    return namespace


class Popen(_subprocess.Popen):
    """``subprocess.Popen`` whose pipes and waits block the calling greenlet only."""

    def _try_wait(self, wait_flags):
        waitpid = os.waitpid   # looked up now, as the original does (tests mock it)
        if waitpid is _blocking_waitpid:
            waitpid = _cooperative_waitpid
        try:
            (pid, sts) = waitpid(self.pid, wait_flags)
        except ChildProcessError:
            # As the original: with SIGCHLD ignored, the kernel reaps the child itself
            # and its exit status is gone; report it as 0.
            pid = self.pid
            sts = 0
        return (pid, sts)


Popen.__module__ = "subprocess"
Popen.__qualname__ = "Popen"
