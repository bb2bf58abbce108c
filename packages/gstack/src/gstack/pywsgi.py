"""The 0.13 ``gevent.pywsgi`` module: every public name of ``gserve.pywsgi``, re-exported.

WSGIServer, the pure-Python HTTP/1.1 WSGI server, and its WSGIHandler:
``gstack.pywsgi.X`` is ``gserve.pywsgi.X`` for each name in ``gserve.pywsgi.__all__``;
see ``gserve.pywsgi`` for the documentation.
"""

from gserve.pywsgi import *  # noqa: F403
from gserve.pywsgi import __all__ as __all__
