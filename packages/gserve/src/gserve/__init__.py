"""gserve: gstack's servers, the 0.13 reference's "Implementing servers".

- :mod:`gserve.baseserver`: :class:`~gserve.baseserver.BaseServer`, what every server shares
  (listener, spawning handlers, back-pressure, start/stop);
- :mod:`gserve.server`: :class:`~gserve.server.StreamServer` (TCP and TLS) and
  :class:`~gserve.server.DatagramServer` (UDP);
- :mod:`gserve.pywsgi`: :class:`~gserve.pywsgi.WSGIServer`, a strict HTTP/1.1 WSGI server
  in Python (on the sans-I/O parser :mod:`gserve._http`);
- :mod:`gserve.backdoor`: :class:`~gserve.backdoor.BackdoorServer`, a Python console over TCP.

Nothing is imported here: ``import gserve.server`` and friends load what they need.
"""

from _gstack_layers import require as _require_layers

_require_layers(__name__)  # the layers under this one are gstack's, or an ImportError says whose

import gcore.sources

__version__ = "0.1.0"

gcore.sources.register(__name__)  # tracebacks show the compiled modules' .py lines

__all__ = ["__version__"]
