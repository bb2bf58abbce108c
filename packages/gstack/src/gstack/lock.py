"""gevent's ``gevent.lock`` module: the locks of :mod:`gsync.coros`, re-exported.

``Semaphore``, ``BoundedSemaphore``, ``DummySemaphore``, ``RLock``, ``Lock``:
``gstack.lock.X`` is ``gsync.coros.X`` (0.13 has them in ``gevent.coros``;
today's gevent in ``gevent.lock``).
"""

from gsync.coros import BoundedSemaphore, DummySemaphore, Lock, RLock, Semaphore

__all__ = ["Semaphore", "BoundedSemaphore", "DummySemaphore", "RLock", "Lock"]
