"""Locks for greenlets: Semaphore, BoundedSemaphore, DummySemaphore, RLock and Lock.

How it works
------------

A :class:`Semaphore` is a counter of permits and a
:class:`~gsync._private.Linkable`. ``acquire()`` takes a permit at once when
one is free; otherwise it parks the greenlet in the semaphore's line (a
:class:`ghub.lot.Lot`). ``release()`` adds a permit and, when greenlets wait, queues the
notifier, which runs in the hub and switches into the first waiter while
permits are left; the waiter takes its permit itself as soon as it runs. A
waiter that times out or is killed just leaves the line: no permit was
given away on its behalf, so none can be lost.

The semaphores are fair: the waiters get the permits in the order they
started waiting, and a permit released while greenlets wait is theirs — a
newcomer's ``acquire()`` (blocking or not) does not overtake them, so a
greenlet that releases and re-acquires in a loop cannot starve the others.
``locked()`` says whether ``acquire()`` would block.

:class:`RLock` is ``threading.RLock`` with the current greenlet as the owner.
:class:`Lock` (a gsync addition, not in the 0.13 reference) is a one-permit
semaphore with ``threading.Lock``'s error on releasing an unlocked lock.

This module stands in for these names of ``threading``: ``Lock``, ``RLock``,
``Semaphore``, ``BoundedSemaphore`` (see ``THREADING_NAMES``).

Compiled builds: Cython compiles this file, with ``coros.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

from typing import Any

from greenlet import getcurrent

from ghub.checks import count, lock_timeout, wait_timeout
from ghub.timeout import Timeout
from gsync._private import Linkable, short_name

__all__ = ["Semaphore", "BoundedSemaphore", "DummySemaphore", "RLock", "Lock"]

# The names of ``threading`` whose interface this module's classes have (the tests hold
# them to it). gmonkey does not patch these in: ``threading`` runs as it is on gmonkey's
# ``_thread``, whose locks are this module's Lock and RLock.
THREADING_NAMES = ("Lock", "RLock", "Semaphore", "BoundedSemaphore")


class Semaphore(Linkable):
    """Semaphore(value=1)
--

    Permits: ``acquire()`` takes one (blocking while none is free), ``release()`` adds one.

    ``Semaphore(value=1)``; ``ValueError`` if ``value`` is negative. Also a
    context manager, and a linkable: ``rawlink(callback)`` calls
    ``callback(self)`` in the hub once a permit is free.
    """

    __slots__ = ("counter", "_nwaiters")

    def __init__(self, value: int = 1) -> None:
        value = count(value, "semaphore initial value")
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        Linkable.__init__(self)
        self.counter = value
        self._nwaiters = 0  # greenlets blocked in acquire(): the permits are theirs first

    def __repr__(self):
        return f"<{short_name(self)} at {id(self):#x}: value={self.counter}>"

    def _ready(self):
        return self.counter > 0

    def locked(self) -> bool:
        """True if ``acquire()`` would block: no permit is free for a newcomer."""
        return self.counter <= self._nwaiters

    def release(self, n: int = 1) -> None:
        """Add ``n`` permits (default 1), waking as many waiters. Never blocks; fine in the hub."""
        if n != 1:
            n = count(n, "n")
            if n < 1:
                raise ValueError("n must be one or more")
        self.counter += n
        if self._links and self._notifier is None:
            self._check_and_notify()

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take a permit; return True, or False if none could be had.

        With ``blocking=False`` never blocks. Otherwise waits, at most
        ``timeout`` seconds (None or -1: no limit), behind the greenlets
        already waiting, and returns False when the timeout expires (never
        raises for it). ``ValueError`` for a timeout with ``blocking=False``
        or a negative timeout, ``OverflowError`` past ``threading.TIMEOUT_MAX``.
        """
        if timeout is not None:
            timeout = lock_timeout(blocking, timeout)
        if self.counter > self._nwaiters:
            self.counter -= 1
            return True
        if not blocking:
            return False
        return self._acquire_slow(timeout)

    def _acquire_slow(self, timeout):
        t = None if timeout is None else Timeout.start_new(timeout)
        self._nwaiters += 1
        try:
            while True:
                if self._park(t) is not None:
                    return False
                # Woken by the notifier, in the hub, while a permit is free: take it.
                if self.counter > 0:
                    self.counter -= 1
                    return True
        finally:
            self._nwaiters -= 1
            if t is not None:
                t.cancel()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for a free permit without taking it, at most ``timeout`` s; return ``counter``."""
        if self.counter > 0:
            return self.counter
        self._park(wait_timeout(timeout))
        return self.counter

    def __enter__(self) -> Semaphore:
        self.acquire()
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> None:
        self.release()


class BoundedSemaphore(Semaphore):
    """A :class:`Semaphore` that cannot be released above its initial value (``ValueError``).

    ``threading.BoundedSemaphore``'s behaviour.
    """

    __slots__ = ("_initial_value",)

    def __init__(self, value: int = 1) -> None:
        Semaphore.__init__(self, value)
        self._initial_value = self.counter

    def __repr__(self):
        return f"<{short_name(self)} at {id(self):#x}: value={self.counter}/{self._initial_value}>"

    def release(self, n: int = 1) -> None:
        """Add ``n`` permits; ``ValueError`` if that would exceed the initial value."""
        if n != 1:
            n = count(n, "n")
            if n < 1:
                raise ValueError("n must be one or more")
        if self.counter + n > self._initial_value:
            raise ValueError("Semaphore released too many times")
        Semaphore.release(self, n)


class Lock(Semaphore):
    """A one-permit semaphore that behaves as ``threading.Lock``.

    ``release()`` of an unlocked lock raises ``RuntimeError``; any greenlet
    may release it. A gsync addition (the 0.13 reference has none).
    """

    __slots__ = ()

    def __init__(self) -> None:
        Semaphore.__init__(self, 1)

    def __repr__(self):
        state = "locked" if self.counter <= 0 else "unlocked"
        return f"<{state} {short_name(self)} object at {id(self):#x}>"

    def locked(self) -> bool:
        """True if the lock is held (or promised to a waiting greenlet)."""
        return self.counter <= self._nwaiters

    def release(self) -> None:
        """Release the lock; ``RuntimeError`` if it is not locked."""
        if self.counter >= 1:
            raise RuntimeError("release unlocked lock")
        Semaphore.release(self)

    def _at_fork_reinit(self):
        # In a child after fork(): nobody else exists any more.
        self.counter = 1
        self._nwaiters = 0
        self._links.clear()
        self._notifier = None


class DummySemaphore(Linkable):
    """A semaphore with unlimited permits: ``acquire()`` always succeeds at once.

    Same interface as :class:`Semaphore`; ``rawlink`` callbacks are called
    in the hub soon, as a permit is always free. ``Pool(None)`` uses it.
    """

    __slots__ = ()

    def __init__(self, value: int | None = None) -> None:
        Linkable.__init__(self)

    def __repr__(self):
        return f"<{short_name(self)} at {id(self):#x}>"

    def _ready(self):
        return True

    @property
    def counter(self) -> int:
        return 1

    def locked(self) -> bool:
        return False

    def release(self, n: int = 1) -> None:
        pass

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if timeout is not None:
            lock_timeout(blocking, timeout)
        return True

    def wait(self, timeout: float | None = None) -> int:
        return 1

    def __enter__(self) -> DummySemaphore:
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> None:
        pass


class RLock:
    """A reentrant lock owned by a greenlet: ``threading.RLock`` for greenlets.

    The greenlet that acquired it may acquire it again; it is released when
    that greenlet has called ``release()`` as many times. ``release()`` by a
    greenlet that does not own it raises ``RuntimeError``. Waiters get it in
    the order they started waiting.
    """

    __slots__ = ("_block", "_owner", "_count", "__weakref__")

    def __init__(self) -> None:
        self._block = Semaphore(1)
        self._owner = None
        self._count = 0

    def __repr__(self):
        owner = self._owner
        state = "unlocked" if owner is None else "locked"
        return (f"<{state} {short_name(self)} object owner={owner!r} count={self._count}"
                f" at {id(self):#x}>")

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Acquire the lock, or add one level if the current greenlet owns it; return True/False.

        ``blocking`` and ``timeout`` as for :meth:`Semaphore.acquire`.
        """
        if timeout is not None:
            timeout = lock_timeout(blocking, timeout)
        me = getcurrent()
        if self._owner is me:
            self._count += 1
            return True
        if self._block.acquire(blocking, timeout):
            self._owner = me
            self._count = 1
            return True
        return False

    def __enter__(self) -> RLock:
        self.acquire()
        return self

    def release(self) -> None:
        """Remove one level, unlocking at the last. ``RuntimeError`` unless the caller owns it."""
        if self._owner is not getcurrent():
            raise RuntimeError("cannot release un-acquired lock")
        self._count = count = self._count - 1
        if not count:
            self._owner = None
            self._block.release()

    def __exit__(self, typ: Any, value: Any, tb: Any) -> None:
        self.release()

    def locked(self) -> bool:
        """True if some greenlet holds the lock."""
        return self._owner is not None

    def _is_owned(self):
        return self._owner is getcurrent()

    def _recursion_count(self):
        return self._count if self._owner is getcurrent() else 0

    # threading.Condition's protocol for a lock it waits on.
    def _release_save(self):
        if self._owner is not getcurrent():
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        self._count = 0
        self._owner = None
        self._block.release()
        return state

    def _acquire_restore(self, state):
        self._block.acquire()
        self._count, self._owner = state

    def _at_fork_reinit(self):
        self._block = Semaphore(1)
        self._owner = None
        self._count = 0
