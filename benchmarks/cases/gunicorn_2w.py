"""gunicorn with 2 worker processes: gserve's PyWSGIWorker against gunicorn's gevent worker.

A hello-world WSGI application, kept-alive connections from wrk; see
``_gunicorn.py``. Figure: requests per second, all workers together.
"""

import _gunicorn
from _common import main

UNIT = "k requests/s"
BETTER = "higher"


def run_gstack():
    return _gunicorn.measure(__file__, "gstack", 2)


def run_gevent():
    return _gunicorn.measure(__file__, "gevent", 2)


if __name__ == "__main__":
    main(globals())
