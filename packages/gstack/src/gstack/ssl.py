"""The 0.13 ``gevent.ssl`` module: every public name of ``gnet.ssl``, re-exported.

The cooperative ``SSLSocket``, ``SSLContext`` and ``wrap_socket``,
``get_server_certificate``, and the stdlib's constants and exceptions:
``gstack.ssl.X`` is ``gnet.ssl.X`` for each name in ``gnet.ssl.__all__``; see
``gnet.ssl`` for the documentation.
"""

from gnet.ssl import *  # noqa: F403
from gnet.ssl import __all__ as __all__  # type: ignore[attr-defined]  # (not in the stub)
