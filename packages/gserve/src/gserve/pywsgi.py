# cython: annotation_typing=False
"""A pure-Python HTTP/1.1 WSGI server (PEP 3333) on :class:`~gserve.server.StreamServer`.

How it works
------------

Each connection gets a greenlet running a :class:`WSGIHandler`. The handler
only moves bytes: it ``recv``\\ s into a :class:`gserve._http.RequestParser`
(a parser with no I/O of its own), builds the environ of each request head
the parser returns (:mod:`gserve._wsgi`, shared with the libevent server),
calls the application, and sends its response. Requests on one connection
are served in order: keep-alive (HTTP/1.1, or 1.0 with ``Connection:
keep-alive``) and pipelining come from the parser keeping what follows a
request in its buffer.

The request body reaches the application through ``wsgi.input``
(:class:`Input`): ``read``, ``readline``, ``readlines`` and iteration,
chunked bodies decoded; ``Expect: 100-continue`` is answered on the first
read. A body the application did not read is drained after the response,
if it is small (:attr:`WSGIHandler.max_drain`), else the connection is
closed; so is it when the client still waits for its ``100 Continue``.

The response head and a small first body part leave in one ``send`` (and
``TCP_NODELAY`` is set), so that keep-alive clients never wait on delayed
ACKs. Without a ``Content-Length`` the server computes it when the
application returns a one-item list, else uses chunked encoding on HTTP/1.1
and closes the connection on HTTP/1.0. HEAD, 1xx, 204 and 304 responses
carry no body, whatever the application yields. ``Date`` and ``Server`` are
added when the application does not set them.

Protocol errors are answered with the parser's status (400, 413, 414, 431,
501, 505) and the connection is closed, with nothing passed to the
application; an application error before the response head is sent gives a
500 (the traceback goes to ``error_log``, never to the client), after it the
connection is closed. Timeouts bound every wait: :attr:`WSGIHandler.keepalive_timeout`
for the first byte of a request, :attr:`WSGIHandler.request_timeout` for the
rest of its head (then 408), :attr:`WSGIHandler.body_timeout` for each read
of the body, and :attr:`WSGIHandler.body_min_rate` the whole body (a body
that trickles in, each read quick, is cut off once the time spent waiting
for it exceeds ``body_timeout`` plus one second per ``body_min_rate``
bytes received). :attr:`WSGIHandler.write_timeout` bounds each write of the
response that the client does not take at once (a client that never reads);
the usual write, taken whole by the kernel, costs no ``settimeout``.
When a body or a write is cut off the connection is closed.
:meth:`WSGIServer.stop` closes the connections that are
waiting for a request at once, and lets the busy ones finish their request.

Taking the connection over (WebSocket and other ``101 Switching Protocols``
upgrades): the application calls ``start_response("101 Switching Protocols",
headers)``, then ``write(b"")`` (which sends the head at once), and uses
``environ["gserve.socket"]``, the connection's socket, directly; the bytes the
client sent after its request head are ``environ["gserve.take_buffer"]()``.
When the application returns, the server closes the connection and never
reads it again. A handler subclass may do the same from
:meth:`WSGIHandler.run_application`, with :attr:`WSGIHandler.socket`.

Subclassing :class:`WSGIHandler` (``handler_class=``) is how frameworks
extend the server; the names gevent's pywsgi handler has are kept:
``run_application``, ``process_result``, ``start_response``, ``get_environ``,
``environ``, ``status``, ``code``, ``response_headers``, ``headers_sent``,
``response_length``, ``time_start``/``time_finish``, ``close_connection``,
``socket``, ``client_address``, ``server``, ``result``, ``application``,
``command``, ``path``, ``request_version``, ``requestline``, ``rfile``, and the
response flags ``provided_content_length``, ``provided_date``,
``response_use_chunked`` (what a framework such as gevent-websocket sets
before the head is sent). ``rfile`` takes the connection over: it is a
binary file reading the connection, starting with the bytes the client sent
after the request head; once it was used, the connection serves no other
request.
"""

from __future__ import annotations

import socket as _stdsocket
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from ghub import GreenletExit, checks
from gserve import _wsgi
from gserve._http import ProtocolError, RequestParser
from gserve._wsgi import ClientDisconnected
from gserve.server import StreamServer

__all__ = ["WSGIServer", "WSGIHandler", "Input", "ConnectionReader", "ClientDisconnected"]

_timeout_error = _stdsocket.timeout
_MSG_DONTWAIT = _stdsocket.MSG_DONTWAIT
_NO_BODY_STATUS = frozenset({204, 304})
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
# A head and body up to this size are joined into one send.
_JOIN_LIMIT = 16384
# Access-log fields, and the default format (shared with gserve.wsgi).
DEFAULT_LOG_FORMAT = _wsgi.DEFAULT_LOG_FORMAT


class _ConnectionDone(Exception):
    """Internal: the connection ends here (the client left, or a reply was sent and it closes)."""


class Input:
    """``wsgi.input``: the request body, read from the connection as the application asks.

    ``read(size=-1)``, ``readline(size=-1)``, ``readlines(hint=-1)`` and
    iteration by lines. Chunked bodies arrive decoded. A body cut short by
    the client raises :class:`ClientDisconnected` (a ``ConnectionError``); a
    malformed chunked body, or one over the server's ``max_body_size``, raises
    :class:`gserve._http.ProtocolError` (the server answers with its status,
    400 or 413, and closes the connection).
    """

    __slots__ = ("_handler", "_pending", "_done")

    def __init__(self, handler: WSGIHandler) -> None:
        self._handler = handler
        self._pending = b""      # read from the parser, not yet given to the application
        self._done = handler.parser.body_complete

    def _more(self, size: int) -> bytes:
        """At most ``size`` (-1: any amount) more body bytes; ``b""`` at the end of the body."""
        if self._done:
            return b""
        handler = self._handler
        parser = handler.parser
        data = parser.read_body(size)
        while data is None:
            handler._receive_body()
            data = parser.read_body(size)
        if not data:
            self._done = True
        return data

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the body (all of the rest if ``size`` is negative or None)."""
        if size is None or size < 0:
            parts = [self._pending]
            self._pending = b""
            while True:
                data = self._more(-1)
                if not data:
                    return b"".join(parts)
                parts.append(data)
        pending = self._pending
        if len(pending) >= size:
            self._pending = pending[size:]
            return pending[:size]
        parts = [pending]
        have = len(pending)
        self._pending = b""
        while have < size:
            data = self._more(size - have)
            if not data:
                break
            parts.append(data)
            have += len(data)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        """One line of the body, with its ``\\n`` (at most ``size`` bytes if given)."""
        limit = -1 if size is None or size < 0 else size
        line = self._pending
        start = 0
        while True:
            end = line.find(b"\n", start)
            if end >= 0 and (limit < 0 or end < limit):
                self._pending = line[end + 1:]
                return line[:end + 1]
            if 0 <= limit <= len(line):
                self._pending = line[limit:]
                return line[:limit]
            start = len(line)
            data = self._more(-1)
            if not data:
                self._pending = b""
                return line
            line += data

    def readlines(self, hint: int = -1) -> list[bytes]:
        """The remaining lines (stopping once ``hint`` bytes were read, if positive)."""
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class _NoBody(Input):
    """``wsgi.input`` of a request without a body: reads give ``b""`` (one shared object)."""

    __slots__ = ()

    def __init__(self) -> None:
        self._pending = b""
        self._done = True

    def _more(self, size: int) -> bytes:
        return b""


_NO_BODY = _NoBody()


class ConnectionReader:
    """:attr:`WSGIHandler.rfile`: reads a connection taken over, its buffered bytes first.

    ``read(size=-1)`` waits for ``size`` bytes (fewer only at the end of the
    stream), ``read1``, ``readline(size=-1)``, ``readinto``, iteration by
    lines. It blocks (cooperatively) with the socket's timeout, which taking
    the connection over sets to None.
    """

    def __init__(self, sock: Any, data: bytes = b"", bufsize: int = 65536) -> None:
        self._sock = sock
        self._buf = bytearray(data)
        self._bufsize = bufsize
        self._eof = False
        self.closed = False

    def _fill(self) -> bool:
        # One more recv into the buffer; False at the end of the stream.
        if self._eof:
            return False
        data = self._sock.recv(self._bufsize)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def read(self, size: int | None = -1) -> bytes:
        """``size`` bytes (all until the end of the stream if negative or None)."""
        buf = self._buf
        if size is None or size < 0:
            while self._fill():
                pass
            size = len(buf)
        while len(buf) < size and self._fill():
            pass
        data = bytes(buf[:size])
        del buf[:size]
        return data

    def read1(self, size: int = -1) -> bytes:
        """What is buffered (at most ``size`` bytes), or one receive if nothing is."""
        if not self._buf:
            self._fill()
        if size < 0:
            size = len(self._buf)
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        """One line, with its ``\\n`` (at most ``size`` bytes if given)."""
        buf = self._buf
        limit = -1 if size is None or size < 0 else size
        start = 0
        while True:
            end = buf.find(b"\n", start)
            if end >= 0 and (limit < 0 or end < limit):
                return self.read(end + 1)
            if 0 <= limit <= len(buf):
                return self.read(limit)
            start = len(buf)
            if not self._fill():
                return self.read(-1)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Forget the buffer; the socket stays open (the server closes it)."""
        self.closed = True
        self._buf.clear()


class WSGIHandler:
    """Serves the requests of one connection (see the module documentation)."""

    #: Seconds to wait for the first byte of a request (keep-alive idle time).
    keepalive_timeout: float | None = 60.0
    #: Seconds to receive the rest of a request head once its first byte came.
    request_timeout: float | None = 30.0
    #: Seconds each read of a request body may wait.
    body_timeout: float | None = 60.0
    #: Bytes per second a body must keep up (None: no limit): the time spent waiting
    #: for a body may be ``body_timeout`` plus one second per ``body_min_rate`` bytes.
    body_min_rate: float | None = 500.0
    #: Seconds a write of the response may wait for the client to read (None: no limit).
    write_timeout: float | None = 60.0
    #: An unread body up to this many bytes is drained to keep the connection.
    max_drain: int = 65536
    #: The receive size.
    bufsize: int = 65536

    def __init__(self, sock: Any, address: Any, server: WSGIServer) -> None:
        self.socket = sock
        self.client_address = address
        self.server = server
        self.application = server.application
        self.parser = server.make_parser()
        self._timeout: Any = False   # the socket's timeout as last set here
        self._plain = not server.ssl_enabled   # (send() takes MSG_DONTWAIT)
        self.request: Any = None
        self.environ: dict[str, Any] | None = None
        self.result: Any = None
        self._rfile: ConnectionReader | None = None
        self._reset()

    def _reset(self) -> None:
        self.status: str | None = None
        self.code: int | None = None
        self.response_headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self.response_length = 0
        self.close_connection = False
        self.time_start = 0.0
        self.time_finish = 0.0
        self._content_length: int | None = None
        #: True if the response has a Content-Length (given, or computed by the server).
        self.provided_content_length = False
        #: True if the response has a Date header (the server adds none then).
        self.provided_date = False
        self._has_server = False
        #: True once the head was made with ``Transfer-Encoding: chunked``.
        self.response_use_chunked = False
        self._no_body = False
        self._continue_sent = False
        self._head: bytes = b""
        self._body_waited = 0.0
        self._body_received = 0

    # -- the connection ------------------------------------------------------------

    def handle(self) -> None:
        """Serve requests until the connection closes or must close."""
        try:
            sock = self.socket
            if self.server.family in (_stdsocket.AF_INET, _stdsocket.AF_INET6):
                sock.setsockopt(_stdsocket.IPPROTO_TCP, _stdsocket.TCP_NODELAY, 1)
            while True:
                request = self.read_request()
                if request is None:
                    return
                if not self.handle_one_request(request):
                    return
        except _ConnectionDone:
            pass
        except OSError:
            pass   # the client went away (reset, closed by stop()...): nothing to answer
        finally:
            self.server._idle.discard(self)

    def _settimeout(self, timeout: float | None) -> None:
        if timeout != self._timeout:
            self.socket.settimeout(timeout)
            self._timeout = timeout

    def _recv(self) -> bytes:
        return self.socket.recv(self.bufsize)

    def read_request(self) -> Any:
        """The next request head, or None when the connection should end (quietly)."""
        parser = self.parser
        self.request = None
        try:
            request = parser.next_request()
            if request is not None:
                return request
            server = self.server
            if not parser.buffered:
                if server._closed:
                    return None
                self._settimeout(self.keepalive_timeout)
                idle = server._idle
                idle.add(self)
                try:
                    data = self._recv()
                except (_timeout_error, OSError):
                    return None
                finally:
                    idle.discard(self)
                if not data:
                    return None
                parser.feed(data)
                request = parser.next_request()
                if request is not None:
                    return request
            # A partial head: the rest of it within request_timeout.
            timeout = self.request_timeout
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._send_error(408, "the request head took too long to arrive")
                        return None
                    self._settimeout(remaining)
                try:
                    data = self._recv()
                except _timeout_error:
                    self._send_error(408, "the request head took too long to arrive")
                    return None
                if not data:
                    return None   # the client left in the middle of its request
                parser.feed(data)
                request = parser.next_request()
                if request is not None:
                    return request
        except ProtocolError as exc:
            self._protocol_error(exc)
            return None

    def _receive_body(self) -> None:
        # More of the body is needed: answer Expect: 100-continue, then recv.
        if not self._continue_sent and self.request.expect_continue and not self.headers_sent:
            self._continue_sent = True
            self._send(_CONTINUE)
        self._settimeout(self.body_timeout)
        started = time.monotonic()
        try:
            data = self._recv()
        except _timeout_error:
            raise ClientDisconnected("timed out reading the request body") from None
        except OSError as exc:
            raise ClientDisconnected(f"reading the request body: {exc}") from exc
        if not data:
            raise ClientDisconnected("the client closed the connection before the end of the body")
        self.parser.feed(data)
        rate = self.body_min_rate
        if rate is not None and self.body_timeout is not None:
            # Only the time spent waiting for the client counts, not the application's.
            self._body_waited += time.monotonic() - started
            self._body_received += len(data)
            if self._body_waited > self.body_timeout + self._body_received / rate:
                self.close_connection = True
                self.log_error(f"the request body arrived too slowly ({self._body_received} "
                               f"bytes in {self._body_waited:.1f} s)")
                raise ClientDisconnected("the request body arrived too slowly")

    def _protocol_error(self, exc: ProtocolError) -> None:
        self._send_error(exc.status, str(exc), exc.reason)

    def _send_error(self, code: int, message: str, reason: str | None = None) -> None:
        """Answer ``code`` (and close): a plain-text body saying what was wrong."""
        self.close_connection = True
        if self.headers_sent:
            return
        if reason is None:
            reason = _wsgi.status_reason(code)
        response = _wsgi.error_response(code, message, reason)
        self.headers_sent = True
        self.status = f"{code} {reason}"
        self.code = code
        self.response_length = len(response) - response.index(b"\r\n\r\n") - 4
        try:
            self.socket.sendall(response)
        except OSError:
            pass
        if self.request is None or self.time_start == 0.0:
            self.time_start = self.time_finish = time.time()
        self.log_request()

    # -- gevent's handler attributes ----------------------------------------------

    @property
    def command(self) -> str | None:
        """The request's method (``"GET"``...), None between requests."""
        return self.request.method if self.request is not None else None

    @property
    def path(self) -> str | None:
        """The request target as sent (path and query)."""
        return self.request.target if self.request is not None else None

    @property
    def request_version(self) -> str | None:
        """The request's protocol version, ``"HTTP/1.1"`` or ``"HTTP/1.0"``."""
        return self.request.version if self.request is not None else None

    @property
    def requestline(self) -> str | None:
        """The request line, ``"GET /path HTTP/1.1"``."""
        request = self.request
        if request is None:
            return None
        return f"{request.method} {request.target} {request.version}"

    @property
    def rfile(self) -> ConnectionReader:
        """The connection as a binary file, taking it over (see the module documentation).

        The first use takes the parser's buffered bytes (they come first),
        sets the socket's timeout to None and closes the connection after
        this request. Use it only to leave HTTP (an upgrade).
        """
        rfile = self._rfile
        if rfile is None:
            rfile = self._rfile = ConnectionReader(self.socket, self.parser.take_buffer(),
                                                   self.bufsize)
            self._settimeout(None)
            self.close_connection = True
        return rfile

    # -- one request ---------------------------------------------------------------

    def handle_one_request(self, request: Any) -> bool:
        """Serve ``request``; return True if the connection may serve another one."""
        self._reset()
        self.request = request
        self.time_start = time.time()
        if not request.keep_alive or self.server._closed:
            self.close_connection = True
        self.environ = self.get_environ()
        try:
            self.run_application()
        except ProtocolError as exc:   # a malformed chunked body, found while the app read it
            self._protocol_error(exc)
            return False
        except ClientDisconnected:
            raise _ConnectionDone from None   # nobody to answer
        except (GreenletExit, _ConnectionDone, KeyboardInterrupt, SystemExit):
            raise   # a kill, the end of the connection, Ctrl-C: not the application's error
        except BaseException:
            self.handle_error(*sys.exc_info())
            return False
        finally:
            self.time_finish = time.time()
            result, self.result = self.result, None
            if result is not None and hasattr(result, "close"):
                try:
                    result.close()
                except Exception:
                    self.log_error(None, sys.exc_info())
                    self.close_connection = True
        self.log_request()
        if self.close_connection or self.code == 101 or self._rfile is not None:
            return False
        return self._finish_body()

    def _finish_body(self) -> bool:
        # Drain a small body the application did not read, so the next request can follow.
        parser = self.parser
        if parser.body_complete:
            return True
        if self.request.expect_continue and not self._continue_sent:
            return False   # the client waits for our answer before sending it: close
        drained = 0
        try:
            while True:
                data = parser.read_body(-1)
                if data is None:
                    if drained >= self.max_drain:
                        return False
                    self._receive_body()
                    continue
                if not data:
                    return True
                drained += len(data)
                if drained > self.max_drain:
                    return False
        except (ProtocolError, OSError):
            return False

    def get_environ(self) -> dict[str, Any]:
        """The request's WSGI environ (PEP 3333; see :mod:`gserve._wsgi`)."""
        request = self.request
        address = self.client_address
        if isinstance(address, tuple):
            remote_addr, remote_port = address[0], address[1]
        else:
            remote_addr, remote_port = "", ""
        environ = _wsgi.request_environ(self.server.get_environ(), request.method,
                                        request.target, request.version, request.headers,
                                        remote_addr, remote_port)
        environ["wsgi.input"] = Input(self) if not self.parser.body_complete else _NO_BODY
        environ["wsgi.input_terminated"] = True
        environ["gserve.socket"] = self.socket
        environ["gserve.take_buffer"] = self.parser.take_buffer
        return environ

    def run_application(self) -> None:
        """Call the application and send its response (:meth:`process_result`)."""
        self.result = self.application(self.environ, self.start_response)
        self.process_result()

    def process_result(self) -> None:
        """Send what the application returned (``self.result``), then end the response."""
        result = self.result
        if type(result) is list or type(result) is tuple:
            # A sequence: one send, with its length, when it is small (the usual case).
            data = result[0] if len(result) == 1 else b"".join(result)
            if self._content_length is None and not self.headers_sent and self.status is not None:
                self._content_length = len(data)
                self.provided_content_length = True
                self.response_headers.append(("Content-Length", str(len(data))))
            self.write(data)
        else:
            write = self.write
            for data in result:   # a generator may call start_response as it starts
                if data:
                    write(data)
        if self.status is None:
            raise RuntimeError("the application returned without calling start_response")
        self._end_response()

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        """PEP 3333's ``start_response``: record the status and headers; return ``write``.

        With ``exc_info``, replace a response whose head was not sent yet
        (or re-raise it if it was). ``ValueError`` for CR/LF in the status or
        a header, ``TypeError`` for values that are not ``str``.
        """
        code, content_length, has_date, has_server, close = _wsgi.accept_start_response(
            status, headers, exc_info, self.headers_sent, self.status is not None)
        self.status = status
        self.code = code
        self.response_headers = headers
        self._content_length = content_length
        self.provided_date = has_date
        self.provided_content_length = content_length is not None
        self._has_server = has_server
        if close:
            self.close_connection = True
        return self.write

    def _make_head(self) -> bytes:
        # The status line and headers, with the framing this response uses.
        code = self.code
        request = self.request
        headers = self.response_headers
        self._no_body = (request.method == "HEAD" or code in _NO_BODY_STATUS
                         or code < 200)
        content_length = self._content_length
        lines = [f"HTTP/1.1 {self.status}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers)
        if not self.provided_date:
            lines.append(f"Date: {_wsgi.http_date()}\r\n")
        if not self._has_server:
            lines.append(f"Server: {_wsgi.SERVER_SOFTWARE}\r\n")
        if content_length is None and not self._no_body and code >= 200:
            if request.version_info >= (1, 1):
                self.response_use_chunked = True
                lines.append("Transfer-Encoding: chunked\r\n")
            else:
                self.close_connection = True
        if self.server._closed:
            self.close_connection = True   # stopping: this is the connection's last response
        if code == 101:
            pass
        elif self.close_connection:
            lines.append("Connection: close\r\n")
        elif request.version_info < (1, 1):
            lines.append("Connection: keep-alive\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1")

    def write(self, data: bytes) -> None:
        """PEP 3333's ``write()`` callable: send ``data`` (the head first, if not sent yet)."""
        if type(data) is not bytes:
            if data == "":
                data = b""   # gevent's handler accepts write(''), as frameworks call it
            elif not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(f"the application must write bytes, not {type(data).__name__}")
            else:
                data = bytes(data)
        if self.status is None:
            raise RuntimeError("the application wrote (or yielded) data before calling "
                               "start_response")
        if not self.headers_sent:
            head = self._make_head()
            self.headers_sent = True
            if self._no_body or not data:
                self._send(head)
                return
            data = self._frame(data)
            if len(data) <= _JOIN_LIMIT:
                self._send(head + data)
            else:
                self._send(head)
                self._send(data)
            return
        if self._no_body or not data:
            return
        self._send(self._frame(data))

    def _send(self, data: bytes) -> None:
        # One non-blocking send: the usual case, all of it taken at once, sets no timeout.
        # The rest, if any, waits at most write_timeout (then the connection closes).
        # (TLS takes no flags: there every write runs under write_timeout.)
        sock = self.socket
        sent = 0
        if self._plain:
            try:
                sent = sock.send(data, _MSG_DONTWAIT)
            except BlockingIOError:
                pass
            except OSError as exc:
                raise ClientDisconnected(f"sending the response: {exc}") from exc
            if sent == len(data):
                return
        self._settimeout(self.write_timeout)
        try:
            sock.sendall(memoryview(data)[sent:])
        except _timeout_error:
            self.close_connection = True
            self.log_error(f"the client did not read its response within {self.write_timeout} s")
            raise ClientDisconnected("timed out writing the response") from None
        except OSError as exc:
            raise ClientDisconnected(f"sending the response: {exc}") from exc

    def _frame(self, data: bytes) -> bytes:
        # Count the body and frame it: chunked, or cut at a declared Content-Length.
        size = len(data)
        if self.response_use_chunked:
            self.response_length += size
            return b"%x\r\n%b\r\n" % (size, data)
        limit = self._content_length
        if limit is not None and self.response_length + size > limit:
            data = data[:max(0, limit - self.response_length)]
            size = len(data)
            self.close_connection = True
            self.log_error(f"the application sent more than its Content-Length ({limit})")
        self.response_length += size
        return data

    def _end_response(self) -> None:
        if not self.headers_sent:
            self.write(b"")
        if self.response_use_chunked:
            self._send(b"0\r\n\r\n")
        elif (self._content_length is not None and not self._no_body
              and self.response_length < self._content_length):
            self.close_connection = True   # the client waits for bytes that never come
            self.log_error(f"the application sent {self.response_length} bytes of its "
                           f"Content-Length {self._content_length}")

    # -- errors and logs -----------------------------------------------------------

    def handle_error(self, type_: Any, value: Any, tb: Any) -> None:
        """An application error: log it; answer 500 if nothing was sent (then close)."""
        self.log_error(None, (type_, value, tb))
        self.close_connection = True
        if not self.headers_sent:
            self._send_error(500, "the application failed (details in the server's log)")
        else:
            self.log_request()

    def log_error(self, message: str | None, exc_info: Any = None) -> None:
        """Write an error (and its traceback) to the server's ``error_log``."""
        error_log = self.server.error_log
        if error_log is None:
            return
        where = self.format_request()
        if exc_info is not None:
            text = "".join(traceback.format_exception(*exc_info))
            error_log.write(f"{text}{where}: application error\n")
        else:
            error_log.write(f"{where}: {message}\n")

    def format_request(self) -> str:
        """The access-log line of the current request."""
        request = self.request
        address = self.client_address
        client = address[0] if isinstance(address, tuple) else str(address or "-")
        if request is not None:
            line = f"{request.method} {request.target} {request.version}"
        else:
            line = "-"
        length = self.response_length if self.headers_sent else "-"
        return self.server.log_format % {
            "client_ip": client,
            "time": time.strftime("%d/%b/%Y %H:%M:%S",
                                  time.localtime(self.time_finish or time.time())),
            "request_line": line,
            "status": self.code or "-",
            "length": length,
            "wall_seconds": max(0.0, self.time_finish - self.time_start),
        }

    def log_request(self) -> None:
        """Write the access-log line (nothing when the server's ``log`` is None)."""
        log = self.server.log
        if log is not None:
            log.write(self.format_request() + "\n")


_SERVER_OPTIONS = ("max_request_line", "max_header_size", "max_header_count", "max_body_size",
                   "keepalive_timeout", "request_timeout", "body_timeout", "body_min_rate",
                   "write_timeout")


class WSGIServer(StreamServer):
    """An HTTP/1.1 server running the WSGI ``application``.

    ``WSGIServer(listener, application=None, backlog=None, spawn='default',
    log='default', error_log='default', handler_class=None, environ=None,
    **options)``: ``log`` gets one line per request (``'default'``:
    ``sys.stderr``; ``None``: no access log), ``error_log`` the tracebacks
    of failing applications; ``environ`` adds keys to every request's
    environ. ``options`` are the limits (``max_request_line`` 8192,
    ``max_header_size`` 65536, ``max_header_count`` 100, ``max_body_size``
    None: no limit), the timeouts (``keepalive_timeout``,
    ``request_timeout``, ``body_timeout``, ``body_min_rate``,
    ``write_timeout``; see :class:`WSGIHandler`) and the TLS arguments of
    :class:`~gserve.server.StreamServer`.
    """

    handler_class: type[WSGIHandler] = WSGIHandler
    log_format: str = DEFAULT_LOG_FORMAT
    max_request_line: int = 8192
    max_header_size: int = 65536
    max_header_count: int = 100
    max_body_size: int | None = None

    def __init__(self, listener: Any, application: Callable[..., Any] | None = None,
                 backlog: int | None = None, spawn: Any = "default", log: Any = "default",
                 error_log: Any = "default", handler_class: type[WSGIHandler] | None = None,
                 environ: dict[str, Any] | None = None, **options: Any) -> None:
        settings = {name: options.pop(name) for name in _SERVER_OPTIONS if name in options}
        StreamServer.__init__(self, listener, backlog=backlog, spawn=spawn, **options)
        if application is not None and not callable(application):
            raise TypeError(f"application must be callable, not {type(application).__name__}")
        self.application = application
        self.log = sys.stderr if log == "default" else log
        self.error_log = sys.stderr if error_log == "default" else error_log
        if handler_class is not None:
            self.handler_class = handler_class
        if environ is not None and not isinstance(environ, dict):
            raise TypeError(f"environ must be a dict, not {type(environ).__name__}")
        self.environ = environ
        self._idle: set[WSGIHandler] = set()
        self._base_environ: dict[str, Any] | None = None
        for name in ("max_request_line", "max_header_size", "max_header_count"):
            if name in settings:
                setattr(self, name, settings.pop(name))
        if "max_body_size" in settings:
            self.max_body_size = settings.pop("max_body_size")
        self.make_parser()   # checks the limits now rather than at the first request
        if settings.get("body_min_rate") is not None:
            rate = checks.seconds(settings["body_min_rate"], "body_min_rate")
            if rate <= 0:
                raise ValueError(f"body_min_rate must be positive (or None), not {rate!r}")
        timeouts = {name: checks.timeout(value, name) for name, value in settings.items()}
        if timeouts:
            self.handler_class = type(self.handler_class.__name__, (self.handler_class,),
                                      timeouts)

    def make_parser(self) -> RequestParser:
        """A request parser with the server's limits."""
        return RequestParser(max_request_line=self.max_request_line,
                             max_header_size=self.max_header_size,
                             max_header_count=self.max_header_count,
                             max_body_size=self.max_body_size)

    def get_environ(self) -> dict[str, Any]:
        """The keys every request's environ starts with."""
        base = self._base_environ
        if base is None:
            host = self.server_host or ""
            base = self._base_environ = _wsgi.base_environ(
                host, self.server_port, "https" if self.ssl_enabled else "http",
                self.error_log if self.error_log is not None else sys.stderr, self.environ)
        return base

    def handle(self, sock: Any, address: Any) -> None:
        """Serve one connection with :attr:`handler_class`."""
        if self.application is None:
            raise RuntimeError("this WSGIServer has no application")
        self.handler_class(sock, address, self).handle()

    def close_idle(self) -> None:
        """Close the connections waiting for their next request."""
        for handler in list(self._idle):
            handler.socket.close()
