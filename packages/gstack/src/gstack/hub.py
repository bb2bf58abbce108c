"""The 0.13 ``gevent.hub`` module: every public name of ``ghub.hub``, re-exported.

The Hub and the basic utilities: ``get_hub``, ``sleep``, ``spawn_raw``, ``kill``,
``signal``, ``fork``, ``reinit``, ``shutdown``, ``Waiter``, ``LoopExit``...
``gstack.hub.X`` is ``ghub.hub.X`` for each name in ``ghub.hub.__all__``; see
``ghub.hub`` for the documentation.
"""

from ghub.hub import *  # noqa: F403
from ghub.hub import __all__ as __all__
