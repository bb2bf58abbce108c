"""The 0.13 ``gevent.queue`` module: every public name of ``gsync.queue``, re-exported.

``Queue`` (``Queue(0)`` is a channel, also named ``Channel``),
``PriorityQueue``, ``LifoQueue``, ``JoinableQueue``, ``SimpleQueue``, and
``Full``/``Empty`` (the stdlib's ``queue.Full`` and ``queue.Empty``):
``gstack.queue.X`` is ``gsync.queue.X`` for each name in
``gsync.queue.__all__``; see ``gsync.queue`` for the documentation.
"""

from gsync.queue import *  # noqa: F403
from gsync.queue import __all__ as __all__
