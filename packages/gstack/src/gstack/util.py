"""The 0.13 ``gevent.util`` module: every public name of ``ghub.util``, re-exported.

``wrap_errors``.
``gstack.util.X`` is ``ghub.util.X`` for each name in ``ghub.util.__all__``; see
``ghub.util`` for the documentation.
"""

from ghub.util import *  # noqa: F403
from ghub.util import __all__ as __all__
