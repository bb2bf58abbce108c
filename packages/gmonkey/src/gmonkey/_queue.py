"""``queue.SimpleQueue`` for greenlets: what ``patch_queue`` installs.

How it works
------------

A :class:`SimpleQueue` is a thin adaptation of an unbounded
:class:`gsync.queue.Queue`, which it holds: ``get`` takes an item at once if
there is one, otherwise parks the calling greenlet in the queue's line of
getters until an item is there (FIFO), and the woken getter takes the item
itself, so a getter that times out or is killed just leaves the line and no
item is lost. ``put`` never blocks, and may be called from anywhere, the hub
and signal handlers included. What is ``SimpleQueue``'s own is its smaller
interface (no ``maxsize``, ``full``, ``task_done``...) and its signatures.
"""

from __future__ import annotations

import types

from gsync.queue import Queue as _Queue

__all__ = ["SimpleQueue"]
__implements__ = ["SimpleQueue"]


class SimpleQueue:
    """Simple, unbounded FIFO queue: ``queue.SimpleQueue`` blocking greenlets only.

    ``get(block=True, timeout=None)`` blocks the calling greenlet until an
    item is there, and raises ``queue.Empty`` after ``timeout`` seconds or at
    once when ``block`` is false. ``put`` never blocks.
    """

    __slots__ = ("_queue", "__weakref__")

    def __init__(self):
        self._queue = _Queue()

    def put(self, item, block=True, timeout=None):
        """Put ``item`` in the queue; never blocks (``block`` and ``timeout`` are ignored)."""
        self._queue.put(item)

    def put_nowait(self, item):
        """Same as ``put(item)``."""
        self._queue.put(item)

    def get(self, block=True, timeout=None):
        """Remove and return an item; see the class docstring for blocking and errors."""
        return self._queue.get(block, timeout)

    def get_nowait(self):
        """Same as ``get(False)``."""
        return self._queue.get(False)

    def empty(self):
        """True if the queue holds no item."""
        return not self._queue.qsize()

    def qsize(self):
        """How many items the queue holds."""
        return self._queue.qsize()

    __class_getitem__ = classmethod(types.GenericAlias)
