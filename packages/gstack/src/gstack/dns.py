"""The 0.13 ``gevent.dns`` module: every public name of ``gnet.dns``, re-exported.

``resolve_ipv4``, ``resolve_ipv6``, ``resolve_reverse``,
``resolve_reverse_ipv6`` and ``DNSError`` (libevent's evdns, packed IPs in
and out): ``gstack.dns.X`` is ``gnet.dns.X`` for each name in
``gnet.dns.__all__``; see ``gnet.dns`` for the documentation.
"""

from gnet.dns import *  # noqa: F403
from gnet.dns import __all__ as __all__
