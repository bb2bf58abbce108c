"""The 0.13 ``gevent.local`` module: every public name of ``ghub.local``, re-exported.

Greenlet-local storage: ``local``, with the ``threading.local`` API.
``gstack.local.X`` is ``ghub.local.X`` for each name in ``ghub.local.__all__``; see
``ghub.local`` for the documentation.
"""

from ghub.local import *  # noqa: F403
from ghub.local import __all__ as __all__
