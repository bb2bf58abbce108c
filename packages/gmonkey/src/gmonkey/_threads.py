"""The ``_thread`` module, with greenlets for threads: what ``patch_thread`` installs.

How it works
------------

A "thread" is a raw greenlet whose parent is the hub; its ident is
``id()`` of the greenlet, which is what :func:`get_ident` returns for any
greenlet (the main greenlet included), so that ``threading`` keys its
bookkeeping on greenlets. :func:`start_new_thread` queues the new greenlet
as a loop callback: it first runs when the caller blocks or yields, as a new
thread runs when the scheduler gets to it.

:class:`LockType` is the ``_thread.lock`` contract on the hub: ``acquire``
either takes a free lock at once or queues the greenlet and switches to the
hub; ``release`` hands the lock straight to the first waiter (FIFO, no
barging) through a loop callback. A waiter that times out or is killed
leaves the queue in its ``finally``; one that was handed the lock in the
meantime passes it on. Everything in ``threading`` built on these locks
(``Condition``, ``Event``, ``Semaphore``, ``Barrier``, ``Thread.join``,
``queue.Queue``...) becomes cooperative without being touched.

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
from collections import deque

from greenlet import GreenletExit, getcurrent, greenlet

import gcore
from ghub import get_hub
from ghub.local import local as _greenlet_local

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


def _check_acquire_args(blocking, timeout):
    if timeout != -1:
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise TypeError(
                f"'{type(timeout).__name__}' object cannot be interpreted as a timeout") from None
        if timeout != timeout:
            raise ValueError("Invalid value NaN (not a number)")
        if not blocking:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0:
            raise ValueError("timeout value must be a non-negative number")
        if timeout > TIMEOUT_MAX:
            raise OverflowError("timeout value is too large")
    return timeout


class _Waiting:
    """One greenlet queued on a lock."""

    __slots__ = ("greenlet", "granted", "expired", "callback")

    def __init__(self, glet):
        self.greenlet = glet
        self.granted = False
        self.expired = False
        self.callback = None


def _grant(waiting):
    glet = waiting.greenlet
    if glet is not None:
        glet.switch()


def _expire(waiting):
    glet = waiting.greenlet
    if glet is not None and not waiting.granted:
        waiting.expired = True
        glet.switch()


class LockType:
    """A primitive lock: ``_thread.lock`` for greenlets.

    ``acquire(blocking=True, timeout=-1)`` blocks the calling greenlet only
    (the others run meanwhile) and returns True once the lock is taken, or
    False if ``blocking`` is false or ``timeout`` seconds passed. Any greenlet
    may ``release()`` it; releasing an unlocked lock raises ``RuntimeError``.
    Waiters get the lock in the order they asked for it. Made by
    :func:`allocate_lock` (the type itself cannot be called, as ``_thread.lock``).
    """

    __slots__ = ("_locked", "_waiters", "__weakref__")

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create '{cls.__module__}.{cls.__qualname__}' instances")

    def acquire(self, blocking=True, timeout=-1):
        if timeout != -1 or blocking is not True:
            timeout = _check_acquire_args(blocking, timeout)
        if not self._locked:
            self._locked = True
            return True
        if not blocking or timeout == 0:
            return False
        return self._wait(timeout)

    def _wait(self, timeout):
        hub = get_hub()
        waiting = _Waiting(getcurrent())
        self._waiters.append(waiting)
        timer = None
        if timeout != -1:
            timer = gcore.timer(timeout, _expire, waiting, loop=hub.loop)
        try:
            while not waiting.granted and not waiting.expired:
                hub.switch()
        except BaseException:
            self._leave(waiting, timer)
            if waiting.granted:
                self.release()   # handed the lock, then killed: pass it on
            raise
        self._leave(waiting, timer)
        return waiting.granted

    def _leave(self, waiting, timer):
        waiting.greenlet = None
        if timer is not None:
            timer.cancel()
        if waiting.callback is not None:
            waiting.callback.cancel()
        if not waiting.granted:
            try:
                self._waiters.remove(waiting)
            except ValueError:
                pass

    def release(self):
        if not self._locked:
            raise RuntimeError("release unlocked lock")
        waiters = self._waiters
        while waiters:
            waiting = waiters.popleft()
            if waiting.greenlet is None:
                continue
            waiting.granted = True   # the lock stays locked: it now belongs to the waiter
            waiting.callback = get_hub().loop.run_callback(_grant, waiting)
            return
        self._locked = False

    def locked(self):
        """True if the lock is held."""
        return self._locked

    def _at_fork_reinit(self):
        self._locked = False
        self._waiters = deque()

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def __repr__(self):
        state = "locked" if self._locked else "unlocked"
        return f"<{state} _thread.lock object (greenlet) at {id(self):#x}>"


_new = object.__new__


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
        lock._locked = False
        lock._waiters = deque()
        return lock

    def __repr__(self):
        return "<built-in function allocate_lock>"


allocate_lock = allocate = _LockMaker()


class RLock:
    """A reentrant lock owned by a greenlet: ``_thread.RLock`` for greenlets.

    The owner may acquire it again; it is free once released as many times.
    Releasing it from a greenlet that does not own it raises ``RuntimeError``.
    """

    __slots__ = ("_block", "_owner", "_count", "__weakref__")

    def __init__(self, *args, **kwargs):
        self._block = allocate_lock()
        self._owner = None
        self._count = 0

    def acquire(self, blocking=True, timeout=-1):
        me = get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if not self._block.acquire(blocking, timeout):
            return False
        self._owner = me
        self._count = 1
        return True

    __enter__ = acquire

    def release(self):
        if self._owner != get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if not self._count:
            self._owner = None
            self._block.release()

    def __exit__(self, *exc_info):
        self.release()

    def _is_owned(self):
        return self._owner == get_ident()

    def _release_save(self):
        if not self._count:
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        self._count = 0
        self._owner = None
        self._block.release()
        return state

    def _acquire_restore(self, state):
        self._block.acquire()
        self._count, self._owner = state

    def _recursion_count(self):
        return self._count if self._owner == get_ident() else 0

    def _at_fork_reinit(self):
        self._block._at_fork_reinit()
        self._owner = None
        self._count = 0

    def __repr__(self):
        state = "locked" if self._block.locked() else "unlocked"
        return (f"<{state} _thread.RLock object (greenlet) owner={self._owner or 0} "
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
        raise TypeError("first arg must be callable")
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
