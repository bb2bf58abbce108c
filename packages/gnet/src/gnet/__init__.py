"""gnet: cooperative networking for gstack — socket, ssl, dns, select and selectors.

Each module stands in for the stdlib module of the same name (``gnet.socket``
for ``socket``...): its blocking calls block only the calling greenlet,
waiting through the hub (``ghub``) on libevent (``gcore``). Each one lists the
names it provides in place of the stdlib's in ``__implements__``, so that
``gmonkey`` can patch from those lists; everything else it exports is the
stdlib's own object. ``gnet.dns`` is the 0.13 reference's ``gevent.dns``
(libevent's evdns).

The modules are imported on demand: ``import gnet.socket``.
"""

from _gstack_layers import require as _require_layers

_require_layers(__name__)  # the layers under this one are gstack's, or an ImportError says whose

import gcore.sources

__all__ = ["__version__"]

__version__ = "0.1.0"

gcore.sources.register(__name__)  # tracebacks show the compiled modules' .py lines
