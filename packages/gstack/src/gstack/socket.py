"""The 0.13 ``gevent.socket`` module: every public name of ``gnet.socket``, re-exported.

The cooperative ``socket`` class, ``create_connection``, ``socketpair``,
``fromfd``, the cooperative name functions (``getaddrinfo``,
``gethostbyname``...), ``wait_read``/``wait_write``/``wait_readwrite`` and the
stdlib's constants and exceptions: ``gstack.socket.X`` is ``gnet.socket.X``
for each name in ``gnet.socket.__all__``; see ``gnet.socket`` for the
documentation.
"""

from gnet.socket import *  # noqa: F403
from gnet.socket import _GLOBAL_DEFAULT_TIMEOUT as _GLOBAL_DEFAULT_TIMEOUT
from gnet.socket import __all__ as __all__  # type: ignore[attr-defined]  # (not in the stub)
