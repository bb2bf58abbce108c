"""The 0.13 ``gevent.pool`` module: every public name of ``gsync.pool``, re-exported.

``Group`` (alias ``GreenletSet``) and ``Pool``: ``gstack.pool.X`` is
``gsync.pool.X`` for each name in ``gsync.pool.__all__``; see ``gsync.pool``
for the documentation.
"""

from gsync.pool import *  # noqa: F403
from gsync.pool import __all__ as __all__
