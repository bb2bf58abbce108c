"""HTTP with Connection: close, CPU cost: ``http_close``'s requests per server CPU-second.

The same server, checks and ``wrk -H 'Connection: close'`` load as
``http_close``; the figure divides the requests of the measured wrk run by
the CPU time the server process used during it (user + system, from
``/proc/PID/stat``) instead of by the wall-clock time: what the server
spends on a connection and its one request, however much of its CPU the
rest of a shared machine leaves it.
"""

import http_close
from _common import main

UNIT = "k requests/CPU-s"
BETTER = "higher"


def run_gstack():
    return http_close.measure("gstack")[1]


def run_gevent():
    return http_close.measure("gevent")[1]


if __name__ == "__main__":
    main(globals())
