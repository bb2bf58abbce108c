"""HTTP keep-alive on libevent's evhttp in C, no Python: the ceiling of ``http_keepalive_wsgi``.

``_evhttp_floor.c`` (compiled here with ``$CC -O2`` and pkg-config's flags
for libevent) answers the same hello-world response as ``_wsgi.py``'s
application, from libevent's HTTP server, pinned to the server CPU; wrk
drives it as in ``http_keepalive`` (same checks). gserve.wsgi runs the same
libevent code plus Python: it can approach this figure, not pass it. The
program is the same for both columns; their spread shows the noise.
Figure: requests per second.
"""

import _wsgi
from _common import main

UNIT = "k requests/s"
BETTER = "higher"


def run_gstack():
    return _wsgi.measure_floor(__file__, close=False)[0]


def run_gevent():
    return _wsgi.measure_floor(__file__, close=False)[0]


if __name__ == "__main__":
    main(globals())
