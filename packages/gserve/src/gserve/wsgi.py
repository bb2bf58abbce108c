"""A fast WSGI server on libevent's evhttp: the 0.13 reference's ``gevent.wsgi``.

How it works
------------

:class:`WSGIServer` is an :class:`~gserve.http.HTTPServer`: libevent reads
each request whole and the server runs the application in a greenlet per
request (``spawn``), with the same PEP 3333 environ as
:mod:`gserve.pywsgi` (both build it with :mod:`gserve._wsgi`).

Strict, although libevent's parser is lenient: libevent accepts
``Transfer-Encoding`` with ``Content-Length``, chunk sizes through
``strtoll`` (``0x10``, ``+10``), obsolete line folding (appended to the
previous value), a NUL cutting a header value short, and more; a split
head cannot show some of these any more (a folded line looks like a plain
one). So the server shows libevent's connection bytes, as they arrive and
before libevent parses them (:class:`gcore.http`'s ``inspect``), to the
same :class:`gserve._http.RequestParser` that :mod:`gserve.pywsgi` uses,
with the same limits: one definition of what is refused. A request the
parser refuses is answered with its status (400, 413, 414, 431, 501, 505)
and the connection is closed, before libevent sees it; the requests before
it on the connection are served. The parser's request heads are also what
the environ is built from (so both servers give the same headers), paired
in order with the requests libevent completes; a request libevent
completes that the parser did not is a disagreement about framing, and is
refused (400) rather than guessed.

The response: a one-item list (or a ``Content-Length`` and a body that
fits it) leaves as one ``send_reply``; anything else streams through
``send_reply_start``/``send_reply_chunk``/``send_reply_end`` (chunked on
HTTP/1.1; HTTP/1.0 without ``Content-Length`` closes the connection). HEAD,
1xx, 204 and 304 responses carry no body. Keep-alive on HTTP/1.1 unless the
client or the application says ``Connection: close``.

What evhttp still cannot do, and when to choose :mod:`gserve.pywsgi` (see
:mod:`gserve.http`): the request body is read whole into memory before the
application runs (bounded by ``max_body_size``, 10 MiB by default: larger
uploads need pywsgi); no ``101 Switching Protocols`` upgrade (WebSocket);
only libevent's nine methods; chunk extensions in a request body are
refused by libevent; ``Expect: 100-continue`` is answered by libevent before
the application runs; a client idle (or slow in a body) for ``timeout``
is closed rather than answered 408; a streamed response is buffered in memory as fast as
the application yields it (no back-pressure); no TLS.

A request head must arrive whole within ``request_timeout`` seconds of its
first byte (30 by default, as pywsgi's), else the connection gets a 408 and
is closed: libevent's own ``timeout`` restarts with every byte, so a client
sending one header byte at a time (slowloris) would otherwise hold its
connection for ever. The check runs as bytes arrive; a client that stops
sending altogether meets libevent's ``timeout``. A request body is bounded
the same way: it must arrive within ``timeout`` seconds of the end of its
head plus one second per ``body_min_rate`` bytes received (500 by default,
as pywsgi's; ``None``: no bound), else the connection gets a 408 and is
closed: a body trickling in one byte at a time would otherwise hold it for
ever.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import deque
from collections.abc import Callable
from time import monotonic as _monotonic
from time import time as _time
from typing import Any

from ghub import GreenletExit, checks
from gserve import _wsgi
from gserve._http import ProtocolError, Request, RequestParser
from gserve._wsgi import ClientDisconnected, accept_start_response, request_environ
from gserve.http import HTTPServer

__all__ = ["WSGIServer", "ClientDisconnected"]

_NO_BODY_STATUS = frozenset({204, 304})
_LIMITS = ("max_request_line", "max_header_size", "max_header_count")


class _Shadow:
    """What the strict parser learnt about one connection.

    ``heads``: the requests it parsed whole (head and body), not served yet;
    ``current``: the head whose body is still arriving; ``error``: the
    response refusing what followed them, once the parser failed.
    """

    __slots__ = ("parser", "heads", "current", "error", "head_started", "body_started",
                 "body_received")

    def __init__(self, parser: RequestParser) -> None:
        self.parser = parser
        self.head_started: float | None = None   # when the incomplete head's first byte came
        self.heads: deque[Any] = deque()
        self.current: Any = None
        self.error: bytes | None = None
        self.body_started = 0.0   # when the current head ended
        self.body_received = 0    # bytes received since


class _Response:
    """One request's response, as the application gives it (start_response, write)."""

    __slots__ = ("request", "head", "server", "status", "code", "reason", "headers",
                 "content_length", "started", "no_body", "close", "length")

    def __init__(self, server: WSGIServer, request: Any, head: Any) -> None:
        self.server = server
        self.request = request
        self.head = head
        self.status: str | None = None
        self.code = 0
        self.reason = ""
        self.headers: list[tuple[str, str]] = []
        self.content_length: int | None = None
        self.started = False
        self.no_body = False
        self.close = not head.keep_alive
        self.length = 0

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        code, content_length, _, _, close = accept_start_response(
            status, headers, exc_info, self.started, self.status is not None)
        if close:
            self.close = True
        if code == 101:
            raise ValueError("gserve.wsgi cannot switch protocols (101): use gserve.pywsgi")
        self.status = status
        self.code = code
        self.reason = status[4:]
        self.headers = headers
        self.content_length = content_length
        self.no_body = (self.head.method == "HEAD" or code in _NO_BODY_STATUS or code < 200)
        return self.write

    def _add_headers(self) -> None:
        request = self.request
        add = request.add_output_header
        for name, value in self.headers:
            add(name, value)
        if self.close or self.server._closed:   # (BaseServer.closed, without the property call)
            request.remove_output_header("Connection")
            add("Connection", "close")
        elif self.head.target[:1] not in ("/", "*"):
            # An absolute-form target: libevent takes it for a proxy request and closes
            # the connection after it (with no Connection: close, dropping a pipelined
            # request) unless Proxy-Connection says keep-alive, in the request and in
            # the response. The strict parser said keep-alive: make libevent agree.
            request.remove_input_header("Proxy-Connection")
            request.add_input_header("Proxy-Connection", "keep-alive")
            request.remove_output_header("Proxy-Connection")
            add("Proxy-Connection", "keep-alive")

    def write(self, data: bytes) -> None:
        """PEP 3333's ``write()``: stream ``data`` (the head first, if not sent yet)."""
        if type(data) is not bytes:
            if data == "":
                data = b""   # as gevent's pywsgi handler: frameworks call write('')
            elif not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(f"the application must write bytes, not {type(data).__name__}")
            else:
                data = bytes(data)
        if self.status is None:
            raise RuntimeError("the application wrote (or yielded) data before calling "
                               "start_response")
        request = self.request
        if not self.started:
            if self.content_length is None and not self.no_body and self.head.version_info < (1, 1):
                self.close = True   # HTTP/1.0 without a length: the end of the body is the close
            self._add_headers()
            self.started = True
            request.send_reply_start(self.code, self.reason)
        if self.no_body or not data:
            return
        limit = self.content_length
        if limit is not None and self.length + len(data) > limit:
            data = data[:max(0, limit - self.length)]
            self.close = True
            self.server.log_error(self, f"the application sent more than its Content-Length "
                                        f"({limit})")
        self.length += len(data)
        if data and not request.send_reply_chunk(data):
            raise ClientDisconnected("the client closed the connection during the response")

    def finish(self, result: Any) -> None:
        """Send what the application returned, and end the response."""
        request = self.request
        if (type(result) is list or type(result) is tuple) and len(result) == 1 \
                and not self.started:
            data = result[0]
            if type(data) is not bytes:
                if not isinstance(data, (bytes, bytearray, memoryview)):
                    raise TypeError(f"the application must yield bytes, "
                                    f"not {type(data).__name__}")
                data = bytes(data)
            if self.status is None:
                raise RuntimeError("the application returned without calling start_response")
            if self.content_length is None or self.content_length == len(data):
                # The whole response in one reply.
                self._add_headers()
                if self.content_length is None and self.code >= 200 \
                        and self.code not in _NO_BODY_STATUS:
                    request.add_output_header("Content-Length", str(len(data)))
                self.started = True
                self.length = 0 if self.no_body else len(data)
                request.send_reply(self.code, self.reason, None if self.no_body else data)
                return
            self.write(data)
        else:
            write = self.write
            for data in result:
                if data:
                    write(data)
        if self.status is None:
            raise RuntimeError("the application returned without calling start_response")
        if not self.started:
            self.write(b"")
        if (self.content_length is not None and not self.no_body
                and self.length < self.content_length):
            # The client waits for bytes that never come: close rather than end.
            self.server.log_error(self, f"the application sent {self.length} bytes of its "
                                        f"Content-Length {self.content_length}")
            request.detach()
            return
        request.send_reply_end()


class WSGIServer(HTTPServer):
    """A WSGI server (PEP 3333) on libevent's HTTP server, strict on what it accepts.

    ``WSGIServer(listener, application=None, spawn='default', backlog=None,
    log='default', error_log='default', environ=None, **options)``: as
    :class:`gserve.pywsgi.WSGIServer` (``log``: one access-log line per
    request, ``'default'`` ``sys.stderr``, None for none; ``error_log``: the
    tracebacks of failing applications; ``environ``: keys added to every
    environ). ``options``: the parser's limits as in pywsgi
    (``max_request_line`` 8192, ``max_header_size`` 65536,
    ``max_header_count`` 100, ``max_body_size`` 10 MiB: the body is held in
    memory), ``timeout`` (seconds, libevent's idle and read timeout),
    ``default_response_headers``. ``spawn`` as for :class:`~gserve.http.HTTPServer`
    (a full pool answers 503).
    """

    log_format: str = _wsgi.DEFAULT_LOG_FORMAT
    max_request_line: int = 8192
    max_header_size: int = 65536
    max_header_count: int = 100
    #: Seconds a request head may take from its first byte to its end (then 408).
    request_timeout: float | None = 30.0
    #: Bytes per second a request body must keep up, after ``timeout`` seconds (None: no limit).
    body_min_rate: float | None = 500.0

    def __init__(self, listener: Any, application: Callable[..., Any] | None = None,
                 spawn: Any = "default", backlog: int | None = None, log: Any = "default",
                 error_log: Any = "default", environ: dict[str, Any] | None = None,
                 **options: Any) -> None:
        for name in _LIMITS:
            if name in options:
                setattr(self, name, options.pop(name))
        if "request_timeout" in options:
            self.request_timeout = checks.timeout(options.pop("request_timeout"),
                                                  "request_timeout")
        if "body_min_rate" in options:
            rate = options.pop("body_min_rate")
            if rate is not None:
                rate = checks.seconds(rate, "body_min_rate")
                if rate <= 0:
                    raise ValueError(f"body_min_rate must be positive (or None), not {rate!r}")
            self.body_min_rate = rate
        if application is not None and not callable(application):
            raise TypeError(f"application must be callable, not {type(application).__name__}")
        if environ is not None and not isinstance(environ, dict):
            raise TypeError(f"environ must be a dict, not {type(environ).__name__}")
        self.application = application
        self.log = sys.stderr if log == "default" else log
        self.error_log = sys.stderr if error_log == "default" else error_log
        self.environ = environ
        self._base_environ: dict[str, Any] | None = None
        HTTPServer.__init__(self, listener, None, spawn, backlog, **options)
        self.make_parser()   # checks the limits now rather than at the first request
        # libevent's own head limit only backs the parser's up.
        self.max_headers_size = self.max_request_line + self.max_header_size + 1024

    def make_parser(self) -> RequestParser:
        """A request parser with the server's limits (pywsgi's, and the body's)."""
        return RequestParser(max_request_line=self.max_request_line,
                             max_header_size=self.max_header_size,
                             max_header_count=self.max_header_count,
                             max_body_size=self.max_body_size)

    def get_environ(self) -> dict[str, Any]:
        """The keys every request's environ starts with."""
        base = self._base_environ
        if base is None:
            base = self._base_environ = _wsgi.base_environ(
                self.server_host or "", self.server_port, "http",
                self.error_log if self.error_log is not None else sys.stderr, self.environ)
        return base

    # -- the strict parser in front of libevent's -------------------------------------

    def _inspector(self) -> Callable[[Any, bytes], Any]:
        return self._inspect

    def _inspect(self, connection: Any, data: bytes) -> None:
        # In the hub, with each piece of bytes before libevent parses it.
        _feed_shadow(self, connection, data)

    def prepare(self, request: Any) -> tuple[Any, ...] | None:
        """Pair libevent's request with the strict parser's head (in order, per connection)."""
        return _pair(self, request)

    # -- the application --------------------------------------------------------------

    def handle(self, request: Any, head: Any) -> None:   # type: ignore[override]
        """Run the application for one request and send its response."""
        _serve(self, request, head)

    # -- logs ---------------------------------------------------------------------------

    def _log_line(self, client: str, line: str, status: Any, length: Any,
                  seconds: float) -> None:
        log = self.log
        if log is None:
            return
        log.write(self.log_format % {
            "client_ip": client, "time": time.strftime("%d/%b/%Y %H:%M:%S"),
            "request_line": line, "status": status, "length": length,
            "wall_seconds": seconds} + "\n")

    def log_error(self, response: Any, message: str | None, exc_info: Any = None) -> None:
        """Write an application error (and its traceback) to ``error_log``."""
        error_log = self.error_log
        if error_log is None:
            return
        head = response.head if response is not None else None
        where = f"{head.method} {head.target} {head.version}" if head is not None else "-"
        if exc_info is not None:
            text = "".join(traceback.format_exception(*exc_info))
            error_log.write(f"{text}{where}: application error\n")
        else:
            error_log.write(f"{where}: {message}\n")


# -- the hot paths of WSGIServer (typed in wsgi.pxd) ------------------------------

def _feed_shadow(server: WSGIServer, connection: Any, data: bytes) -> None:
    """Show ``data``, received by ``connection``, to its strict parser (WSGIServer._inspect)."""
    shadow = connection.state
    if shadow is None:
        shadow = connection.state = _Shadow(server.make_parser())
    elif shadow.error is not None:
        return
    parser = shadow.parser
    started = shadow.head_started
    if (started is not None and server.request_timeout is not None
            and _monotonic() - started > server.request_timeout):
        peer = connection.peer
        server._log_line(peer[0] if peer else "-", "-", 408, "-", 0.0)
        shadow.error = _wsgi.error_response(408, "the request head took too long to arrive",
                                            "Request Timeout")
        if not shadow.heads:
            connection.abort(shadow.error)
        return
    if shadow.current is not None and server.body_min_rate is not None:
        shadow.body_received += len(data)
        if (_monotonic() - shadow.body_started
                > server.timeout + shadow.body_received / server.body_min_rate):
            peer = connection.peer
            server._log_line(peer[0] if peer else "-", "-", 408, "-", 0.0)
            shadow.error = _wsgi.error_response(
                408, "the request body arrived too slowly", "Request Timeout")
            if not shadow.heads:
                connection.abort(shadow.error)
            return
    try:
        parser.feed(data)
        while True:
            if shadow.current is None:
                head = parser.next_request()
                if head is None:
                    if parser.buffered and shadow.head_started is None:
                        shadow.head_started = _monotonic()
                    return
                shadow.current = head
                shadow.head_started = None
                shadow.body_started = _monotonic()
                shadow.body_received = 0
            body = parser.read_body(-1)
            while body:
                body = parser.read_body(-1)
            if body is None:
                return
            shadow.heads.append(shadow.current)   # whole: libevent may serve it
            shadow.current = None
    except ProtocolError as exc:
        peer = connection.peer
        server._log_line(peer[0] if peer else "-", "-", exc.status, "-", 0.0)
        shadow.error = _wsgi.error_response(exc.status, str(exc), exc.reason)
        if not shadow.heads:
            connection.abort(shadow.error)
        # else: once the requests before it are served (see prepare)


def _pair(server: WSGIServer, request: Any) -> tuple[Any, ...] | None:
    """WSGIServer.prepare: libevent's request and the strict parser's head, or None."""
    connection = request.connection
    shadow = connection.state if connection is not None else None
    if shadow is None or not shadow.heads:
        if connection is not None:   # (else the client is gone)
            error = shadow.error if shadow is not None else None
            if error is None:
                server._log_line(request.remote_host, "-", 400, "-", 0.0)
                error = _wsgi.error_response(400, "libevent and the strict parser disagree "
                                                  "about this request's framing")
            connection.abort(error)
        request.detach()
        return None
    head = shadow.heads.popleft()
    if not shadow.heads and shadow.error is not None:
        connection.abort(shadow.error)   # sent once this request is answered
    return (request, head)


def _serve(server: WSGIServer, request: Any, head: Request) -> None:
    """WSGIServer.handle: run the application for one request and send its response."""
    application = server.application
    if application is None:
        raise RuntimeError("this WSGIServer has no application")
    start = _time()
    remote_addr, remote_port = request.remote
    environ = request_environ(server.get_environ(), head.method, head.target,
                              head.version, head.headers, remote_addr, remote_port)
    environ["wsgi.input"] = request.input_buffer
    environ["wsgi.input_terminated"] = True
    response = _Response(server, request, head)
    result = None
    try:
        result = application(environ, response.start_response)
        response.finish(result)
    except ClientDisconnected:
        if not request.done:
            request.detach()
    except GreenletExit:
        # Killed (stop() ran out of time, a pool was killed): the server goes
        # away, the application did not fail (as in pywsgi): no error logged.
        if not request.done:
            if response.started:
                request.detach()
            else:
                request.clear_output_headers()
                request.add_output_header("Connection", "close")
                request.send_reply(503, "Service Unavailable", b"")
        response.code = 503
        raise
    except BaseException as exc:
        if not request.done:
            server.log_error(response, None, sys.exc_info())
            if response.started:
                request.detach()
            else:
                request.clear_output_headers()
                request.add_output_header("Content-Type", "text/plain; charset=latin-1")
                request.add_output_header("Connection", "close")
                request.send_reply(500, "Internal Server Error",
                                   b"500 Internal Server Error: the application failed "
                                   b"(details in the server's log)\n")
            response.code = 500
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            raise
    finally:
        if result is not None and hasattr(result, "close"):
            try:
                result.close()
            except Exception:
                server.log_error(response, None, sys.exc_info())
    if server.log is not None:
        server._log_line(remote_addr, f"{head.method} {head.target} {head.version}",
                         response.code or "-", response.length, _time() - start)
