"""The 0.13 ``gevent.http`` module: every public name of ``gserve.http``, re-exported.

HTTPServer, the HTTP server on libevent's evhttp: ``gstack.http.X`` is
``gserve.http.X`` for each name in ``gserve.http.__all__``; see ``gserve.http``
for the documentation.
"""

from gserve.http import *  # noqa: F403
from gserve.http import __all__ as __all__
