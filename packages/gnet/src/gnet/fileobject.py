"""File objects whose blocking calls block only the calling greenlet (``gevent.fileobject``).

How it works
------------

Two ways, for two kinds of files:

- :class:`FileObjectThread` wraps an ordinary file object (``io.open``'s)
  and runs each call that may block (``read``, ``readline``, ``write``,
  ``flush``, ``seek``, ``close``...) in the hub's thread pool
  (``get_hub().threadpool``, or the ``threadpool`` given): the calling
  greenlet waits for the result, the others run meanwhile. It works for
  every file, regular files on a slow disk included, at the cost of a round
  trip to a pool thread per call. A lock (``lock=True``, the default) lets
  one call at a time reach the file, as a file object expects.
- :class:`FileObjectPosix` puts a descriptor that the loop can watch (a
  pipe, a tty, a socket, a FIFO) in non-blocking mode and reads and writes
  it directly: on ``EAGAIN`` the greenlet waits for the descriptor in the
  hub, then tries again. No thread is involved. Regular files never report
  ``EAGAIN``, so with them it is a plain (blocking) file. Its raw layer is
  buffered and decoded by the stdlib's ``io.BufferedReader``/``Writer`` and
  ``io.TextIOWrapper``, as ``io.open`` would. On ``close()``, a descriptor
  that stays open (``closefd=False``) is put back in blocking mode if this
  object changed it.

:data:`FileObject` is the default, :class:`FileObjectThread`, as in gevent:
it is right for every kind of file. :class:`FileObjectBlock` wraps a file
without making anything cooperative (for code that wants the interface).

Every class takes ``fobj`` as a descriptor (an int), a path (``str``,
``bytes``, ``os.PathLike``) or a file object, then ``mode``, ``buffering``,
``closefd``, ``encoding``, ``errors`` and ``newline`` as ``io.open`` does
(``bufsize`` and ``close`` are accepted as gevent's older names of
``buffering`` and ``closefd``). The object answers the file's attributes
(``name``, ``mode``, ``closed``, ``fileno()``...) and is an iterator over
lines and a context manager.
"""

from __future__ import annotations

import io as _io
import os as _os
from errno import EAGAIN as _EAGAIN
from errno import EWOULDBLOCK as _EWOULDBLOCK
from typing import Any

import ghub as _ghub
from gcore import EV_READ as _READ
from gcore import EV_WRITE as _WRITE
from gnet import os as _gos
from gnet._private import wait_fd as _wait_fd
from gsync.coros import DummySemaphore as _DummySemaphore
from gsync.coros import Semaphore as _Semaphore

__all__ = ["FileObject", "FileObjectThread", "FileObjectPosix", "FileObjectBlock"]

_PATH_TYPES = (str, bytes, _os.PathLike)


def _options(buffering: int | None, bufsize: int | None, closefd: bool | None,
             close: bool | None) -> tuple[int, bool | None]:
    if bufsize is not None:
        if buffering is not None and buffering != -1:
            raise TypeError("give buffering or its older name bufsize, not both")
        buffering = bufsize
    if close is not None:
        if closefd is not None:
            raise TypeError("give closefd or its older name close, not both")
        closefd = close
    if buffering is None:
        buffering = -1
    if isinstance(buffering, bool) or not isinstance(buffering, int):
        raise TypeError(f"buffering must be an int, not {type(buffering).__name__}")
    return buffering, closefd


def _check_mode(mode: Any) -> str:
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, not {type(mode).__name__}")
    mode = mode.replace("U", "")   # Python 2's universal newlines: the default now
    if not mode or set(mode) - set("rwaxbt+") or sum(mode.count(c) for c in "rwax") != 1:
        raise ValueError(f"invalid mode: {mode!r}")
    return mode


class FileObjectBase:
    """What every file object of this module shares: the wrapped ``io`` object and its
    attributes, iteration over lines, the context manager."""

    _io: Any

    def __init__(self, fobj: Any) -> None:
        self._io = fobj

    @property
    def io(self) -> Any:
        """The wrapped ``io`` object."""
        return self._io

    @property
    def closed(self) -> bool:
        return bool(self._io.closed)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_io":
            raise AttributeError(name)
        return getattr(self._io, name)

    def __iter__(self) -> FileObjectBase:
        return self

    def __next__(self) -> Any:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._io!r}>"

    def readline(self, size: int = -1) -> Any:
        return self._io.readline(size)

    def close(self) -> None:
        self._io.close()


def _open_io(fobj: Any, mode: str, buffering: int, closefd: bool | None, encoding: Any,
             errors: Any, newline: Any) -> Any:
    """``fobj`` as an ``io`` object: a descriptor or a path is opened, a file object kept."""
    if isinstance(fobj, int) and not isinstance(fobj, bool):
        return _io.open(fobj, mode, buffering, encoding, errors, newline,
                        True if closefd is None else closefd)
    if isinstance(fobj, _PATH_TYPES):
        if closefd is False:
            raise ValueError("closefd must be true when a path is given")
        return _io.open(fobj, mode, buffering, encoding, errors, newline)
    if not hasattr(fobj, "read") and not hasattr(fobj, "write"):
        raise TypeError("fobj must be a file descriptor, a path or a file object, not "
                        f"{type(fobj).__name__}")
    return fobj


class FileObjectBlock(FileObjectBase):
    """A file object whose calls block as usual: gevent's interface, nothing cooperative."""

    def __init__(self, fobj: Any, mode: str = "r", buffering: int | None = -1,
                 closefd: bool | None = None, encoding: str | None = None,
                 errors: str | None = None, newline: str | None = None, *,
                 bufsize: int | None = None, close: bool | None = None) -> None:
        buffering, closefd = _options(buffering, bufsize, closefd, close)
        super().__init__(_open_io(fobj, _check_mode(mode), buffering, closefd, encoding,
                                  errors, newline))


_THREADED = ("read", "read1", "readinto", "readinto1", "readall", "readlines", "write",
             "writelines", "flush", "seek", "tell", "truncate", "peek")


class FileObjectThread(FileObjectBase):
    """A file whose blocking calls run in a thread pool: only the calling greenlet waits.

    ``threadpool``: the pool to use (default: the hub's, ``get_hub().threadpool``).
    ``lock``: ``True`` (one call at a time, the default), ``False`` (no lock:
    for a file object that is safe to use from several threads at once) or a
    semaphore-like object of your own. Errors are the file's own, raised in
    the calling greenlet.
    """

    def __init__(self, fobj: Any, mode: str = "r", buffering: int | None = -1,
                 closefd: bool | None = None, encoding: str | None = None,
                 errors: str | None = None, newline: str | None = None, *,
                 threadpool: Any = None, lock: Any = True, bufsize: int | None = None,
                 close: bool | None = None) -> None:
        buffering, closefd = _options(buffering, bufsize, closefd, close)
        if lock is True:
            lock = _Semaphore(1)
        elif lock is False:
            lock = _DummySemaphore()
        elif not (hasattr(lock, "__enter__") and hasattr(lock, "__exit__")):
            raise TypeError(f"lock must be True, False or a lock, not {type(lock).__name__}")
        self.lock = lock
        self.threadpool = threadpool if threadpool is not None else _ghub.get_hub().threadpool
        super().__init__(_open_io(fobj, _check_mode(mode), buffering, closefd, encoding,
                                  errors, newline))

    def _apply(self, method: Any, *args: Any) -> Any:
        with self.lock:
            return self.threadpool.apply(method, args)

    def __getattr__(self, name: str) -> Any:
        value = super().__getattr__(name)
        if name in _THREADED and callable(value):
            def threaded(*args: Any) -> Any:
                return self._apply(value, *args)
            threaded.__name__ = name
            threaded.__doc__ = getattr(value, "__doc__", None)
            return threaded
        return value

    def readline(self, size: int = -1) -> Any:
        return self._apply(self._io.readline, size)

    def close(self) -> None:
        """Close the file (its final flush runs in the pool)."""
        if self._io.closed:
            return
        self._apply(self._io.close)


class _GreenFileDescriptorIO(_io.RawIOBase):
    """The raw layer of :class:`FileObjectPosix`: a non-blocking descriptor, waits in the hub."""

    def __init__(self, fd: int, readable: bool, writable: bool, closefd: bool,
                 owner: Any = None) -> None:
        super().__init__()
        self._fd = fd
        self._readable = readable
        self._writable = writable
        self._closefd = closefd
        self._owner = owner   # the file object fd came from, closed with us if closefd
        self._changed = _gos.make_nonblocking(fd)
        self.name = getattr(owner, "name", fd)
        self.mode = ("rb+" if writable else "rb") if readable else "wb"

    def fileno(self) -> int:
        self._checkClosed()
        return self._fd

    def readable(self) -> bool:
        self._checkClosed()
        return self._readable

    def writable(self) -> bool:
        self._checkClosed()
        return self._writable

    def seekable(self) -> bool:
        self._checkClosed()
        try:
            _os.lseek(self._fd, 0, _os.SEEK_CUR)
        except OSError:
            return False
        return True

    def isatty(self) -> bool:
        self._checkClosed()
        return _os.isatty(self._fd)

    def readinto(self, buffer: Any) -> int:
        if not self._readable:
            raise _io.UnsupportedOperation("read")
        while True:
            try:
                return _os.readv(self._fd, [buffer])
            except OSError as exc:
                if exc.errno not in (_EAGAIN, _EWOULDBLOCK):
                    raise
            self._checkClosed()
            _wait_fd(self._fd, _READ)

    def write(self, data: Any) -> int:
        if not self._writable:
            raise _io.UnsupportedOperation("write")
        while True:
            try:
                return _os.write(self._fd, data)
            except OSError as exc:
                if exc.errno not in (_EAGAIN, _EWOULDBLOCK):
                    raise
            self._checkClosed()
            _wait_fd(self._fd, _WRITE)

    def seek(self, offset: int, whence: int = _os.SEEK_SET) -> int:
        self._checkClosed()
        return _os.lseek(self._fd, offset, whence)

    def tell(self) -> int:
        return self.seek(0, _os.SEEK_CUR)

    def close(self) -> None:
        if self.closed:
            return
        try:
            super().close()
        finally:
            fd, self._fd = self._fd, -1
            if self._closefd:
                if self._owner is not None:
                    self._owner.close()
                else:
                    _os.close(fd)
            elif self._changed:
                try:
                    _os.set_blocking(fd, True)
                except OSError:
                    pass


class FileObjectPosix(FileObjectBase):
    """A pipe, tty, socket or FIFO read and written without blocking the other greenlets.

    The descriptor is put in non-blocking mode; reads and writes wait for it
    in the hub (see the module docstring). ``closefd`` (default ``True``):
    close the descriptor (or the file object it came from) on ``close()``.
    ``ValueError`` for an invalid mode or ``buffering=0`` in text mode, as
    ``io.open``.
    """

    def __init__(self, fobj: Any, mode: str = "r", buffering: int | None = -1,
                 closefd: bool | None = None, encoding: str | None = None,
                 errors: str | None = None, newline: str | None = None, *,
                 bufsize: int | None = None, close: bool | None = None) -> None:
        buffering, closefd = _options(buffering, bufsize, closefd, close)
        mode = _check_mode(mode)
        owner = None
        if isinstance(fobj, int) and not isinstance(fobj, bool):
            fd = fobj
        elif isinstance(fobj, _PATH_TYPES):
            if closefd is False:
                raise ValueError("closefd must be true when a path is given")
            flags = _os.O_RDWR if "+" in mode else (_os.O_RDONLY if "r" in mode
                                                    else _os.O_WRONLY)
            if "w" in mode:
                flags |= _os.O_CREAT | _os.O_TRUNC
            elif "a" in mode:
                flags |= _os.O_CREAT | _os.O_APPEND
            elif "x" in mode:
                flags |= _os.O_CREAT | _os.O_EXCL
            fd = _os.open(fobj, flags | getattr(_os, "O_CLOEXEC", 0), 0o666)
            closefd = True
        elif hasattr(fobj, "fileno"):
            owner = fobj
            fd = fobj.fileno()
        else:
            raise TypeError("fobj must be a file descriptor, a path or an object with "
                            f"fileno(), not {type(fobj).__name__}")
        if closefd is None:
            closefd = True
        binary = "b" in mode
        if not binary and buffering == 0:
            raise ValueError("can't have unbuffered text I/O")
        readable = "r" in mode or "+" in mode
        writable = bool(set(mode) & set("wax+"))
        raw = _GreenFileDescriptorIO(fd, readable, writable, closefd, owner)
        line_buffering = buffering == 1 and not binary
        if buffering in (-1, 1):
            buffering = _io.DEFAULT_BUFFER_SIZE
        result: Any = raw
        if buffering:
            if readable and writable:
                result = _io.BufferedRWPair(raw, raw, buffering) if not raw.seekable() \
                    else _io.BufferedRandom(raw, buffering)
            elif readable:
                result = _io.BufferedReader(raw, buffering)
            else:
                result = _io.BufferedWriter(raw, buffering)
        if not binary:
            result = _io.TextIOWrapper(result, encoding, errors, newline, line_buffering)
        super().__init__(result)
        self.fileio = raw

    def readline(self, size: int = -1) -> Any:
        return self._io.readline(size)


FileObject = FileObjectThread   # the default, as in gevent
