"""gsync: synchronisation between greenlets — events, queues, locks, groups and pools.

The 0.13 reference's ``gevent.event``, ``gevent.queue``, ``gevent.coros`` and
``gevent.pool``, built on ``ghub``'s hub and ``Waiter``:

- :mod:`gsync.event`: :class:`Event`, :class:`AsyncResult`;
- :mod:`gsync.queue`: :class:`Queue` (``Queue(0)`` is a channel, also named
  :class:`Channel`), :class:`PriorityQueue`, :class:`LifoQueue`,
  :class:`JoinableQueue`, :class:`SimpleQueue`,
  :class:`Full`, :class:`Empty` (the stdlib's);
- :mod:`gsync.coros`: :class:`Semaphore`, :class:`BoundedSemaphore`,
  :class:`DummySemaphore`, :class:`RLock`, :class:`Lock`;
- :mod:`gsync.pool`: :class:`Group` (alias ``GreenletSet``), :class:`Pool`;
- :mod:`gsync.threadpool`: :class:`ThreadPool` (blocking calls in OS threads;
  ``ghub.get_hub().threadpool`` is the hub's own).

Every name is importable from the package too (``from gsync import Queue``).
"""

from _gstack_layers import require as _require_layers

_require_layers(__name__)  # the layers under this one are gstack's, or an ImportError says whose

import gcore.sources
from gsync.coros import BoundedSemaphore, DummySemaphore, Lock, RLock, Semaphore
from gsync.event import AsyncResult, Event
from gsync.pool import GreenletSet, Group, Pool
from gsync.queue import (
    Channel,
    Empty,
    Full,
    JoinableQueue,
    LifoQueue,
    PriorityQueue,
    Queue,
    SimpleQueue,
)
from gsync.threadpool import ThreadPool  # also plugs ThreadPool into ghub.Hub.threadpool

__version__ = "0.1.0"

gcore.sources.register(__name__)  # tracebacks show the compiled modules' .py lines

__all__ = [
    "Event", "AsyncResult",
    "Queue", "PriorityQueue", "LifoQueue", "JoinableQueue", "Channel", "SimpleQueue", "Full",
    "Empty",
    "Semaphore", "BoundedSemaphore", "DummySemaphore", "RLock", "Lock",
    "Group", "GreenletSet", "Pool", "ThreadPool",
]
