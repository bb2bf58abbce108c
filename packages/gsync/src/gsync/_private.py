"""What gsync's classes share: the linkable base.

How it works
------------

:class:`Linkable` is the base of :class:`~gsync.event.Event`,
:class:`~gsync.event.AsyncResult` and the semaphores. Its line of links is a
:class:`ghub.lot.Lot`: callbacks registered with ``rawlink()`` and parked
greenlets (``_park()``), in the order they came. When the object becomes
ready (the event is set, a permit is released...) it queues one notifier,
``_notify_links``, with ``hub.loop.run_callback``; the notifier runs in the
hub and unparks the links one by one, in order, each called with the object
as its only argument (a link is called once). It stops as soon as the object
is no longer ready: a semaphore whose permits the first woken greenlets took
wakes nobody else.

A greenlet waits on such an object with ``_park(timeout)``, which parks it
in the lot. The notifier, which runs in the hub, switches straight into it,
so the woken greenlet runs before the notifier looks at the next link and
before anything else can change the object's state. That is what lets a
woken greenlet take what it was woken for itself (a permit, an item) rather
than being handed it: if the greenlet is killed or times out while it waits,
it simply leaves the line and nothing was taken on its behalf.

``set(); clear()`` on an event must still wake the greenlets that were
waiting when ``set()`` was called: those links are *owed* a notification
(``Lot.owe_all()``); the notifier calls owed links whether or not the object
is still ready.

Argument checks are ``ghub.checks``'s, shared by every layer.

Compiled builds: Cython compiles this file, with ``_private.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

from ghub import checks, get_hub
from ghub.lot import Lot

__all__ = ["Linkable", "short_name"]


class Linkable:
    """Base of the objects that call links (``rawlink``) in the hub when they become ready.

    A subclass defines ``_ready()`` and calls ``_check_and_notify()`` when it
    may have become ready; its greenlets wait with ``_park()``.
    """

    __slots__ = ("_links", "_notifier", "__weakref__")

    def __init__(self):
        self._links = Lot()
        self._notifier = None

    def _ready(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def rawlink(self, callback):
        """Call ``callback(self)`` once, in the hub, when this object is ready.

        Links are called in the order they were added. ``callback`` runs in
        the hub, so it must not block; an error it raises goes to the hub's
        ``handle_error``. Raises ``TypeError`` if ``callback`` is not callable.
        """
        checks.function(callback, "callback")
        self._links.add(callback)
        if self._notifier is None and self._ready():
            self._notifier = _queue_notifier(self._notify_links)

    def unlink(self, callback):
        """Remove the first not yet called link to ``callback``; no error if there is none."""
        self._links.remove(callback)

    def _park(self, timeout, waiter=None):
        """Wait in the line until the notifier wakes us; the expired Timeout, or None.

        See ``ghub.lot.Lot.park``: ``timeout`` is None, seconds or a started
        Timeout; ``waiter`` one the caller may also wake otherwise.
        """
        if self._notifier is None and self._ready():
            self._notifier = _queue_notifier(self._notify_links)
        return self._links.park(timeout, waiter)

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
            while links and (links.owed() or self._ready()):
                links.unpark(self)
        finally:
            self._notifier = None


def _queue_notifier(func, args=()):
    """Queue ``func(*args)`` in the current hub's loop; return the ``gcore.callback``."""
    loop = get_hub().loop
    return loop._run_callback(func, args)


def short_name(obj):
    """``gsync.Event`` for an Event: the package and the class name, as reprs show them."""
    cls = type(obj)
    module = cls.__module__
    if module.startswith("gsync."):
        module = "gsync"
    return f"{module}.{cls.__qualname__}"
