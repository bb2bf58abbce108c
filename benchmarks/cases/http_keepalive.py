"""HTTP keep-alive: wrk against a hello-world app on the library's pywsgi, 50 connections.

The server process runs ``cases/_wsgi.py``'s application (``b"Hello,
World!"``, ``Content-Type: text/plain``, ``Content-Length``) on the
library's pure-Python WSGI server (gstack: ``gserve.pywsgi.WSGIServer``;
gevent: ``gevent.pywsgi.WSGIServer``), access log off (``log=None``), on
a listener of 127.0.0.1 with ``TCP_NODELAY`` set (the accepted sockets
inherit it, as under gunicorn; ``_wsgi.py`` says why), pinned to one CPU
where the machine has two. ``wrk -t1 -c50``
(the Debian package ``wrk``; the same program for both columns, so only the
servers are compared) drives it from the other CPU: HTTP/1.1 ``GET /`` on 50
connections kept alive, a 1 s warm-up, then 3 s measured. Before and after,
a stdlib socket checks the answer (status, headers, body) and that the
connection stays open; a response with a status of 400 or more, more than a
few socket errors, or a server that dies fails the run instead of scoring.
Figure: requests per second (wrk's completed requests over its duration).
"""

import sys

import _wsgi
from _common import main

UNIT = "k requests/s"
BETTER = "higher"


def measure(lib):
    """(k requests/s, k requests per server CPU-second) of ``lib``'s pywsgi server."""
    return _wsgi.measure(__file__, lib, close=False)


def run_gstack():
    return measure("gstack")[0]


def run_gevent():
    return measure("gevent")[0]


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        _wsgi.child_main([sys.argv[1], *sys.argv[3:]])
    main(globals())
