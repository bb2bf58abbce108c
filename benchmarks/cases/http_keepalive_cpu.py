"""HTTP keep-alive, CPU cost: ``http_keepalive``'s requests per server CPU-second.

The same server, checks and ``wrk`` load as ``http_keepalive``; the figure
divides the requests of the measured wrk run by the CPU time the server
process used during it (user + system, from ``/proc/PID/stat``) instead of
by the wall-clock time: what the server spends on a request, however much
of its CPU the rest of a shared machine leaves it.
"""

import http_keepalive
from _common import main

UNIT = "k requests/CPU-s"
BETTER = "higher"


def run_gstack():
    return http_keepalive.measure("gstack")[1]


def run_gevent():
    return http_keepalive.measure("gevent")[1]


if __name__ == "__main__":
    main(globals())
