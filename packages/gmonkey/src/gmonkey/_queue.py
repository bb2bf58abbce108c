"""``queue.SimpleQueue`` for greenlets: what ``patch_queue`` installs.

How it works
------------

Items live in a deque. ``get`` takes one at once if there is one, otherwise
queues the calling greenlet and switches to the hub; ``put`` never blocks: if
a greenlet waits, the item is handed straight to the first one (FIFO)
through a loop callback, otherwise it is appended. A waiter that times out
or is killed leaves the line in its ``finally``; one that was handed an item
in the meantime puts it back at the front, for the next waiter. ``put`` may
be called from anywhere, the hub and signal handlers included.
"""

from __future__ import annotations

import types
from collections import deque

from greenlet import getcurrent

import gcore
from ghub import get_hub

__all__ = ["SimpleQueue"]
__implements__ = ["SimpleQueue"]


class _Getter:
    __slots__ = ("greenlet", "item", "given", "expired", "callback")

    def __init__(self, glet):
        self.greenlet = glet
        self.item = None
        self.given = False
        self.expired = False
        self.callback = None


def _give(getter):
    if getter.greenlet is not None:
        getter.greenlet.switch()


def _expire(getter):
    if getter.greenlet is not None and not getter.given:
        getter.expired = True
        getter.greenlet.switch()


def _empty():
    import queue

    return queue.Empty()


class SimpleQueue:
    """Simple, unbounded FIFO queue: ``queue.SimpleQueue`` blocking greenlets only.

    ``get(block=True, timeout=None)`` blocks the calling greenlet until an
    item is there, and raises ``queue.Empty`` after ``timeout`` seconds or at
    once when ``block`` is false. ``put`` never blocks.
    """

    __slots__ = ("_items", "_getters", "__weakref__")

    def __init__(self):
        self._items = deque()
        self._getters = deque()

    def put(self, item, block=True, timeout=None):
        """Put ``item`` in the queue; never blocks (``block`` and ``timeout`` are ignored)."""
        getters = self._getters
        while getters:
            getter = getters.popleft()
            if getter.greenlet is None:
                continue
            getter.item = item
            getter.given = True
            getter.callback = get_hub().loop.run_callback(_give, getter)
            return
        self._items.append(item)

    def put_nowait(self, item):
        """Same as ``put(item)``."""
        self.put(item)

    def get(self, block=True, timeout=None):
        """Remove and return an item; see the class docstring for blocking and errors."""
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
                timeout = float(timeout)   # TypeError/ValueError for what is no number
            if timeout < 0:
                raise ValueError("'timeout' must be a non-negative number")
        if self._items:
            return self._items.popleft()
        if not block:
            raise _empty()
        hub = get_hub()
        getter = _Getter(getcurrent())
        self._getters.append(getter)
        timer = None if timeout is None else gcore.timer(timeout, _expire, getter, loop=hub.loop)
        try:
            while not getter.given and not getter.expired:
                hub.switch()
        except BaseException:
            self._leave(getter, timer)
            if getter.given:   # handed an item, then killed: it goes to the next in line
                item, getter.item = getter.item, None
                self._items.appendleft(item)
                self._pass_on()
            raise
        self._leave(getter, timer)
        if getter.given:
            item, getter.item = getter.item, None
            return item
        raise _empty()

    def _leave(self, getter, timer):
        getter.greenlet = None
        if timer is not None:
            timer.cancel()
        if getter.callback is not None:
            getter.callback.cancel()
        if not getter.given:
            try:
                self._getters.remove(getter)
            except ValueError:
                pass

    def _pass_on(self):
        if self._items and self._getters:
            self.put(self._items.popleft())

    def get_nowait(self):
        """Same as ``get(False)``."""
        return self.get(False)

    def empty(self):
        """True if the queue holds no item."""
        return not self._items

    def qsize(self):
        """How many items the queue holds."""
        return len(self._items)

    __class_getitem__ = classmethod(types.GenericAlias)
