"""HTTP keep-alive on libevent's evhttp: gserve.wsgi against gevent.pywsgi, wrk, 50 connections.

``http_keepalive`` with gstack's other WSGI server: ``gserve.wsgi.WSGIServer``
(libevent's HTTP server under Python, with pywsgi's strict parser checking
every request first) in the gstack column. gevent has had no evhttp server
since 1.0: its column is ``gevent.pywsgi.WSGIServer``, as in
``http_keepalive``. Everything else is that case's: the same application,
listener, CPUs, wrk run and checks (``_wsgi.py``).
``http_keepalive_floor`` is the same load on libevent's evhttp in C: the
ceiling of this column. Figure: requests per second.
"""

import sys

import _wsgi
from _common import main

UNIT = "k requests/s"
BETTER = "higher"


def run_gstack():
    return _wsgi.measure(__file__, "gstack", close=False, variant="wsgi")[0]


def run_gevent():
    return _wsgi.measure(__file__, "gevent", close=False, variant="wsgi")[0]


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        _wsgi.child_main([sys.argv[1], *sys.argv[3:]])
    main(globals())
