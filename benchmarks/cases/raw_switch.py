"""Raw ``greenlet.switch`` ping-pong, no hub: the floor under every hand-off.

The main greenlet and one other switch to each other 500,000 times each.
The code is the same for both libraries (plain ``greenlet``); each side
imports its library first, so the process is in the state that library
leaves it in (gstack's gcore, for example, installs an arena cache).
Figure: switches per second, for reference beside ``sleep_switch``.
"""

from _common import main, now

UNIT = "k switches/s"
BETTER = "higher"
N = 500_000


def _measure():
    from greenlet import getcurrent, greenlet

    main_greenlet = getcurrent()

    def pong():
        switch = main_greenlet.switch
        while True:
            switch()

    other = greenlet(pong)
    switch = other.switch
    for _ in range(1000):  # warm-up
        switch()
    start = now()
    for _ in range(N):
        switch()
    elapsed = now() - start
    other.throw()  # GreenletExit: end it cleanly
    return 2 * N / elapsed / 1e3


def run_gstack():
    import ghub  # noqa: F401  (the process as gstack leaves it)

    return _measure()


def run_gevent():
    import gevent  # noqa: F401

    return _measure()


if __name__ == "__main__":
    main(globals())
