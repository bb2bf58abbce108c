"""The 0.13 ``gevent.select`` module: every public name of ``gnet.select``, re-exported.

The cooperative ``select`` and ``poll`` and the stdlib's constants:
``gstack.select.X`` is ``gnet.select.X`` for each name in
``gnet.select.__all__``; see ``gnet.select`` for the documentation.
"""

from gnet.select import *  # noqa: F403
from gnet.select import __all__ as __all__  # type: ignore[attr-defined]  # (not in the stub)
