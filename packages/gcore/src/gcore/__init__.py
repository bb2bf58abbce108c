"""gcore: libevent 2.1's event loop, for gstack (the 0.13 reference's ``gevent.core``).

This module does not work with greenlets: callbacks run in the loop, which
the hub greenlet runs. They must not block; asynchronous calls (spawning,
setting an event, putting into a queue without blocking) are fine.

The whole API lives in the compiled extension :mod:`gcore._gcore`; this
package only re-exports it (and holds :mod:`gcore.sources`, which lets tracebacks
through compiled frames of every layer show the installed sources' lines).
"""

from gcore import sources
from gcore._gcore import *  # noqa: F401,F403
from gcore._gcore import __all__ as __all__

__version__ = "0.1.0"

sources.register(__name__)  # tracebacks show the lines of _gcore.pyx and its .pxi files
