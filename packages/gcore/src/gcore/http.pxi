# evhttp: libevent's HTTP server on a Loop (http, http_request, http_connection).
#
# Who owns what
# -------------
#
# - An :class:`http` owns its ``struct evhttp`` (freed by ``close()`` or when
#   the wrapper is collected) and the listeners it made; never the listening
#   socket given to ``accept(fd)``, which stays its caller's. libevent owns
#   every connection (``evhttp_connection``) and every request
#   (``evhttp_request``) of the server, and frees them itself.
# - An :class:`http_request` wrapper is made for each request libevent
#   completes and is valid from its ``handle`` call until the reply is
#   finished (``send_reply``, ``send_error``, ``send_reply_end``) or the
#   wrapper is dropped. At that moment the C request becomes libevent's
#   again (it frees it once the reply is written), so the wrapper lets go
#   of it first: ``_req`` is set to NULL, its input and output
#   :class:`buffer` wrappers are detached, and any later use raises
#   ``ValueError`` ("the request is done") instead of touching freed memory.
#   A wrapper dropped without a reply answers 500 (the 0.13 guarantee); one
#   dropped in the middle of a streamed reply closes the connection (a
#   truncated body must not look complete). While the client is gone
#   libevent detaches the request from its connection (``connection`` is
#   None) and frees it on the reply, which then sends nothing.
# - An :class:`http_connection` wrapper is made for a connection's first
#   request (or first bytes, with ``inspect``) and is valid until libevent
#   closes the connection: its close callback sets ``_evcon`` to NULL, and
#   ``peer`` is None from then on. ``abort(data)`` sends ``data`` and closes
#   the connection, from a loop callback (never from inside libevent's own
#   callbacks) and only once no request of the connection is held by the
#   application.
# - ``close()`` (or collecting the :class:`http`) answers every request still
#   held with 503, invalidates every wrapper, then frees the evhttp (which
#   closes the connections). A live request wrapper keeps its :class:`http`
#   alive, so this never happens under a request in use.
#
# C callbacks are ``noexcept with gil`` trampolines: they hold a reference
# to the Python object for the duration of the call and send any exception
# to the loop's error path (``Loop._report_error``), as events do.

from cpython.ref cimport PyObject

import html as _html_mod
from http import HTTPStatus as _HTTPStatus

cdef dict _HTTP_REASONS = {int(status): status.phrase for status in _HTTPStatus}

cdef dict _HTTP_METHODS = {
    EVHTTP_REQ_GET: "GET", EVHTTP_REQ_POST: "POST", EVHTTP_REQ_HEAD: "HEAD",
    EVHTTP_REQ_PUT: "PUT", EVHTTP_REQ_DELETE: "DELETE", EVHTTP_REQ_OPTIONS: "OPTIONS",
    EVHTTP_REQ_TRACE: "TRACE", EVHTTP_REQ_CONNECT: "CONNECT", EVHTTP_REQ_PATCH: "PATCH",
}
cdef dict _HTTP_METHOD_BITS = {name: bit for bit, name in _HTTP_METHODS.items()}

# struct evhttp * -> the http object (borrowed: an http removes itself before it
# goes), to find a connection's server from libevent's callbacks.
cdef dict _http_servers = {}

# Defaults: libevent's own limits are "none".
HTTP_MAX_HEADERS_SIZE = 8192 + 65536
HTTP_MAX_BODY_SIZE = 10 * 1024 * 1024
HTTP_TIMEOUT = 60.0


cdef bytes _latin1(object value, str what):
    """A header name, value or reason as latin-1 bytes without NUL, CR or LF."""
    cdef bytes data
    if isinstance(value, str):
        data = (<str>value).encode("latin-1")
    elif isinstance(value, bytes):
        data = <bytes>value
    else:
        raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")
    if b"\0" in data or b"\r" in data or b"\n" in data:
        raise ValueError(f"NUL, CR or LF in the {what} {value!r}")
    return data


cdef class http   # (defined below)


cdef str _from_c(const char *text):
    if text == NULL:
        return None
    return text.decode("latin-1")


@cython.final
cdef class http_connection:
    """One client connection of an :class:`http` server (made by the server).

    ``peer`` is the client's ``(host, port)``, None once the connection is
    closed. ``state`` is free for the server's own use (for example, what an
    ``inspect`` callback learnt about the bytes received so far).
    """

    cdef evhttp_connection *_evcon
    cdef readonly http server
    cdef public object state
    cdef int _outstanding
    cdef bint _aborting
    cdef bint _abort_scheduled
    cdef bytes _abort_data

    def __init__(self):
        raise TypeError("http_connection objects are made by an http server")

    @property
    def closed(self):
        return self._evcon == NULL

    @property
    def peer(self):
        cdef char *address = NULL
        cdef unsigned short port = 0
        if self._evcon == NULL:
            return None
        evhttp_connection_get_peer(self._evcon, &address, &port)
        return (_from_c(address), port)

    @property
    def aborting(self):
        """True once :meth:`abort` was called."""
        return self._aborting

    def abort(self, data=b""):
        """Send ``data`` (raw bytes, e.g. an error response), then close the connection.

        What libevent has read and not parsed yet is dropped, and no further
        request of this connection reaches ``handle``. Happens from the loop,
        once the request the application holds (if any) is answered. No-op
        on a closed connection.
        """
        if isinstance(data, str):
            raise TypeError("abort() needs bytes, not str")
        data = bytes(data)
        if self._evcon == NULL or self._aborting:
            return
        self._aborting = True
        self._abort_data = data
        evbuffer_drain(bufferevent_get_input(evhttp_connection_get_bufferevent(self._evcon)),
                       <size_t>-1)
        if self._outstanding == 0:
            self._schedule_abort()

    cdef void _schedule_abort(self) noexcept:
        if self._abort_scheduled:
            return
        self._abort_scheduled = True
        try:
            self.server.loop._run_callback(self._do_abort, ())
        except BaseException:
            self.server.loop._report_error(self)

    def _do_abort(self):
        cdef bufferevent *bev
        cdef bytes data = self._abort_data
        if self._evcon == NULL:
            return
        bev = evhttp_connection_get_bufferevent(self._evcon)
        evbuffer_drain(bufferevent_get_input(bev), <size_t>-1)
        bufferevent_disable(bev, EV_READ)
        if not data and evbuffer_get_length(bufferevent_get_output(bev)) == 0:
            evhttp_connection_free(self._evcon)   # calls _http_close_cb
            return
        # From now on the bufferevent is ours: free the connection once written.
        bufferevent_setcb(bev, NULL, _http_abort_written, _http_abort_event,
                          <void *>self._evcon)
        bufferevent_enable(bev, EV_WRITE)
        if data:
            bufferevent_write(bev, <const char *>data, len(data))

    def __repr__(self):
        return f"<gcore.http_connection at {id(self):#x} peer={self.peer!r}>"


cdef void _http_abort_written(bufferevent *bev, void *arg) noexcept with gil:
    if evbuffer_get_length(bufferevent_get_output(bev)) == 0:
        evhttp_connection_free(<evhttp_connection *>arg)


cdef void _http_abort_event(bufferevent *bev, short what, void *arg) noexcept with gil:
    evhttp_connection_free(<evhttp_connection *>arg)


@cython.final
cdef class http_request:
    """One request received by an :class:`http` server, handed to its ``handle``.

    Valid until the reply is finished (:meth:`send_reply`,
    :meth:`send_error`, :meth:`send_reply_end`) or :meth:`detach`; then every
    method raises ``ValueError``. Dropped without a reply, the request is
    answered with 500. Header names and values are ``str`` (latin-1).
    """

    cdef evhttp_request *_req
    cdef readonly http server
    cdef http_connection _conn
    cdef buffer _input
    cdef buffer _output
    cdef bint _started
    # The server's list of held requests (borrowed: the list keeps nobody alive).
    cdef void *_live_prev
    cdef void *_live_next

    def __init__(self):
        raise TypeError("http_request objects are made by an http server")

    def __dealloc__(self):
        # Dropped while still ours: 500, or a cut-short streamed reply closes.
        if self._req != NULL:
            self._release(HTTP_INTERNAL)

    cdef void _release(self, int code) noexcept:
        # Give the request back without the application's reply: answer
        # ``code`` if nothing was sent yet, else close the connection.
        cdef evhttp_request *req = self._req
        cdef http_connection conn = self._conn
        if not self._started:
            self._finish()
            evhttp_send_error(req, code, NULL)
        elif req.evcon == NULL or conn is None or conn._evcon == NULL:
            self._finish()
            evhttp_send_reply_end(req)   # the client is gone: this only frees it
        else:
            if not conn._aborting:       # before _finish, which schedules the close
                conn._aborting = True
                conn._abort_data = b""
            self._finish()

    cdef inline evhttp_request *_get(self) except NULL:
        if self._req == NULL:
            raise ValueError("the request is done (its reply was sent, or it was detached)")
        return self._req

    cdef void _finish(self) noexcept:
        """Give the C request back to libevent: every wrapper of it lets go."""
        cdef http server = self.server
        cdef http_connection conn = self._conn
        self._req = NULL
        if self._input is not None:
            self._input._buf = NULL
        if self._output is not None:
            self._output._buf = NULL
        # Unlink from the server's list of held requests.
        if self._live_prev != NULL:
            (<http_request>self._live_prev)._live_next = self._live_next
        elif server is not None and server._live == <void *>self:
            server._live = self._live_next
        if self._live_next != NULL:
            (<http_request>self._live_next)._live_prev = self._live_prev
        self._live_prev = self._live_next = NULL
        if conn is not None:
            conn._outstanding -= 1
            if conn._aborting and conn._outstanding == 0:
                conn._schedule_abort()

    # -- the request -----------------------------------------------------------------

    @property
    def done(self):
        """True once the reply is finished (or the request detached)."""
        return self._req == NULL

    @property
    def started(self):
        """True once :meth:`send_reply_start` was called."""
        return self._started

    @property
    def uri(self):
        return _from_c(evhttp_request_get_uri(self._get()))

    @property
    def major(self):
        return self._get().major

    @property
    def minor(self):
        return self._get().minor

    @property
    def version(self):
        """``(major, minor)``."""
        cdef evhttp_request *req = self._get()
        return (req.major, req.minor)

    @property
    def type(self):
        """The method as libevent's ``EVHTTP_REQ_*`` bit."""
        return <int>evhttp_request_get_command(self._get())

    @property
    def typestr(self):
        """The method: ``"GET"``, ``"POST"``..."""
        return _HTTP_METHODS.get(<int>evhttp_request_get_command(self._get()), "UNKNOWN")

    @property
    def kind(self):
        """0 (``EVHTTP_REQUEST``): a request this server received."""
        return <int>self._get().kind

    @property
    def remote_host(self):
        return _from_c(self._get().remote_host)

    @property
    def remote_port(self):
        return self._get().remote_port

    @property
    def remote(self):
        cdef evhttp_request *req = self._get()
        return (_from_c(req.remote_host), req.remote_port)

    @property
    def connection(self):
        """The :class:`http_connection`, or None once the client is gone."""
        cdef evhttp_request *req = self._get()
        if req.evcon == NULL or self._conn is None or self._conn._evcon == NULL:
            return None
        return self._conn

    @property
    def chunked(self):
        """True if the reply is being sent chunked (after :meth:`send_reply_start`)."""
        return bool(self._get().chunked)

    @property
    def response_code(self):
        return evhttp_request_get_response_code(self._get())

    @property
    def response_code_line(self):
        return _from_c(evhttp_request_get_response_code_line(self._get()))

    @property
    def input_buffer(self):
        """The request body (a :class:`buffer` borrowed from libevent)."""
        cdef evhttp_request *req = self._get()
        if self._input is None:
            self._input = _borrowed_buffer(evhttp_request_get_input_buffer(req))
        return self._input

    @property
    def output_buffer(self):
        """The reply body being prepared (a :class:`buffer` borrowed from libevent)."""
        cdef evhttp_request *req = self._get()
        if self._output is None:
            self._output = _borrowed_buffer(evhttp_request_get_output_buffer(req))
        return self._output

    # -- headers -----------------------------------------------------------------------

    def get_input_headers(self):
        """The request's headers: a list of ``(name, value)`` in the order received."""
        return _headers_list(evhttp_request_get_input_headers(self._get()))

    def get_output_headers(self):
        return _headers_list(evhttp_request_get_output_headers(self._get()))

    def find_input_header(self, name):
        """The value of the first header ``name`` (any case), or None."""
        return _from_c(evhttp_find_header(evhttp_request_get_input_headers(self._get()),
                                          _latin1(name, "header name")))

    def find_output_header(self, name):
        return _from_c(evhttp_find_header(evhttp_request_get_output_headers(self._get()),
                                          _latin1(name, "header name")))

    def add_input_header(self, name, value):
        _add_header(evhttp_request_get_input_headers(self._get()), name, value)

    def add_output_header(self, name, value):
        """Add a header to the reply (``ValueError`` for NUL, CR or LF)."""
        _add_header(evhttp_request_get_output_headers(self._get()), name, value)

    def remove_input_header(self, name):
        """Remove the first header ``name``; return True if there was one."""
        return evhttp_remove_header(evhttp_request_get_input_headers(self._get()),
                                    _latin1(name, "header name")) == 0

    def remove_output_header(self, name):
        """Remove the first reply header ``name``; return True if there was one."""
        return evhttp_remove_header(evhttp_request_get_output_headers(self._get()),
                                    _latin1(name, "header name")) == 0

    def clear_input_headers(self):
        evhttp_clear_headers(evhttp_request_get_input_headers(self._get()))

    def clear_output_headers(self):
        evhttp_clear_headers(evhttp_request_get_output_headers(self._get()))

    # -- replying ----------------------------------------------------------------------

    cdef int _prepare(self, evhttp_request *req) except -1:
        cdef evkeyvalq *headers
        cdef bytes key, val
        cdef list encoded = self.server._encoded_defaults()
        if encoded:
            headers = evhttp_request_get_output_headers(req)
            for key, val in encoded:
                if evhttp_find_header(headers, key) == NULL:
                    if evhttp_add_header(headers, key, val) != 0:
                        raise ValueError(f"libevent refused the header {key.decode('latin-1')!r}")
        return 0

    def send_reply(self, int code, reason=None, data=b""):
        """Send the whole reply: status ``code``, ``reason`` (None: the standard one), body.

        ``data`` is bytes-like or a :class:`buffer`; ``Content-Length`` and
        ``Date`` are added unless present. Finishes the request.
        """
        cdef evhttp_request *req = self._get()
        cdef bytes c_reason = None if reason is None else _latin1(reason, "reason")
        if self._started:
            raise RuntimeError("send_reply_start() was called: use send_reply_chunk/_end")
        _check_code(code)
        self._prepare(req)
        _append(evhttp_request_get_output_buffer(req), data)
        self._finish()
        evhttp_send_reply(req, code, NULL if c_reason is None else <const char *>c_reason, NULL)

    def send_error(self, int code, reason=None):
        """Send an error reply (a small HTML page) and close the connection.

        The headers added so far are dropped (the default response headers
        are kept). Finishes the request.
        """
        cdef evhttp_request *req = self._get()
        cdef bytes c_reason = None if reason is None else _latin1(reason, "reason")
        cdef evkeyvalq *headers
        _check_code(code)
        if self._started:
            raise RuntimeError("the reply was started: it can only be ended")
        headers = evhttp_request_get_output_headers(req)
        evhttp_clear_headers(headers)
        self._prepare(req)
        evhttp_add_header(headers, b"Content-Type", b"text/html; charset=latin-1")
        evhttp_add_header(headers, b"Connection", b"close")
        text = _html_mod.escape(c_reason.decode("latin-1") if c_reason is not None
                                else _HTTP_REASONS.get(code, "Error"))
        page = (f"<html><head><title>{code} {text}</title></head>"
                f"<body><h1>{code} {text}</h1></body></html>\n")
        evbuffer_drain(evhttp_request_get_output_buffer(req), <size_t>-1)
        _append(evhttp_request_get_output_buffer(req),
                page.encode("latin-1", "replace"))
        self._finish()
        evhttp_send_reply(req, code, NULL if c_reason is None else <const char *>c_reason, NULL)

    def send_reply_start(self, int code, reason=None):
        """Start a streamed reply: chunked on HTTP/1.1 unless a ``Content-Length`` is set."""
        cdef evhttp_request *req = self._get()
        cdef bytes c_reason = None if reason is None else _latin1(reason, "reason")
        if self._started:
            raise RuntimeError("send_reply_start() was already called")
        _check_code(code)
        self._prepare(req)
        self._started = True
        if req.evcon == NULL:
            return   # the client is gone: nothing to send
        evhttp_send_reply_start(req, code, NULL if c_reason is None else <const char *>c_reason)

    def send_reply_chunk(self, data):
        """Send a part of a streamed reply; False if the client is gone (nothing sent)."""
        cdef evhttp_request *req = self._get()
        cdef evbuffer *scratch
        if not self._started:
            raise RuntimeError("send_reply_start() was not called")
        if req.evcon == NULL:
            return False
        scratch = self.server._scratch
        _append(scratch, data)
        if evbuffer_get_length(scratch):
            evhttp_send_reply_chunk(req, scratch)
            evbuffer_drain(scratch, evbuffer_get_length(scratch))
        return True

    def send_reply_end(self):
        """End a streamed reply. Finishes the request."""
        cdef evhttp_request *req = self._get()
        if not self._started:
            raise RuntimeError("send_reply_start() was not called")
        self._finish()
        evhttp_send_reply_end(req)

    def detach(self):
        """Give up on the request: close its connection without a reply.

        Finishes the request (``done`` is True, the buffers are detached).
        """
        self._get()
        self._started = True   # (so that _release closes rather than answers)
        self._release(HTTP_INTERNAL)

    def __repr__(self):
        if self._req == NULL:
            return f"<gcore.http_request at {id(self):#x} done>"
        return (f"<gcore.http_request at {id(self):#x} {self.typestr} {self.uri!r} "
                f"HTTP/{self._req.major}.{self._req.minor} from {self.remote!r}>")

    __str__ = __repr__


cdef int _check_code(int code) except -1:
    if code < 100 or code > 999:
        raise ValueError(f"status code must be 100-999, not {code}")
    return 0


cdef int _add_header(evkeyvalq *headers, name, value) except -1:
    cdef bytes key = _latin1(name, "header name")
    cdef bytes val = _latin1(value, "header value")
    if not key:
        raise ValueError("empty header name")
    if evhttp_add_header(headers, key, val) != 0:
        raise ValueError(f"libevent refused the header {name!r}")
    return 0


cdef list _headers_list(evkeyvalq *headers):
    cdef evkeyval *kv = gcore_keyvalq_first(headers)
    result = []
    while kv != NULL:
        result.append((kv.key.decode("latin-1"), kv.value.decode("latin-1")))
        kv = gcore_keyval_next(kv)
    return result


cdef int _append(evbuffer *target, data) except -1:
    cdef const unsigned char[::1] view
    cdef buffer source
    if data is None:
        return 0
    if isinstance(data, buffer):
        source = <buffer>data
        evbuffer_add_buffer(target, source._get())
        return 0
    if isinstance(data, bytes):
        if len(<bytes>data):
            evbuffer_add(target, <const char *><bytes>data, len(<bytes>data))
        return 0
    if isinstance(data, str):
        raise TypeError("the body must be bytes-like, not str")
    view = memoryview(data).cast("B")
    if view.shape[0]:
        evbuffer_add(target, &view[0], view.shape[0])
    return 0


# -- the C callbacks ------------------------------------------------------------------


cdef void _http_request_cb(evhttp_request *req, void *arg) noexcept with gil:
    cdef http server = <http>arg
    try:
        server._on_request(req)
    except BaseException:
        server.loop._report_error(server)


cdef void _http_close_cb(evhttp_connection *evcon, void *arg) noexcept with gil:
    cdef http server = <http>arg
    cdef http_connection conn
    try:
        conn = server._connections.pop(<size_t>evcon, None)
        if conn is not None:
            conn._evcon = NULL
    except BaseException:
        server.loop._report_error(server)


cdef bufferevent *_http_bev_cb(event_base *base, void *arg) noexcept with gil:
    # A connection's bufferevent, with a callback on its input that shows the
    # server's ``inspect`` every byte before libevent parses it.
    cdef bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)
    if bev != NULL:
        evbuffer_add_cb(bufferevent_get_input(bev), _http_input_cb, <void *>bev)
    return bev


cdef void _http_input_cb(evbuffer *buf, const evbuffer_cb_info *info, void *arg) noexcept nogil:
    # libevent calls this for every change of the input buffer, and its parser
    # drains it line by line: only an addition needs Python (and the GIL).
    if info.n_added != 0:
        _http_input_added(buf, info.n_added, <bufferevent *>arg)


cdef void _http_input_added(evbuffer *buf, size_t added, bufferevent *bev) noexcept with gil:
    cdef void *cbarg = NULL
    cdef evhttp_connection *evcon
    cdef evbuffer_ptr where
    cdef size_t length
    cdef bytes data
    cdef http server
    cdef http_connection conn
    bufferevent_getcb(bev, NULL, NULL, NULL, &cbarg)
    evcon = <evhttp_connection *>cbarg
    if evcon == NULL:
        return
    address = _http_servers.get(<size_t>evhttp_connection_get_server(evcon))
    if address is None:
        return
    server = <http><PyObject *><size_t>address
    try:
        conn = server._connection_of(evcon)
        if conn._aborting:
            evbuffer_drain(buf, evbuffer_get_length(buf))
            return
        length = evbuffer_get_length(buf)
        if added > length:
            added = length
        data = PyBytes_FromStringAndSize(NULL, added)
        evbuffer_ptr_set(buf, &where, length - added, EVBUFFER_PTR_SET)
        evbuffer_copyout_from(buf, &where, PyBytes_AS_STRING(data), added)
        server.inspect(conn, data)
    except BaseException:
        server.loop._report_error(server)


cdef class http:
    """http(handle, loop=None, *, inspect=None, default_response_headers=None, max_headers_size=HTTP_MAX_HEADERS_SIZE, max_body_size=HTTP_MAX_BODY_SIZE, timeout=HTTP_TIMEOUT, allowed_methods=None, default_content_type=None)
--

    libevent's HTTP server (evhttp) on a :class:`Loop`.

    ``http(handle, loop=None, *, inspect=None, default_response_headers=None,
    max_headers_size=HTTP_MAX_HEADERS_SIZE, max_body_size=HTTP_MAX_BODY_SIZE,
    timeout=HTTP_TIMEOUT, allowed_methods=None)``: ``handle(request)`` is
    called from the loop with each complete :class:`http_request` (its body
    read whole); it must not block. :meth:`accept` serves an already
    listening socket (the caller keeps owning it). While it listens, the
    server keeps :meth:`Loop.run` running (one ``Loop.ref()``).

    ``inspect(connection, data)``, when given, is called with every piece
    of bytes a connection receives, before libevent parses it: a server can
    check the raw requests and :meth:`http_connection.abort` a connection.

    Limits, with safe defaults (libevent's own are unlimited):
    ``max_headers_size`` (the request line and headers, bytes),
    ``max_body_size`` (bytes; libevent answers 413 past it), ``timeout``
    (seconds a connection may stay idle, or take to send its request),
    ``allowed_methods`` (names; libevent answers others with 501; default:
    every method libevent knows). ``default_response_headers`` is a list of
    ``(name, value)`` added to each reply that does not set them.
    ``default_content_type`` (None: none) is the ``Content-Type`` libevent
    adds to replies that have none.

    Lifetimes: see the comment at the top of ``http.pxi`` (who owns what).
    """

    cdef evhttp *_http
    cdef readonly Loop loop
    cdef public object handle
    cdef public object inspect
    cdef public list default_response_headers
    cdef list _defaults_seen       # what _defaults_encoded was made from (a snapshot)
    cdef list _defaults_encoded    # default_response_headers as checked latin-1 pairs
    cdef dict _connections
    cdef list _bound
    cdef void *_live      # the requests held by the application (a list through them)
    cdef evbuffer *_scratch
    cdef Py_ssize_t _max_headers_size
    cdef Py_ssize_t _max_body_size
    cdef object _timeout
    cdef tuple _allowed

    def __cinit__(self, *args, **kwargs):
        self._http = NULL
        self._live = NULL
        self._scratch = NULL
        self._connections = {}
        self._bound = []

    def __init__(self, handle, Loop loop=None, *, inspect=None, default_response_headers=None,
                 max_headers_size=HTTP_MAX_HEADERS_SIZE, max_body_size=HTTP_MAX_BODY_SIZE,
                 timeout=HTTP_TIMEOUT, allowed_methods=None, default_content_type=None):
        if self._http != NULL:
            raise RuntimeError("http.__init__ called twice")
        if not callable(handle):
            raise TypeError(f"handle must be callable, not {type(handle).__name__}")
        if inspect is not None and not callable(inspect):
            raise TypeError(f"inspect must be callable or None, not {type(inspect).__name__}")
        if loop is None:
            loop = get_default_loop()
        loop._check()
        self.loop = loop
        self.handle = handle
        self.inspect = inspect
        self.default_response_headers = list(default_response_headers or ())
        self._scratch = evbuffer_new()
        if self._scratch == NULL:
            raise MemoryError()
        self._http = evhttp_new(loop._base)
        if self._http == NULL:
            raise _oserror("evhttp_new")
        _http_servers[<size_t>self._http] = <size_t><PyObject *>self
        evhttp_set_gencb(self._http, _http_request_cb, <void *>self)
        if inspect is not None:
            evhttp_set_bevcb(self._http, _http_bev_cb, NULL)
        if default_content_type is None:
            evhttp_set_default_content_type(self._http, NULL)
        else:
            evhttp_set_default_content_type(self._http, _latin1(default_content_type,
                                                                "content type"))
        self.max_headers_size = max_headers_size
        self.max_body_size = max_body_size
        self.timeout = timeout
        self.allowed_methods = allowed_methods

    def __dealloc__(self):
        self._free()

    cdef void _free(self) noexcept:
        cdef http_connection conn
        if self._http != NULL:
            # Requests still held: answer them, so that freeing their connections
            # frees nothing a wrapper still points to.
            while self._live != NULL:
                (<http_request>self._live)._release(HTTP_SERVUNAVAIL)
            for conn in list(self._connections.values()):
                conn._evcon = NULL
            self._connections.clear()
            _http_servers.pop(<size_t>self._http, None)
            evhttp_free(self._http)   # frees the listeners it made, and the connections
            self._http = NULL
            if self._bound:
                self.loop._nref -= 1
            self._bound = []
        if self._scratch != NULL:
            evbuffer_free(self._scratch)
            self._scratch = NULL

    cdef inline int _check(self) except -1:
        if self._http == NULL:
            raise ValueError("the http server is closed")
        return 0

    cdef list _encoded_defaults(self):
        # default_response_headers as (name, value) latin-1 bytes, checked as
        # add_output_header checks them; made again whenever the list changes
        # (it is public and may be changed in place).
        cdef list defaults = self.default_response_headers
        if not defaults:
            return None
        if self._defaults_encoded is None or defaults != self._defaults_seen:
            seen = [tuple(item) for item in defaults]
            encoded = []
            for name, value in seen:
                key = _latin1(name, "header name")
                if not key:
                    raise ValueError("empty header name")
                encoded.append((key, _latin1(value, "header value")))
            self._defaults_encoded = encoded
            self._defaults_seen = seen
        return self._defaults_encoded

    # -- limits --------------------------------------------------------------------------

    @property
    def max_headers_size(self):
        return self._max_headers_size

    @max_headers_size.setter
    def max_headers_size(self, value):
        self._check()
        self._max_headers_size = _http_limit("max_headers_size", value)
        evhttp_set_max_headers_size(self._http, self._max_headers_size)

    @property
    def max_body_size(self):
        return self._max_body_size

    @max_body_size.setter
    def max_body_size(self, value):
        self._check()
        self._max_body_size = _http_limit("max_body_size", value)
        evhttp_set_max_body_size(self._http, self._max_body_size)

    @property
    def timeout(self):
        return self._timeout

    @timeout.setter
    def timeout(self, value):
        cdef timeval tv
        self._check()
        if value is None:
            raise ValueError("timeout must be a number of seconds (libevent's default, "
                             "none, lets idle connections pile up)")
        _to_timeval(value, &tv)
        if tv.tv_sec == 0 and tv.tv_usec == 0:
            raise ValueError("timeout must be more than 0")
        evhttp_set_timeout_tv(self._http, &tv)
        self._timeout = value

    @property
    def allowed_methods(self):
        return self._allowed

    @allowed_methods.setter
    def allowed_methods(self, value):
        cdef unsigned short bits = 0
        self._check()
        names = tuple(_HTTP_METHODS.values()) if value is None else tuple(value)
        for name in names:
            bit = _HTTP_METHOD_BITS.get(name)
            if bit is None:
                raise ValueError(f"libevent does not know the method {name!r} "
                                 f"(it knows {', '.join(_HTTP_METHODS.values())})")
            bits |= <unsigned short>bit
        evhttp_set_allowed_methods(self._http, bits)
        self._allowed = names

    # -- listening -------------------------------------------------------------------------

    def accept(self, fd):
        """Serve connections of the listening socket ``fd`` (an int or an object with fileno()).

        The socket stays the caller's: :meth:`close` or :meth:`stop_accepting`
        stop using it, never close it.
        """
        cdef int c_fd = _handle_fd(fd)
        cdef evconnlistener *listener
        cdef evhttp_bound_socket *bound
        self._check()
        _clear_errno()
        listener = evconnlistener_new(self.loop._base, NULL, NULL, LEV_OPT_CLOSE_ON_EXEC, 0, c_fd)
        if listener == NULL:
            raise _oserror("evconnlistener_new")
        bound = evhttp_bind_listener(self._http, listener)
        if bound == NULL:
            evconnlistener_free(listener)
            raise _oserror("evhttp_bind_listener")
        self._add_bound(c_fd, bound)

    def bind(self, address, int port):
        """Bind and listen on ``(address, port)`` (libevent makes and owns the socket); return its fd."""
        cdef evhttp_bound_socket *bound
        self._check()
        _clear_errno()
        bound = evhttp_bind_socket_with_handle(self._http, str(address).encode(), port)
        if bound == NULL:
            raise _oserror(f"evhttp_bind_socket({address!r}, {port})")
        fd = evhttp_bound_socket_get_fd(bound)
        self._add_bound(fd, bound)
        return fd

    cdef _add_bound(self, int fd, evhttp_bound_socket *bound):
        if not self._bound:
            self.loop._nref += 1   # a listening server keeps Loop.run() running
        self._bound.append((fd, <size_t>bound))

    def stop_accepting(self):
        """Stop taking new connections (the ones open are still served)."""
        self._check()
        for fd, bound in self._bound:
            evhttp_del_accept_socket(self._http, <evhttp_bound_socket *><size_t>bound)
        if self._bound:
            self.loop._nref -= 1
        self._bound = []

    def close(self):
        """Stop: answer requests still held with 503, close every connection, free the evhttp."""
        self._free()

    @property
    def closed(self):
        return self._http == NULL

    @property
    def connections(self):
        """The number of open connections this server knows (that sent something)."""
        return len(self._connections)

    @property
    def pending_output(self):
        """Bytes of replies not written to the clients yet (in every connection)."""
        cdef http_connection conn
        cdef size_t total = 0
        for conn in self._connections.values():
            if conn._evcon != NULL:
                total += evbuffer_get_length(bufferevent_get_output(
                    evhttp_connection_get_bufferevent(conn._evcon)))
        return total

    @property
    def held_requests(self):
        """The requests handed to ``handle`` and not finished yet."""
        cdef void *request = self._live
        result = []
        while request != NULL:
            result.append(<http_request>request)
            request = (<http_request>request)._live_next
        return result

    # -- requests --------------------------------------------------------------------------

    cdef http_connection _connection_of(self, evhttp_connection *evcon):
        cdef http_connection conn = self._connections.get(<size_t>evcon)
        if conn is None:
            conn = http_connection.__new__(http_connection)
            conn._evcon = evcon
            conn.server = self
            self._connections[<size_t>evcon] = conn
            evhttp_connection_set_closecb(evcon, _http_close_cb, <void *>self)
        return conn

    cdef _on_request(self, evhttp_request *req):
        cdef http_connection conn = None
        cdef http_request request
        if req.evcon != NULL:
            conn = self._connection_of(req.evcon)
            if conn._aborting:
                return   # the connection is being closed: libevent frees the request
        request = http_request.__new__(http_request)
        request._req = req
        request.server = self
        request._conn = conn
        if conn is not None:
            conn._outstanding += 1
        request._live_next = self._live
        if self._live != NULL:
            (<http_request>self._live)._live_prev = <void *>request
        self._live = <void *>request
        self.handle(request)

    def __repr__(self):
        if self._http == NULL:
            return f"<gcore.http at {id(self):#x} closed>"
        return (f"<gcore.http at {id(self):#x} listeners={len(self._bound)} "
                f"connections={len(self._connections)}>")


cdef Py_ssize_t _http_limit(str name, value) except -1:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1 (libevent's 'no limit' is not offered)")
    return value
