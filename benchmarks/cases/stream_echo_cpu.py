"""StreamServer echo, CPU cost: ``stream_echo``'s round trips per server CPU-second.

The same server, C client, connections and messages as ``stream_echo``; the
figure divides all the round trips of the client's run (its warm-up
included) by the CPU time the server process used meanwhile (user + system,
from ``/proc/PID/stat``) instead of by the wall-clock time: what the server
spends on a round trip, however much of its CPU the rest of a shared
machine leaves it. On loopback, part of the kernel's work for the client's
side of each packet is charged to the server, the same for both columns.
"""

import stream_echo
from _common import main

UNIT = "k round trips/CPU-s"
BETTER = "higher"


def run_gstack():
    return stream_echo.measure("gstack")[1]


def run_gevent():
    return stream_echo.measure("gevent")[1]


if __name__ == "__main__":
    main(globals())
