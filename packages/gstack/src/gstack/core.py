"""The 0.13 ``gevent.core`` module: every public name of ``gcore``, re-exported.

``gstack.core.timer`` is ``gcore.timer``, and so on for each name in
``gcore.__all__``; see ``gcore`` for the documentation.
"""

from gcore import *  # noqa: F403
from gcore import __all__ as __all__
