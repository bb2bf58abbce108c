"""An HTTP server on libevent's evhttp (:class:`gcore.http`): the 0.13 reference's ``gevent.http``.

How it works
------------

:class:`HTTPServer` is a :class:`~gserve.baseserver.BaseServer` without an
accepting greenlet: libevent accepts the connections of the listening
socket (which the server binds, or is given, and keeps owning), reads each
request whole (head and body, with libevent's limits), and calls back in
the hub's loop. The server then hands the :class:`gcore.http_request` to
``handle(request)`` through its ``spawn``: a new greenlet per request by
default (a raw greenlet, :func:`ghub.spawn_raw`, which the server keeps
track of itself for :meth:`~HTTPServer.stop`, rather than a
:class:`~ghub.Greenlet` in a :class:`gsync.pool.Group`: no links to make
and run per request; :attr:`pool` is then None), a :class:`gsync.pool.Pool`
(while it is full, requests are answered ``503 Service Unavailable`` at
once, instead of queueing), or, with
``spawn=None``, inline in the hub (fastest; ``handle`` must then not block).

``handle`` answers with the request's methods (``send_reply``,
``send_error``, or ``send_reply_start``/``send_reply_chunk``/
``send_reply_end``). A request that ``handle`` returns from, or fails in,
without having answered gets a 500 (a streamed reply cut short closes the
connection). Keep-alive is libevent's: HTTP/1.1 unless either side says
``Connection: close``, HTTP/1.0 with ``Connection: keep-alive``.

:meth:`~HTTPServer.stop` stops accepting and closes the listener, lets
running handlers finish for ``timeout`` seconds, kills the rest, then
closes every connection (requests still held are answered 503).

What libevent's HTTP server cannot do, and :mod:`gserve.pywsgi` can: the
request body is read whole into memory before ``handle`` runs (so bodies
are bounded: :attr:`HTTPServer.max_body_size`); no ``101 Switching
Protocols`` (no WebSocket); methods other than libevent's nine are
refused; chunk extensions in a request body are refused; one ``timeout``
covers both a keep-alive connection's idle time and a slow request; no
TLS. Its parser is lenient (see :mod:`gserve.wsgi`, which puts the strict
parser of :mod:`gserve.pywsgi` in front of it). Choose :mod:`gserve.pywsgi`
for large or streamed uploads, upgrades, TLS, or arbitrary methods; this
server for throughput on small requests.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import gcore
from ghub import GreenletExit, get_hub, getcurrent, killall, sleep, spawn_raw
from gserve import _wsgi
from gserve.baseserver import BaseServer
from gserve.server import StreamServer
from gsync.event import Event
from gsync.pool import Pool

__all__ = ["HTTPServer"]

_OPTIONS = ("max_headers_size", "max_body_size", "timeout", "allowed_methods")


class HTTPServer(BaseServer):
    """An HTTP/1.1 server calling ``handle(request)`` with each :class:`gcore.http_request`.

    ``HTTPServer(listener, handle=None, spawn='default', backlog=None,
    default_response_headers='default', **options)``: ``listener`` and
    ``spawn`` as for every server (:mod:`gserve.baseserver`); ``backlog``
    when the server binds its address. ``default_response_headers``
    (``'default'``: a ``Server`` header) are added to every reply that does
    not set them. ``options`` are libevent's limits, with safe defaults:
    ``max_headers_size`` (bytes of the request head), ``max_body_size``
    (bytes; 413 past it), ``timeout`` (seconds a connection may be idle or
    slow), ``allowed_methods`` (names; others get 501).
    """

    max_headers_size: int = gcore.HTTP_MAX_HEADERS_SIZE
    max_body_size: int = gcore.HTTP_MAX_BODY_SIZE
    timeout: float = gcore.HTTP_TIMEOUT
    allowed_methods: tuple[str, ...] | None = None
    default_response_headers: list[tuple[str, str]] = [("Server", _wsgi.SERVER_SOFTWARE)]

    def __init__(self, listener: Any, handle: Callable[..., Any] | None = None,
                 spawn: Any = "default", backlog: int | None = None,
                 default_response_headers: Any = "default", **options: Any) -> None:
        unknown = set(options) - set(_OPTIONS)
        if unknown:
            raise TypeError(f"unexpected options: {', '.join(sorted(unknown))}")
        BaseServer.__init__(self, listener, handle, spawn)
        if backlog is not None:
            if self.socket is not None:
                raise ValueError("backlog applies when the server binds its address; "
                                 "this listener is already a socket")
            self.backlog = backlog
        if default_response_headers != "default":
            self.default_response_headers = list(default_response_headers or ())
        for name, value in options.items():
            setattr(self, name, value)
        self.http: gcore.http | None = None
        self._make_http(get_hub().loop).close()   # checks the options now

    # The handlers of spawn='default': a raw greenlet each, in this dict while it runs.
    _handlers: dict[Any, None] | None = None
    _handlers_done: Event | None = None   # set when _handlers empties (made by stop())

    def set_spawn(self, spawn: Any) -> None:
        """As :meth:`BaseServer.set_spawn`; ``'default'`` is a plain greenlet per request.

        With ``'default'``, each request's handler runs in a new raw greenlet
        (:func:`ghub.spawn_raw`: no links, no ``Greenlet`` object to make), which
        the server keeps track of itself so that :meth:`stop` can wait for it
        and kill it; :attr:`pool` is then None.
        """
        BaseServer.set_spawn(self, spawn)
        if isinstance(spawn, str) and spawn == "default":
            self.pool = None
            self._spawn = self._spawn_handler
            self._handlers = {}
        else:
            self._handlers = None

    init_socket = StreamServer.init_socket

    def _make_http(self, loop: Any) -> gcore.http:
        return gcore.http(self._on_request, loop, inspect=self._inspector(),
                          default_response_headers=self.default_response_headers,
                          max_headers_size=self.max_headers_size,
                          max_body_size=self.max_body_size, timeout=self.timeout,
                          allowed_methods=self.allowed_methods)

    def _inspector(self) -> Callable[[Any, bytes], Any] | None:
        """The ``inspect`` callback of :class:`gcore.http` (None: none)."""
        return None

    # -- starting and stopping -------------------------------------------------------

    def start(self) -> None:
        """Bind (if given an address) and start serving; returns at once."""
        if self.started:
            return
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} was stopped: make a new one")
        if self.socket is None:
            self.init_socket()
        self.http = self._make_http(get_hub().loop)
        try:
            self.http.accept(self.socket.fileno())
        except BaseException:
            self.http.close()
            self.http = None
            raise
        self._stopped.clear()

    def stop(self, timeout: float | None = None) -> None:
        """Stop accepting and close the listener; wait ``timeout`` for handlers, kill the rest.

        Then every connection is closed (a request still held gets 503).
        """
        http = self.http
        if http is not None:
            http.stop_accepting()
        try:
            BaseServer.stop(self, timeout)
            if http is not None:
                # Let the replies the handlers sent reach their clients first.
                deadline = time.monotonic() + (self.stop_timeout if timeout is None else timeout)
                while http.pending_output and time.monotonic() < deadline:
                    sleep(0.005)
        finally:
            if http is not None:
                self.http = None
                http.close()

    # -- requests --------------------------------------------------------------------

    def prepare(self, request: Any) -> tuple[Any, ...] | None:
        """The arguments of :meth:`handle` for ``request`` (None: it was answered already).

        Runs in the hub, in the order requests arrive; it must not block.
        """
        return (request,)

    def _on_request(self, request: Any) -> None:
        # Called by libevent, in the hub: never blocks.
        args = self.prepare(request)
        if args is None:
            return
        handlers = self._handlers
        if handlers is not None:   # spawn='default' (see set_spawn)
            try:
                handlers[spawn_raw(self._handle_request, *args)] = None
            except BaseException:
                if not request.done:
                    request.send_error(503, "Service Unavailable")
                raise
            return
        spawn = self._spawn
        if spawn is None:
            self._handle_request(*args)
            return
        pool = self.pool
        if type(pool) is Pool and pool.full():   # type: ignore[union-attr]
            request.send_error(503, "Service Unavailable")
            return
        try:
            spawn(self._handle_request, *args)
        except BaseException:
            if not request.done:
                request.send_error(503, "Service Unavailable")
            raise

    def _spawn_handler(self, function: Callable[..., Any], *args: Any) -> None:
        # self._spawn with spawn='default' (_on_request takes the same way at once).
        self._handlers[spawn_raw(function, *args)] = None  # type: ignore[index]

    def _stop_handlers(self, timeout: float) -> None:
        handlers = self._handlers
        if handlers is None:
            BaseServer._stop_handlers(self, timeout)
            return
        handlers.pop(getcurrent(), None)   # a handler stopping its server: no wait for itself
        if handlers:
            done = self._handlers_done = Event()
            if not done.wait(timeout):
                killall(list(handlers), block=True, timeout=timeout)

    def _handle_request(self, request: Any, *args: Any) -> None:
        try:
            self.handle(request, *args)
        except GreenletExit:
            raise
        except BaseException:
            get_hub().handle_error(self, *sys.exc_info())
        finally:
            try:
                if not request.done:   # no reply, or one cut short
                    if request.started:
                        request.detach()
                    else:
                        request.send_error(500, "Internal Server Error")
            finally:
                handlers = self._handlers
                if handlers is not None:   # this greenlet was spawned by _on_request
                    handlers.pop(getcurrent(), None)
                    if not handlers and self._handlers_done is not None:
                        self._handlers_done.set()
