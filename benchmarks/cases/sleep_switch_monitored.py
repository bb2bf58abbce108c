"""sleep(0) hand-offs with the blocking detector on: ``sleep_switch`` with a monitor thread.

The same two greenlets and 200,000 ``sleep(0)`` calls each as
``sleep_switch``, with the library's blocking detector watching the hub at a
0.1 s threshold (gstack: ``ghub.monitor.start_monitor(0.1)``, a heartbeat
timer and an OS thread; gevent: ``config.monitor_thread`` with
``max_blocking_time`` 0.1, a greenlet switch tracer and an OS thread). The
detector's overhead is this figure beside ``sleep_switch``'s in the same run.
"""

from _common import main
from sleep_switch import N, _measure  # noqa: F401  (N: the same work)

UNIT = "k hand-offs/s"
BETTER = "higher"


def run_gstack():
    import ghub
    from ghub import monitor

    detector = monitor.start_monitor(0.1)
    try:
        return _measure(ghub.spawn, ghub.joinall, ghub.sleep)
    finally:
        detector.stop()
        assert detector.reports == 0, "the detector reported a stall"


def run_gevent():
    import gevent

    gevent.config.monitor_thread = True
    gevent.config.max_blocking_time = 0.1
    gevent.get_hub().start_periodic_monitoring_thread()
    return _measure(gevent.spawn, gevent.joinall, gevent.sleep)


if __name__ == "__main__":
    main(globals())
