"""The 0.13 ``gevent.wsgi`` module: every public name of ``gserve.wsgi``, re-exported.

WSGIServer, the fast WSGI server on libevent's evhttp (strict: pywsgi's parser
checks every request first): ``gstack.wsgi.X`` is ``gserve.wsgi.X`` for each name
in ``gserve.wsgi.__all__``; see ``gserve.wsgi`` for the documentation.
"""

from gserve.wsgi import *  # noqa: F403
from gserve.wsgi import __all__ as __all__
