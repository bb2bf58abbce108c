"""The 0.13 ``gevent.baseserver`` module: every public name of ``gserve.baseserver``, re-exported.

BaseServer, the base of every server: ``gstack.baseserver.X`` is ``gserve.baseserver.X``
for each name in ``gserve.baseserver.__all__``; see ``gserve.baseserver`` for the
documentation.
"""

from gserve.baseserver import *  # noqa: F403
from gserve.baseserver import __all__ as __all__
