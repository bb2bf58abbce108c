"""TCP and TLS servers (:class:`StreamServer`) and UDP servers (:class:`DatagramServer`).

How it works
------------

Both are :class:`~gserve.baseserver.BaseServer`: one accepting greenlet takes
connections (or datagrams) as they come, in batches, and hands each to
``handle`` through the server's ``spawn`` (a greenlet each by default; a
pool bounds them and makes the server stop accepting while it is full).

A :class:`StreamServer` calls ``handle(socket, address)`` with a cooperative
:class:`gnet.socket.socket` (blocking calls wait through the hub) and closes
the connection when ``handle`` returns or raises; an error in ``handle``
prints its traceback and ``<Greenlet ...> failed with ErrorType`` and ends
that connection only. With TLS arguments (``ssl_context=``, or
``keyfile``/``certfile`` and the other arguments of the stdlib's
``wrap_socket``) each connection is wrapped and its handshake done in the
connection's own greenlet, never in the accepting one, bounded by
:attr:`StreamServer.ssl_handshake_timeout`: a client that connects and says
nothing holds one greenlet for that long, never the server. A failed
handshake closes that connection silently (it is the client's error, and a
port scanner would otherwise fill the log).

A :class:`DatagramServer` calls ``handle(data, address)`` for each datagram;
:meth:`DatagramServer.sendto` answers.
"""

from __future__ import annotations

import os
import socket as _stdsocket
import ssl as _stdssl
from collections.abc import Callable
from typing import Any

from gnet import socket as _gsocket
from gnet import ssl as _gssl
from gserve.baseserver import BaseServer, positive_int

__all__ = ["StreamServer", "DatagramServer"]

_realsocket = _stdsocket._socket.socket   # type: ignore[attr-defined]
_accept = _realsocket._accept
_recvfrom = _realsocket.recvfrom
_gsocket_class = _gsocket.socket
_SOCK_STREAM = _stdsocket.SOCK_STREAM

# The stdlib wrap_socket's arguments that a StreamServer takes as **ssl_args.
_SSL_ARGS = frozenset({
    "ssl_context", "keyfile", "certfile", "server_side", "cert_reqs", "ssl_version",
    "ca_certs", "do_handshake_on_connect", "suppress_ragged_eofs", "ciphers",
})


def make_ssl_context(ssl_args: dict[str, Any]) -> tuple[_stdssl.SSLContext, dict[str, Any]]:
    """The server-side context and wrap options of a server's ``**ssl_args``.

    ``ssl_context`` is used as given; otherwise a context is made once from
    ``certfile``/``keyfile`` (required), ``ssl_version`` (default
    ``PROTOCOL_TLS_SERVER``), ``cert_reqs``, ``ca_certs`` and ``ciphers``.
    Raises ``TypeError`` for an unknown argument and ``ValueError`` for a
    missing certificate, as the stdlib's ``wrap_socket`` does.
    """
    unknown = sorted(set(ssl_args) - _SSL_ARGS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {', '.join(unknown)}: a server takes "
                        f"the TLS arguments {', '.join(sorted(_SSL_ARGS))}")
    if ssl_args.get("server_side", True) is not True:
        raise ValueError("a server's TLS sockets are server-side: server_side must be True")
    options = {
        "do_handshake_on_connect": ssl_args.get("do_handshake_on_connect", True),
        "suppress_ragged_eofs": ssl_args.get("suppress_ragged_eofs", True),
    }
    context = ssl_args.get("ssl_context")
    if context is not None:
        others = set(ssl_args) & {"keyfile", "certfile", "ssl_version", "cert_reqs", "ca_certs",
                                  "ciphers"}
        if others:
            raise ValueError(f"give either ssl_context or {', '.join(sorted(others))}, not both")
        if not isinstance(context, _stdssl.SSLContext):
            raise TypeError(f"ssl_context must be an ssl.SSLContext, not {type(context).__name__}")
        return context, options
    certfile = ssl_args.get("certfile")
    if not certfile:
        raise ValueError("certfile must be specified for server-side operations")
    version = ssl_args.get("ssl_version") or _stdssl.PROTOCOL_TLS_SERVER
    context = _gssl.SSLContext(version)
    context.verify_mode = ssl_args.get("cert_reqs", _stdssl.CERT_NONE)
    if ssl_args.get("ca_certs"):
        context.load_verify_locations(ssl_args["ca_certs"])
    context.load_cert_chain(certfile, ssl_args.get("keyfile"))
    if ssl_args.get("ciphers"):
        context.set_ciphers(ssl_args["ciphers"])
    return context, options


class StreamServer(BaseServer):
    """A TCP (or TLS) server calling ``handle(socket, address)`` for each connection.

    ``StreamServer(listener, handle=None, backlog=None, spawn='default',
    **ssl_args)``: ``listener`` is an address, e.g. ``('127.0.0.1', 8000)``
    or ``('::1', 0)``, or a listening socket; ``backlog`` (default 256)
    applies when the server binds the address itself (``SO_REUSEADDR`` is
    set on POSIX; ``reuse_port=True`` sets ``SO_REUSEPORT`` too, so that
    several processes can each listen on the same port). See
    :mod:`gserve.baseserver` for ``spawn`` and the life of a server, and the
    module documentation for TLS. The connection is
    closed when ``handle`` returns: to keep it, ``dup()`` the socket.
    """

    #: Seconds a TLS client gets to complete its handshake.
    ssl_handshake_timeout: float = 10.0

    def __init__(self, listener: Any, handle: Callable[..., Any] | None = None,
                 backlog: int | None = None, spawn: Any = "default", *,
                 reuse_port: bool = False, **ssl_args: Any) -> None:
        BaseServer.__init__(self, listener, handle, spawn, reuse_port=reuse_port)
        if backlog is not None:
            if self.socket is not None:
                raise ValueError("backlog applies when the server binds its address; "
                                 "this listener is already a socket")
            self.backlog = positive_int(backlog, "backlog")
        self.ssl_context: _stdssl.SSLContext | None = None
        self._ssl_options: dict[str, Any] = {}
        if ssl_args:
            self.ssl_context, self._ssl_options = make_ssl_context(ssl_args)

    @property
    def ssl_enabled(self) -> bool:
        """True if connections are wrapped in TLS."""
        return self.ssl_context is not None

    def init_socket(self) -> None:
        """Bind and listen on :attr:`address`."""
        sock = _gsocket_class(self.family, _SOCK_STREAM)
        try:
            if os.name == "posix":
                sock.setsockopt(_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEADDR, 1)
            if self.reuse_port:
                sock.setsockopt(_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEPORT, 1)
            sock.bind(self.address)
            sock.listen(self.backlog)
        except BaseException:
            sock.close()
            raise
        self.socket = sock
        self.address = sock.getsockname()

    def do_read(self) -> tuple[Any, Any] | None:
        """Accept one connection without waiting: ``(socket, address)``, or None."""
        try:
            fd, address = _accept(self.socket)
        except BlockingIOError:
            return None
        return _gsocket_class(self.family, _SOCK_STREAM, 0, fileno=fd), address

    def do_close(self, sock: Any, address: Any) -> None:
        """Close the connection."""
        sock.close()

    def _handle_and_close(self, sock: Any, address: Any) -> None:
        try:
            if self.ssl_context is not None:
                tls = self.wrap_socket(sock)
                if tls is None:
                    return   # the handshake failed: wrap_socket closed it
                sock = tls
            self.handle(sock, address)
        finally:
            sock.close()

    def wrap_socket(self, sock: Any) -> Any:
        """``sock`` wrapped in TLS, its handshake done (None if it failed: the socket is closed)."""
        options = self._ssl_options
        tls = _gssl.SSLSocket._create(
            sock=sock, server_side=True, do_handshake_on_connect=False,
            suppress_ragged_eofs=options["suppress_ragged_eofs"], context=self.ssl_context)
        if not options["do_handshake_on_connect"]:
            return tls
        timeout = tls.gettimeout()
        tls.settimeout(self.ssl_handshake_timeout)
        try:
            tls.do_handshake()
        except (OSError, ValueError):   # ssl.SSLError and socket.timeout are OSErrors
            tls.close()
            return None
        tls.settimeout(timeout)
        return tls


class DatagramServer(BaseServer):
    """A UDP server calling ``handle(data, address)`` for each datagram (not in 0.13).

    ``DatagramServer(listener, handle=None, spawn='default', *, reuse_port=False)``; answer with
    :meth:`sendto`. A datagram larger than :attr:`max_datagram` bytes is cut.
    """

    #: The largest datagram read whole.
    max_datagram: int = 65535
    socket_type = _stdsocket.SOCK_DGRAM

    def init_socket(self) -> None:
        """Bind :attr:`address`."""
        sock = _gsocket_class(self.family, _stdsocket.SOCK_DGRAM)
        try:
            if self.reuse_port:
                sock.setsockopt(_stdsocket.SOL_SOCKET, _stdsocket.SO_REUSEPORT, 1)
            sock.bind(self.address)
        except BaseException:
            sock.close()
            raise
        self.socket = sock
        self.address = sock.getsockname()

    def do_read(self) -> tuple[bytes, Any] | None:
        """Receive one datagram without waiting: ``(data, address)``, or None."""
        try:
            return _recvfrom(self.socket, self.max_datagram)
        except BlockingIOError:
            return None

    def sendto(self, data: bytes, address: Any) -> int:
        """Send ``data`` to ``address`` from the server's socket; the number of bytes sent."""
        return self.socket.sendto(data, address)
