"""``wait`` and ``iwait``: block until some of many objects are ready (gevent's names).

How it works
------------

:func:`iwait` links one callback to each object (``rawlink``: greenlets,
:class:`~gsync.event.Event`, :class:`~gsync.event.AsyncResult`, semaphores...);
the hub calls it when the object becomes ready, it appends the object to a
list and wakes the waiting greenlet through a :class:`ghub.Waiter`. The
objects are yielded in the order they became ready, each once (an Event's
link stays registered and may be called again by another ``set()``); the
links are removed when the iteration ends, however it ends. :func:`wait`
collects them. :func:`wait` without objects is ``Hub.join()``: it waits for
the hub to have nothing left to do (every other greenlet and watcher
finished).
"""

from __future__ import annotations

import time
from collections import Counter

from ghub import Timeout, Waiter, get_hub

__all__ = ["wait", "iwait"]


def iwait(objects, timeout=None, count=None):
    """Yield each of ``objects`` as it becomes ready, in that order.

    Stops after ``count`` objects (all by default) or when ``timeout``
    seconds have passed since the call (then it stops quietly: the objects
    not yielded were not ready). Blocks between items.
    """
    objects = list(objects)
    count = len(objects) if count is None else min(count, len(objects))
    if count <= 0:
        return
    ready = []
    # How many more times each object may be yielded: as often as it was given
    # (an Event's link stays registered: another set() calls it again).
    allowed = Counter(id(obj) for obj in objects)
    state = [None]   # the Waiter of the greenlet blocked on the next item

    def notify(obj):
        if allowed[id(obj)] <= 0:
            return
        allowed[id(obj)] -= 1
        ready.append(obj)
        waiter = state[0]
        if waiter is not None:
            state[0] = None
            waiter.switch(None)

    deadline = None if timeout is None else time.monotonic() + timeout
    for obj in objects:
        obj.rawlink(notify)
    try:
        given = 0
        while given < count:
            if not ready:
                waiter = state[0] = Waiter()
                timer = None
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    timer = Timeout.start_new(remaining)
                try:
                    waiter.get()
                except Timeout as expired:
                    if expired is not timer:
                        raise
                    return
                finally:
                    state[0] = None
                    if timer is not None:
                        timer.cancel()
            given += 1
            yield ready.pop(0)
    finally:
        for obj in objects:
            obj.unlink(notify)


def wait(objects=None, timeout=None, count=None):
    """Wait for ``objects`` to be ready; return the list of those that are.

    ``count``: return once that many are ready. ``timeout``: return what is
    ready by then. Without ``objects``, wait until the hub has nothing left
    to run (every greenlet done); return True, or False on ``timeout``.
    """
    if objects is None:
        return get_hub().join(timeout)
    return list(iwait(objects, timeout, count))
