"""Queue producer/consumer, unbounded: 100,000 items through ``Queue()``.

As ``queue_bounded`` but the queue has no maximum size: the producer never
blocks and the consumer mostly finds items waiting. Figure: items per second.
"""

import queue_bounded
from _common import main

UNIT = "k items/s"
BETTER = "higher"


def run_gstack():
    return queue_bounded.run_gstack(maxsize=None)


def run_gevent():
    return queue_bounded.run_gevent(maxsize=None)


if __name__ == "__main__":
    main(globals())
