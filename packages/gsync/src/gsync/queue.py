"""Multi-producer, multi-consumer queues for greenlets, and channels.

How it works
------------

A queue holds its items in ``self.queue`` (a deque, a list for the LIFO and
priority queues) and two lines of blocked greenlets, each a
:class:`ghub.lot.Lot`: the getters, and the putters (each with the item it
wants to put). ``put()`` on a queue with room and ``get()`` on a queue with items
never touch the hub; if somebody is waiting on the other side they queue
one notifier, ``_unlock``, with ``hub.loop.run_callback``.

``_unlock`` runs in the hub. While a getter waits and an item is there, it
unparks the first getter, which switches straight into it; while a putter
waits and there is room, it does the same for the first putter. The woken
greenlet runs at once, before ``_unlock`` looks again, and moves the item
itself: a getter takes the item out of the queue, a putter puts its item
in. A greenlet that times out or is killed while it waits only leaves its
line: no item was moved on its behalf, so no item is ever
lost or delivered twice. Waiters are served in the order they started
waiting; a greenlet that finds an item (or room) at once takes it without
waiting, as with the stdlib's queues, so ``qsize()``, ``empty()`` and
``full()`` tell whether the next ``get()``/``put()`` will block.

``Queue(0)`` is a channel: it holds no item, ``put()`` blocks until a
``get()`` has taken the item from the putter's hands. The getter takes it
(and marks it taken) when it runs; it then queues the putter's wake-up. If
the putter's own timeout expires between those two moments, ``put()``
returns normally, since the item was delivered; an outside exception (a
kill) is raised, but the item has still been delivered exactly once.

:class:`Channel` is today's gevent's name for that channel (``Channel()``, a
``Queue(0)``), and :class:`SimpleQueue` the stdlib's ``queue.SimpleQueue``
for greenlets (an unbounded :class:`Queue`). ``peek()`` waits like ``get()``
(in the getters' line) but leaves the item where it is; on a channel it
shows the item of the first waiting putter.

``Full`` and ``Empty`` are the stdlib's ``queue.Full`` and ``queue.Empty``.

Compiled builds: Cython compiles this file, with ``queue.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

import heapq
from collections import deque
from functools import partial
from queue import Empty, Full
from typing import Any

from greenlet import getcurrent

from ghub.checks import count, wait_timeout
from ghub.hub import Waiter, get_hub
from ghub.lot import Lot
from ghub.timeout import Timeout
from gsync._private import _queue_notifier, short_name
from gsync.event import Event

__all__ = ["Queue", "PriorityQueue", "LifoQueue", "JoinableQueue", "Channel", "SimpleQueue",
           "Full", "Empty"]


def _check_maxsize(maxsize):
    if maxsize is None:
        return None
    maxsize = count(maxsize, "maxsize")
    return None if maxsize < 0 else maxsize


class _Putter:
    """A greenlet blocked in ``put()``: its Waiter and its item; its link in the putters' line."""

    __slots__ = ("waiter", "item", "taken", "wakeup")

    def __init__(self, waiter, item):
        self.waiter = waiter
        self.item = item
        self.taken = False
        self.wakeup = None  # channel: the callback a getter queued to wake us

    def __call__(self, value):
        self.waiter.switch(value)


class Queue:
    """Queue(maxsize=None)
--

    A FIFO queue; ``Queue(maxsize=None)``.

    ``maxsize`` None or negative: unbounded. ``0``: a channel (``put()``
    blocks until a ``get()`` takes the item; ``empty()`` and ``full()`` are
    both True). A positive number: ``put()`` blocks while that many items
    are queued. Iterating calls ``get()`` until it returns ``StopIteration``.

    Subclasses may override ``_init(maxsize)`` (create ``self.queue``, which
    must support ``len()``; it is not rebound afterwards), ``_put(item)``,
    ``_get()`` and ``_peek()``.
    """

    def __init__(self, maxsize: int | None = None) -> None:
        maxsize = _check_maxsize(maxsize)
        self._maxsize = maxsize
        self._init(maxsize)
        # What put()/get() call to move an item: the storage's own (C) methods
        # when _put/_get are not overridden, so the hot path runs no extra frame.
        self._putitem, self._getitem = self._item_movers()
        self._getters = Lot()
        self._putters = Lot()
        self._notifier = None

    # -- storage (overridable) -----------------------------------------------

    def _init(self, maxsize):
        self.queue = deque()

    def _put(self, item):
        self.queue.append(item)

    def _get(self):
        return self.queue.popleft()

    def _peek(self):
        return self.queue[0]

    def _item_movers(self):
        cls = type(self)
        put = self.queue.append if cls._put is Queue._put else self._put
        get = self.queue.popleft if cls._get is Queue._get else self._get
        return put, get

    # -- state ---------------------------------------------------------------

    @property
    def maxsize(self) -> int | None:
        """The bound: None (unbounded), 0 (a channel) or a positive number. Settable."""
        return self._maxsize

    @maxsize.setter
    def maxsize(self, maxsize: int | None) -> None:
        self._maxsize = _check_maxsize(maxsize)
        if self._putters or self._getters:
            self._schedule_unlock()

    def __repr__(self):
        return (f"<{short_name(self)} at {id(self):#x} maxsize={self._maxsize!r}"
                f" queue={self.queue!r} getters={len(self._getters)} putters={len(self._putters)}>")

    def qsize(self) -> int:
        """The number of items in the queue (always 0 for a channel)."""
        return len(self.queue)

    def empty(self) -> bool:
        """True if the queue holds no item (``get()`` blocks unless a putter waits on a channel)."""
        return not len(self.queue)

    def full(self) -> bool:
        """True if ``put()`` would block for room: never for Queue(None), always for a channel."""
        maxsize = self._maxsize
        return maxsize is not None and len(self.queue) >= maxsize

    # -- put -----------------------------------------------------------------

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Put ``item`` into the queue.

        If the queue is full: with ``block=False`` raise :class:`Full` at
        once; otherwise wait for room, at most ``timeout`` seconds, then
        raise :class:`Full`. On a channel, wait until a getter took the item.
        ``ValueError`` for a negative timeout.
        """
        if timeout is not None and block:
            timeout = wait_timeout(timeout)
        maxsize = self._maxsize
        if maxsize is None or len(self.queue) < maxsize:
            self._putitem(item)
            if self._getters and self._notifier is None:
                self._schedule_unlock()
            return
        if not block:
            if maxsize == 0 and self._getters and not self._putters:
                hub = get_hub()
                if getcurrent() is hub:
                    # In the hub a getter can take the item before we return.
                    self._put_from_hub(item)
                    return
            raise Full
        self._put_blocking(item, timeout)

    def put_nowait(self, item: Any) -> None:
        """Put ``item`` if there is room at once, else raise :class:`Full`.

        On a channel this succeeds only when called from the hub while a
        getter waits (any other caller could not wait for the getter to run).
        """
        self.put(item, False)

    def _put_blocking(self, item, timeout):
        t = None if timeout is None else Timeout.start_new(timeout)
        putters = self._putters
        try:
            while True:
                putter = _Putter(Waiter(), item)
                if self._maxsize == 0 and self._getters:
                    self._schedule_unlock()
                try:
                    expired = putters.park(t, putter.waiter, putter)
                except BaseException:
                    if putter.taken:
                        # A getter took the item before our wake-up arrived:
                        # it is delivered (but we were interrupted).
                        putter.wakeup.cancel()
                    raise
                if putter.taken:
                    # Delivered; if our timeout expired after the getter took
                    # the item, it is moot.
                    if expired is not None:
                        putter.wakeup.cancel()
                    return
                if expired is not None:
                    raise Full
                maxsize = self._maxsize
                if maxsize is None or len(self.queue) < maxsize:
                    # Woken by _unlock because there is room: put the item ourselves.
                    self._put(item)
                    if self._getters and self._notifier is None:
                        self._schedule_unlock()
                    return
        finally:
            if t is not None:
                t.cancel()

    def _put_from_hub(self, item):
        putter = _Putter(None, item)
        putters = self._putters
        getters = self._getters
        putters.add(putter)
        try:
            while getters and not putter.taken:
                getters.unpark(None)
        finally:
            if not putter.taken:
                putters.remove(putter)
        if not putter.taken:
            raise Full

    # -- get -----------------------------------------------------------------

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return an item.

        If there is none: with ``block=False`` raise :class:`Empty` at once;
        otherwise wait, at most ``timeout`` seconds, then raise :class:`Empty`.
        On a channel, take the item of the first waiting putter.
        ``ValueError`` for a negative timeout.
        """
        if timeout is not None and block:
            timeout = wait_timeout(timeout)
        if len(self.queue):
            item = self._getitem()
            if self._putters and self._notifier is None:
                self._schedule_unlock()
            return item
        if self._maxsize == 0 and self._putters:
            return self._take()
        if not block:
            raise Empty
        return self._wait_for_item(timeout, True)

    def get_nowait(self) -> Any:
        """Remove and return an item if one is there at once, else raise :class:`Empty`."""
        return self.get(False)

    # -- peek ----------------------------------------------------------------

    def peek(self, block: bool = True, timeout: float | None = None) -> Any:
        """Return the item ``get()`` would return, leaving it in the queue.

        If there is none: with ``block=False`` raise :class:`Empty` at once;
        otherwise wait (in line with the getters), at most ``timeout``
        seconds, then raise :class:`Empty`. On a channel, return the item of
        the first waiting putter, which stays blocked until a ``get()``.
        ``ValueError`` for a negative timeout.
        """
        if timeout is not None and block:
            timeout = wait_timeout(timeout)
        if len(self.queue):
            return self._peek()
        if self._maxsize == 0 and self._putters:
            return self._putters.first().item
        if not block:
            raise Empty
        return self._wait_for_item(timeout, False)

    def peek_nowait(self) -> Any:
        """Return the next item, left in the queue, if there is one at once; else :class:`Empty`."""
        return self.peek(False)

    def _wait_for_item(self, timeout, take):
        # Wait in line with the getters until an item is there, at most
        # ``timeout`` seconds (then Empty); return it, taken out (get) or
        # left in place (peek).
        t = None if timeout is None else Timeout.start_new(timeout)
        getters = self._getters
        try:
            while True:
                if getters.park(t) is not None:
                    raise Empty
                # Woken by _unlock because an item is there.
                if len(self.queue):
                    if not take:
                        # Look, and leave it (_unlock then wakes the next
                        # getter for the same item).
                        return self._peek()
                    item = self._get()
                    if self._putters and self._notifier is None:
                        self._schedule_unlock()
                    return item
                if self._maxsize == 0 and self._putters:
                    return self._take() if take else self._putters.first().item
        finally:
            if t is not None:
                t.cancel()

    def _take(self):
        # Channel: take the item out of the first putter's hands.
        putter = self._putters.popleft()
        putter.taken = True
        item = putter.item
        putter.item = None
        # Through the storage, so that subclasses see the item go in and out.
        self._put(item)
        item = self._get()
        if putter.waiter is not None:
            putter.wakeup = _queue_notifier(putter.waiter.switch, (None,))
        return item

    # -- waking --------------------------------------------------------------

    def _schedule_unlock(self):
        if self._notifier is None:
            self._notifier = _queue_notifier(self._unlock)

    def _unlock(self):
        # Runs in the hub. Each switch runs the woken greenlet until it
        # blocks again, so look at the state afresh every time.
        getters = self._getters
        putters = self._putters
        try:
            while True:
                maxsize = self._maxsize
                if getters and (len(self.queue) or (maxsize == 0 and putters)):
                    getters.unpark(None)
                elif putters and (maxsize is None or 0 < maxsize > len(self.queue)):
                    putters.unpark(None)
                else:
                    break
        finally:
            self._notifier = None

    # -- iteration -----------------------------------------------------------

    def __iter__(self) -> Queue:
        return self

    def __next__(self) -> Any:
        item = self.get()
        if item is StopIteration:
            raise StopIteration
        return item


class PriorityQueue(Queue):
    """A :class:`Queue` that returns the lowest item first (often ``(priority, data)`` tuples)."""

    def _init(self, maxsize):
        self.queue = []

    def _put(self, item):
        heapq.heappush(self.queue, item)

    def _get(self):
        return heapq.heappop(self.queue)

    def _item_movers(self):
        cls = type(self)
        put = partial(heapq.heappush, self.queue) if cls._put is PriorityQueue._put else self._put
        get = partial(heapq.heappop, self.queue) if cls._get is PriorityQueue._get else self._get
        return put, get


class LifoQueue(Queue):
    """A :class:`Queue` that returns the most recently added item first."""

    def _init(self, maxsize):
        self.queue = []

    def _put(self, item):
        self.queue.append(item)

    def _get(self):
        return self.queue.pop()

    def _peek(self):
        return self.queue[-1]

    def _item_movers(self):
        cls = type(self)
        put = self.queue.append if cls._put is LifoQueue._put else self._put
        get = self.queue.pop if cls._get is LifoQueue._get else self._get
        return put, get


class JoinableQueue(Queue):
    """A :class:`Queue` that counts unfinished tasks: ``task_done()`` and ``join()``.

    Each item put counts as one unfinished task until a consumer calls
    ``task_done()`` for it; ``join()`` blocks until the count is zero.
    """

    def __init__(self, maxsize: int | None = None) -> None:
        self.unfinished_tasks = 0
        self._finished = Event()
        self._finished.set()
        Queue.__init__(self, maxsize)

    def _put(self, item):
        Queue._put(self, item)
        self.unfinished_tasks += 1
        self._finished.clear()

    def task_done(self) -> None:
        """Mark one task done; ``ValueError`` if called more times than items were put."""
        if self.unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self.unfinished_tasks -= 1
        if self.unfinished_tasks == 0:
            self._finished.set()

    def join(self, timeout: float | None = None) -> bool:
        """Block until every item put has been marked done (at once if none is unfinished).

        Returns True, or False if ``timeout`` seconds passed first.
        """
        if self.unfinished_tasks == 0:
            return True
        return self._finished.wait(timeout)


class Channel(Queue):
    """An unbuffered channel: ``Channel()`` is a ``Queue(0)`` (gevent's name for it).

    ``put()`` blocks until a ``get()`` took the item from the putter's hands
    (``put_nowait()`` succeeds only from the hub while a getter waits);
    ``qsize()`` is 0, ``empty()`` and ``full()`` are True. ``maxsize`` must
    be 1 (gevent's signature) and cannot change: ``ValueError`` otherwise.
    :attr:`balance` is the number of putters waiting minus the number of
    getters waiting.
    """

    def __init__(self, maxsize: int = 1) -> None:
        if maxsize != 1:
            raise ValueError(f"a Channel's maxsize must be 1, not {maxsize!r}")
        Queue.__init__(self, 0)

    @property
    def maxsize(self) -> int | None:
        """0: a channel holds no item."""
        return 0

    @maxsize.setter
    def maxsize(self, maxsize: int | None) -> None:
        raise ValueError("a Channel's maxsize cannot change (make a Queue)")

    @property
    def balance(self) -> int:
        """Putters waiting minus getters waiting."""
        return len(self._putters) - len(self._getters)


class SimpleQueue(Queue):
    """An unbounded FIFO queue: the stdlib's ``queue.SimpleQueue`` for greenlets.

    ``SimpleQueue()``; ``put()`` never blocks (it takes the stdlib's
    ``block`` and ``timeout``); ``get()`` blocks while it is empty,
    ``Empty`` after ``timeout``. A :class:`Queue` whose ``maxsize``
    is None and cannot change (``ValueError``).
    """

    def __init__(self) -> None:
        Queue.__init__(self, None)

    @property
    def maxsize(self) -> int | None:
        """None: unbounded."""
        return None

    @maxsize.setter
    def maxsize(self, maxsize: int | None) -> None:
        raise ValueError("a SimpleQueue is unbounded: its maxsize cannot change")
