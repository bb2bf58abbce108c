"""The 0.13 ``gevent.greenlet`` module: every public name of ``ghub.greenlet``, re-exported.

``Greenlet``, ``joinall``, ``killall``, the ``spawn*`` helpers and the
``LinkedExited`` exceptions.
``gstack.greenlet.X`` is ``ghub.greenlet.X`` for each name in ``ghub.greenlet.__all__``; see
``ghub.greenlet`` for the documentation.
"""

from ghub.greenlet import *  # noqa: F403
from ghub.greenlet import __all__ as __all__
