"""Both WSGI servers, one test body each: gserve.pywsgi and gserve.wsgi (evhttp), real clients.

The ``serve`` fixture is parametrized over the two server classes: every test
here runs against both, except those marked ``pywsgi_only(reason)``, where
libevent's HTTP server behaves differently (the reason says how; gserve.wsgi's
module documentation lists them). Each server runs in a thread with its own
hub (conftest's ``threaded``); the clients are the stdlib's blocking ones, in
the test's thread, as a user would point them at the server.
"""

import http.client
import io
import json
import socket
import ssl
import threading
import time
import urllib.request
from wsgiref.validate import validator

import pytest
import requests
from conftest import open_fds, read_all, status_of

import gserve.pywsgi
import gserve.wsgi
from gserve.pywsgi import WSGIServer

SERVERS = {"pywsgi": gserve.pywsgi.WSGIServer, "wsgi": gserve.wsgi.WSGIServer}

TIMEOUT = 5


class Lines:
    """A thread-safe stand-in for a log file."""

    def __init__(self):
        self._lock = threading.Lock()
        self.text = ""

    def write(self, text):
        with self._lock:
            self.text += text

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, World!"]


def echo_environ(environ, start_response):
    """Answer with the environ's str values as JSON (and the body read)."""
    stream, parts = environ["wsgi.input"], []
    while chunk := stream.read(8192):   # read(size): what wsgiref's validator accepts
        parts.append(chunk)
    body = b"".join(parts)
    data = {k: v for k, v in environ.items() if isinstance(v, str)}
    data["body"] = body.decode("latin-1")
    payload = json.dumps(data).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(payload)))])
    return [payload]


@pytest.fixture(params=sorted(SERVERS))
def server_class(request):
    """Each WSGI server class in turn (a ``pywsgi_only`` test is skipped for gserve.wsgi)."""
    marker = request.node.get_closest_marker("pywsgi_only")
    if marker is not None and request.param != "pywsgi":
        pytest.skip(f"gserve.wsgi: {marker.args[0]}")
    return SERVERS[request.param]


@pytest.fixture
def serve(threaded, server_class):
    """``serve(app, **options)``: a WSGIServer on 127.0.0.1 in a thread; returns it."""

    def start(app, **options):
        options.setdefault("log", None)
        options.setdefault("error_log", Lines())
        return threaded(lambda: server_class(("127.0.0.1", 0), app, **options))

    return start


def connect(server):
    sock = socket.create_connection(server.address, timeout=TIMEOUT)
    return sock


class _KeptOpen(io.BufferedReader):
    """A socket's reader that http.client cannot close between two responses."""

    def close(self):
        pass


class Responses:
    """Reads successive responses from one connection with http.client's parser."""

    def __init__(self, sock, method="GET"):
        self._file = _KeptOpen(socket.SocketIO(sock, "rb"))
        self._method = method

    def makefile(self, *args, **kwargs):
        return self._file

    def next(self, method=None):
        response = http.client.HTTPResponse(self, method=method or self._method)
        response.begin()
        body = response.read()
        return response, body


# -- normal traffic ----------------------------------------------------------------------


def test_hello_with_http_client(serve):
    server = serve(hello)
    conn = http.client.HTTPConnection(*server.address, timeout=TIMEOUT)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 200 and response.reason == "OK"
    assert response.read() == b"Hello, World!"
    assert response.getheader("Content-Length") == "13"   # computed: a one-item list
    assert response.getheader("Server").startswith("gserve/")
    assert response.getheader("Date").endswith(" GMT")
    assert response.getheader("Transfer-Encoding") is None
    conn.close()


def test_keep_alive_reuses_the_connection(serve):
    server = serve(echo_environ)
    conn = http.client.HTTPConnection(*server.address, timeout=TIMEOUT)
    ports = []
    for path in ("/one", "/two", "/three"):
        conn.request("GET", path)
        response = conn.getresponse()
        data = json.loads(response.read())
        assert data["PATH_INFO"] == path
        ports.append(data["REMOTE_PORT"])
    assert len(set(ports)) == 1 and ports[0] == str(conn.sock.getsockname()[1])
    conn.close()


def test_environ(serve):
    server = serve(echo_environ)
    sock = connect(server)
    sock.sendall(b"POST /a%20b/%C3%A9?x=1&y=%20 HTTP/1.1\r\nHost: example.test:8080\r\n"
                 b"Cookie: a=1\r\nX-Repeat: 1\r\nCookie: b=2\r\nX-Repeat: 2\r\n"
                 b"X_Under: sneaky\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                 b"Connection: close\r\n\r\nhello")
    raw = read_all(sock)
    port = sock.getsockname()[1]
    sock.close()
    env = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert env["REQUEST_METHOD"] == "POST"
    assert env["PATH_INFO"] == "/a b/\xc3\xa9"   # unquoted bytes, as latin-1
    assert env["QUERY_STRING"] == "x=1&y=%20"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["HTTP_HOST"] == "example.test:8080"
    assert env["HTTP_COOKIE"] == "a=1; b=2"
    assert env["HTTP_X_REPEAT"] == "1, 2"
    assert "HTTP_X_UNDER" not in env
    assert env["CONTENT_TYPE"] == "text/plain" and env["CONTENT_LENGTH"] == "5"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env
    assert env["REMOTE_ADDR"] == "127.0.0.1" and env["REMOTE_PORT"] == str(port)
    assert env["SERVER_PORT"] == str(server.port) and env["SERVER_NAME"] == "127.0.0.1"
    assert env["SCRIPT_NAME"] == "" and env["wsgi.url_scheme"] == "http"
    assert env["SERVER_SOFTWARE"].startswith("gserve/")
    assert env["body"] == "hello"


def test_environ_of_http_1_0_and_extra_keys(serve):
    server = serve(echo_environ, environ={"app.name": "demo"})
    sock = connect(server)
    sock.sendall(b"GET /x HTTP/1.0\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    env = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert env["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert env["app.name"] == "demo"


def test_validator_app_with_urllib_and_requests(serve):
    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body) + 3))])
        return [b"got" + body]

    errors = Lines()
    server = serve(validator(app), error_log=errors)
    url = f"http://127.0.0.1:{server.port}/path"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        assert response.status == 200 and response.read() == b"got"
    request = urllib.request.Request(url, data=b"payload", method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        assert response.read() == b"gotpayload"
    with requests.Session() as session:
        for i in range(5):
            reply = session.post(url, data=b"x" * i, timeout=TIMEOUT)
            assert reply.status_code == 200 and reply.content == b"got" + b"x" * i
        reply = session.post(url, json={"k": "v"}, timeout=TIMEOUT)
        assert reply.content == b'got{"k": "v"}'
    assert errors.text == ""   # the validator found nothing to complain about


def test_requests_streams_a_chunked_upload(serve):
    server = serve(validator(echo_environ))

    def parts():
        yield b"first,"
        yield b"second"

    reply = requests.post(f"http://127.0.0.1:{server.port}/", data=parts(), timeout=TIMEOUT)
    assert reply.status_code == 200
    data = reply.json()
    assert data["body"] == "first,second" and data["HTTP_TRANSFER_ENCODING"] == "chunked"


def test_http_1_0_closes_unless_keep_alive(serve):
    server = serve(hello)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    raw = read_all(sock)   # the server closes after the response
    sock.close()
    # (pywsgi answers HTTP/1.1, libevent the request's own version: both are allowed.)
    assert raw.startswith((b"HTTP/1.1 200 OK\r\n", b"HTTP/1.0 200 OK\r\n"))
    assert raw.endswith(b"Hello, World!")
    assert b"Connection: close\r\n" in raw
    sock = connect(server)
    responses = Responses(sock)
    for _ in range(2):
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        response, body = responses.next()
        assert body == b"Hello, World!"
        assert response.getheader("Connection") == "keep-alive"
    sock.close()


def test_connection_close_is_answered_and_honoured(serve):
    server = serve(hello)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                 b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    assert raw.count(b"HTTP/1.1 200") == 1   # the pipelined second one is not served
    assert b"Connection: close\r\n" in raw


def test_pipelined_requests_are_answered_in_order(serve):
    server = serve(echo_environ)
    sock = connect(server)
    sock.sendall(b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(10)))
    responses = Responses(sock)
    for i in range(10):
        response, body = responses.next()
        assert json.loads(body)["PATH_INFO"] == f"/{i}"
    sock.close()


@pytest.mark.pywsgi_only("libevent refuses chunk extensions (;ext=1) in a request body")
def test_request_sent_one_byte_at_a_time(serve):
    server = serve(echo_environ)
    sock = connect(server)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = (b"POST /slow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: t\r\n\r\n")
    for byte in request:
        sock.send(bytes([byte]))
    response, body = Responses(sock, "POST").next()
    assert json.loads(body)["body"] == "abcde"
    sock.close()


# -- request bodies ------------------------------------------------------------------------


def test_chunked_request_body_is_decoded(serve):
    server = serve(echo_environ)
    sock = connect(server)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n")
    response, body = Responses(sock, "POST").next()
    env = json.loads(body)
    assert env["body"] == "hello world"
    assert "CONTENT_LENGTH" not in env
    sock.close()


def test_input_methods(serve):
    def app(environ, start_response):
        stream = environ["wsgi.input"]
        assert environ["wsgi.input_terminated"] is True
        out = [stream.read(3), stream.readline(), stream.readline(2), stream.readline()]
        out += stream.readlines()
        out.append(stream.read())
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps([part.decode() for part in out]).encode()]

    server = serve(app)
    body = b"abcdef\nxyz\nline3\nline4\n"
    reply = requests.post(f"http://127.0.0.1:{server.port}/", data=body, timeout=TIMEOUT)
    assert reply.json() == ["abc", "def\n", "xy", "z\n", "line3\n", "line4\n", ""]

    def iterate(environ, start_response):
        lines = list(environ["wsgi.input"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"|".join(lines)]

    server = serve(iterate)
    reply = requests.post(f"http://127.0.0.1:{server.port}/", data=b"a\nb\nc", timeout=TIMEOUT)
    assert reply.content == b"a\n|b\n|c"


def test_expect_100_continue(serve):
    server = serve(echo_environ)
    sock = connect(server)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                 b"Expect: 100-continue\r\n\r\n")
    interim = sock.recv(100)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"body")
    response, body = Responses(sock, "POST").next()
    assert json.loads(body)["body"] == "body"
    sock.close()


def test_unread_body_is_drained_and_the_connection_kept(serve):
    server = serve(hello)
    sock = connect(server)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
                 b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    responses = Responses(sock)
    assert responses.next("POST")[1] == b"Hello, World!"
    assert responses.next()[1] == b"Hello, World!"   # the body was not taken for a request
    sock.close()


@pytest.mark.pywsgi_only("libevent answers Expect: 100-continue itself, before the app runs")
def test_unread_body_after_expect_closes_without_continue(serve):
    server = serve(hello)
    sock = connect(server)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                 b"Expect: 100-continue\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"100 Continue" not in raw


@pytest.mark.pywsgi_only("the body is read whole before the application runs: a client "
                         "gone mid-body never reaches it (test_wsgi.py checks the server then)")
def test_body_cut_short_by_the_client_is_not_answered(serve):
    seen = []

    def app(environ, start_response):
        try:
            environ["wsgi.input"].read()
        except ConnectionError as exc:
            seen.append(type(exc).__name__)
            raise
        start_response("200 OK", [])
        return [b""]

    errors = Lines()
    server = serve(app, error_log=errors)
    sock = connect(server)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this")
    sock.shutdown(socket.SHUT_WR)
    assert read_all(sock) == b""
    sock.close()
    for _ in range(100):
        if seen:
            break
        time.sleep(0.01)
    assert seen == ["ClientDisconnected"]
    assert errors.text == ""


# -- responses -----------------------------------------------------------------------------


def test_chunked_response_without_length(serve):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"one,"
        yield b""
        yield b"two"

    server = serve(app)
    conn = http.client.HTTPConnection(*server.address, timeout=TIMEOUT)
    for _ in range(2):
        conn.request("GET", "/")
        response = conn.getresponse()
        assert response.getheader("Transfer-Encoding") == "chunked"
        assert response.read() == b"one,two"
    conn.close()
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    raw = read_all(sock)   # HTTP/1.0: no chunking, the end is the close
    sock.close()
    assert b"Transfer-Encoding" not in raw and raw.endswith(b"\r\n\r\none,two")


def test_no_body_for_head_204_304(serve):
    def app(environ, start_response):
        status = {"/204": "204 No Content", "/304": "304 Not Modified"}.get(
            environ["PATH_INFO"], "200 OK")
        start_response(status, [("Content-Type", "text/plain")])
        return [b"this body must not be sent"]

    server = serve(app)
    sock = connect(server)
    responses = Responses(sock)
    sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    response, body = responses.next("HEAD")
    assert response.status == 200 and body == b""
    assert response.getheader("Content-Length") == "26"
    for path in (b"/204", b"/304"):
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
        response, body = responses.next()
        assert response.status == int(path[1:]) and body == b""
        assert response.getheader("Transfer-Encoding") is None
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")   # the connection is still in step
    assert responses.next()[1] == b"this body must not be sent"
    sock.close()


def test_write_callable_and_iterator_close(serve):
    closed = []

    class Result:
        def __init__(self, parts):
            self.parts = parts

        def __iter__(self):
            return iter(self.parts)

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written,")
        return Result([b"returned"])

    server = serve(app)
    reply = requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT)
    assert reply.content == b"written,returned"
    assert closed == [True]


@pytest.mark.parametrize("headers", [[], [("Content-Length", "13")]])
def test_head_and_small_body_leave_in_one_send(serve, headers):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")] + headers)
        return [b"Hello, World!"]

    server = serve(app)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    first = sock.recv(65536)
    assert first.endswith(b"\r\n\r\nHello, World!")
    assert first.count(b"Content-Length: 13\r\n") == 1
    sock.close()


def test_app_error_before_headers_is_a_500_without_traceback(serve):
    closed = []

    class Failing:
        def __iter__(self):
            raise KeyError("secret detail")
            yield b""

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [])
        return Failing()

    errors = Lines()
    server = serve(app, error_log=errors)
    sock = connect(server)
    sock.sendall(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = read_all(sock)   # answered, then closed
    sock.close()
    assert raw.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert b"secret detail" not in raw and b"Traceback" not in raw
    assert "KeyError: 'secret detail'" in errors.text and "Traceback" in errors.text
    assert "GET /boom HTTP/1.1" in errors.text
    assert closed == [True]


def test_app_error_after_headers_closes_the_connection(serve):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        raise RuntimeError("late failure")

    errors = Lines()
    server = serve(app, error_log=errors)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n") and b"partial" in raw
    assert not raw.endswith(b"0\r\n\r\n")   # no last chunk: the client sees it is cut
    assert "RuntimeError: late failure" in errors.text


def test_exc_info_replaces_a_response_not_yet_sent(serve):
    import sys

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("oops")
        except ValueError:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")],
                           sys.exc_info())
        return [b"try later"]

    server = serve(app)
    reply = requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT)
    assert reply.status_code == 503 and reply.content == b"try later"


def test_start_response_twice_without_exc_info_is_an_error(serve):
    def app(environ, start_response):
        start_response("200 OK", [])
        start_response("200 OK", [])
        return [b""]

    errors = Lines()
    server = serve(app, error_log=errors)
    reply = requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT)
    assert reply.status_code == 500
    assert "start_response was already called" in errors.text


@pytest.mark.parametrize("status, headers, words", [
    ("200 OK\r\nX-Evil: 1", [], "CR, LF or NUL in the status"),
    ("200 OK", [("X-Evil", "a\r\nSet-Cookie: x=1")], "CR, LF or NUL in the value"),
    ("200 OK", [("X Evil", "a")], "is not a token"),
    ("OK", [], "three digits"),
    (b"200 OK", [], "must be a str"),
    ("200 OK", [("X-Num", 5)], "must be str"),
    ("200 OK", [("Transfer-Encoding", "chunked")], "Transfer-Encoding"),
    ("200 OK", [("Content-Length", "-1")], "Content-Length"),
])
def test_bad_start_response_arguments_give_500(serve, status, headers, words):
    def app(environ, start_response):
        start_response(status, headers)
        return [b"never"]

    errors = Lines()
    server = serve(app, error_log=errors)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    assert raw.startswith(b"HTTP/1.1 500 ")
    assert b"X-Evil" not in raw and b"never" not in raw
    assert words in errors.text


def test_access_log(serve):
    log = Lines()
    server = serve(hello, log=log)
    conn = http.client.HTTPConnection(*server.address, timeout=TIMEOUT)
    conn.request("GET", "/logged?q=1")
    conn.getresponse().read()
    conn.close()
    time.sleep(0.05)
    line = log.text.strip()
    assert line.startswith("127.0.0.1 - - [")
    assert '"GET /logged?q=1 HTTP/1.1" 200 13 ' in line


# -- strictness ----------------------------------------------------------------------------

BAD_REQUESTS = [
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
     400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
     400),
    # chunk sizes that libevent's strtoll would take
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
     400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",
     400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n",
     400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
     400),
    (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    (b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\nHost: x\n\n", 400),
]


@pytest.mark.parametrize("request_bytes, status", BAD_REQUESTS)
def test_malformed_requests_are_refused_and_the_rest_ignored(serve, request_bytes, status):
    calls = []

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        while stream.read(8192):   # a malformed chunked body is found here
            pass
        calls.append(environ["PATH_INFO"])
        return hello(environ, start_response)

    server = serve(app)
    sock = connect(server)
    # A valid request follows the bad one: it must not be parsed out of the leftovers.
    sock.sendall(request_bytes + b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == status
    assert b"HTTP/1.1 200" not in raw
    assert b"Connection: close\r\n" in raw
    assert calls == []
    # The server goes on serving others.
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).status_code == 200


def test_limits(serve):
    server = serve(echo_environ, max_request_line=100, max_header_count=10,
                   max_header_size=1000, max_body_size=50)
    cases = [
        (b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-H: v\r\n" * 20 + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 2000 + b"\r\n\r\n", 431),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 51\r\n\r\n" + b"x" * 51, 413),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"20\r\n" + b"x" * 32 + b"\r\n20\r\n" + b"x" * 32 + b"\r\n0\r\n\r\n", 413),
    ]
    for request_bytes, status in cases:
        sock = connect(server)
        sock.sendall(request_bytes)
        raw = read_all(sock)
        sock.close()
        assert status_of(raw) == status, request_bytes[:40]
    reply = requests.post(f"http://127.0.0.1:{server.port}/", data=b"x" * 50, timeout=TIMEOUT)
    assert reply.status_code == 200


def test_limit_arguments_are_checked():
    with pytest.raises((TypeError, ValueError), match="max_request_line"):
        WSGIServer(("127.0.0.1", 0), hello, max_request_line=0)
    with pytest.raises(ValueError, match="keepalive_timeout"):
        WSGIServer(("127.0.0.1", 0), hello, keepalive_timeout=-1)
    with pytest.raises(TypeError, match="application must be callable"):
        WSGIServer(("127.0.0.1", 0), "app")


# -- timeouts and stopping -----------------------------------------------------------------


def test_idle_keep_alive_connection_is_closed_after_its_timeout(serve, server_class):
    # (libevent has one timeout for idle and slow connections.)
    option = "keepalive_timeout" if server_class is gserve.pywsgi.WSGIServer else "timeout"
    server = serve(hello, **{option: 0.2})
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    responses = Responses(sock)
    assert responses.next()[1] == b"Hello, World!"
    started = time.monotonic()
    assert sock.recv(100) == b""   # closed by the server
    assert time.monotonic() - started < 3
    sock.close()


@pytest.mark.pywsgi_only("libevent closes a slow request after its timeout, without a 408")
def test_slow_request_head_gets_408(serve):
    server = serve(hello, request_timeout=0.2)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHo")
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == 408


def test_stop_closes_idle_connections_at_once(serve):
    server = serve(hello)   # keep-alive idle timeout: 60 s
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert Responses(sock).next()[1] == b"Hello, World!"
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    assert sock.recv(100) == b""
    sock.close()


def test_stop_lets_a_busy_request_finish_then_closes(serve):
    import ghub

    entered = threading.Event()

    def slow(environ, start_response):
        entered.set()
        ghub.sleep(0.3)
        start_response("200 OK", [])
        return [b"finished"]

    server = serve(slow)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert entered.wait(TIMEOUT)
    server.stop()   # waits (up to 2 s) for the handler
    raw = read_all(sock)
    sock.close()
    assert raw.endswith(b"finished") and b"Connection: close\r\n" in raw


def test_stop_kills_a_waiting_request_without_calling_it_an_error(serve):
    """A handler still waiting when stop()'s time is up (a long poll) is killed, quietly."""
    import ghub

    entered = threading.Event()

    def long_poll(environ, start_response):
        entered.set()
        ghub.sleep(60)
        start_response("200 OK", [])
        return [b"never"]

    errors = Lines()
    server = serve(long_poll, error_log=errors)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert entered.wait(TIMEOUT)
    server.stop()   # waits 2 s for the handler, then kills it
    raw = read_all(sock)
    sock.close()
    # Closed (pywsgi), or 503 then closed (wsgi): the server went away, the app did not fail.
    assert raw == b"" or (status_of(raw) == 503 and b"Connection: close\r\n" in raw), raw
    assert errors.text == ""   # no "application error", no traceback


# -- TLS, upgrades, descriptors ---------------------------------------------------------


@pytest.mark.pywsgi_only("libevent's HTTP server here has no TLS")
def test_https(serve, certs):
    server = serve(echo_environ, keyfile=certs.key, certfile=certs.cert)
    context = ssl.create_default_context(cafile=certs.ca)
    url = f"https://localhost:{server.port}/secure"
    with urllib.request.urlopen(url, context=context, timeout=TIMEOUT) as response:
        env = json.loads(response.read())
    assert env["wsgi.url_scheme"] == "https" and env["PATH_INFO"] == "/secure"
    reply = requests.get(url, verify=certs.ca, timeout=TIMEOUT)
    assert reply.json()["wsgi.url_scheme"] == "https"


@pytest.mark.pywsgi_only("no 101 Switching Protocols on libevent's HTTP server")
def test_upgrade_takes_the_connection_over(serve):
    def app(environ, start_response):
        write = start_response("101 Switching Protocols",
                               [("Upgrade", "echo"), ("Connection", "Upgrade")])
        write(b"")
        sock = environ["gserve.socket"]
        data = environ["gserve.take_buffer"]()
        while not data.endswith(b"\n"):
            data += sock.recv(100)
        sock.sendall(b"echo:" + data)
        return []

    server = serve(app)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                 b"early ")
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(100)
    head, rest = head.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    sock.sendall(b"late\n")
    assert rest + read_all(sock) == b"echo:early late\n"
    sock.close()


class _UpgradeHandler(gserve.pywsgi.WSGIHandler):
    """Does what gevent-websocket's handler does: upgrade from run_application, echo lines."""

    seen = []

    def run_application(self):
        if self.environ.get("HTTP_UPGRADE") != "echo":
            return super().run_application()
        self.seen.append((self.command, self.path, self.request_version, self.requestline))
        self.start_response("101 Switching Protocols",
                            [("Upgrade", "echo"), ("Connection", "Upgrade")])
        self.provided_content_length = False
        self.response_use_chunked = False
        self.close_connection = True
        self.provided_date = True   # no Date header
        self.write("")              # str: gevent's handler accepts it; sends the head
        self.seen.append(self.headers_sent)
        rfile = self.rfile
        assert self.rfile is rfile
        while line := rfile.readline():
            exact = rfile.read(3)   # read(n) waits for n bytes
            self.socket.sendall(b"echo:" + line + exact + b"\n")


@pytest.mark.pywsgi_only("handler_class is gserve.pywsgi's")
def test_handler_subclass_takes_the_connection_over_with_rfile(serve):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    _UpgradeHandler.seen = []
    server = serve(app, handler_class=_UpgradeHandler)
    sock = connect(server)
    # Bytes after the head arrive with it: rfile must give them first.
    sock.sendall(b"GET /ws?x=1 HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade"
                 b"\r\n\r\nearly\nab")
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(100)
    head, rest = head.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"Date:" not in head and b"Transfer-Encoding" not in head
    time.sleep(0.05)
    sock.sendall(b"c")          # completes read(3) of the first line
    sock.sendall(b"late\n123")
    sock.shutdown(socket.SHUT_WR)
    assert rest + read_all(sock) == b"echo:early\nabc\necho:late\n123\n"
    sock.close()
    assert _UpgradeHandler.seen == [("GET", "/ws?x=1", "HTTP/1.1", "GET /ws?x=1 HTTP/1.1"), True]
    # An ordinary request through the same handler class is served as usual.
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).text == "ok"


def test_write_accepts_empty_str_only(serve):
    def app(environ, start_response):
        write = start_response("200 OK", [])
        write("")
        try:
            write("text")
        except TypeError:
            return [b"TypeError"]
        return [b"accepted"]

    server = serve(app)
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).text == "TypeError"


def test_no_descriptor_leaks(serve):
    server = serve(hello)
    for _ in range(3):   # warm up: imports, the resolver
        requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT)
    time.sleep(0.05)
    before = open_fds()
    for request_bytes, _ in BAD_REQUESTS[:5]:
        sock = connect(server)
        sock.sendall(request_bytes)
        read_all(sock)
        sock.close()
    for _ in range(20):
        sock = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
        read_all(sock)
        sock.close()
    for _ in range(5):   # connections that leave mid-request
        sock = connect(server)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nabc")
        sock.close()
    for _ in range(100):
        if open_fds() == before:
            break
        time.sleep(0.02)
    assert open_fds() == before


def test_log_none_and_error_log_default():
    server = WSGIServer(("127.0.0.1", 0), hello, log=None)
    assert server.log is None
    assert server.error_log is not None
    server2 = WSGIServer(("127.0.0.1", 0), hello, log=io.StringIO())
    assert server2.log is not None


def test_slowloris_is_cut_off_by_request_timeout(serve):
    # One header byte every 0.1 s: each read is quick, the head never ends. Both
    # servers bound the whole head (request_timeout), not only each read.
    server = serve(hello, request_timeout=0.5)
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    answer = b""
    try:
        for _ in range(100):   # 10 s at most
            sock.sendall(b"X")
            time.sleep(0.1)
            sock.settimeout(0.001)
            try:
                answer = sock.recv(65536)
            except (TimeoutError, BlockingIOError):
                continue
            finally:
                sock.settimeout(TIMEOUT)
            break
    except (BrokenPipeError, ConnectionResetError):
        pass
    elapsed = time.monotonic() - started
    sock.close()
    assert elapsed < 3, f"the slow client kept its connection for {elapsed:.1f} s"
    assert answer == b"" or status_of(answer) == 408
