"""gcore's evbuffer and evhttp wrappers: buffer, http, http_request, http_connection.

The server runs in the test's loop; clients are blocking sockets in a thread.
The loop runs until the client is done (a short timer wakes it up to check).
"""

import gc
import os
import socket
import threading
import time

import pytest

import gcore

TIMEOUT = 5


# -- buffer ------------------------------------------------------------------------------


def test_buffer_read_readline_readlines_iteration():
    buf = gcore.buffer(b"one\ntwo\nthree")
    assert len(buf) == 13 and buf
    assert buf.readline() == b"one\n"
    assert buf.read(2) == b"tw"
    assert buf.readline(1) == b"o"
    assert buf.readline() == b"\n"
    assert buf.readline() == b"three"
    assert buf.readline() == b"" and len(buf) == 0 and not buf
    buf.write(b"a\nb\nc")
    assert list(buf) == [b"a\n", b"b\n", b"c"]
    buf.write(memoryview(b"x\ny\nz\n"))
    assert buf.readlines(hint=3) == [b"x\n", b"y\n"]
    assert buf.readlines() == [b"z\n"]
    buf.write(bytearray(b"rest"))
    assert buf.read() == b"rest" and buf.read() == b""
    assert buf.read(-5) == b""


def test_buffer_detached_raises_valueerror_not_a_crash():
    buf = gcore.buffer(b"data")
    buf.detach()
    assert buf.detached and not buf
    for call in (len, lambda b: b.read(), lambda b: b.readline(), lambda b: b.write(b"x"),
                 iter):
        with pytest.raises(ValueError, match="detached"):
            call(buf)
    buf.detach()   # twice is fine
    assert "detached" in repr(buf)


def test_buffer_write_refuses_str():
    with pytest.raises(TypeError):
        gcore.buffer("text")
    with pytest.raises(TypeError):
        gcore.buffer().write(3)


# -- a server in the test's loop ------------------------------------------------------------


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    yield sock
    sock.close()


def run_with_client(loop, client):
    """Run ``loop`` until ``client()`` (in a thread) returns; return its result."""
    result, error = [], []

    def target():
        try:
            result.append(client())
        except BaseException as exc:   # re-raised in the test
            error.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT * 2
    while thread.is_alive():
        assert time.monotonic() < deadline, "the client did not finish"
        t = gcore.timer(0.005, lambda: None, loop=loop)
        loop.run(once=True)
        t.cancel()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def request(port, data, shutdown=False):
    """Send ``data`` on a new connection; return everything received until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        if shutdown:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def exchange(port, data, count=1):
    """Send ``data`` and read ``count`` responses with Content-Length (keep-alive)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        return read_responses(sock, count)


def read_responses(sock, count):
    buf, responses = b"", []
    while len(responses) < count:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {responses!r} + {buf!r}"
            buf += chunk
        head, _, buf = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        while len(buf) < length:
            buf += sock.recv(65536)
        responses.append((head, buf[:length]))
        buf = buf[length:]
    return responses


def status(head):
    return int(head.split(b" ", 2)[1])


def make_server(loop, listener, handle, **options):
    server = gcore.http(handle, loop, **options)
    server.accept(listener)
    return server


def test_request_attributes_and_reply(loop, listener):
    seen = {}

    def handle(req):
        seen.update(
            uri=req.uri, version=req.version, major=req.major, minor=req.minor,
            type=req.type, typestr=req.typestr, kind=req.kind, remote=req.remote,
            remote_host=req.remote_host, remote_port=req.remote_port,
            headers=req.get_input_headers(), host=req.find_input_header("HOST"),
            missing=req.find_input_header("X-Nope"), body=req.input_buffer.read(),
            peer=req.connection.peer, chunked=req.chunked)
        req.add_input_header("X-Added", "yes")
        assert req.find_input_header("x-added") == "yes"
        assert req.remove_input_header("X-Added") and not req.remove_input_header("X-Added")
        req.add_output_header("X-One", "1")
        req.add_output_header("X-Two", "2")
        assert req.remove_output_header("X-Two")
        assert req.find_output_header("x-one") == "1"
        assert req.get_output_headers() == [("X-One", "1")]
        req.output_buffer.write(b"hello, ")
        req.send_reply(201, "Made", b"world")
        seen["after"] = (req.done, req.output_buffer if False else None)

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    (head, body), = run_with_client(loop, lambda: exchange(
        port, b"PUT /p?q=1 HTTP/1.1\r\nHost: example\r\nContent-Length: 4\r\n\r\nbody"))
    server.close()
    assert status(head) == 201 and head.startswith(b"HTTP/1.1 201 Made\r\n")
    assert b"X-One: 1\r\n" in head and b"X-Two" not in head
    assert body == b"hello, world"
    assert seen["uri"] == "/p?q=1" and seen["version"] == (1, 1)
    assert (seen["major"], seen["minor"]) == (1, 1)
    assert seen["type"] == gcore.EVHTTP_REQ_PUT and seen["typestr"] == "PUT"
    assert seen["kind"] == gcore.EVHTTP_REQUEST
    assert seen["remote_host"] == "127.0.0.1" and seen["remote"] == seen["peer"]
    assert seen["remote"] == ("127.0.0.1", seen["remote_port"])
    assert seen["headers"] == [("Host", "example"), ("Content-Length", "4")]
    assert seen["host"] == "example" and seen["missing"] is None
    assert seen["body"] == b"body" and seen["chunked"] is False
    assert seen["after"][0] is True


def test_a_finished_request_and_its_buffers_raise_valueerror(loop, listener):
    kept = []

    def handle(req):
        kept.append((req, req.input_buffer, req.output_buffer))
        req.send_reply(200, None, b"ok")

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    run_with_client(loop, lambda: exchange(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
    server.close()
    req, inbuf, outbuf = kept[0]
    assert req.done and inbuf.detached and outbuf.detached
    for call in (lambda: req.uri, lambda: req.send_reply(200), req.get_input_headers,
                 lambda: req.add_output_header("a", "b"), lambda: inbuf.read(),
                 lambda: len(outbuf), req.detach):
        with pytest.raises(ValueError):
            call()
    assert "done" in repr(req)


def test_streamed_reply_is_chunked_on_http11(loop, listener):
    def handle(req):
        req.send_reply_start(200, "OK")
        assert req.chunked
        assert req.send_reply_chunk(b"abc") is True
        req.send_reply_chunk(gcore.buffer(b"def"))
        req.send_reply_chunk(b"")
        req.send_reply_end()

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    raw = run_with_client(loop, lambda: request(
        port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
    server.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert body == b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"


def test_dropped_request_is_answered_500(loop, listener):
    server = make_server(loop, listener, lambda req: None)
    port = listener.getsockname()[1]
    (head, body), = run_with_client(
        loop, lambda: exchange(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
    server.close()
    assert status(head) == 500


def test_dropped_streamed_reply_closes_the_connection(loop, listener):
    def handle(req):
        req.add_output_header("Content-Length", "100")
        req.send_reply_start(200)
        req.send_reply_chunk(b"partial")

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    raw = run_with_client(loop, lambda: request(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
    server.close()
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"\r\n\r\npartial")


def test_detach_closes_without_reply(loop, listener):
    def handle(req):
        req.detach()
        assert req.done

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    raw = run_with_client(loop, lambda: request(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
    server.close()
    assert raw == b""


def test_send_error_and_default_response_headers(loop, listener):
    def handle(req):
        if req.uri == "/error":
            req.send_error(404, "Nothing Here")
        else:
            req.add_output_header("Server", "mine")
            req.send_reply(200, "OK", b"x")

    server = make_server(loop, listener, handle,
                         default_response_headers=[("Server", "gcore-test"), ("X-D", "d")])
    port = listener.getsockname()[1]
    (h1, _), (h2, _) = run_with_client(loop, lambda: exchange(
        port, b"GET /error HTTP/1.1\r\nHost: h\r\n\r\n", 1) + exchange(
        port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 1))
    server.close()
    assert h1.startswith(b"HTTP/1.1 404 Nothing Here") and b"Server: gcore-test" in h1
    assert b"Server: mine" in h2 and b"gcore-test" not in h2 and b"X-D: d" in h2


def test_keep_alive_and_pipelining(loop, listener):
    def handle(req):
        req.send_reply(200, "OK", req.uri.encode())

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    responses = run_with_client(loop, lambda: exchange(
        port, b"".join(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(5)), 5))
    server.close()
    assert [body for _, body in responses] == [b"/%d" % i for i in range(5)]


def test_limits_413_and_methods_501(loop, listener):
    server = make_server(loop, listener, lambda req: req.send_reply(200, "OK", b""),
                         max_body_size=10, max_headers_size=200,
                         allowed_methods=["GET"])
    assert server.max_body_size == 10 and server.allowed_methods == ("GET",)
    port = listener.getsockname()[1]

    def client():
        return [request(port, b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"
                        b"01234567890"),
                request(port, b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"a" * 300 + b"\r\n\r\n"),
                request(port, b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")]

    big_body, big_head, method = run_with_client(loop, client)
    server.close()
    assert status(big_body) == 413
    assert status(big_head) in (400, 413)   # libevent's answer to a head too large
    assert status(method) == 501   # libevent: a method not allowed is "not implemented"


def test_limit_arguments_are_checked(loop):
    for name, value, error in [("max_body_size", 0, ValueError),
                               ("max_headers_size", "1", TypeError),
                               ("timeout", None, ValueError), ("timeout", -1, ValueError),
                               ("allowed_methods", ["BREW"], ValueError)]:
        with pytest.raises(error):
            gcore.http(lambda r: None, loop, **{name: value}).close()
    with pytest.raises(TypeError):
        gcore.http(3, loop)


def test_inspect_sees_raw_bytes_and_abort_answers_and_closes(loop, listener):
    received, handled = [], []

    def inspect(conn, data):
        received.append(data)
        if b"EVIL" in data:
            conn.abort(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            assert conn.aborting

    def handle(req):
        handled.append(req.uri)
        req.send_reply(200, "OK", b"fine")

    server = make_server(loop, listener, handle, inspect=inspect)
    port = listener.getsockname()[1]

    def client():
        return (exchange(port, b"GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"),
                request(port, b"GET /bad HTTP/1.1\r\nHost: h\r\nX: EVIL\r\n\r\n"))

    (ok,), bad = run_with_client(loop, client)
    server.close()
    assert status(ok[0]) == 200 and ok[1] == b"fine"
    assert bad == b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
    assert handled == ["/ok"]
    assert received[0] == b"GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"


def test_abort_waits_for_the_held_request(loop, listener):
    held = []

    def inspect(conn, data):
        if b"/second" in data:
            conn.abort(b"ABORTED")

    def handle(req):
        held.append(req)
        if len(held) == 1:
            gcore.timer(0.1, req.send_reply, 200, "OK", b"first", loop=loop)

    server = make_server(loop, listener, handle, inspect=inspect)
    port = listener.getsockname()[1]

    def client():
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET /first HTTP/1.1\r\nHost: h\r\n\r\n")
            while not held:
                time.sleep(0.005)
            sock.sendall(b"GET /second HTTP/1.1\r\nHost: h\r\n\r\n")
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
            return data

    raw = run_with_client(loop, client)
    server.close()
    assert raw.endswith(b"first" + b"ABORTED") and raw.startswith(b"HTTP/1.1 200 OK")
    assert len(held) == 1


def test_connection_wrapper_closes_with_the_connection(loop, listener):
    conns = []

    def handle(req):
        conns.append(req.connection)
        req.send_reply(200, "OK", b"")

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]
    run_with_client(loop, lambda: request(
        port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
    for _ in range(20):
        if conns[0].closed:
            break
        t = gcore.timer(0.005, lambda: None, loop=loop)
        loop.run(once=True)
        t.cancel()
    assert conns[0].closed and conns[0].peer is None
    assert server.connections == 0
    server.close()


def test_client_gone_before_the_reply(loop, listener):
    held = []

    def handle(req):
        held.append(req)

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]

    def client():
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        while not held:
            time.sleep(0.005)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        sock.close()   # RST
        return True

    run_with_client(loop, client)
    req = held.pop()
    req.send_reply_start(200)
    for _ in range(50):
        if not req.send_reply_chunk(b"x" * 65536):
            break
        t = gcore.timer(0.005, lambda: None, loop=loop)
        loop.run(once=True)
        t.cancel()
    assert req.connection is None   # libevent noticed, and detached the request
    req.send_reply_end()
    assert req.done
    server.close()


def test_close_answers_held_requests_503_and_stops_listening(loop, listener):
    held = []
    server = make_server(loop, listener, held.append)
    port = listener.getsockname()[1]

    def client():
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            while not held:
                time.sleep(0.005)
            return True

    run_with_client(loop, client)
    assert server.held_requests == held
    assert loop.ref_count == 1   # listening
    server.close()
    assert held[0].done and loop.ref_count == 0 and server.closed
    assert listener.fileno() >= 0   # still the caller's
    with pytest.raises(ValueError):
        server.accept(listener)
    server.close()   # twice is fine


def test_many_requests_with_gc_forced_no_crash_no_leak(loop, listener):
    """Wrappers kept, dropped, collected in every order: no crash, no growth."""
    kept = []

    def handle(req):
        n = int(req.uri[1:])
        inbuf = req.input_buffer
        if n % 3 == 0:
            kept.append((req, inbuf))          # outlives its request
            req.send_reply(200, "OK", inbuf.read())
        elif n % 3 == 1:
            req.add_output_header("Content-Length", "3")   # streamed, not chunked
            req.send_reply_start(200)
            req.send_reply_chunk(inbuf.read())
            req.send_reply_end()
        # else: dropped: 500
        if n % 50 == 0:
            gc.collect()
            del kept[:]

    server = make_server(loop, listener, handle)
    port = listener.getsockname()[1]

    def client(rounds):
        statuses = []
        sock = None
        for i in range(rounds):
            if sock is None:   # a 500 closes the connection
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            sock.sendall(b"POST /%d HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" % i)
            (head, body), = read_responses(sock, 1)
            statuses.append(status(head))
            if status(head) == 500:
                sock.close()
                sock = None
        if sock is not None:
            sock.close()
        return statuses

    def fds():
        return len(os.listdir("/proc/self/fd"))

    run_with_client(loop, lambda: client(300))   # warm up
    gc.collect()
    before_fds = fds()
    before_blocks = sys_blocks()
    statuses = run_with_client(loop, lambda: client(1500))
    del kept[:]
    gc.collect()
    assert statuses.count(500) == 500 and statuses.count(200) == 1000
    assert fds() <= before_fds
    assert sys_blocks() - before_blocks < 2000
    server.close()


def sys_blocks():
    import sys
    return sys.getallocatedblocks()
