"""HTTP with Connection: close: the same pywsgi server and wrk, a new connection for every request.

The same server process as ``http_keepalive`` (``cases/_wsgi.py``: a
hello-world application on gstack's ``gserve.pywsgi.WSGIServer`` or
``gevent.pywsgi.WSGIServer``, access log off, on 127.0.0.1, pinned to one
CPU where there are two), driven from the other CPU by ``wrk -t1 -c50 -H
'Connection: close'``: every request asks the server to close the
connection after its response, so each one costs an accept, a new handler
greenlet, the request, the response and the close; wrk opens the next
connection at once. A 1 s warm-up, then 3 s measured. Before and after, a
stdlib socket checks the answer and that the server closes the connection
after it; a response with a status of 400 or more, more than a few socket
errors, or a server that dies fails the run instead of scoring. Figure:
requests (= connections) per second.
"""

import sys

import _wsgi
from _common import main

UNIT = "k requests/s"
BETTER = "higher"


def measure(lib):
    """(k requests/s, k requests per server CPU-second) of ``lib``'s pywsgi server."""
    return _wsgi.measure(__file__, lib, close=True)


def run_gstack():
    return measure("gstack")[0]


def run_gevent():
    return measure("gevent")[0]


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        _wsgi.child_main([sys.argv[1], *sys.argv[3:]])
    main(globals())
