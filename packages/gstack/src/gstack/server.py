"""The 0.13 ``gevent.server`` module: every public name of ``gserve.server``, re-exported.

StreamServer (TCP, TLS) and DatagramServer: ``gstack.server.X`` is ``gserve.server.X``
for each name in ``gserve.server.__all__``; see ``gserve.server`` for the documentation.
"""

from gserve.server import *  # noqa: F403
from gserve.server import __all__ as __all__
