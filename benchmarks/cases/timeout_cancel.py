"""Timeout start + cancel: ``Timeout.start_new(10)`` then ``cancel()``, 100,000 times.

The timeout never fires: this is the cost of arming and disarming a timer
around a blocking call, which every call with a timeout pays. Figure:
start+cancel pairs per second.
"""

from _common import main, now

UNIT = "k timeouts/s"
BETTER = "higher"
N = 100_000


def _measure(timeout_class):
    start_new = timeout_class.start_new
    for _ in range(1000):  # warm-up
        start_new(10).cancel()
    start = now()
    for _ in range(N):
        start_new(10).cancel()
    return N / (now() - start) / 1e3


def run_gstack():
    import ghub

    ghub.get_hub()
    return _measure(ghub.Timeout)


def run_gevent():
    import gevent

    gevent.get_hub()
    return _measure(gevent.Timeout)


if __name__ == "__main__":
    main(globals())
