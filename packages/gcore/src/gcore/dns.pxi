# evdns: asynchronous DNS on a Loop (Resolver, dns_request) and the 0.13 dns_* functions.
#
# A Resolver owns one libevent ``evdns_base`` attached to one Loop's
# ``event_base``. Each query is a dns_request: while it is in flight it holds a
# reference to itself (libevent's ``void *arg`` points at it) and one
# ``Loop.ref()``, so that the loop keeps running until the answer arrives.
# libevent calls every query's callback exactly once (a cancelled query with
# DNS_ERR_CANCEL / EVUTIL_EAI_CANCEL); the trampolines below turn the C answer
# into Python objects, drop the holds and call the user's callback, routing
# any exception to the loop's error path. A callback that libevent would run
# synchronously, inside one of our own calls into it, is queued with
# Loop.run_callback instead, so that user callbacks always run from the loop.

from gcore.libevent_dns cimport *
from libc.string cimport memset

import socket as _socket_mod

cdef object _dns_logger = None


cdef void _evdns_log(int is_warning, const char *msg) noexcept with gil:
    # libevent's evdns messages ("Nameserver ... has failed") go to the
    # "gcore.dns" logger, silent unless the application configures logging.
    global _dns_logger
    try:
        if _dns_logger is None:
            import logging
            _dns_logger = logging.getLogger("gcore.dns")
            _dns_logger.addHandler(logging.NullHandler())
        _dns_logger.log(30 if is_warning else 10, "%s", msg.decode("utf-8", "replace"))
    except BaseException:
        pass


evdns_set_log_fn(_evdns_log)


cdef bytes _dns_name(object name):
    """A host name as the bytes libevent wants (str is IDNA-encoded, as the stdlib does)."""
    cdef bytes data
    if isinstance(name, str):
        data = (<str>name).encode("idna")
    elif isinstance(name, (bytes, bytearray)):
        data = bytes(name)
    else:
        raise TypeError(f"name must be str or bytes, not {type(name).__name__}")
    if not data:
        raise ValueError("name must not be empty")
    if b"\0" in data:
        raise ValueError("embedded null character in name")
    return data


cdef int _dns_flags(object flags) except -1:
    if not isinstance(flags, int):
        raise TypeError(f"flags must be an int, not {type(flags).__name__}")
    if flags != 0 and flags != DNS_QUERY_NO_SEARCH:
        raise ValueError(f"flags must be 0 or DNS_QUERY_NO_SEARCH, not {flags!r}")
    return flags


cdef bytes _packed_ip(object packed_ip, Py_ssize_t size, str what):
    if not isinstance(packed_ip, (bytes, bytearray, memoryview)):
        raise TypeError(f"packed_ip must be a bytes-like object, not {type(packed_ip).__name__}")
    data = bytes(packed_ip)
    if len(data) != size:
        raise ValueError(f"packed_ip must be a packed {what} address ({size} bytes), "
                         f"not {len(data)} bytes")
    return data


cdef object _sockaddr_tuple(const sockaddr *sa):
    """A C sockaddr as the stdlib's (host, port) or (host, port, flowinfo, scope_id)."""
    cdef char buf[64]
    cdef const sockaddr_in *sin
    cdef const sockaddr_in6 *sin6
    if sa == NULL:
        return None
    if sa.sa_family == AF_INET:
        sin = <const sockaddr_in *>sa
        if evutil_inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf)) == NULL:
            return None
        return (buf.decode("ascii"), ntohs(sin.sin_port))
    if sa.sa_family == AF_INET6:
        sin6 = <const sockaddr_in6 *>sa
        if evutil_inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof(buf)) == NULL:
            return None
        return (buf.decode("ascii"), ntohs(sin6.sin6_port), ntohl(sin6.sin6_flowinfo),
                sin6.sin6_scope_id)
    return None


cdef object _dns_addresses(int result, char type, int count, void *addresses):
    """libevent's answer as the 0.13 API's: packed IPs (a list) or a PTR name (str or None)."""
    cdef const char *data = <const char *>addresses
    cdef int i
    if type == DNS_PTR:
        if result == DNS_ERR_NONE and count >= 1 and addresses != NULL:
            return (<char **>addresses)[0].decode("utf-8", "replace")
        return None
    if type == DNS_IPv4_A:
        if result != DNS_ERR_NONE or addresses == NULL:
            return []
        return [data[i * 4:(i + 1) * 4] for i in range(count)]
    if type == DNS_IPv6_AAAA:
        if result != DNS_ERR_NONE or addresses == NULL:
            return []
        return [data[i * 16:(i + 1) * 16] for i in range(count)]
    return None


cdef list _addrinfo_list(evutil_addrinfo *ai):
    result = []
    while ai != NULL:
        canonname = ai.ai_canonname.decode("utf-8", "replace") if ai.ai_canonname != NULL else ""
        result.append((ai.ai_family, ai.ai_socktype, ai.ai_protocol, canonname,
                       _sockaddr_tuple(ai.ai_addr)))
        ai = ai.ai_next
    return result


cdef void _dns_resolve_cb(int result, char type, int count, int ttl, void *addresses,
                          void *arg) noexcept with gil:
    # ``req`` is a new reference for the whole call: dropping the request's
    # hold on itself in _complete cannot free it under our feet.
    cdef dns_request req = <dns_request>arg
    if type == 0:
        type = req._type   # libevent reports errors with no type
    try:
        addrs = _dns_addresses(result, type, count, addresses)
    except BaseException:
        req.resolver.loop._report_error(req)
        addrs = None
    req._complete(result, (type, ttl, addrs))


cdef void _dns_getaddrinfo_cb(int result, evutil_addrinfo *res, void *arg) noexcept with gil:
    cdef dns_request req = <dns_request>arg
    try:
        try:
            addrs = _addrinfo_list(res)
        finally:
            if res != NULL:
                evutil_freeaddrinfo(res)
    except BaseException:
        req.resolver.loop._report_error(req)
        addrs = []
    req._complete(result, (addrs,))


@cython.final
cdef class dns_request:
    """One query in flight, made by a :class:`Resolver` method; ``cancel()`` drops it.

    Lifetime: from the query until libevent reports its end the request holds
    a reference to itself; until then, or until :meth:`cancel`, it also keeps
    its loop running (one ``Loop.ref()``).
    """

    cdef readonly Resolver resolver
    cdef readonly object query
    cdef object _callback
    cdef void *_req
    cdef char _type
    cdef bint _gai
    cdef bint _ref_held
    cdef bint _done
    cdef bint _shutdown

    def __init__(self):
        raise TypeError("dns_request objects are made by Resolver methods")

    @property
    def pending(self):
        """True until the callback ran or the request was cancelled."""
        return self._callback is not None

    def cancel(self):
        """Cancel the query: its callback will not be called. No-op once it ran."""
        if self._callback is None:
            return
        self._callback = None
        self._drop_ref()
        self._cancel_in_libevent()

    cdef inline void _drop_ref(self):
        if self._ref_held:
            self._ref_held = False
            self.resolver.loop._nref -= 1

    cdef void _cancel_in_libevent(self):
        # Only while libevent still owns the request (its callback has not run).
        cdef Resolver resolver = self.resolver
        cdef bint was_in_call
        if self._req == NULL or self._done or resolver._base == NULL:
            return
        was_in_call = resolver._in_call
        resolver._in_call = True
        try:
            if self._gai:
                evdns_getaddrinfo_cancel(<evdns_getaddrinfo_request *>self._req)
            else:
                evdns_cancel_request(resolver._base, <evdns_request *>self._req)
        finally:
            resolver._in_call = was_in_call

    cdef void _complete(self, int result, tuple args) noexcept:
        # Called exactly once per query, by a trampoline, with the GIL held.
        cdef Resolver resolver = self.resolver
        cdef Loop loop = resolver.loop
        self._req = NULL
        self._done = True
        callback = self._callback
        self._callback = None
        self._drop_ref()
        try:
            resolver._requests.discard(self)
            if callback is not None:
                if self._shutdown:
                    result = DNS_EAI_SHUTDOWN_CODE if self._gai else DNS_ERR_SHUTDOWN
                if resolver._in_call:
                    loop.run_callback(callback, result, *args)
                else:
                    try:
                        callback(result, *args)
                    except BaseException:
                        loop._report_error(self)
            if resolver._closing and not resolver._requests and resolver._base != NULL:
                loop.run_callback(resolver._free_base)
        except BaseException:
            loop._report_error(self)
        finally:
            Py_DECREF(self)   # the hold taken when the query was made

    def __repr__(self):
        state = "pending" if self._callback is not None else "done"
        return f"<gcore.dns_request at {id(self):#x} {state} {self.query!r}>"


# Resolver defaults (see Resolver.__init__).
cdef const char *DNS_MAX_INFLIGHT = b"4096"
cdef const char *DNS_SO_RCVBUF = b"1048576"

# What a getaddrinfo request reports when its resolver is shut down.
cdef int DNS_EAI_SHUTDOWN_CODE = EVUTIL_EAI_CANCEL


cdef class Resolver:
    """Resolver(loop=None, nameservers=None, resolv_conf='/etc/resolv.conf', hosts='/etc/hosts')
--

    An asynchronous DNS resolver: libevent's ``evdns_base``, bound to one :class:`Loop`.

    ``Resolver(loop=None, nameservers=None, resolv_conf="/etc/resolv.conf",
    hosts="/etc/hosts")`` reads the nameservers, search domains and options
    from ``resolv_conf`` (``None``: none; a missing file means 127.0.0.1, as
    libc does) and the host entries that :meth:`getaddrinfo` consults from
    ``hosts`` (an unreadable file: localhost only); ``nameservers`` (addresses, ``"ip:port"`` strings or ``(ip,
    port)`` pairs) replaces the configured nameservers. ``loop`` defaults to
    the default loop.

    Queries never block: each method takes a callback, called once from the
    loop with the result, and returns a :class:`dns_request` whose
    ``cancel()`` drops it. A query in flight keeps the loop running; up to
    4,096 queries are in flight at once (libevent's default is 64) and the
    nameserver sockets ask for a 1 MiB receive buffer, so that a burst of
    lookups is neither throttled nor loses answers. The
    ``resolve_*`` methods raise ``OSError`` when no nameserver is configured
    (libevent would hold the query until one is added); evdns' own timeout
    and retry options (:meth:`set_option`) bound how long a query can take.

    Lifetime: the resolver keeps its loop alive; its pending requests keep it
    alive. :meth:`shutdown` ends every pending query (callbacks get
    ``DNS_ERR_SHUTDOWN``) and releases libevent's resolver once they have
    reported; a resolver shut down accepts no new query.
    """

    cdef evdns_base *_base
    cdef readonly Loop loop
    cdef set _requests
    cdef bint _in_call
    cdef bint _closing

    def __cinit__(self, *args, **kwargs):
        self._base = NULL
        self._requests = set()

    def __init__(self, Loop loop=None, nameservers=None, resolv_conf="/etc/resolv.conf",
                 hosts="/etc/hosts"):
        cdef int rc
        if self._base != NULL or self.loop is not None:
            raise RuntimeError("Resolver.__init__ called twice")
        if loop is None:
            loop = get_default_loop()
        self.loop = loop
        self._base = evdns_base_new(loop._base, 0)
        if self._base == NULL:
            raise _oserror("evdns_base_new")
        # Defaults for programs that run many lookups at once (libevent's are 64
        # queries in flight and the system's socket buffer, which a burst of
        # answers overflows). Set before any nameserver socket exists; the
        # options line of resolv.conf and set_option() still override them.
        evdns_base_set_option(self._base, b"max-inflight:", DNS_MAX_INFLIGHT)
        evdns_base_set_option(self._base, b"so-rcvbuf:", DNS_SO_RCVBUF)
        if resolv_conf is not None:
            path = os.fsencode(resolv_conf)
            # Errors (a missing file...) leave libevent's defaults: 127.0.0.1, as libc.
            evdns_base_resolv_conf_parse(self._base, DNS_OPTIONS_ALL & ~DNS_OPTION_HOSTSFILE,
                                         path)
        if hosts is not None:
            if evdns_base_load_hosts(self._base, os.fsencode(hosts)) != 0:
                evdns_base_load_hosts(self._base, NULL)   # unreadable: localhost only
        if nameservers is not None:
            self.set_nameservers(nameservers)

    def __dealloc__(self):
        # Unreachable while a request is pending (each one holds the resolver).
        if self._base != NULL:
            evdns_base_free(self._base, 0)
            self._base = NULL

    cdef int _check_open(self) except -1:
        if self._base == NULL or self._closing:
            raise RuntimeError("this Resolver is shut down")
        return 0

    # -- configuration ---------------------------------------------------------

    @property
    def closed(self):
        """True once :meth:`shutdown` was called."""
        return self._closing or self._base == NULL

    @property
    def pending(self):
        """The number of queries in flight whose callback is still to be called."""
        return sum(1 for req in self._requests if (<dns_request>req)._callback is not None)

    @property
    def nameservers(self):
        """The configured nameservers, as ``(ip, port)`` pairs."""
        cdef sockaddr_storage ss
        cdef int i = 0
        cdef int n
        self._check_open()
        result = []
        while True:
            n = evdns_base_get_nameserver_addr(self._base, i, <sockaddr *>&ss, sizeof(ss))
            if n < 0:
                break
            if n <= <int>sizeof(ss):
                addr = _sockaddr_tuple(<sockaddr *>&ss)
                if addr is not None:
                    result.append(addr[:2])
            i += 1
        return result

    def add_nameserver(self, address, port=53):
        """Add a nameserver: an IPv4/IPv6 address and a UDP port.

        Raises ``ValueError`` for an address that is not numeric or a bad port.
        """
        self._check_open()
        spec = _nameserver_spec(address, port)
        if evdns_base_nameserver_ip_add(self._base, spec) != 0:
            raise OSError(f"evdns could not add the nameserver {spec.decode()!r}")

    def set_nameservers(self, nameservers):
        """Replace the nameservers with ``nameservers``: addresses, ``"ip:port"`` or ``(ip, port)``.

        Queries in flight are re-sent to the new nameservers.
        """
        self._check_open()
        specs = []
        for item in nameservers:
            if isinstance(item, tuple):
                if len(item) != 2:
                    raise ValueError(f"a nameserver is (ip, port), not {item!r}")
                specs.append(_nameserver_spec(item[0], item[1]))
            elif isinstance(item, str):
                specs.append(_nameserver_spec_str(item))
            else:
                raise TypeError(f"a nameserver is a str or an (ip, port) pair, not {item!r}")
        evdns_base_clear_nameservers_and_suspend(self._base)
        try:
            for spec in specs:
                if evdns_base_nameserver_ip_add(self._base, spec) != 0:
                    raise OSError(f"evdns could not add the nameserver {spec.decode()!r}")
        finally:
            evdns_base_resume(self._base)

    def count_nameservers(self):
        self._check_open()
        return evdns_base_count_nameservers(self._base)

    def set_option(self, option, value):
        """Set an evdns option (``"timeout"``, ``"attempts"``, ``"ndots"``, ``"max-timeouts"``...).

        Raises ``ValueError`` if libevent rejects it.
        """
        self._check_open()
        if not isinstance(option, str):
            raise TypeError(f"option must be a str, not {type(option).__name__}")
        name = option if option.endswith(":") else option + ":"
        if evdns_base_set_option(self._base, name.encode(), str(value).encode()) != 0:
            raise ValueError(f"evdns rejected the option {option!r}={value!r}")

    def load_hosts(self, path=None):
        """Add the entries of a hosts file (``None``: only localhost) for :meth:`getaddrinfo`.

        Raises ``OSError`` if the file cannot be read.
        """
        self._check_open()
        if path is None:
            rc = evdns_base_load_hosts(self._base, NULL)
        else:
            rc = evdns_base_load_hosts(self._base, os.fsencode(path))
        if rc != 0:
            raise OSError(f"evdns could not load the hosts file {path!r}")

    def clear_hosts(self):
        """Forget every hosts entry loaded so far."""
        self._check_open()
        evdns_base_clear_host_addresses(self._base)

    def search_clear(self):
        """Forget the search domains."""
        self._check_open()
        evdns_base_search_clear(self._base)

    def search_add(self, domain):
        """Add a search domain."""
        self._check_open()
        evdns_base_search_add(self._base, _dns_name(domain))

    def search_ndots_set(self, int ndots):
        """Names with at least ``ndots`` dots are first tried as they are."""
        self._check_open()
        if ndots < 0:
            raise ValueError("ndots must be non-negative")
        evdns_base_search_ndots_set(self._base, ndots)

    # -- queries ---------------------------------------------------------------

    cdef dns_request _new_request(self, object query, object callback, bint gai, char qtype=0):
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self._check_open()
        if not gai and evdns_base_count_nameservers(self._base) == 0:
            # libevent would queue the query until a nameserver is added: forever.
            raise OSError(f"no nameserver configured in {self!r}")
        cdef dns_request req = dns_request.__new__(dns_request)
        req.resolver = self
        req.query = query
        req._callback = callback
        req._gai = gai
        req._type = qtype
        return req

    cdef int _hold(self, dns_request req) except -1:
        Py_INCREF(req)
        req._ref_held = True
        self.loop._nref += 1
        self._requests.add(req)
        self._in_call = True
        return 0

    cdef int _submitted(self, dns_request req, void *handle, str what) except -1:
        self._in_call = False
        if req._done:   # answered at once (the callback is queued)
            return 0
        if handle == NULL:
            # libevent refused the query without calling back: undo the holds.
            self._requests.discard(req)
            req._callback = None
            req._drop_ref()
            req._done = True
            Py_DECREF(req)
            raise OSError(f"evdns refused the query {what}")
        req._req = handle
        return 0

    def resolve_ipv4(self, name, flags, callback):
        """Look up the A records of ``name``: ``callback(result, type, ttl, addrs)``.

        ``flags`` is 0 or ``DNS_QUERY_NO_SEARCH``; ``addrs`` is a list of packed
        4-byte addresses; ``result`` is ``DNS_ERR_NONE`` or a ``DNS_ERR_*`` code.
        """
        cdef bytes cname = _dns_name(name)
        cdef int cflags = _dns_flags(flags)
        cdef dns_request req = self._new_request(name, callback, False, DNS_IPv4_A)
        cdef void *handle
        self._hold(req)
        handle = evdns_base_resolve_ipv4(self._base, cname, cflags, _dns_resolve_cb, <void *>req)
        self._submitted(req, handle, f"resolve_ipv4({name!r})")
        return req

    def resolve_ipv6(self, name, flags, callback):
        """Look up the AAAA records of ``name``: ``callback(result, type, ttl, addrs)``.

        ``addrs`` is a list of packed 16-byte addresses.
        """
        cdef bytes cname = _dns_name(name)
        cdef int cflags = _dns_flags(flags)
        cdef dns_request req = self._new_request(name, callback, False, DNS_IPv6_AAAA)
        cdef void *handle
        self._hold(req)
        handle = evdns_base_resolve_ipv6(self._base, cname, cflags, _dns_resolve_cb, <void *>req)
        self._submitted(req, handle, f"resolve_ipv6({name!r})")
        return req

    def resolve_reverse(self, packed_ip, flags, callback):
        """Look up the PTR record of a packed IPv4 address: ``callback(result, type, ttl, name)``."""
        cdef bytes addr = _packed_ip(packed_ip, 4, "IPv4")
        cdef int cflags = _dns_flags(flags)
        cdef dns_request req = self._new_request(addr, callback, False, DNS_PTR)
        cdef void *handle
        self._hold(req)
        handle = evdns_base_resolve_reverse(self._base, <const in_addr *><const char *>addr,
                                            cflags, _dns_resolve_cb, <void *>req)
        self._submitted(req, handle, f"resolve_reverse({addr!r})")
        return req

    def resolve_reverse_ipv6(self, packed_ip, flags, callback):
        """Look up the PTR record of a packed IPv6 address: ``callback(result, type, ttl, name)``."""
        cdef bytes addr = _packed_ip(packed_ip, 16, "IPv6")
        cdef int cflags = _dns_flags(flags)
        cdef dns_request req = self._new_request(addr, callback, False, DNS_PTR)
        cdef void *handle
        self._hold(req)
        handle = evdns_base_resolve_reverse_ipv6(self._base, <const in6_addr *><const char *>addr,
                                                 cflags, _dns_resolve_cb, <void *>req)
        self._submitted(req, handle, f"resolve_reverse_ipv6({addr!r})")
        return req

    def getaddrinfo(self, host, port, callback, int family=0, int socktype=0, int proto=0,
                    int flags=0):
        """libevent's asynchronous getaddrinfo: ``callback(result, addrinfos)``.

        ``result`` is 0 or an ``EAI_*`` error number (the system's, as
        ``socket.gaierror`` uses; ``DNS_EAI_CANCEL`` when the resolver was shut
        down); ``addrinfos`` is a list of ``(family, type, proto, canonname,
        sockaddr)`` as ``socket.getaddrinfo`` returns. Host entries loaded with
        :meth:`load_hosts` answer before DNS; numeric hosts never reach DNS.
        """
        cdef evutil_addrinfo hints
        cdef bytes chost = None
        cdef bytes cport = None
        cdef const char *phost = NULL
        cdef const char *pport = NULL
        cdef dns_request req
        cdef void *handle
        if host is not None:
            chost = _dns_name(host)
            phost = chost
        if port is not None:
            if isinstance(port, int):
                cport = str(port).encode()
            elif isinstance(port, str):
                cport = port.encode()
            elif isinstance(port, bytes):
                cport = port
            else:
                raise TypeError(f"port must be an int, str or bytes, not {type(port).__name__}")
            if b"\0" in cport:
                raise ValueError("embedded null character in port")
            pport = cport
        if phost == NULL and pport == NULL:
            raise ValueError("host and port cannot both be None")
        memset(&hints, 0, sizeof(hints))
        hints.ai_family = family
        hints.ai_socktype = socktype
        hints.ai_protocol = proto
        hints.ai_flags = flags
        req = self._new_request((host, port), callback, True)
        self._hold(req)
        handle = evdns_getaddrinfo(self._base, phost, pport, &hints, _dns_getaddrinfo_cb,
                                   <void *>req)
        self._submitted(req, handle, f"getaddrinfo({host!r}, {port!r})")
        return req

    # -- shutting down ---------------------------------------------------------

    def shutdown(self, fail_requests=True):
        """End every pending query and release libevent's resolver.

        With ``fail_requests`` true (the default), each pending query's
        callback is called from the loop with ``DNS_ERR_SHUTDOWN``
        (``DNS_EAI_CANCEL`` for :meth:`getaddrinfo`); with it false, the
        pending queries are dropped as by :meth:`dns_request.cancel`: their
        callbacks are never called. Idempotent.
        """
        if self._base == NULL or self._closing:
            return
        self._closing = True
        if not self._requests:
            self._free_base()
            return
        for req in list(self._requests):
            if fail_requests:
                (<dns_request>req)._shutdown = True
                (<dns_request>req)._cancel_in_libevent()
            else:
                (<dns_request>req).cancel()

    def _free_base(self):
        if self._base != NULL and not self._requests:
            evdns_base_free(self._base, 0)
            self._base = NULL

    def __repr__(self):
        if self._base == NULL:
            return f"<gcore.Resolver at {id(self):#x} closed>"
        state = " closing" if self._closing else ""
        return f"<gcore.Resolver at {id(self):#x}{state} pending={self.pending} loop={self.loop!r}>"


cdef bytes _nameserver_spec(object address, object port):
    if not isinstance(address, str):
        raise TypeError(f"a nameserver address must be a str, not {type(address).__name__}")
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(f"a nameserver port must be an int, not {type(port).__name__}")
    if not 0 < port < 65536:
        raise ValueError(f"nameserver port out of range: {port}")
    try:
        _socket_mod.inet_pton(_socket_mod.AF_INET, address)
        return f"{address}:{port}".encode()
    except OSError:
        pass
    try:
        _socket_mod.inet_pton(_socket_mod.AF_INET6, address)
        return f"[{address}]:{port}".encode()
    except (OSError, ValueError):
        raise ValueError(f"a nameserver must be a numeric IP address, not {address!r}") from None


cdef bytes _nameserver_spec_str(str text):
    # "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53"
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(f"bad nameserver {text!r}")
        port = 53
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"bad nameserver {text!r}")
            port = int(rest[1:])
        return _nameserver_spec(host, port)
    if text.count(":") == 1:
        host, _, port_text = text.partition(":")
        if not port_text.isdigit():
            raise ValueError(f"bad nameserver {text!r}")
        return _nameserver_spec(host, int(port_text))
    return _nameserver_spec(text, 53)


# -- the 0.13 module-level API, on the default loop ----------------------------

cdef Resolver _default_resolver = None


def get_default_resolver():
    """The default loop's resolver (created on first use), used by the ``dns_*`` functions."""
    global _default_resolver
    if _default_resolver is None or _default_resolver.closed:
        _default_resolver = Resolver(get_default_loop())
    return _default_resolver


def dns_init():
    """Initialise the asynchronous DNS resolver (the default loop's)."""
    get_default_resolver()


def dns_shutdown(fail_requests=False):
    """Shut down the default resolver and end its pending requests (the 0.13 signature).

    ``fail_requests`` false (the default, as libevent's ``evdns_shutdown(0)``):
    the pending requests are dropped, their callbacks never called; true:
    each one's callback is called from the loop with ``DNS_ERR_SHUTDOWN``.
    The next ``dns_*`` call makes a new resolver.
    """
    global _default_resolver
    if _default_resolver is not None:
        resolver = _default_resolver
        _default_resolver = None
        resolver.shutdown(fail_requests)


def dns_resolve_ipv4(name, flags, callback):
    """Look up an A record: ``callback(result, type, ttl, addrs)``, addrs packed (see :class:`Resolver`)."""
    return get_default_resolver().resolve_ipv4(name, flags, callback)


def dns_resolve_ipv6(name, flags, callback):
    """Look up an AAAA record: ``callback(result, type, ttl, addrs)``, addrs packed."""
    return get_default_resolver().resolve_ipv6(name, flags, callback)


def dns_resolve_reverse(packed_ip, flags, callback):
    """Look up the PTR record of a packed IPv4 address: ``callback(result, type, ttl, name)``."""
    return get_default_resolver().resolve_reverse(packed_ip, flags, callback)


def dns_resolve_reverse_ipv6(packed_ip, flags, callback):
    """Look up the PTR record of a packed IPv6 address: ``callback(result, type, ttl, name)``."""
    return get_default_resolver().resolve_reverse_ipv6(packed_ip, flags, callback)


def dns_getaddrinfo(host, port, callback, int family=0, int socktype=0, int proto=0,
                    int flags=0):
    """Asynchronous getaddrinfo on the default resolver: ``callback(result, addrinfos)``."""
    return get_default_resolver().getaddrinfo(host, port, callback, family, socktype, proto, flags)


def dns_err_to_string(int err):
    """libevent's message for a ``DNS_ERR_*`` code."""
    return evdns_err_to_string(err).decode("utf-8", "replace")


def dns_gai_strerror(int err):
    """The message for a getaddrinfo error number (``EAI_*`` or ``DNS_EAI_CANCEL``).

    The system's ``gai_strerror`` text, as ``socket.gaierror`` carries it.
    """
    if err == EVUTIL_EAI_CANCEL:
        return evutil_gai_strerror(err).decode("utf-8", "replace")
    return gai_strerror(err).decode("utf-8", "replace")


globals().update(
    DNS_ERR_NONE=DNS_ERR_NONE, DNS_ERR_FORMAT=DNS_ERR_FORMAT,
    DNS_ERR_SERVERFAILED=DNS_ERR_SERVERFAILED, DNS_ERR_NOTEXIST=DNS_ERR_NOTEXIST,
    DNS_ERR_NOTIMPL=DNS_ERR_NOTIMPL, DNS_ERR_REFUSED=DNS_ERR_REFUSED,
    DNS_ERR_TRUNCATED=DNS_ERR_TRUNCATED, DNS_ERR_UNKNOWN=DNS_ERR_UNKNOWN,
    DNS_ERR_TIMEOUT=DNS_ERR_TIMEOUT, DNS_ERR_SHUTDOWN=DNS_ERR_SHUTDOWN,
    DNS_ERR_CANCEL=DNS_ERR_CANCEL, DNS_ERR_NODATA=DNS_ERR_NODATA,
    DNS_IPv4_A=DNS_IPv4_A, DNS_PTR=DNS_PTR, DNS_IPv6_AAAA=DNS_IPv6_AAAA,
    DNS_QUERY_NO_SEARCH=DNS_QUERY_NO_SEARCH, DNS_EAI_CANCEL=EVUTIL_EAI_CANCEL,
)
