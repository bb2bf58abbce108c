"""Cooperative ``subprocess``: ``Popen``, ``run``, ``call``... that block the calling greenlet only.

How it works
------------

:class:`Popen` is the stdlib's ``subprocess.Popen``, run by the stdlib's own
code (so every argument, error and corner case is the running Python's),
with four things made cooperative:

- the pipes: ``Popen`` opens its pipes with ``io.open(fd, mode, bufsize)``;
  here ``io.open`` makes, for a descriptor, a :class:`CooperativeFileIO`
  (a ``FileIO`` whose reads and writes first wait for the pipe in the hub),
  under the usual ``io.BufferedReader``/``BufferedWriter``/``TextIOWrapper``,
  so ``p.stdout.read()`` and ``p.stdin.write()`` block the calling greenlet
  only, and the objects keep their types;
- ``communicate()``: the stdlib's loop over a selector, on gnet's cooperative
  selector (``gnet.selectors``);
- waiting for the child: ``wait()`` and ``poll()`` use ``gnet.os.waitpid``,
  which waits on a pidfd that the loop watches (Linux 5.3+; elsewhere it
  polls with ``WNOHANG``, 1 to 50 ms apart), so the hub never blocks and the
  child is reaped as soon as it ends; ``wait(timeout)`` is bounded by a
  ``ghub.Timeout`` and raises ``subprocess.TimeoutExpired`` as the stdlib;
- the lock ``Popen`` takes around ``waitpid`` is a cooperative one, so two
  greenlets may wait for the same process.

The stdlib's methods that use these are run with the ``subprocess`` module's
globals as they were when this module was imported, with ``io``,
``threading`` and ``_PopenSelector`` replaced by the cooperative ones; the
module-level helpers (:func:`run`, :func:`call`, :func:`check_call`,
:func:`check_output`, :func:`getoutput`, :func:`getstatusoutput`) are the
stdlib's, with ``Popen`` being this one. Everything else (``PIPE``,
``CalledProcessError``, ``TimeoutExpired``, ``CompletedProcess``...) is the
stdlib's own object.

What still blocks the thread: starting the child (``fork``/``exec`` and
reading the child's exec error, a few milliseconds), and a write to a pipe
that a non-cooperative reader drains slowly beyond ``PIPE_BUF`` bytes at a
time. Replacing ``subprocess``'s own names later (``mock.patch
("subprocess._fork_exec")``) does not reach this module's copies.
"""

from __future__ import annotations

import io as _io
import select as _select
import subprocess as _subprocess
import threading as _threading
import types as _types
import warnings as _warnings
from subprocess import (
    DEVNULL,
    PIPE,
    STDOUT,
    CalledProcessError,
    CompletedProcess,
    SubprocessError,
    TimeoutExpired,
    list2cmdline,
)
from typing import TYPE_CHECKING, Any

import ghub as _ghub
from gnet import os as _gos
from gnet import selectors as _gselectors
from gsync.coros import Lock as _Lock

# The names this module provides in place of the stdlib's.
__implements__ = ["Popen", "call", "check_call", "check_output", "run", "getoutput",
                  "getstatusoutput"]
# gnet's additions.
__extensions__ = ["CooperativeFileIO", "cooperative_io"]
# The stdlib's own objects, re-exported unchanged.
__imports__ = ["PIPE", "STDOUT", "DEVNULL", "SubprocessError", "CalledProcessError",
               "TimeoutExpired", "CompletedProcess", "list2cmdline"]

__all__ = [
    "Popen", "call", "check_call", "check_output", "run", "getoutput", "getstatusoutput",
    "CooperativeFileIO", "cooperative_io",
    "PIPE", "STDOUT", "DEVNULL", "SubprocessError", "CalledProcessError", "TimeoutExpired",
    "CompletedProcess", "list2cmdline",
]

_PIPE_BUF = getattr(_select, "PIPE_BUF", 512)   # what a writable pipe always takes
_CHUNK = 65536
_READ, _WRITE = _gos._READ, _gos._WRITE
_wait_ready = _gos.wait_ready


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

    def readinto(self, buffer: Any) -> Any:
        _wait_ready(self.fileno(), _READ)
        return super().readinto(buffer)

    def read(self, size: int | None = -1) -> Any:
        if size is None or size < 0:
            return self.readall()
        _wait_ready(self.fileno(), _READ)
        return super().read(size)

    def readall(self) -> Any:
        chunks = []
        while True:
            _wait_ready(self.fileno(), _READ)
            data = super().read(_CHUNK)
            if not data:
                if data is None and not chunks:
                    return None   # non-blocking descriptor set by the user: as FileIO
                return b"".join(chunks)
            chunks.append(data)

    def write(self, data: Any) -> Any:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            _wait_ready(self.fileno(), _WRITE)
            n = super().write(view[done:done + _PIPE_BUF])
            if n is None:   # non-blocking descriptor set by the user: as FileIO
                return done or None
            done += n
        return done


def _open(file: Any, mode: str = "r", buffering: int = -1, encoding: str | None = None,
          errors: str | None = None, newline: str | None = None, closefd: bool = True,
          opener: Any = None) -> Any:
    if not isinstance(file, int) or "b" not in mode or opener is not None:
        return _io.open(file, mode, buffering, encoding, errors, newline, closefd, opener)
    raw_mode = mode.replace("b", "").replace("t", "")
    raw = CooperativeFileIO(file, raw_mode, closefd)
    if buffering == 0:
        return raw
    if buffering == 1:
        _warnings.warn("line buffering (buffering=1) isn't supported in binary mode, the "
                       "default buffer size will be used", RuntimeWarning, 2)
    if buffering < 0 or buffering == 1:
        buffering = _io.DEFAULT_BUFFER_SIZE
    if "+" in raw_mode:
        return _io.BufferedRandom(raw, buffering)
    if "r" in raw_mode:
        return _io.BufferedReader(raw, buffering)
    return _io.BufferedWriter(raw, buffering)


def cooperative_io() -> _types.ModuleType:
    """A copy of the ``io`` namespace whose ``open`` gives cooperative pipes for descriptors."""
    namespace = _types.ModuleType("io", _io.__doc__)
    namespace.__dict__.update({k: v for k, v in vars(_io).items() if not k.startswith("__")})
    namespace.open = _open
    namespace.__name__ = "io"
    return namespace


def _cooperative_threading() -> _types.ModuleType:
    namespace = _types.ModuleType("threading", _threading.__doc__)
    namespace.__dict__.update({k: v for k, v in vars(_threading).items()
                               if not k.startswith("__")})
    namespace.Lock = _Lock
    namespace.__name__ = "threading"
    return namespace


# The subprocess module's globals as the stdlib's code below sees them.
_globals = dict(vars(_subprocess))
_globals.update(io=cooperative_io(), threading=_cooperative_threading(),
                _PopenSelector=_gselectors.DefaultSelector)


def _rebind(function: Any) -> Any:
    """``function`` (the stdlib's) run with the cooperative globals."""
    rebound = _types.FunctionType(function.__code__, _globals, function.__name__,
                                  function.__defaults__, function.__closure__)
    rebound.__kwdefaults__ = function.__kwdefaults__
    # (not the stdlib's docstring: its examples are the stdlib's, and its text
    # names the stdlib's module)
    rebound.__doc__ = (f"The stdlib's ``subprocess.{function.__qualname__}``, cooperative: "
                       "its own code, on this module's :class:`Popen`, pipes and waits.")
    rebound.__qualname__ = function.__qualname__
    rebound.__module__ = __name__
    return rebound


_std_wait = _rebind(_subprocess.Popen._wait)
_blocking_waitpid = _gos._waitpid


class Popen(_subprocess.Popen[Any]):
    """``subprocess.Popen`` whose pipes, ``communicate()`` and ``wait()`` block the caller only.

    Same arguments, attributes and errors as the stdlib's; see the module
    docstring for how it works and what still blocks.
    """

    if not TYPE_CHECKING:   # the stdlib's signatures, for type checkers
        __init__ = _rebind(_subprocess.Popen.__init__)
        _communicate = _rebind(_subprocess.Popen._communicate)

    def _try_wait(self, wait_flags: int) -> tuple[int, int]:
        try:
            (pid, sts) = _gos.waitpid(self.pid, wait_flags)
        except ChildProcessError:
            # As the stdlib: with SIGCHLD ignored, the kernel reaps the child itself
            # and its exit status is gone; report it as 0.
            pid = self.pid
            sts = 0
        return (pid, sts)

    def _wait(self, timeout: float | None) -> int:
        if self.returncode is not None or timeout is None:
            return _std_wait(self, None)
        timer = _ghub.Timeout(max(timeout, 0))
        timer.start()
        try:
            return _std_wait(self, None)
        except _ghub.Timeout as exc:
            if exc is not timer:
                raise
            raise TimeoutExpired(self.args, timeout) from None
        finally:
            timer.cancel()


Popen.__module__ = __name__

_globals["Popen"] = Popen
if TYPE_CHECKING:   # the stdlib's functions, so their signatures are the stdlib's
    from subprocess import call as call
    from subprocess import check_call as check_call
    from subprocess import check_output as check_output
    from subprocess import getoutput as getoutput
    from subprocess import getstatusoutput as getstatusoutput
    from subprocess import run as run
else:
    run = _rebind(_subprocess.run)
    _globals["run"] = run
    call = _rebind(_subprocess.call)
    _globals["call"] = call
    check_call = _rebind(_subprocess.check_call)
    check_output = _rebind(_subprocess.check_output)
    _globals["check_output"] = check_output
    getstatusoutput = _rebind(_subprocess.getstatusoutput)
    _globals["getstatusoutput"] = getstatusoutput
    getoutput = _rebind(_subprocess.getoutput)

