# cython: language_level=3
"""libevent 2.1's event loop for Python: the compiled core of gcore.

How it works
------------

A :class:`Loop` owns one libevent ``event_base``. An :class:`event` embeds one
libevent ``struct event`` (one allocation per event, no separate C buffer);
its C callback is a trampoline that re-enters Python with the GIL held, calls
the user's callback and hands any exception to the loop's error hook, so that
no error is lost and the loop keeps running.

Lifetime: an event that is pending (added and not yet fired, cancelled or
deleted) holds a reference to itself, so that it cannot be collected while
libevent may call it. A one-shot event that fired, a cancelled event or one
that was never added holds nothing; the loop never keeps a list of events.

Liveness: ``Loop.run()`` returns when nothing that *counts* is left: every
pending event counts unless created with ``ref=False`` (the loop's own
signal wake-up watcher is such an event), and so does each queued callback
and each ``Loop.ref()`` taken by an outside operation (a DNS request in
flight, for example). That is what lets a hub tell "nothing can ever wake
you" (``LoopExit``) from "wait".

The blocking poll runs without the GIL. The default loop (the main thread's)
also watches ``signal.set_wakeup_fd``'s socket, so that a signal such as
SIGINT wakes the poll and its Python handler runs at once.
"""

cimport cython
from cpython.exc cimport PyErr_CheckSignals
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport Py_DECREF, Py_INCREF
from libc.errno cimport errno
from libc.math cimport isnan

from gcore.libevent cimport *

import os
import sys
import traceback

__all__ = [
    "Loop", "event", "read_event", "write_event", "readwrite_event", "timer", "signal",
    "active_event", "callback", "watcher", "timer_watcher", "io_watcher", "GEVENT_READ",
    "GEVENT_WRITE",
    "EV_TIMEOUT", "EV_READ", "EV_WRITE", "EV_SIGNAL", "EV_PERSIST", "EV_ET", "EV_CLOSED",
    "init", "dispatch", "loop", "get_version", "get_method", "get_header_version", "reinit",
    "get_default_loop", "supported_methods", "set_arena_cache", "arena_cache_info",
    # evdns (dns.pxi)
    "Resolver", "dns_request", "get_default_resolver", "dns_init", "dns_shutdown",
    "dns_resolve_ipv4", "dns_resolve_ipv6", "dns_resolve_reverse", "dns_resolve_reverse_ipv6",
    "dns_getaddrinfo", "dns_err_to_string", "dns_gai_strerror",
    "DNS_ERR_NONE", "DNS_ERR_FORMAT", "DNS_ERR_SERVERFAILED", "DNS_ERR_NOTEXIST",
    "DNS_ERR_NOTIMPL", "DNS_ERR_REFUSED", "DNS_ERR_TRUNCATED", "DNS_ERR_UNKNOWN",
    "DNS_ERR_TIMEOUT", "DNS_ERR_SHUTDOWN", "DNS_ERR_CANCEL", "DNS_ERR_NODATA",
    "DNS_IPv4_A", "DNS_PTR", "DNS_IPv6_AAAA", "DNS_QUERY_NO_SEARCH", "DNS_EAI_CANCEL",
    # non-blocking socket I/O (io.pxi)
    "recv_nowait", "recv_into_nowait", "send_nowait",
    # evbuffer and evhttp (buffer.pxi, http.pxi)
    "buffer", "http", "http_request", "http_connection",
    "HTTP_MAX_HEADERS_SIZE", "HTTP_MAX_BODY_SIZE", "HTTP_TIMEOUT",
    "EVHTTP_REQ_GET", "EVHTTP_REQ_POST", "EVHTTP_REQ_HEAD", "EVHTTP_REQ_PUT",
    "EVHTTP_REQ_DELETE", "EVHTTP_REQ_OPTIONS", "EVHTTP_REQ_TRACE", "EVHTTP_REQ_CONNECT",
    "EVHTTP_REQ_PATCH", "EVHTTP_REQUEST", "EVHTTP_RESPONSE",
]

include "loop.pxi"
include "threadsafe.pxi"
include "events.pxi"
include "api.pxi"
include "arena.pxi"
include "dns.pxi"
include "io.pxi"
include "buffer.pxi"
include "http.pxi"

# The C constants, as module attributes for Python code.
globals().update(
    EV_TIMEOUT=EV_TIMEOUT, EV_READ=EV_READ, EV_WRITE=EV_WRITE, EV_SIGNAL=EV_SIGNAL,
    EV_PERSIST=EV_PERSIST, EV_ET=EV_ET, EV_CLOSED=EV_CLOSED,
    EVHTTP_REQ_GET=EVHTTP_REQ_GET, EVHTTP_REQ_POST=EVHTTP_REQ_POST,
    EVHTTP_REQ_HEAD=EVHTTP_REQ_HEAD, EVHTTP_REQ_PUT=EVHTTP_REQ_PUT,
    EVHTTP_REQ_DELETE=EVHTTP_REQ_DELETE, EVHTTP_REQ_OPTIONS=EVHTTP_REQ_OPTIONS,
    EVHTTP_REQ_TRACE=EVHTTP_REQ_TRACE, EVHTTP_REQ_CONNECT=EVHTTP_REQ_CONNECT,
    EVHTTP_REQ_PATCH=EVHTTP_REQ_PATCH, EVHTTP_REQUEST=EVHTTP_REQUEST,
    EVHTTP_RESPONSE=EVHTTP_RESPONSE,
)
