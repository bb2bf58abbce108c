"""The ``_thread`` module, with greenlets for threads: what ``patch_thread`` installs.

How it works
------------

A "thread" is a raw greenlet whose parent is the hub; its ident is
``id()`` of the greenlet, which is what :func:`get_ident` returns for any
greenlet (the main greenlet included), so that ``threading`` keys its
bookkeeping on greenlets. :func:`start_new_thread` queues the new greenlet
as a loop callback: it first runs when the caller blocks or yields, as a new
thread runs when the scheduler gets to it.

:class:`LockType` is ``gsync``'s :class:`~gsync.coros.Lock` (a one-permit
semaphore, as gevent's ``LockType`` is a ``BoundedSemaphore``) with the
``_thread.lock`` contract on top: ``acquire(blocking, timeout=-1)`` and its
checks, ``__enter__`` returning True, the type that cannot be instantiated.
``acquire`` takes a free lock at once or parks the greenlet in the lock's
line; ``release`` wakes the first waiter (FIFO, no barging), which takes the
lock itself, so a waiter that times out or is killed just leaves the line.
:class:`RLock` is ``gsync``'s :class:`~gsync.coros.RLock` with
``_thread.RLock``'s constructor, ``__enter__`` and repr. Everything in
``threading`` built on these locks (``Condition``, ``Event``, ``Semaphore``,
``Barrier``, ``Thread.join``, ``queue.Queue``...) becomes cooperative
without being touched.

:func:`_set_sentinel` gives ``threading`` the lock that ``Thread.join``
waits on; the greenlet's bootstrap releases it when the thread's function
has returned, as CPython does when a thread state is deleted.

Locks are for greenlets of one OS thread: an OS thread started with the
original ``_thread.start_new_thread`` must use the original locks too.
"""

from __future__ import annotations

import sys
import traceback
from _thread import TIMEOUT_MAX
from _thread import error as error  # noqa: PLC0414 (re-exported: it is _thread's)

from greenlet import GreenletExit, getcurrent, greenlet

from ghub import get_hub
from ghub.checks import lock_timeout
from ghub.local import local as _greenlet_local
from gsync.coros import Lock as _Lock
from gsync.coros import RLock as _RLock
from gsync.coros import Semaphore as _Semaphore

__all__ = [
    "LockType", "RLock", "allocate_lock", "start_new_thread", "get_ident", "_local",
    "_count", "_set_sentinel", "exit", "error", "TIMEOUT_MAX", "allocate", "start_new",
    "exit_thread",
]

# The names patch_thread puts into _thread (the module that stands in for _thread says so).
__implements__ = [
    "LockType", "RLock", "allocate_lock", "allocate", "start_new_thread", "start_new",
    "get_ident", "_local", "_count", "_set_sentinel", "_excepthook",
]


class LockType(_Lock):
    """A primitive lock: ``_thread.lock`` for greenlets.

    ``acquire(blocking=True, timeout=-1)`` blocks the calling greenlet only
    (the others run meanwhile) and returns True once the lock is taken, or
    False if ``blocking`` is false or ``timeout`` seconds passed. Any greenlet
    may ``release()`` it; releasing an unlocked lock raises ``RuntimeError``.
    Waiters get the lock in the order they asked for it. Made by
    :func:`allocate_lock` (the type itself cannot be called, as ``_thread.lock``).
    """

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create '{cls.__module__}.{cls.__qualname__}' instances")

    def acquire(self, blocking=True, timeout=-1):
        if timeout is None:   # _thread's: no None (gsync's locks take it)
            raise TypeError("'NoneType' object cannot be interpreted as an integer")
        if timeout != -1:
            timeout = lock_timeout(blocking, timeout)
            if timeout == 0:
                blocking = False
                timeout = None
        else:
            timeout = None
        return _Lock.acquire(self, blocking, timeout)

    acquire_lock = acquire
    release_lock = _Lock.release
    locked_lock = _Lock.locked

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def __repr__(self):
        state = "locked" if self.locked() else "unlocked"
        return f"<{state} _thread.lock object (greenlet) at {id(self):#x}>"


_new = _Semaphore.__new__


class _LockMaker:
    """``allocate_lock()``: a new, unlocked lock.

    An instance rather than a function so that, like the builtin it replaces,
    it is not bound when stored as a class attribute
    (``locktype = _thread.allocate_lock`` in a TestCase, say).
    """

    __slots__ = ()
    __name__ = __qualname__ = "allocate_lock"
    __module__ = "_thread"

    def __call__(self):
        lock = _new(LockType)
        _Lock.__init__(lock)
        return lock

    def __repr__(self):
        return "<built-in function allocate_lock>"


allocate_lock = allocate = _LockMaker()


class RLock(_RLock):
    """A reentrant lock owned by a greenlet: ``_thread.RLock`` for greenlets.

    The owner may acquire it again; it is free once released as many times.
    Releasing it from a greenlet that does not own it raises ``RuntimeError``.
    """

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        _RLock.__init__(self)

    def __enter__(self):
        return self.acquire()

    def __repr__(self):
        owner = self._owner
        state = "unlocked" if owner is None else "locked"
        ident = 0 if owner is None else id(owner)
        return (f"<{state} _thread.RLock object (greenlet) owner={ident} "
                f"count={self._count} at {id(self):#x}>")


def get_ident():
    """The ident of the calling greenlet (a "thread" under gmonkey): a nonzero int."""
    return id(getcurrent())


# -- threads ---------------------------------------------------------------------------

_live = 0            # how many greenlets started here are still running (_count())
_sentinels = {}      # ident of a started greenlet -> locks to release when it ends
_unraisable_type = None


def _count():
    """How many threads (greenlets) started with :func:`start_new_thread` are running."""
    return _live


def start_new_thread(function, args, kwargs=None):
    """Start ``function(*args, **kwargs)`` in a new greenlet; return its ident.

    The greenlet first runs when the caller blocks or yields. An exception
    that escapes ``function`` goes to ``sys.unraisablehook`` (``SystemExit``
    and ``GreenletExit`` end the thread quietly), as with ``_thread``.
    """
    if not callable(function):
        raise TypeError("first arg must be callable")   # (_thread's message)
    if not isinstance(args, tuple):
        raise TypeError("2nd arg must be a tuple")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError("optional 3rd arg must be a dictionary")
    hub = get_hub()
    glet = greenlet(_bootstrap, hub)
    ident = id(glet)
    _sentinels[ident] = []
    hub.loop.run_callback(glet.switch, function, args, kwargs or {})
    return ident


start_new = start_new_thread


def _bootstrap(function, args, kwargs):
    global _live
    _live += 1
    ident = id(getcurrent())
    try:
        function(*args, **kwargs)
    except (SystemExit, GreenletExit):
        pass
    except BaseException as exc:
        _report(function, exc)
    finally:
        _live -= 1
        for lock in _sentinels.pop(ident, ()):
            if lock.locked():
                lock.release()


def _report(function, exc):
    hook_args = _unraisable_args(type(exc), exc, exc.__traceback__,
                                 "Exception ignored in thread started by", function)
    try:
        sys.unraisablehook(hook_args)
    except BaseException:
        pass


def _unraisable_args(*fields):
    """A ``sys.UnraisableHookArgs`` (its type is not exposed: take it from a real one)."""
    global _unraisable_type
    if _unraisable_type is None:
        caught = []
        previous = sys.unraisablehook
        sys.unraisablehook = caught.append
        try:
            class _Raises:
                def __del__(self):
                    raise RuntimeError

            _Raises()
        finally:
            sys.unraisablehook = previous
        _unraisable_type = type(caught[0])
    return _unraisable_type(fields)


def _set_sentinel():
    """A lock that is released (if held) when the calling thread (greenlet) ends.

    ``threading`` acquires it at once and waits on it to join the thread.
    """
    lock = allocate_lock()
    locks = _sentinels.get(id(getcurrent()))
    if locks is not None:
        locks.append(lock)
    return lock


def exit():
    """End the calling thread (greenlet) quietly: raises ``SystemExit``."""
    raise SystemExit


exit_thread = exit


class _local(_greenlet_local):
    """``threading.local``: attributes private to each thread, that is to each greenlet."""

    __slots__ = ()


def _excepthook(args, /):
    """``threading.excepthook``'s default: print the thread's exception to stderr.

    As ``_thread._excepthook``, with the greenlet's ident for a thread that
    ``threading`` does not know.
    """
    if args.exc_type is SystemExit:
        return
    file = sys.stderr
    if file is None and args.thread is not None:
        file = getattr(args.thread, "_stderr", None)
    if file is None:
        return
    name = args.thread.name if args.thread is not None else get_ident()
    file.write(f"Exception in thread {name}:\n")
    file.flush()
    traceback.print_exception(args.exc_type, args.exc_value, args.exc_traceback, file=file)
    file.flush()


# They stand in for _thread's: say so (threading's __all__ check, pickling by name...).
for _obj in (LockType, RLock, start_new_thread, get_ident, _count, _set_sentinel, exit,
             _local, _excepthook):
    _obj.__module__ = "_thread"
LockType.__name__ = LockType.__qualname__ = "lock"
del _obj
