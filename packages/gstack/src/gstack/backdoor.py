"""The 0.13 ``gevent.backdoor`` module: every public name of ``gserve.backdoor``, re-exported.

BackdoorServer, an interactive Python console over TCP: ``gstack.backdoor.X`` is
``gserve.backdoor.X`` for each name in ``gserve.backdoor.__all__``; see
``gserve.backdoor`` for the documentation.
"""

from gserve.backdoor import *  # noqa: F403
from gserve.backdoor import __all__ as __all__
