# cython: annotation_typing=False
"""The WSGI pieces every gserve WSGI server shares: the environ, and checking a response.

How it works
------------

A server builds a *base environ* once (:func:`base_environ`: the server's
name and port, ``wsgi.*`` keys, ``SERVER_SOFTWARE``), and for each request
copies it and adds what the request says (:func:`request_environ`), per PEP
3333: native strings are the request's bytes decoded as latin-1;
``PATH_INFO`` is the path of the request-target, percent-decoded (as bytes,
then latin-1); ``QUERY_STRING`` is what follows ``?``, undecoded;
``SERVER_PROTOCOL`` is the request's own version; ``REMOTE_PORT`` is a
string; ``Content-Type`` and ``Content-Length`` become ``CONTENT_TYPE`` and
``CONTENT_LENGTH``; every other header ``HTTP_<NAME>``, where repeated
headers are joined with ``", "`` and repeated ``Cookie`` headers with ``"; "``
(RFC 6265). Header names that contain ``_`` are dropped: ``X_Forwarded`` and
``X-Forwarded`` would both be ``HTTP_X_FORWARDED``, and a client could then
pass for a proxy.

:func:`check_start_response` checks what an application gives
``start_response``: a status of three digits, a space and a reason, header
names that are tokens, and no CR, LF or NUL anywhere (``ValueError``: such
a response would let the application's input split the response), all of
them ``str`` (``TypeError``).

The pure-Python server (:mod:`gserve.pywsgi`) and the libevent-http one
(:mod:`gserve.wsgi`) share this module, so both give applications the same
environ, refuse a bad request with the same answer (:func:`error_response`)
and raise the same :class:`ClientDisconnected`.
"""

from __future__ import annotations

import re
import sys
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote_to_bytes

__all__ = [
    "SERVER_SOFTWARE", "base_environ", "request_environ", "check_start_response",
    "accept_start_response",
    "http_date", "status_reason", "error_response", "ClientDisconnected",
    "DEFAULT_LOG_FORMAT",
]

from http import HTTPStatus as _HTTPStatus

#: The ``SERVER_SOFTWARE`` of the environ and the default ``Server`` header.
SERVER_SOFTWARE = f"gserve/0.1 Python/{sys.version_info[0]}.{sys.version_info[1]}"

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_STATUS = re.compile(r"[0-9]{3} [^\r\n\0]*\Z")
_FORBIDDEN = re.compile(r"[\r\n\0]")

# Header name -> environ key (None: dropped). Bounded: a client sending many
# distinct names cannot grow it past _KEY_CACHE_SIZE.
_KEYS: dict[str, str | None] = {
    "Host": "HTTP_HOST", "host": "HTTP_HOST",
    "Content-Type": "CONTENT_TYPE", "content-type": "CONTENT_TYPE",
    "Content-Length": "CONTENT_LENGTH", "content-length": "CONTENT_LENGTH",
}
_KEY_CACHE_SIZE = 512


def _environ_key(name: str) -> str | None:
    key = _KEYS.get(name)
    if key is not None or name in _KEYS:
        return key
    if "_" in name:
        key = None
    else:
        upper = name.upper()
        if upper == "CONTENT-TYPE" or upper == "CONTENT-LENGTH":
            key = upper.replace("-", "_")
        else:
            key = "HTTP_" + upper.replace("-", "_")
    if len(_KEYS) < _KEY_CACHE_SIZE:
        _KEYS[name] = key
    return key


def base_environ(server_name: str, server_port: Any, url_scheme: str = "http",
                 errors: Any = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The keys every request of a server shares (copied for each request)."""
    environ = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": SERVER_SOFTWARE,
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SCRIPT_NAME": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url_scheme,
        "wsgi.errors": sys.stderr if errors is None else errors,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if extra:
        environ.update(extra)
    return environ


def split_target(target: str) -> tuple[str, str]:
    """``(PATH_INFO, QUERY_STRING)`` of a request-target (origin, absolute or asterisk form)."""
    if target.startswith("/") and "?" not in target and "%" not in target:
        return target, ""   # (the common case: what the general path below gives it)
    path, _, query = target.partition("?")
    if not path.startswith("/") and "://" in path:   # absolute-form: drop scheme and authority
        rest = path.split("://", 1)[1]
        slash = rest.find("/")
        path = rest[slash:] if slash >= 0 else "/"
    if "%" in path:
        path = unquote_to_bytes(path).decode("latin-1")
    return path, query


def request_environ(base: dict[str, Any], method: str, target: str, version: str,
                    headers: Any, remote_addr: str, remote_port: Any) -> dict[str, Any]:
    """A request's environ: a copy of ``base`` with what the request says (module doc)."""
    environ = base.copy()
    path, query = split_target(target)
    environ["REQUEST_METHOD"] = method
    environ["PATH_INFO"] = path
    environ["QUERY_STRING"] = query
    environ["SERVER_PROTOCOL"] = version
    environ["REMOTE_ADDR"] = remote_addr
    environ["REMOTE_PORT"] = str(remote_port)
    keys = _KEYS
    for name, value in headers:
        key = keys.get(name)
        if key is None:
            key = _environ_key(name)
            if key is None:
                continue
        if key in environ and key.startswith("HTTP_"):
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ", ") + value
        environ[key] = value
    return environ


def status_reason(code: int) -> str:
    """The standard reason phrase of ``code`` ("Unknown" if there is none)."""
    try:
        return _HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def accept_start_response(status: Any, headers: Any, exc_info: Any, headers_sent: bool,
                          called: bool) -> tuple[int, int | None, bool, bool, bool]:
    """PEP 3333's rules for one ``start_response`` call, for every WSGI server.

    With ``exc_info`` the call replaces a response whose head was not sent
    yet, and re-raises ``exc_info`` if it was (``headers_sent``); without it,
    a second call (``called``) is an ``AssertionError``. Then the arguments
    are checked (:func:`check_start_response`) and the headers that frame
    the response are read. Returns ``(code, content_length, has_date,
    has_server, close)``; ``ValueError`` for a ``Content-Length`` that is not
    a number and for ``Transfer-Encoding`` (the server does the coding).
    """
    if exc_info:
        try:
            if headers_sent:
                raise exc_info[1].with_traceback(exc_info[2])
        finally:
            exc_info = None
    elif called:
        raise AssertionError("start_response was already called (give exc_info to replace "
                             "the response)")
    code = check_start_response(status, headers)
    content_length = None
    has_date = has_server = close = False
    kinds = _RESPONSE_KINDS
    for name, value in headers:   # (each name and value an exact str: checked above)
        kind = kinds.get(name)
        if kind is None:
            kind = _RESPONSE_SPECIAL.get(name.lower(), 0)
            if len(kinds) < _CHECKED_SIZE:
                kinds[name] = kind
        if not kind:
            continue
        if kind == _CONTENT_LENGTH:
            if not value.isdigit() or not value.isascii():
                raise ValueError(f"Content-Length {value!r} is not a number")
            content_length = int(value)
        elif kind == _DATE:
            has_date = True
        elif kind == _SERVER:
            has_server = True
        elif kind == _CONNECTION:
            if "close" in value.lower():
                close = True
        else:
            raise ValueError("the server does the transfer coding: the application must "
                             "not set Transfer-Encoding")
    return code, content_length, has_date, has_server, close


# The response headers accept_start_response reads, by lower-case name; and the
# kind of each name as applications spell it (0: none of them), so that the
# common names are not lower-cased for every response. Bounded.
_CONTENT_LENGTH = 1
_DATE = 2
_SERVER = 3
_CONNECTION = 4
_TRANSFER_ENCODING = 5
_RESPONSE_SPECIAL = {"content-length": _CONTENT_LENGTH, "date": _DATE, "server": _SERVER,
                     "connection": _CONNECTION, "transfer-encoding": _TRANSFER_ENCODING}
_RESPONSE_KINDS: dict[str, int] = {}


def check_start_response(status: Any, headers: Any) -> int:
    """Check a ``start_response`` call's status and headers; return the status code.

    Raises ``TypeError`` for values that are not ``str`` (or headers that are
    not a list of pairs) and ``ValueError`` for a malformed status, a header
    name that is not a token, or CR/LF/NUL anywhere.
    """
    if status in _CHECKED_STATUS:
        code = _CHECKED_STATUS[status]
    else:
        code = _check_status(status)
    if type(headers) is not list:
        raise TypeError(f"the headers must be a list of (name, value), not "
                        f"{type(headers).__name__}")
    checked = _CHECKED_HEADERS
    for header in headers:
        if header in checked:   # the same header as an earlier response: already checked
            continue
        _check_header(header)
        if len(checked) < _CHECKED_SIZE:
            checked.add(header)
    return code


# What applications answer over and over, checked once. Only exact str/tuple
# objects go in (a str subclass could compare equal and differ); bounded.
_CHECKED_SIZE = 1024
_CHECKED_STATUS: dict[str, int] = {}
_CHECKED_HEADERS: set[tuple[str, str]] = set()


def _check_status(status: Any) -> int:
    if type(status) is not str:
        raise TypeError(f"the status must be a str, not {type(status).__name__}")
    if not _STATUS.match(status):
        if _FORBIDDEN.search(status):
            raise ValueError(f"CR, LF or NUL in the status {status!r}")
        raise ValueError(f"the status must be three digits, a space and a reason: {status!r}")
    code = int(status[:3])
    if len(_CHECKED_STATUS) < _CHECKED_SIZE:
        _CHECKED_STATUS[status] = code
    return code


def _check_header(header: Any) -> None:
    if type(header) is not tuple or len(header) != 2:
        raise TypeError(f"each header must be a (name, value) tuple, not {header!r}")
    name, value = header
    if type(name) is not str or type(value) is not str:
        raise TypeError(f"header names and values must be str: {header!r}")
    if not _TOKEN.match(name):
        raise ValueError(f"the header name {name!r} is not a token")
    if _FORBIDDEN.search(value):
        raise ValueError(f"CR, LF or NUL in the value of the header {name!r}")


_date_cache: list[Any] = [0, ""]


def http_date() -> str:
    """The current time as an HTTP date (``Sat, 05 Dec 2026 18:32:01 GMT``), cached per second."""
    now = int(time.time())
    cache = _date_cache
    if cache[0] != now:
        cache[1] = formatdate(now, usegmt=True)
        cache[0] = now
    return cache[1]


#: The access log's fields, and the default format, of both WSGI servers.
DEFAULT_LOG_FORMAT = ('%(client_ip)s - - [%(time)s] "%(request_line)s" %(status)s %(length)s '
                      '%(wall_seconds).6f')


class ClientDisconnected(ConnectionError):
    """The client's connection failed or closed while the server read from it or wrote to it.

    Raised into the application by ``wsgi.input`` and ``write()``; an
    application need not catch it (the server then closes the connection
    quietly). A ``ConnectionError``, so code catching ``OSError`` still does.
    """


def error_response(code: int, message: str, reason: str | None = None) -> bytes:
    """A whole ``code`` response that closes the connection: a plain-text body saying why."""
    if reason is None:
        reason = status_reason(code)
    body = f"{code} {reason}: {message}\n".encode("latin-1", "replace")
    head = (f"HTTP/1.1 {code} {reason}\r\n"
            f"Content-Type: text/plain; charset=latin-1\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Date: {http_date()}\r\nConnection: close\r\n\r\n").encode("latin-1")
    return head + body
