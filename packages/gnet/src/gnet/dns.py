"""Cooperative DNS on libevent's evdns: the 0.13 reference's ``gevent.dns``.

How it works
------------

Each hub has one ``gcore.Resolver`` (libevent's ``evdns_base`` on the hub's
loop; the main thread's is gcore's default resolver), configured from
``/etc/resolv.conf``. A query is sent with a callback that wakes the calling
greenlet through a ``ghub.Waiter``; meanwhile the hub runs every other
greenlet, so many lookups proceed at once and take as long as the slowest.
The query is cancelled in a ``finally``: a greenlet killed or timed out while
waiting leaves nothing behind. evdns' own timeout and retries (the
resolver's ``timeout``/``attempts`` options) bound every query; the
``timeout`` argument bounds the wait further.

Addresses go in and come out packed, as the 0.13 reference's 0.12 notes
say: ``resolve_ipv4`` returns ``(ttl, [b'\\x7f\\x00\\x00\\x01', ...])``,
``resolve_reverse(b'\\x7f\\x00\\x00\\x01')`` returns ``(ttl, 'name')``.

``gnet.socket``'s name functions (``getaddrinfo``, ``gethostbyname``...) are
built on the private helpers at the bottom, which add the hosts file and
the stdlib's error numbers.

To point the resolver at another nameserver (tests do)::

    gnet.dns.get_resolver().set_nameservers([("127.0.0.1", 5353)])

The system resolver instead of evdns
------------------------------------

evdns reads ``/etc/hosts`` and asks the nameservers of ``/etc/resolv.conf``.
Hosts whose name service is more than that (NSS modules: mDNS, LDAP, NIS,
systemd-resolved's names...) can have ``gnet.socket``'s name functions
(``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``,
``getnameinfo``, hence ``getfqdn`` and ``create_connection``) call the
stdlib's, i.e. the C library's resolver, in the hub's thread pool: only the
calling greenlet waits, and several lookups run at once in as many pool
threads. Choose it for the whole process with the environment variable
``GSTACK_RESOLVER=thread`` (read when this module is imported; ``evdns``,
the default, or unset for evdns), or at run time with
``set_resolver_kind("thread")``. The 0.13 functions of this module
(``resolve_ipv4``...) are DNS queries and always use evdns.
"""

from __future__ import annotations

import os as _os
import socket as _stdsocket

import gcore
import gsync.threadpool  # noqa: F401  (plugs the thread pool class into ghub.Hub)
from gcore import (
    DNS_ERR_NODATA,
    DNS_ERR_NONE,
    DNS_ERR_NOTEXIST,
    DNS_ERR_SERVERFAILED,
    DNS_ERR_TIMEOUT,
    DNS_QUERY_NO_SEARCH,
)
from ghub import Waiter, get_hub
from ghub.checks import socket_timeout
from gnet._hosts import hosts
from gnet._resolver import get_resolver, reset_resolver

__all__ = [
    "DNSError", "resolve_ipv4", "resolve_ipv6", "resolve_reverse", "resolve_reverse_ipv6",
    "get_resolver", "reset", "set_hosts_file", "DNS_QUERY_NO_SEARCH", "RESOLVER_KINDS",
    "resolver_kind", "set_resolver_kind",
]

#: What :func:`set_resolver_kind` (and ``GSTACK_RESOLVER``) accept.
RESOLVER_KINDS = ("evdns", "thread")


def _check_kind(kind: object, where: str) -> str:
    if not isinstance(kind, str):
        raise TypeError(f"{where} must be a str, not {type(kind).__name__}")
    if kind not in RESOLVER_KINDS:
        raise ValueError(f"{where} must be 'evdns' or 'thread', not {kind!r}")
    return kind


_kind = _check_kind(_os.environ.get("GSTACK_RESOLVER") or "evdns",
                    "the environment variable GSTACK_RESOLVER")


def resolver_kind() -> str:
    """How ``gnet.socket`` resolves names: ``"evdns"`` (the default) or ``"thread"``."""
    return _kind


def set_resolver_kind(kind: str) -> str:
    """Resolve ``gnet.socket``'s names with evdns (``"evdns"``) or the system's resolver
    in the hub's thread pool (``"thread"``), for the whole process; return the previous kind.

    ``TypeError``/``ValueError`` for anything else. See the module docstring.
    """
    global _kind
    previous, _kind = _kind, _check_kind(kind, "kind")
    return previous


def system_call(function, *args):
    """``function(*args)`` (a blocking resolver call of the stdlib) in the hub's thread pool."""
    return get_hub().threadpool.apply(function, args)


class DNSError(_stdsocket.gaierror):
    """A DNS query failed. ``DNSError(code)`` carries libevent's message for the ``DNS_ERR_*`` code.

    It is a ``socket.gaierror`` (as in the 0.13 reference), whose ``errno`` is
    the ``DNS_ERR_*`` code.
    """

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], int):
            args = (args[0], gcore.dns_err_to_string(args[0]))
        super().__init__(*args)


def reset() -> None:
    """Shut down this thread's resolver: the next query makes a new one from ``/etc/resolv.conf``.

    Queries in flight fail with ``DNSError`` (``DNS_ERR_SHUTDOWN``).
    """
    reset_resolver()


def set_hosts_file(path: str | None = None) -> None:
    """Read host names from ``path`` instead of ``/etc/hosts`` (``None``: /etc/hosts again)."""
    hosts.path = "/etc/hosts" if path is None else path
    hosts._stamp = object()   # force a re-read


def _query(method, argument, flags, timeout):
    """Send one query and wait for its answer: ``(result, type, ttl, addrs)``."""
    if timeout is not None:
        timeout = socket_timeout(timeout)
    resolver = get_resolver()
    hub = get_hub()
    waiter = Waiter(hub)
    request = getattr(resolver, method)(argument, flags, waiter.switch_args)
    timer = None
    try:
        if timeout is not None:
            timer = gcore.timer(timeout, waiter.throw, DNSError(DNS_ERR_TIMEOUT), loop=hub.loop)
        return waiter.get()
    finally:
        if timer is not None:
            timer.cancel()
        request.cancel()


def resolve_ipv4(name: str, flags: int = 0,
                 timeout: float | None = None) -> tuple[int, list[bytes]]:
    """Look up the A records of ``name``: ``(ttl, [packed IPv4 address, ...])``.

    Blocks the calling greenlet only. ``flags`` is 0 or ``DNS_QUERY_NO_SEARCH``.
    Raises :class:`DNSError` when the query fails (NXDOMAIN: ``DNS_ERR_NOTEXIST``;
    no answer in time: ``DNS_ERR_TIMEOUT``).
    """
    result, _type, ttl, addrs = _query("resolve_ipv4", name, flags, timeout)
    if result != DNS_ERR_NONE:
        raise DNSError(result)
    return ttl, addrs


def resolve_ipv6(name: str, flags: int = 0,
                 timeout: float | None = None) -> tuple[int, list[bytes]]:
    """Look up the AAAA records of ``name``: ``(ttl, [packed IPv6 address, ...])``.

    Same rules as :func:`resolve_ipv4`.
    """
    result, _type, ttl, addrs = _query("resolve_ipv6", name, flags, timeout)
    if result != DNS_ERR_NONE:
        raise DNSError(result)
    return ttl, addrs


def resolve_reverse(packed_ip: bytes, flags: int = 0,
                    timeout: float | None = None) -> tuple[int, str]:
    """Look up the PTR record of a packed IPv4 address: ``(ttl, name)``.

    Raises ``ValueError`` unless ``packed_ip`` is 4 bytes, :class:`DNSError`
    when the query fails.
    """
    result, _type, ttl, name = _query("resolve_reverse", packed_ip, flags, timeout)
    if result != DNS_ERR_NONE:
        raise DNSError(result)
    return ttl, name


def resolve_reverse_ipv6(packed_ip: bytes, flags: int = 0,
                         timeout: float | None = None) -> tuple[int, str]:
    """Look up the PTR record of a packed IPv6 address (16 bytes): ``(ttl, name)``."""
    result, _type, ttl, name = _query("resolve_reverse_ipv6", packed_ip, flags, timeout)
    if result != DNS_ERR_NONE:
        raise DNSError(result)
    return ttl, name


# -- what gnet.socket builds on ------------------------------------------------------

_EAI_AGAIN = _stdsocket.EAI_AGAIN
_EAI_NONAME = _stdsocket.EAI_NONAME
_EAI_FAIL = _stdsocket.EAI_FAIL
_EAI_NODATA = getattr(_stdsocket, "EAI_NODATA", _EAI_NONAME)


def gai_error(code):
    """``socket.gaierror(code, message)`` with the system's message for an ``EAI_*`` number."""
    return _stdsocket.gaierror(code, gcore.dns_gai_strerror(code))


def _gai_code(results):
    """The ``EAI_*`` number for a set of failed DNS answers, as libc's resolver would say."""
    codes = {result for result, _type, _ttl, _addrs in results}
    if codes & {DNS_ERR_TIMEOUT, DNS_ERR_SERVERFAILED}:
        return _EAI_AGAIN
    if codes == {DNS_ERR_NOTEXIST}:
        return _EAI_NONAME
    if codes <= {DNS_ERR_NONE, DNS_ERR_NODATA, DNS_ERR_NOTEXIST}:
        return _EAI_NODATA
    return _EAI_FAIL


def _submit(resolver, method, argument, callback):
    """Send a query for the name functions: a query evdns refuses is a ``gaierror``."""
    try:
        return getattr(resolver, method)(argument, 0, callback)
    except OSError:
        # No nameserver at all (as libc: a temporary failure), or a name that
        # cannot be sent (too long: as libc, an unknown name).
        code = _EAI_AGAIN if resolver.count_nameservers() == 0 else _EAI_NONAME
        raise gai_error(code) from None


def lookup_host(name, family=0):
    """Resolve a host name (not a numeric address): ``(canonical, aliases, [(family, ip), ...])``.

    The hosts file answers first; otherwise A and/or AAAA queries go out
    together. Raises ``socket.gaierror`` with the stdlib's numbers
    (``EAI_NONAME`` for an unknown name, ``EAI_AGAIN`` when the nameserver
    does not answer, ``EAI_NODATA`` for a name without addresses,
    ``EAI_FAMILY`` for a family other than AF_INET/AF_INET6/AF_UNSPEC).
    """
    if family not in (0, _stdsocket.AF_INET, _stdsocket.AF_INET6):
        raise gai_error(_stdsocket.EAI_FAMILY)
    found = hosts.lookup(name, family)
    if found:
        canonical, aliases = hosts.canonical(name)
        return canonical, aliases, found
    methods = []
    if family in (0, _stdsocket.AF_INET):
        methods.append(("resolve_ipv4", _stdsocket.AF_INET))
    if family in (0, _stdsocket.AF_INET6):
        methods.append(("resolve_ipv6", _stdsocket.AF_INET6))
    resolver = get_resolver()
    hub = get_hub()
    pending = []
    try:
        for method, af in methods:
            waiter = Waiter(hub)
            request = _submit(resolver, method, name, waiter.switch_args)
            pending.append((waiter, request, af))
        results = [(waiter.get(), af) for waiter, _request, af in pending]
    finally:
        for _waiter, request, _af in pending:
            request.cancel()
    addresses = []
    for (result, _type, _ttl, addrs), af in results:
        if result == DNS_ERR_NONE:
            addresses.extend((af, _stdsocket.inet_ntop(af, packed)) for packed in addrs)
    if not addresses:
        raise gai_error(_gai_code([answer for answer, _af in results]))
    return name.rstrip("."), [], addresses


def lookup_addr(ip):
    """The ``(name, aliases)`` of a numeric address: hosts file, then a PTR query.

    Raises ``socket.gaierror`` as :func:`lookup_host` does.
    """
    ip = ip.split("%", 1)[0]   # an IPv6 scope does not take part in the name
    found = hosts.reverse(ip)
    if found:
        return found
    try:
        packed = _stdsocket.inet_pton(_stdsocket.AF_INET, ip)
        method = "resolve_reverse"
    except OSError:
        packed = _stdsocket.inet_pton(_stdsocket.AF_INET6, ip)
        method = "resolve_reverse_ipv6"
    resolver = get_resolver()
    waiter = Waiter(get_hub())
    request = _submit(resolver, method, packed, waiter.switch_args)
    try:
        answer = waiter.get()
    finally:
        request.cancel()
    if answer[0] != DNS_ERR_NONE or not answer[3]:
        raise gai_error(_gai_code([answer]) if answer[0] != DNS_ERR_NONE else _EAI_NONAME)
    return answer[3], []
