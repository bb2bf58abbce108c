"""The 0.13 ``gevent.event`` module: every public name of ``gsync.event``, re-exported.

``Event`` and ``AsyncResult``: ``gstack.event.X`` is ``gsync.event.X`` for each
name in ``gsync.event.__all__``; see ``gsync.event`` for the documentation.
"""

from gsync.event import *  # noqa: F403
from gsync.event import __all__ as __all__
