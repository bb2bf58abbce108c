"""What gsync's classes share: the linkable base and argument checks.

How it works
------------

:class:`Linkable` is the base of :class:`~gsync.event.Event`,
:class:`~gsync.event.AsyncResult` and the semaphores. It keeps the links —
callbacks registered with ``rawlink()`` — in a deque, in the order they were
added. When the object becomes ready (the event is set, a permit is
released...) it queues one notifier, ``_notify_links``, with
``hub.loop.run_callback``; the notifier runs in the hub and calls the links
one by one, in order, each with the object as its only argument, removing
each link before calling it (a link is called once). It stops as soon as the
object is no longer ready: a semaphore whose permits the first woken
greenlets took wakes nobody else.

A greenlet waits on such an object by linking the ``switch`` of a
:class:`ghub.Waiter` and blocking in ``Waiter.get()``; the notifier, which
runs in the hub, switches straight into it, so the woken greenlet runs
before the notifier looks at the next link and before anything else can
change the object's state. That is what lets a woken greenlet take what it
was woken for itself (a permit, an item) rather than being handed it: if
the greenlet is killed or times out while it waits, it simply removes its
link and nothing was taken on its behalf.

``set(); clear()`` on an event must still wake the greenlets that were
waiting when ``set()`` was called: those links are *owed* a notification.
``_owed`` counts them (the first ``_owed`` links of the deque); the notifier
calls owed links whether or not the object is still ready, and ``unlink``
keeps the count right when an owed link goes away.

Compiled builds: Cython compiles this file, with ``_private.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

import sys
from collections import deque

from ghub import get_hub

__all__ = ["Linkable", "check_timeout", "check_lock_timeout", "TIMEOUT_MAX"]

try:
    from _thread import TIMEOUT_MAX
except ImportError:  # pragma: no cover - every CPython has it
    TIMEOUT_MAX = float(2**31)


class Linkable:
    """Base of the objects that call links (``rawlink``) in the hub when they become ready.

    A subclass defines ``_ready()`` and calls ``_check_and_notify()`` when it
    may have become ready.
    """

    __slots__ = ("_links", "_notifier", "_owed", "__weakref__")

    def __init__(self):
        self._links = deque()
        self._notifier = None
        self._owed = 0

    def _ready(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def rawlink(self, callback):
        """Call ``callback(self)`` once, in the hub, when this object is ready.

        Links are called in the order they were added. ``callback`` runs in
        the hub, so it must not block; an error it raises goes to the hub's
        ``handle_error``. Raises ``TypeError`` if ``callback`` is not callable.
        """
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self._links.append(callback)
        if self._notifier is None and self._ready():
            self._notifier = _queue_notifier(self._notify_links)

    def unlink(self, callback):
        """Remove the first not yet called link to ``callback``; no error if there is none."""
        links = self._links
        try:
            index = links.index(callback)
        except ValueError:
            return
        del links[index]
        if index < self._owed:
            self._owed -= 1

    def _check_and_notify(self):
        """Queue the notifier if there are links and it is not queued (or running) yet."""
        if self._links and self._notifier is None:
            self._notifier = _queue_notifier(self._notify_links)

    def _notify_links(self):
        # Runs in the hub. A link may switch into a greenlet that changes this
        # object (acquires, clears, links again...): look at the state afresh
        # before each link.
        links = self._links
        try:
            while links:
                if self._owed > 0:
                    self._owed -= 1
                elif not self._ready():
                    break
                link = links.popleft()
                try:
                    link(self)
                except BaseException:
                    get_hub().handle_error((link, self), *sys.exc_info())
        finally:
            self._notifier = None


def _queue_notifier(func, args=()):
    """Queue ``func(*args)`` in the current hub's loop; return the ``gcore.callback``."""
    loop = get_hub().loop
    return loop._run_callback(func, args)


def _number(value, what):
    if not isinstance(value, (int, float)):
        to_float = getattr(type(value), "__float__", None)
        if to_float is None:
            raise TypeError(f"{what} must be a number, not {type(value).__name__}")
        value = to_float(value)
    if value != value:
        raise ValueError(f"{what} must not be NaN")
    return value


def check_timeout(timeout):
    """Return ``timeout``, None or a number >= 0; else ``ValueError`` or ``TypeError``."""
    if timeout is None:
        return None
    timeout = _number(timeout, "timeout")
    if timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    return timeout


def check_lock_timeout(blocking, timeout):
    """Validate ``acquire(blocking, timeout)`` as ``threading.Lock`` does; return None or seconds.

    ``timeout`` None or ``-1`` means no limit; another negative number is a
    ``ValueError``, so is a timeout with ``blocking=False``; more than
    ``threading.TIMEOUT_MAX`` is an ``OverflowError``.
    """
    if timeout is None:
        return None
    timeout = _number(timeout, "timeout")
    if timeout == -1:
        return None
    if not blocking:
        raise ValueError("can't specify a timeout for a non-blocking call")
    if timeout < 0:
        raise ValueError("timeout value must be a non-negative number")
    if timeout > TIMEOUT_MAX:
        raise OverflowError("timeout value is too large")
    return timeout


def short_name(obj):
    """``gsync.Event`` for an Event: the package and the class name, as reprs show them."""
    cls = type(obj)
    module = cls.__module__
    if module.startswith("gsync."):
        module = "gsync"
    return f"{module}.{cls.__qualname__}"
