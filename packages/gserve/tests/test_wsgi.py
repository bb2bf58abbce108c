"""gserve.http.HTTPServer and gserve.wsgi.WSGIServer: what is particular to libevent's server.

The WSGI conformance tests shared with pywsgi are in test_wsgi_servers.py.
Here: 503 while the pool is full, 500 for a request left unanswered, the
limits, clients that leave in the middle of a request or of a response, and
the server's API. Servers run in a thread with their own hub (``threaded``).
"""

import socket
import threading
import time

import pytest
import requests
from conftest import open_fds, read_all, status_of

import ghub
from gserve.http import HTTPServer
from gserve.wsgi import WSGIServer
from gsync.pool import Pool

TIMEOUT = 5


def connect(server):
    return socket.create_connection(server.address, timeout=TIMEOUT)


def wait_for(predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, World!"]


# -- HTTPServer ---------------------------------------------------------------------------


def test_http_server_serves_each_request_in_a_greenlet(threaded):
    seen = []

    def handle(request):
        seen.append((request.typestr, request.uri, ghub.getcurrent() is not ghub.get_hub()))
        ghub.sleep(0)   # a greenlet of its own may block
        request.add_output_header("Content-Type", "text/plain")
        request.send_reply(200, "OK", request.input_buffer.read() or b"empty")

    server = threaded(lambda: HTTPServer(("127.0.0.1", 0), handle))
    reply = requests.post(f"http://127.0.0.1:{server.port}/p?x=1", data=b"data", timeout=TIMEOUT)
    assert reply.status_code == 200 and reply.content == b"data"
    assert reply.headers["Server"].startswith("gserve/")
    assert seen == [("POST", "/p?x=1", True)]


def test_http_server_inline_with_spawn_none(threaded):
    def handle(request):
        assert ghub.getcurrent() is ghub.get_hub()   # inline, in the hub
        request.send_reply(200, "OK", b"inline")

    server = threaded(lambda: HTTPServer(("127.0.0.1", 0), handle, spawn=None))
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).content == b"inline"


def test_full_pool_answers_503(threaded):
    release = threading.Event()
    entered = threading.Event()

    def handle(request):
        entered.set()
        while not release.is_set():
            ghub.sleep(0.005)
        request.send_reply(200, "OK", b"done")

    server = threaded(lambda: HTTPServer(("127.0.0.1", 0), handle, spawn=Pool(1)))
    first = connect(server)
    first.sendall(b"GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert entered.wait(TIMEOUT)
    busy = requests.get(f"http://127.0.0.1:{server.port}/2", timeout=TIMEOUT)
    assert busy.status_code == 503
    release.set()
    raw = read_all(first)
    first.close()
    assert status_of(raw) == 200 and raw.endswith(b"done")
    assert requests.get(f"http://127.0.0.1:{server.port}/3", timeout=TIMEOUT).status_code == 200


@pytest.mark.parametrize("how", ["return", "raise"])
def test_request_left_unanswered_gets_500(threaded, how):
    def handle(request):
        if how == "raise":
            raise RuntimeError("handler failed")

    server = threaded(lambda: HTTPServer(("127.0.0.1", 0), handle))
    reply = requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT)
    assert reply.status_code == 500
    # The server goes on.
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).status_code == 500


def test_http_server_limits_413(threaded):
    server = threaded(lambda: HTTPServer(("127.0.0.1", 0),
                                         lambda r: r.send_reply(200, "OK", b""),
                                         max_body_size=10))
    reply = requests.post(f"http://127.0.0.1:{server.port}/", data=b"x" * 11, timeout=TIMEOUT)
    assert reply.status_code == 413
    reply = requests.post(f"http://127.0.0.1:{server.port}/", data=b"x" * 10, timeout=TIMEOUT)
    assert reply.status_code == 200


def test_http_server_arguments_are_checked():
    with pytest.raises(TypeError, match="unexpected"):
        HTTPServer(("127.0.0.1", 0), lambda r: None, keepalive_timeout=1)
    with pytest.raises(ValueError):
        HTTPServer(("127.0.0.1", 0), lambda r: None, max_body_size=0)
    with pytest.raises(ValueError):
        HTTPServer(("127.0.0.1", 0), lambda r: None, allowed_methods=["BREW"])


def test_http_server_on_a_listening_socket_it_does_not_close(threaded):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    server = threaded(lambda: HTTPServer(listener, lambda r: r.send_reply(200, "OK", b"ok")))
    assert server.port == port
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=TIMEOUT).content == b"ok"


# -- WSGIServer: the strict parser in front of libevent's --------------------------------


def test_refused_request_after_a_good_one_on_the_same_connection(threaded):
    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), hello, log=None))
    sock = connect(server)
    sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /bad HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n")
    raw = read_all(sock)
    sock.close()
    first, _, rest = raw.partition(b"Hello, World!")
    assert status_of(first) == 200
    assert status_of(rest) == 400 and b"obsolete line folding" in rest


def test_access_log_of_a_refused_request(threaded):
    lines = []

    class Log:
        def write(self, text):
            lines.append(text)

    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), hello, log=Log()))
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\n\r\n")   # no Host
    assert status_of(read_all(sock)) == 400
    sock.close()
    requests.get(f"http://127.0.0.1:{server.port}/x", timeout=TIMEOUT)
    wait_for(lambda: len(lines) == 2)
    assert " 400 " in lines[0] and '"GET /x HTTP/1.1" 200 13 ' in lines[1]


def test_client_leaving_mid_request_never_reaches_the_application(threaded):
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return hello(environ, start_response)

    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), app, log=None))
    before = open_fds()
    for _ in range(20):
        sock = connect(server)
        sock.sendall(b"POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this")
        sock.close()
        sock = connect(server)
        sock.sendall(b"GET /cut-head HTTP/1.1\r\nHost: x\r\nX-Par")
        sock.close()
    assert requests.get(f"http://127.0.0.1:{server.port}/after", timeout=TIMEOUT).ok
    assert calls == ["/after"]
    wait_for(lambda: open_fds() <= before + 2)


def test_client_leaving_mid_response_stops_the_application(threaded):
    state = {"sent": 0, "closed": False}
    started = threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] != "/stream":   # (the check after it: answered at once)
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]
        start_response("200 OK", [("Content-Type", "application/octet-stream")])

        def body():
            try:
                started.set()
                while state["sent"] < 10000:
                    state["sent"] += 1
                    ghub.sleep(0.001)
                    yield b"x" * 65536
            finally:
                state["closed"] = True

        return body()

    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), app, log=None))
    sock = connect(server)
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    assert started.wait(TIMEOUT)
    sock.recv(1000)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    sock.close()   # RST
    wait_for(lambda: state["closed"])
    assert state["sent"] < 10000   # stopped early, and its generator was closed
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).ok


def test_full_pool_wsgi_503(threaded):
    release = threading.Event()
    entered = threading.Event()

    def app(environ, start_response):
        entered.set()
        while not release.is_set():
            ghub.sleep(0.005)
        return hello(environ, start_response)

    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), app, spawn=1, log=None))
    first = connect(server)
    first.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert entered.wait(TIMEOUT)
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=TIMEOUT).status_code == 503
    release.set()
    assert status_of(read_all(first)) == 200
    first.close()


def test_wsgi_server_refuses_101():
    errors = []

    class Log:
        def write(self, text):
            errors.append(text)

    def app(environ, start_response):
        start_response("101 Switching Protocols", [("Upgrade", "x"), ("Connection", "Upgrade")])
        return [b""]

    server = WSGIServer(("127.0.0.1", 0), app, log=None, error_log=Log())
    server.start()
    try:
        import gnet.socket
        sock = gnet.socket.create_connection(("127.0.0.1", server.server_port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
        raw = b""
        while chunk := sock.recv(4096):
            raw += chunk
        sock.close()
    finally:
        server.stop()
    assert status_of(raw) == 500
    assert "use gserve.pywsgi" in "".join(errors)


# -- spawn='default': a raw greenlet per request, tracked by the server ------------------


def test_stop_kills_a_handler_that_outlasts_its_timeout():
    import gnet.socket

    events = []
    release = ghub.Waiter()   # never switched: the handler blocks until killed

    def handle(request):
        events.append("entered")
        try:
            release.get()
        except ghub.GreenletExit:
            events.append("killed")
            raise

    server = HTTPServer(("127.0.0.1", 0), handle)
    assert server.pool is None
    server.start()
    sock = gnet.socket.create_connection(("127.0.0.1", server.server_port))
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with ghub.Timeout(TIMEOUT):
            while not events:
                ghub.sleep(0.005)
        started = time.monotonic()
        server.stop(timeout=0.2)
        elapsed = time.monotonic() - started
        with ghub.Timeout(TIMEOUT):
            raw = b""
            while chunk := sock.recv(4096):
                raw += chunk
    finally:
        sock.close()
    assert events == ["entered", "killed"]
    assert 0.15 < elapsed < 2
    assert raw == b"" or status_of(raw) in (500, 503)


def test_a_handler_may_stop_its_own_server():
    import gnet.socket

    stopped = []
    server = None

    def handle(request):
        request.send_reply(200, "OK", b"bye")
        started = time.monotonic()
        server.stop(timeout=3)   # must not wait for this very handler
        stopped.append(time.monotonic() - started)

    server = HTTPServer(("127.0.0.1", 0), handle)
    server.start()
    sock = gnet.socket.create_connection(("127.0.0.1", server.server_port))
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with ghub.Timeout(TIMEOUT):
            raw = b""
            while chunk := sock.recv(4096):
                raw += chunk
            while not stopped:
                ghub.sleep(0.005)
    finally:
        sock.close()
    assert status_of(raw) == 200 and raw.endswith(b"bye")
    assert stopped[0] < 2 and server.closed
