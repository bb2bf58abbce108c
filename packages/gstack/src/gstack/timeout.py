"""The 0.13 ``gevent.timeout`` module: every public name of ``ghub.timeout``, re-exported.

``Timeout`` and ``with_timeout``.
``gstack.timeout.X`` is ``ghub.timeout.X`` for each name in ``ghub.timeout.__all__``; see
``ghub.timeout`` for the documentation.
"""

from ghub.timeout import *  # noqa: F403
from ghub.timeout import __all__ as __all__
