"""The thread pool: ``gstack.threadpool.ThreadPool`` is ``gsync.threadpool.ThreadPool``.

Blocking work with no cooperative form runs in OS threads; the results come
back to the hub through a cross-thread wake-up. See :mod:`gsync.threadpool`.
"""

from gsync.threadpool import *  # noqa: F403
from gsync.threadpool import __all__  # noqa: F401
