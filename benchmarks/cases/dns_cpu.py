"""DNS, CPU cost: the ``dns_lookup`` lookups, figured per second of the client's CPU time.

The same 1,000-at-once batches of ``gethostbyname`` against the same
loopback responder as ``dns_lookup``; the figure divides the lookups by
this process's CPU time (user + system, ``time.process_time``) instead of
the wall-clock time: what the library itself spends on a lookup, whatever
the responder's delay and however many queries the library keeps in flight.
"""

import dns_lookup
from _common import main

UNIT = "k lookups/CPU-s"
BETTER = "higher"


def run_gstack():
    return dns_lookup.measure_gstack()[1]


def run_gevent():
    return dns_lookup.measure_gevent()[1]


if __name__ == "__main__":
    main(globals())
