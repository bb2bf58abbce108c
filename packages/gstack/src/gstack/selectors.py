"""gevent's ``gevent.selectors``: every public name of :mod:`gnet.selectors`, re-exported.

A cooperative ``selectors`` module (``DefaultSelector`` blocks only the
calling greenlet). See :mod:`gnet.selectors`.
"""

from gnet.selectors import *  # noqa: F403
from gnet.selectors import __all__  # noqa: F401
