"""HTTP with Connection: close on libevent's evhttp: gserve.wsgi against gevent.pywsgi, wrk.

``http_close`` with ``gserve.wsgi.WSGIServer`` in the gstack column (see
``http_keepalive_wsgi``); gevent's column is ``gevent.pywsgi``. Every request
carries ``Connection: close``: a connection per request. Figure: requests
per second.
"""

import sys

import _wsgi
from _common import main

UNIT = "k requests/s"
BETTER = "higher"


def run_gstack():
    return _wsgi.measure(__file__, "gstack", close=True, variant="wsgi")[0]


def run_gevent():
    return _wsgi.measure(__file__, "gevent", close=True, variant="wsgi")[0]


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        _wsgi.child_main([sys.argv[1], *sys.argv[3:]])
    main(globals())
