"""Cooperative TLS: the stdlib ``ssl`` module whose sockets wait through the hub.

How it works
------------

:class:`SSLSocket` is both a stdlib ``ssl.SSLSocket`` (``isinstance`` checks,
``getpeercert``, ``cipher``, ``version``, ``selected_alpn_protocol``,
``makefile``... are the stdlib's) and a :class:`gnet.socket.socket`: its
descriptor is non-blocking, so OpenSSL (through the stdlib's ``_ssl``)
never blocks and reports ``SSLWantReadError``/``SSLWantWriteError``
instead; the methods here then wait for the descriptor through the hub and
try again. The socket's timeout applies to each wait, the handshake's
included ("The handshake operation timed out", a ``socket.timeout``), so a
silent peer cannot hang a handshake.

:class:`SSLContext` is the stdlib's with ``sslsocket_class`` set to
:class:`SSLSocket`: ``SSLContext.wrap_socket`` and the module-level
:func:`wrap_socket` (the 0.13 reference's interface) make cooperative
sockets. ``create_default_context``, ``get_server_certificate`` and the
private context factories that ``http.client`` and ``urllib`` use are the
stdlib's functions, run with this module's ``SSLContext`` and
``create_connection``.

Closing an ``SSLSocket`` while another greenlet reads from it wakes that
greenlet with ``OSError(EBADF)``, as for any gnet socket; ``shutdown()`` or
``unwrap()`` in another greenlet makes a blocked ``read`` return ``b""``. A
handshake interrupted by anything (a timeout, a ``Timeout``, a kill) during
``wrap_socket`` closes the new socket, so its descriptor never leaks.

Everything else (constants, exceptions, ``SSLObject``, ``MemoryBIO``,
certificate helpers) is the stdlib's own object.
"""

from __future__ import annotations

import socket as _stdsocket
import ssl as _stdssl
import types as _types
from inspect import ismodule as _ismodule

from gcore import EV_READ, EV_WRITE
from gnet import socket as _gsocket

# The names this module provides in place of the stdlib's (gmonkey patches these).
__implements__ = [
    "SSLContext", "SSLSocket", "wrap_socket", "get_server_certificate",
    "create_default_context", "_create_unverified_context", "_create_default_https_context",
    "_create_stdlib_context",
]
# The stdlib's own objects, re-exported unchanged (what ssl imports from socket excluded).
__imports__ = [
    name for name in dir(_stdssl)
    if not name.startswith("_") and name not in __implements__
    and not _ismodule(getattr(_stdssl, name))
    and getattr(_stdsocket, name, None) is not getattr(_stdssl, name)
    and name not in ("namedtuple",)
]

# As gevent's: the private context factories too (gevent.ssl._create_unverified_context).
__all__ = __implements__ + __imports__

for _name in __imports__:
    globals()[_name] = getattr(_stdssl, _name)
del _name

_SSLWantReadError = _stdssl.SSLWantReadError
_SSLWantWriteError = _stdssl.SSLWantWriteError
_SSLError = _stdssl.SSLError
_SSL_ERROR_EOF = _stdssl.SSL_ERROR_EOF
_timeout_error = _stdsocket.timeout


class SSLSocket(_stdssl.SSLSocket, _gsocket.socket):
    """A cooperative ``ssl.SSLSocket``, made by ``SSLContext.wrap_socket`` or :func:`wrap_socket`.

    Blocking calls (``do_handshake``, ``read``/``recv``/``recv_into``,
    ``write``/``send``/``sendall``, ``unwrap``, ``connect``, ``accept``) wait
    through the hub, each wait bounded by the socket's timeout.
    """

    @classmethod
    def _create(cls, sock, server_side=False, do_handshake_on_connect=True, **kwargs):
        # The stdlib's _create closes the socket when the handshake fails with
        # an OSError; do it for anything that interrupts it (the descriptor of
        # ``sock`` now belongs to the new socket).
        self = super()._create(sock, server_side=server_side, do_handshake_on_connect=False,
                               **kwargs)
        self.do_handshake_on_connect = do_handshake_on_connect
        if do_handshake_on_connect and self._connected:
            try:
                if self._timeout == 0.0:
                    raise ValueError("do_handshake_on_connect should not be specified for "
                                     "non-blocking sockets")
                self.do_handshake()
            except BaseException:
                self.close()
                raise
        return self

    def _retry(self, what, timeout, call, *args):
        """``call(*args)``, again after each wait for what OpenSSL wants (read or write).

        The one retry loop of the handshake, ``read``, ``write`` and
        ``unwrap``: ``SSLWantReadError``/``SSLWantWriteError`` make it wait
        for the descriptor, up to ``timeout`` each time (a ``socket.timeout``
        "The <what> operation timed out" after that); with ``timeout`` 0.0
        (a non-blocking socket) they are raised to the caller instead.
        """
        while True:
            try:
                return call(*args)
            except _SSLWantReadError:
                if timeout == 0.0:
                    raise
                evtype = EV_READ
            except _SSLWantWriteError:
                if timeout == 0.0:
                    raise
                evtype = EV_WRITE
            try:
                self._wait(evtype, timeout)
            except _timeout_error:
                raise _timeout_error(f"The {what} operation timed out") from None

    def do_handshake(self, block=False):
        """Perform the TLS handshake, waiting (up to the timeout at each step) for the peer."""
        self._check_connected()
        timeout = self._timeout
        if timeout == 0.0 and block:
            timeout = None
        return self._retry("handshake", timeout, self._sslobj.do_handshake)

    def read(self, len=1024, buffer=None):
        """Read up to ``len`` bytes (into ``buffer`` if given); ``b""``/0 at end of stream."""
        self._checkClosed()
        if self._sslobj is None:
            raise ValueError("Read on closed or unwrapped SSL socket.")
        try:
            return self._retry("read", self._timeout, self._read_now, len, buffer)
        except _SSLError as exc:
            if exc.args[0] == _SSL_ERROR_EOF and self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            raise

    def _read_now(self, len, buffer):
        sslobj = self._sslobj
        if sslobj is None:   # shut down or unwrapped while we waited: end of stream
            return 0 if buffer is not None else b""
        if buffer is not None:
            return sslobj.read(len, buffer)
        return sslobj.read(len)

    def write(self, data):
        """Write ``data``; return the number of bytes written."""
        self._checkClosed()
        return self._retry("write", self._timeout, self._write_now, data)

    def _write_now(self, data):
        sslobj = self._sslobj
        if sslobj is None:   # (also when shut down or unwrapped while we waited)
            raise ValueError("Write on closed or unwrapped SSL socket.")
        return sslobj.write(data)

    def send(self, data, flags=0):
        """Send ``data`` (through TLS once wrapped); return the number of bytes sent."""
        self._checkClosed()
        if self._sslobj is not None:
            if flags != 0:
                raise ValueError(
                    f"non-zero flags not allowed in calls to send() on {self.__class__}")
            return self.write(data)
        return _gsocket.socket.send(self, data, flags)

    def unwrap(self):
        """Shut TLS down (waiting for the peer's close_notify); return the plain socket."""
        sslobj = self._sslobj
        if not sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        sock = self._retry("shutdown", self._timeout, sslobj.shutdown)
        self._sslobj = None
        return sock


class SSLContext(_stdssl.SSLContext):
    """The stdlib's ``ssl.SSLContext``; its ``wrap_socket`` makes cooperative :class:`SSLSocket`."""

    sslsocket_class = SSLSocket


def _with_globals(function, **names):
    """The stdlib ``function`` run with some of its module's globals replaced by ours."""
    namespace = dict(function.__globals__)
    namespace.update(names)
    new = _types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)
    new.__kwdefaults__ = function.__kwdefaults__
    new.__doc__ = function.__doc__
    new.__qualname__ = function.__qualname__
    new.__module__ = __name__
    return new


create_default_context = _with_globals(_stdssl.create_default_context, SSLContext=SSLContext)
_create_unverified_context = _with_globals(_stdssl._create_unverified_context,
                                           SSLContext=SSLContext)
_create_default_https_context = create_default_context
_create_stdlib_context = _create_unverified_context
get_server_certificate = _with_globals(
    _stdssl.get_server_certificate, SSLContext=SSLContext,
    create_connection=_gsocket.create_connection,
    _create_stdlib_context=_create_stdlib_context)


def wrap_socket(sock, keyfile=None, certfile=None, server_side=False,
                cert_reqs=_stdssl.CERT_NONE, ssl_version=None, ca_certs=None,
                do_handshake_on_connect=True, suppress_ragged_eofs=True, ciphers=None,
                server_hostname=None):
    """Wrap ``sock`` in a cooperative :class:`SSLSocket` (the 0.13 reference's interface).

    ``ssl_version`` defaults to ``PROTOCOL_TLS_SERVER`` or
    ``PROTOCOL_TLS_CLIENT``; the peer is verified only if ``cert_reqs`` says
    so (against ``ca_certs``), and its host name only if ``server_hostname``
    is given with verification on. Raises ``ValueError`` for a server
    without ``certfile``; the handshake (``do_handshake_on_connect``)
    honours the socket's timeout.
    """
    if server_side and not certfile:
        raise ValueError("certfile must be specified for server-side operations")
    if keyfile and not certfile:
        raise ValueError("certfile must be specified")
    if ssl_version is None:
        ssl_version = _stdssl.PROTOCOL_TLS_SERVER if server_side else _stdssl.PROTOCOL_TLS_CLIENT
    context = SSLContext(ssl_version)
    if not server_side:
        context.check_hostname = bool(server_hostname) and cert_reqs != _stdssl.CERT_NONE
    context.verify_mode = cert_reqs
    if ca_certs:
        context.load_verify_locations(ca_certs)
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    if ciphers:
        context.set_ciphers(ciphers)
    return context.wrap_socket(sock, server_side=server_side,
                               do_handshake_on_connect=do_handshake_on_connect,
                               suppress_ragged_eofs=suppress_ragged_eofs,
                               server_hostname=None if server_side else server_hostname)
