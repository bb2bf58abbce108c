"""The 0.13 ``gevent.coros`` module: every public name of ``gsync.coros``, re-exported.

``Semaphore``, ``BoundedSemaphore``, ``DummySemaphore``, ``RLock`` (and gsync's
``Lock``): ``gstack.coros.X`` is ``gsync.coros.X`` for each name in
``gsync.coros.__all__``; see ``gsync.coros`` for the documentation.
"""

from gsync.coros import *  # noqa: F403
from gsync.coros import __all__ as __all__
