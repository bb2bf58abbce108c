# cython: annotation_typing=False
"""HTTP/1.1 request parsing with no I/O: bytes in, request heads and body bytes out.

How it works
------------

The servers own the sockets; this module only sees the bytes they received.
A connection has one :class:`RequestParser`. The server ``feed()``\\ s it what
``recv()`` returned, asks ``next_request()`` for the next request head
(``None``: more bytes are needed), then ``read_body()`` for its body until
``b""``; what follows in the buffer is the next, pipelined, request.

The parser keeps one ``bytearray``: ``feed()`` appends to it and does nothing
else; what has been parsed is cut from its front. It is in one of a few
states: *head* (waiting for a request head; also the state between requests),
*body* (a ``Content-Length`` body, counted down), the four states of a chunked
body (chunk-size line, chunk data, the CRLF after the data, the trailer
section), *failed* and *taken* (after ``take_buffer()``).

A head is recognised by its end, the first ``CRLF CRLF``. The common case, a
whole head in the buffer, costs one ``find``, one latin-1 decode and a few
string operations in C per line (split at the spaces of the request line and
at the CRLFs and first colons of the header lines; each field checked against
its character class with ``str.strip`` and ``str.isprintable``, the classes of
the regular expressions that define the grammar, which decide the rare
characters). The
few headers that frame the message (``Host``, ``Content-Length``,
``Transfer-Encoding``, ``Connection``, ``Expect``, ``Upgrade``) are then read
from the pairs. If the head is not complete yet, or any of those checks
fails, a line-by-line walk over the complete lines of the buffer (resumed
where it stopped last time) finds the *first* problem and says precisely what
it is. The walk is what decides: the same bytes give the same answer, to the
message, however the network split them; and each byte is looked at a bounded
number of times however small the pieces (the search for the head's end and
the walk both remember where they stopped), so being fed one byte at a time
is linear, not quadratic.

Strict, because lenient parsing is how request smuggling happens: when a
proxy in front of the server and the server disagree about where a request
ends, a second request hides in the first one's body. So every ambiguity of
framing is an error rather than a guess (RFC 9112 and RFC 9110 allow or
require each of these refusals): ``Content-Length`` together with
``Transfer-Encoding``; a ``Transfer-Encoding`` other than one final
``chunked`` (an unknown coding is a 501; ``chunked`` twice or not last, or any
``Transfer-Encoding`` in an HTTP/1.0 request, a 400); a ``Content-Length``
that is not plain ASCII digits, or several that differ; a chunk size that is
not 1 to 16 plain hex digits; chunk data not followed by CRLF; whitespace
between a header name and its colon; obsolete line folding; a line that ends
in a bare LF, or a bare CR anywhere; control characters (other than HTAB) in
header values, trailers and chunk extensions; header names and methods that
are not tokens; a request line that is not exactly ``method SP target SP
HTTP/d.d``; a target with whitespace or control characters; an HTTP/1.1
request without exactly one ``Host`` (or any request with several). The
request line is checked as soon as it is complete; a well-formed version
other than 1.0 or 1.1 is a 505, a malformed one a 400. Up to four empty lines
before a request line are skipped (RFC 9112 section 2.2), more are a 400.

Limits, counted with their line ends: a request line of at most
``max_request_line`` bytes (else 414), a header section (header lines and the
empty line that ends it) of at most ``max_header_size`` bytes and
``max_header_count`` lines (else 431), decided as soon as the buffer proves
them exceeded, even before the line or the section ends; so deciding about a
head never needs more than ``max_request_line + max_header_size`` bytes. A
chunk-size line is held to ``max_request_line`` (else 400) and a trailer
section to the header limits. ``max_body_size`` (default: none) refuses a
larger ``Content-Length`` when the head is parsed and a chunked body when a
chunk size takes it past the limit (413).

Every violation raises :class:`ProtocolError` carrying the status to answer;
after one the parser is finished: every later call raises the same error
object, and nothing left in its buffer is ever parsed as another request. A
``read_body()`` call that decodes some data before it meets the error returns
that data, and the next call raises.

Compiled builds: Cython compiles this file, with ``_http.pxd`` beside it
declaring its C types; the pure-Python build runs it as it is, with the same
behaviour. (The ``annotation_typing=False`` directive on the first line keeps
Cython from reading the annotations as C types: it would turn ``10.0`` into
``10`` for an ``int`` parameter. The ``.pxd`` says what is typed.)
"""

from __future__ import annotations

import re
import sys

__all__ = ["ProtocolError", "Request", "RequestParser"]

_REASONS = {
    400: "Bad Request",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}

# The parser's states (see the module docstring).
_HEAD = 0
_BODY = 1
_CHUNK_SIZE = 2
_CHUNK_DATA = 3
_CHUNK_END = 4
_TRAILERS = 5
_FAILED = 6
_TAKEN = 7

_MAX_EMPTY_LINES = 4             # empty lines skipped before a request line
_MAX_CONTENT_LENGTH_DIGITS = 18  # 10**18 - 1 fits in a Py_ssize_t
_HUGE = sys.maxsize // 4         # larger limits mean "no limit"; sums of two stay in range
_COPY_SMALL = 2048               # below this, a body piece is cut by slicing (else a memoryview)

_V11 = (1, 1)
_V10 = (1, 0)

# RFC 9110 5.6.2 token; 5.5 field-value (VCHAR, obs-text, SP and HTAB inside).
_TOKEN_CHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_VALUE = r"((?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?)"
_TOKEN = re.compile(_TOKEN_CHARS + "+")
_TARGET = re.compile(r"[\x21-\x7e\x80-\xff]+")
_REQUEST_LINE = re.compile(rf"({_TOKEN_CHARS}+) ([\x21-\x7e\x80-\xff]+) (HTTP/[0-9]\.[0-9])")
_HEADER_FIELD = re.compile(rf"({_TOKEN_CHARS}+):[\t ]*{_VALUE}[\t ]*")
# The same rules as str operations, for the fast path of a whole head: every
# character of _TOKEN_CHARS (a token is a non-empty string that str.strip() of
# these leaves empty), and the characters of _VALUE (a field value stripped of
# SP and HTAB matches _VALUE if and only if it is made of these). Characters
# that str.isprintable() accepts are all in both classes but SP and the few
# token-less ones, which is the quick answer for the common value.
_TCHARS = "".join(c for c in map(chr, range(256)) if re.fullmatch(_TOKEN_CHARS, c))
_FIELD_CONTENT = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
# RFC 9112 7.1: chunk-size [ BWS ";" chunk-ext ]; the extension is ignored, but
# must not hold control characters.
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:[\t ]*;[\t\x20-\x7e\x80-\xff]*)?")
_HEX_PREFIX = re.compile(rb"[0-9A-Fa-f]*")

# The headers that frame a request or change how it is handled.
_HOST = 1
_CONTENT_LENGTH = 2
_TRANSFER_ENCODING = 3
_CONNECTION = 4
_EXPECT = 5
_UPGRADE = 6
_SPECIAL = {
    "host": _HOST,
    "content-length": _CONTENT_LENGTH,
    "transfer-encoding": _TRANSFER_ENCODING,
    "connection": _CONNECTION,
    "expect": _EXPECT,
    "upgrade": _UPGRADE,
}
# The kind of a header name as sent (0: none of the above), so that the common
# names are not lower-cased for every request. Bounded (names up to 32
# characters, 512 of them): past that, names are lower-cased as if there were
# no cache.
_KINDS: dict[str, int] = {}
# Methods every client sends (tokens, so no check needed beyond being one of these).
_COMMON_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
_MAX_KINDS = 512


class ProtocolError(Exception):
    """A request the server must refuse, and the answer to give it.

    ``ProtocolError(status, message)``: ``status`` is the HTTP status to
    answer with (400, 413, 414, 431, 501 or 505), ``reason`` its standard
    phrase (RFC 9110), and ``str(error)`` says precisely what was wrong. The
    connection cannot be trusted after it: answer, then close.

    :raises ValueError: if ``status`` is not one of the six above.
    """

    status: int
    reason: str

    def __init__(self, status: int, message: str) -> None:
        reason = _REASONS.get(status) if isinstance(status, int) else None
        if reason is None:
            raise ValueError(
                f"ProtocolError status must be one of {sorted(_REASONS)}, not {status!r}"
            )
        status = int(status)   # an HTTPStatus is fine too
        super().__init__(status, message)
        self.status = status
        self.reason = reason

    def __str__(self) -> str:
        return self.args[1]


class Request:
    """Request(method, target, version, headers, content_length=None, chunked=False,
        keep_alive=True, expect_continue=False, upgrade=False)
--

    One request head, as :meth:`RequestParser.next_request` returns it.

    Native strings are the latin-1 decoded bytes, as PEP 3333 wants.

    - ``method``: str, as sent (methods are case-sensitive).
    - ``target``: str, the request-target as sent (path and query, or an
      absolute URI, an authority for CONNECT, ``*`` for OPTIONS).
    - ``version``: ``"HTTP/1.1"`` or ``"HTTP/1.0"``; ``version_info``:
      ``(1, 1)`` or ``(1, 0)``.
    - ``headers``: list of ``(name, value)`` str pairs in the order received,
      the name as sent, the value without its leading and trailing SP/HTAB.
    - ``content_length``: int, or None without a ``Content-Length``.
    - ``chunked``: bool, the body is chunked (``content_length`` is None).
    - ``keep_alive``: bool, the client wants the connection kept: HTTP/1.1
      unless a ``Connection`` token ``close``, HTTP/1.0 only with a token
      ``keep-alive`` (tokens of every ``Connection`` header, any case).
    - ``expect_continue``: bool, ``Expect: 100-continue`` on HTTP/1.1: send
      ``100 Continue`` before reading the body (if you want it).
    - ``upgrade``: bool, a ``Connection`` token ``upgrade`` and an ``Upgrade``
      header: the client asks to switch protocols (see
      :meth:`RequestParser.take_buffer`).

    :raises ValueError: (constructor) for a version other than the two above.
    """

    __slots__ = (
        "method", "target", "version", "version_info", "headers", "content_length",
        "chunked", "keep_alive", "expect_continue", "upgrade",
    )

    def __init__(
        self,
        method: str,
        target: str,
        version: str,
        headers: list[tuple[str, str]],
        content_length: int | None = None,
        chunked: bool = False,
        keep_alive: bool = True,
        expect_continue: bool = False,
        upgrade: bool = False,
    ) -> None:
        if version == "HTTP/1.1":
            self.version_info = _V11
        elif version == "HTTP/1.0":
            self.version_info = _V10
        else:
            raise ValueError(f"version must be 'HTTP/1.1' or 'HTTP/1.0', not {version!r}")
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.content_length = content_length
        self.chunked = chunked
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.upgrade = upgrade

    def __repr__(self) -> str:
        return (
            f"<Request {self.method} {self.target!r} {self.version}"
            f" headers={len(self.headers)} content_length={self.content_length!r}"
            f" chunked={bool(self.chunked)} keep_alive={bool(self.keep_alive)}"
            f" expect_continue={bool(self.expect_continue)} upgrade={bool(self.upgrade)}>"
        )


class RequestParser:
    """RequestParser(max_request_line=8192, max_header_size=65536, max_header_count=100,
              max_body_size=None)
--

    The request parser of one connection (see the module docstring).

    :param max_request_line: the longest request line accepted, in bytes with
        its CRLF (else 414); also the longest chunk-size line (else 400).
    :param max_header_size: the largest header section, in bytes from the
        first header line to the empty line that ends the head, inclusive
        (else 431); also the largest trailer section.
    :param max_header_count: the most header lines (else 431), and trailer
        lines.
    :param max_body_size: the largest body, in bytes, or None for no limit
        (else 413).
    :raises TypeError: if a limit is not an int (or None for ``max_body_size``).
    :raises ValueError: if a limit is less than 1.

    After a :class:`ProtocolError`, ``feed``, ``next_request``, ``read_body``
    and ``take_buffer`` raise that same error again.
    """

    __slots__ = (
        "_buf", "_state", "_error", "_max_line", "_max_head", "_max_count", "_max_body",
        "_scan", "_lfscan", "_line_pos", "_hs", "_hcount", "_empty", "_remaining", "_total",
        "_section",
    )

    def __init__(
        self,
        max_request_line: int = 8192,
        max_header_size: int = 65536,
        max_header_count: int = 100,
        max_body_size: int | None = None,
    ) -> None:
        self._max_line = _check_limit("max_request_line", max_request_line)
        self._max_head = _check_limit("max_header_size", max_header_size)
        self._max_count = _check_limit("max_header_count", max_header_count)
        if max_body_size is None:
            self._max_body = -1
        else:
            self._max_body = _check_limit("max_body_size", max_body_size)
        self._buf = bytearray()
        self._state = _HEAD
        self._error = None
        self._remaining = 0   # body bytes left: of a Content-Length body, or of a chunk
        self._total = 0       # the bytes of the current chunked body so far
        self._section = 0     # the bytes of the current trailer section so far
        self._reset_head()

    def _reset_head(self):
        # Where the search for the head's end, and the walk, resume.
        self._scan = 0        # the search for CRLF CRLF (or, in a body, for a line's LF)
        self._lfscan = 0      # the walk's search for the current line's LF
        self._line_pos = 0    # where the walk's current line starts
        self._hs = -1         # where the header section starts (-1: request line not walked)
        self._hcount = 0      # header (or trailer) lines walked
        self._empty = 0       # empty lines skipped before this request line

    def __repr__(self) -> str:
        state = ("head", "body", "chunk-size", "chunk-data", "chunk-end", "trailers",
                 "failed", "taken")[self._state]
        return f"<RequestParser {state} buffered={len(self._buf)}>"

    # -- the public API ------------------------------------------------------------------

    @property
    def body_complete(self) -> bool:
        """True if no body bytes remain for the current request (or there is none).

        ``next_request()`` may be called then. False after an error or
        ``take_buffer()``.
        """
        return self._state == _HEAD

    @property
    def buffered(self) -> int:
        """The number of bytes in the buffer not consumed yet."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append received bytes (any bytes-like object) to the buffer. Parses nothing.

        :raises ProtocolError: the parser's error, if it had one.
        :raises RuntimeError: after ``take_buffer()``.
        """
        if self._state >= _FAILED:
            self._finished()
        self._buf += data

    def next_request(self) -> Request | None:
        """Parse the next request head from the buffer.

        Valid only once the previous request's body was read to its end
        (:attr:`body_complete`). The head is consumed; its body, if any, is
        read with :meth:`read_body`.

        :returns: the :class:`Request`, or None if the buffer does not hold all
            of its head yet (feed more).
        :raises ProtocolError: for a request that must be refused.
        :raises RuntimeError: if the current body was not read to its end, or
            after ``take_buffer()``.
        """
        if self._state != _HEAD:
            self._not_at_head()
        buf = self._buf
        n = len(buf)
        if n == 0:
            return None
        if buf[0] == 13 and not self._skip_empty_lines():   # CR: empty lines first?
            return None
        n = len(buf)
        end = buf.find(b"\r\n\r\n", self._scan)
        if end < 0:
            self._scan = n - 3 if n > 3 else 0
            self._walk(n)
            return None
        head_end = end + 4
        if head_end == n:
            text = buf.decode("latin-1")
        else:
            text = buf[:head_end].decode("latin-1")
        hs = text.find("\r\n") + 2
        if hs > self._max_line or head_end - hs > self._max_head:
            self._diagnose(head_end)
        # _REQUEST_LINE, and a version this parser serves: three fields between
        # single spaces (neither a token nor a target holds one), the method a
        # token, the target's characters those of _TARGET.
        parts = text[:hs - 2].split(" ")
        if len(parts) != 3:
            self._diagnose(head_end)
        method, target, version = parts
        if version == "HTTP/1.1":
            http11 = True
        elif version == "HTTP/1.0":
            http11 = False
        else:
            self._diagnose(head_end)   # 505, or a malformed line
        if (method not in _COMMON_METHODS and (not method or method.strip(_TCHARS))
                or not target or not (target.isprintable() or _TARGET.fullmatch(target))):
            self._diagnose(head_end)
        # Each header line as _HEADER_FIELD reads it: a token, a colon, the value
        # between optional SP/HTAB (every line of the section ends in CRLF, so a
        # bare CR or LF left inside a line is a character the checks refuse).
        headers = []
        if end + 2 > hs:
            lines = text[hs:end].split("\r\n")
            if len(lines) > self._max_count:
                self._diagnose(head_end)
            for line in lines:
                colon = line.find(":")
                if colon <= 0:
                    self._diagnose(head_end)
                name = line[:colon]
                # (A name in _KINDS is one an accepted head had: a token.)
                if name not in _KINDS and name.strip(_TCHARS):
                    self._diagnose(head_end)
                start = colon + 1
                stop = len(line)
                while start < stop and line[start] in " \t":
                    start += 1
                while stop > start and line[stop - 1] in " \t":
                    stop -= 1
                value = line[start:stop]
                if not value.isprintable() and _FIELD_CONTENT.fullmatch(value) is None:
                    self._diagnose(head_end)
                headers.append((name, value))

        # The head is well-formed: now what its headers say.
        host = 0
        content_length = None
        cl = None
        te = None
        conn = None
        expect_continue = False
        has_upgrade = False
        for name, value in headers:
            cached = _KINDS.get(name)
            if cached is None:
                kind = _SPECIAL.get(name.lower(), 0)
                if len(_KINDS) < _MAX_KINDS and len(name) <= 32:
                    _KINDS[name] = kind
            else:
                kind = cached
            if kind:
                if kind == _HOST:
                    host += 1
                elif kind == _CONTENT_LENGTH:
                    if cl is None:
                        cl = value
                    elif value != cl:
                        raise self._fail(
                            400, f"several Content-Length values that differ:"
                                 f" {_show(cl)} and {_show(value)}")
                elif kind == _TRANSFER_ENCODING:
                    te = value if te is None else te + "," + value
                elif kind == _CONNECTION:
                    conn = value if conn is None else conn + "," + value
                elif kind == _EXPECT:
                    if http11 and value.lower() == "100-continue":
                        expect_continue = True
                else:
                    has_upgrade = True
        if te is not None:
            if cl is not None:
                raise self._fail(400, "Content-Length and Transfer-Encoding both given")
            if not http11:
                raise self._fail(400, "Transfer-Encoding in an HTTP/1.0 request")
            if te != "chunked":
                problem = _transfer_encoding_problem(te)
                if problem is not None:
                    raise self._fail(problem[0], problem[1])
        elif cl is not None:
            if not (cl.isdigit() and cl.isascii()):
                raise self._fail(
                    400, f"Content-Length is not a plain decimal number: {_show(cl)}")
            digits = cl.lstrip("0") or "0"
            if len(digits) > _MAX_CONTENT_LENGTH_DIGITS:
                raise self._fail(413, f"Content-Length {_show(cl)} too large")
            content_length = int(digits)
            if 0 <= self._max_body < content_length:
                raise self._fail(
                    413, f"Content-Length {content_length} larger than the limit"
                         f" of {self._max_body} bytes")
        if host != 1:
            if host > 1:
                raise self._fail(400, "several Host headers")
            if http11:
                raise self._fail(400, "no Host header in an HTTP/1.1 request")
        keep_alive = http11
        upgrade = False
        if conn is not None:
            conn = conn.lower()
            if conn == "keep-alive":
                keep_alive = True
            elif conn == "close":
                keep_alive = False
            else:
                close = False
                ka = False
                for token in conn.split(","):
                    token = token.strip(" \t")
                    if token == "close":
                        close = True
                    elif token == "keep-alive":
                        ka = True
                    elif token == "upgrade":
                        upgrade = has_upgrade
                keep_alive = False if close else (http11 or ka)

        request = Request.__new__(Request)
        request.method = method
        request.target = target
        if http11:
            request.version = "HTTP/1.1"
            request.version_info = _V11
        else:
            request.version = "HTTP/1.0"
            request.version_info = _V10
        request.headers = headers
        request.content_length = content_length
        request.chunked = te is not None
        request.keep_alive = keep_alive
        request.expect_continue = expect_continue
        request.upgrade = upgrade

        if head_end == n:
            buf.clear()
        else:
            del buf[:head_end]
        self._reset_head()
        if te is not None:
            self._state = _CHUNK_SIZE
            self._total = 0
        elif content_length:
            self._state = _BODY
            self._remaining = content_length
        return request

    def read_body(self, size: int = -1) -> bytes | None:
        """Decoded body bytes of the current request that the buffer holds now.

        :param size: the most bytes to return; negative: all that is there.
        :returns: some bytes (at most ``size``); ``b""`` once the body is
            complete (and from then on, until ``next_request()``: a request
            without a body has an empty one); None if more bytes must be fed
            first. A chunked body is decoded (extensions and trailers are
            checked and dropped).
        :raises ProtocolError: if the body is malformed or too large. Data
            decoded before the problem is returned first; the next call raises.
        :raises ValueError: if ``size`` is 0 (``b""`` would read as the end).
        :raises RuntimeError: after ``take_buffer()``.
        """
        if size == 0:
            raise ValueError("read_body(size): size must not be 0 (b'' means the end of the body)")
        state = self._state
        if state == _HEAD:
            return b""
        if state == _BODY:
            n = len(self._buf)
            if n == 0:
                return None
            k = self._remaining
            if n < k:
                k = n
            if 0 < size < k:
                k = size
            self._remaining -= k
            if self._remaining == 0:
                self._state = _HEAD
            return self._take(k)
        if state >= _FAILED:
            self._finished()
        return self._read_chunked(size)

    def take_buffer(self) -> bytes:
        """Return every byte not consumed yet, and finish the parser.

        For a connection that leaves HTTP: after a ``101 Switching Protocols``
        answer to an ``upgrade`` request (or a 2xx to ``CONNECT``), the bytes
        after the head belong to the new protocol. The parser takes nothing
        more: ``feed``, ``next_request``, ``read_body`` and ``take_buffer``
        raise RuntimeError from now on.

        :raises ProtocolError: the parser's error, if it had one.
        """
        if self._state >= _FAILED:
            self._finished()
        data = bytes(self._buf)
        self._buf.clear()
        self._state = _TAKEN
        return data

    # -- the rest ------------------------------------------------------------------------

    def _fail(self, status, message):
        """Record the parser's error, and return it for the caller to raise."""
        error = ProtocolError(status, message)
        self._error = error
        self._state = _FAILED
        return error

    def _finished(self):
        if self._state == _FAILED:
            raise self._error
        raise RuntimeError("the parser was finished by take_buffer()")

    def _not_at_head(self):
        if self._state >= _FAILED:
            self._finished()
        raise RuntimeError("the body of the current request was not read to its end")

    def _skip_empty_lines(self):
        """Drop the empty lines before a request line; False if only a CR is left."""
        buf = self._buf
        while len(buf) >= 2 and buf[0] == 13 and buf[1] == 10:
            self._empty += 1
            if self._empty > _MAX_EMPTY_LINES:
                raise self._fail(
                    400, f"more than {_MAX_EMPTY_LINES} empty lines before a request line")
            del buf[:2]
        n = len(buf)
        return n > 1 or (n == 1 and buf[0] != 13)

    def _diagnose(self, head_end):
        """Raise the first problem of a complete head that the fast path refused."""
        self._walk(head_end)
        raise self._fail(400, "malformed request head")   # never reached, unless a bug

    def _walk(self, n):
        """Check the complete lines of ``buf[:n]`` not checked yet; raise at the first problem.

        Returns when it needs more bytes, or at the empty line that ends the
        head. Lines are checked in order, each once, each as soon as it is
        complete; a limit is exceeded as soon as the buffer holds more than
        it allows without the line end that would have kept within it.
        """
        buf = self._buf
        while True:
            if self._hs < 0:
                limit = self._max_line
            else:
                limit = self._hs + self._max_head
            stop = n if n < limit else limit
            lf = buf.find(b"\n", self._lfscan, stop)
            if lf < 0:
                if n >= limit:
                    if self._hs < 0:
                        raise self._fail(
                            414, f"request line longer than {self._max_line} bytes")
                    raise self._fail(
                        431, f"header section longer than {self._max_head} bytes")
                self._lfscan = stop
                return
            if lf == 0 or buf[lf - 1] != 13:
                raise self._fail(400, "bare LF in the request head: lines must end in CRLF")
            line = buf[self._line_pos:lf - 1].decode("latin-1")
            self._line_pos = self._lfscan = lf + 1
            if self._hs < 0:
                self._hs = lf + 1
                match = _REQUEST_LINE.fullmatch(line)
                if match is None:
                    raise self._fail(400, _request_line_problem(line))
                version = match.group(3)
                if version != "HTTP/1.1" and version != "HTTP/1.0":
                    raise self._fail(505, f"unsupported HTTP version {version}")
            elif not line:
                return
            else:
                self._hcount += 1
                if self._hcount > self._max_count:
                    raise self._fail(431, f"more than {self._max_count} header lines")
                if _HEADER_FIELD.fullmatch(line) is None:
                    raise self._fail(400, _field_line_problem(line, "header"))

    def _take(self, k):
        """Cut the first ``k`` bytes of the buffer, as bytes."""
        buf = self._buf
        if k == len(buf):
            data = bytes(buf)
            buf.clear()
        elif k < _COPY_SMALL:
            data = bytes(buf[:k])
            del buf[:k]
        else:
            view = memoryview(buf)
            data = view[:k].tobytes()
            view.release()
            del buf[:k]
        return data

    def _read_chunked(self, size):
        """read_body() of a chunked body: decode what the buffer holds, up to ``size``."""
        buf = self._buf
        pieces = []
        got = 0
        try:
            while True:
                state = self._state
                if state == _CHUNK_DATA:
                    k = self._remaining
                    n = len(buf)
                    if n < k:
                        k = n
                    if 0 < size < got + k:
                        k = size - got
                    if k == 0:
                        break
                    pieces.append(self._take(k))
                    got += k
                    self._remaining -= k
                    if self._remaining:
                        break
                    self._state = _CHUNK_END
                elif state == _CHUNK_END:
                    n = len(buf)
                    if n == 0:
                        break
                    if buf[0] != 13 or (n > 1 and buf[1] != 10):
                        raise self._fail(400, "chunk data not followed by CRLF")
                    if n == 1:
                        break
                    del buf[:2]
                    self._state = _CHUNK_SIZE
                elif state == _CHUNK_SIZE:
                    if not self._chunk_size_line():
                        break
                elif state == _TRAILERS:
                    if not self._trailer_line():
                        break
                else:   # _HEAD: the body is complete
                    break
        except ProtocolError:
            if not got:
                raise
            # The data before the error is returned; the next call raises.
        if got:
            if len(pieces) == 1:
                return pieces[0]
            return b"".join(pieces)
        if self._state == _HEAD:
            return b""
        return None

    def _chunk_size_line(self):
        """Parse a chunk-size line; False if it is not complete yet."""
        buf = self._buf
        n = len(buf)
        limit = self._max_line
        stop = n if n < limit else limit
        lf = buf.find(b"\n", self._scan, stop)
        if lf < 0:
            if n >= limit:
                raise self._fail(400, f"chunk-size line longer than {limit} bytes")
            self._scan = stop
            return False
        if lf == 0 or buf[lf - 1] != 13:
            raise self._fail(400, "bare LF after a chunk size: lines must end in CRLF")
        match = _CHUNK_LINE.fullmatch(buf, 0, lf - 1)
        if match is None:
            raise self._fail(400, _chunk_line_problem(bytes(buf[:lf - 1])))
        chunk = int(match.group(1), 16)
        del buf[:lf + 1]
        self._scan = 0
        if chunk == 0:
            self._state = _TRAILERS
            self._section = 0
            self._hcount = 0
            return True
        if chunk > _HUGE or (self._max_body >= 0 and chunk > self._max_body - self._total):
            raise self._fail(
                413, f"chunked body larger than the limit of {self._max_body} bytes"
                if self._max_body >= 0 else f"chunk size {chunk} too large")
        self._total += chunk
        self._remaining = chunk
        self._state = _CHUNK_DATA
        return True

    def _trailer_line(self):
        """Parse a trailer line (and drop it); False if it is not complete yet."""
        buf = self._buf
        n = len(buf)
        limit = self._max_head - self._section
        stop = n if n < limit else limit
        lf = buf.find(b"\n", self._scan, stop)
        if lf < 0:
            if n >= limit:
                raise self._fail(431, f"trailer section longer than {self._max_head} bytes")
            self._scan = stop
            return False
        if lf == 0 or buf[lf - 1] != 13:
            raise self._fail(400, "bare LF in the trailer section: lines must end in CRLF")
        line = buf[:lf - 1].decode("latin-1")
        del buf[:lf + 1]
        self._scan = 0
        self._section += lf + 1
        if not line:
            self._state = _HEAD
            self._reset_head()   # the trailer lines counted are not the next head's
            return True
        self._hcount += 1
        if self._hcount > self._max_count:
            raise self._fail(431, f"more than {self._max_count} trailer lines")
        if _HEADER_FIELD.fullmatch(line) is None:
            raise self._fail(400, _field_line_problem(line, "trailer"))
        return True


def _check_limit(name, value):
    if type(value) is bool or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value if value < _HUGE else _HUGE


def _show(text, limit=40):
    """``repr`` of a piece of a request, cut to ``limit`` characters."""
    if len(text) > limit:
        return repr(text[:limit]) + "..."
    return repr(text)


def _request_line_problem(line):
    """What is wrong with a request line that ``_REQUEST_LINE`` refused."""
    parts = line.split(" ")
    if len(parts) != 3:
        return f"request line is not 'method SP request-target SP HTTP-version': {_show(line)}"
    method, target, version = parts
    if _TOKEN.fullmatch(method) is None:
        return f"invalid method {_show(method)}"
    if _TARGET.fullmatch(target) is None:
        if not target:
            return "empty request-target"
        return f"request-target contains whitespace or control characters: {_show(target)}"
    return f"malformed HTTP version {_show(version)}"


def _field_line_problem(line, what):
    """What is wrong with a header (or trailer) line that ``_HEADER_FIELD`` refused."""
    if line[0] in " \t":
        return f"obsolete line folding (a {what} line starting with whitespace): {_show(line)}"
    name, colon, value = line.partition(":")
    if not colon:
        return f"{what} line without a colon: {_show(line)}"
    if not name:
        return f"empty {what} name: {_show(line)}"
    if name[-1] in " \t":
        return f"whitespace between a {what} name and its colon: {_show(name)}"
    if _TOKEN.fullmatch(name) is None:
        return f"invalid {what} name {_show(name)}"
    for char in value:
        if char == "\0":
            return f"NUL in the value of {what} {_show(name)}"
        if char == "\r":
            return f"bare CR in the value of {what} {_show(name)}"
        if (char < " " and char != "\t") or char == "\x7f":
            return f"control character {char!r} in the value of {what} {_show(name)}"
    return f"malformed {what} line: {_show(line)}"   # pragma: no cover - not reached


def _chunk_line_problem(line):
    """What is wrong with a chunk-size line that ``_CHUNK_LINE`` refused."""
    digits = _HEX_PREFIX.match(line).group()
    if not digits:
        return f"chunk size is not hex digits: {_show(line)}"
    if len(digits) > 16:
        return f"chunk size longer than 16 hex digits: {_show(line)}"
    if line[len(digits):].lstrip(b" \t")[:1] != b";":
        return f"chunk size is not plain hex digits: {_show(line)}"
    return f"control character in a chunk extension: {_show(line)}"


def _transfer_encoding_problem(value):
    """(status, message) if the Transfer-Encoding ``value`` is not one final chunked."""
    codings = [coding.strip(" \t").lower() for coding in value.split(",")]
    codings = [coding for coding in codings if coding]   # empty list elements: RFC 9110 5.6.1
    if not codings:
        return 400, "empty Transfer-Encoding"
    chunked = codings.count("chunked")
    if chunked > 1:
        return 400, "chunked given more than once in Transfer-Encoding"
    if chunked and codings[-1] != "chunked":
        return 400, f"chunked is not the last transfer coding: {_show(value)}"
    for coding in codings:
        if coding != "chunked":
            name = coding.partition(";")[0].rstrip(" \t")
            if name == "chunked":
                return 400, f"the chunked transfer coding takes no parameters: {_show(value)}"
            if _TOKEN.fullmatch(name) is None:
                return 400, f"invalid transfer coding {_show(coding)}"
            return 501, f"unsupported transfer coding {_show(name)}"
    return None
