"""Faults and slow clients against both WSGI servers, on real sockets (127.0.0.1).

Resets in the middle of a request head or of a response: the server keeps
serving everyone else, and the process's descriptor count comes back to
where it started. Slow clients (slowloris, a body that trickles in, a client
that never reads its response) are cut off within a few times the servers'
timeouts (scaled down to TIMEOUT here), with the same count of descriptors
afterwards.
"""

import os
import socket
import struct
import time

import pytest
import requests
from conftest import open_fds
from test_wsgi_servers import SERVERS, Lines, hello, read_all

TIMEOUT = 0.5   # the servers' timeouts in these tests (seconds)


@pytest.fixture(params=sorted(SERVERS))
def serve(request, threaded):
    """``serve(app)``: the server class of this run, on 127.0.0.1, with short timeouts."""
    name = request.param

    def start(app, **options):
        options.setdefault("log", None)
        options.setdefault("error_log", Lines())
        if name == "pywsgi":
            options.update(keepalive_timeout=TIMEOUT, request_timeout=TIMEOUT,
                           body_timeout=TIMEOUT, write_timeout=TIMEOUT)
        else:
            options.update(timeout=TIMEOUT, request_timeout=TIMEOUT)
        return threaded(lambda: SERVERS[name](("127.0.0.1", 0), app, **options))

    return start


def still_serves(server):
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=5).status_code == 200


def fds_back_to(start, deadline=5.0):
    """Wait (a little) for the server's side of closed connections to be closed too."""
    end = time.monotonic() + deadline
    while open_fds() > start and time.monotonic() < end:
        time.sleep(0.02)
    return open_fds()


def reset(sock):
    """Close with an RST (SO_LINGER 0) instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize("cut", [5, 10, 20])
def test_a_reset_mid_request_leaves_nothing_behind(serve, cut):
    calls = []

    def app(environ, start_response):
        calls.append(environ["wsgi.input"].read())
        return hello(environ, start_response)

    server = serve(app)
    still_serves(server)
    start_fds = open_fds()
    request = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
    for _ in range(20):
        sock = socket.create_connection(server.address)
        sock.sendall(request[:cut])
        reset(sock)
    still_serves(server)
    assert b"0123456789" not in calls   # (no request was complete)
    assert fds_back_to(start_fds) <= start_fds   # (a kept-alive connection may close too)


def test_a_reset_mid_response_leaves_nothing_behind(serve):
    big = b"x" * (4 << 20)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(big)))])
        return [big[i:i + 65536] for i in range(0, len(big), 65536)]

    server = serve(app)
    start_fds = open_fds()
    sock = socket.create_connection(server.address)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    for _ in range(5):
        reset(sock)
        sock = socket.create_connection(server.address)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    reset(sock)
    assert fds_back_to(start_fds) <= start_fds   # (a kept-alive connection may close too)


# -- slow clients ----------------------------------------------------------------
#
# Each test bounds its own client loop (by count and by time) and measures how
# long the server kept the connection: the servers' timeouts are TIMEOUT
# (0.5 s) here, so a bound of a few seconds is generous and a server that
# does not cut the client off fails at once rather than after minutes.

BOUND = 4.0   # seconds: several times TIMEOUT, far below "never"


def cut_off(sock, send, every=0.1, limit=200):
    """Call ``send(sock)`` every ``every`` s until the server closes; the seconds it took.

    Returns None if the server still held the connection after ``limit`` rounds.
    """
    started = time.monotonic()
    sock.settimeout(0.0)
    for _ in range(limit):
        try:
            send(sock)
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        time.sleep(every)
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    return time.monotonic() - started
        except (BlockingIOError, InterruptedError):
            pass
        except ConnectionResetError:
            return time.monotonic() - started
    return None


def test_slowloris_clients_are_cut_off_and_leave_nothing_behind(serve):
    server = serve(hello)
    still_serves(server)
    start_fds = open_fds()
    clients = [socket.create_connection(server.address) for _ in range(10)]
    for sock in clients:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    # One header byte every 0.1 s on each connection, round robin.
    started = time.monotonic()
    open_ = set(clients)
    while open_ and time.monotonic() - started < 3 * BOUND:
        for sock in list(open_):
            try:
                sock.send(b"X")
            except OSError:
                open_.discard(sock)
                continue
            sock.settimeout(0.0)
            try:
                if sock.recv(65536) == b"":
                    open_.discard(sock)
            except (BlockingIOError, InterruptedError):
                pass
            except ConnectionResetError:
                open_.discard(sock)
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    for sock in clients:
        sock.close()
    assert not open_, f"{len(open_)} slowloris clients still connected after {elapsed:.1f} s"
    assert elapsed < BOUND
    still_serves(server)
    assert fds_back_to(start_fds) <= start_fds


def test_a_trickling_body_is_cut_off(serve):
    # A body of 100 kB announced, sent one byte every 0.1 s: each read is quick,
    # the body would take hours. The server bounds it (it cannot wait for ever).
    got = []

    def app(environ, start_response):
        try:
            got.append(len(environ["wsgi.input"].read()))
        except OSError:
            got.append("disconnected")
            raise
        return hello(environ, start_response)

    server = serve(app)
    still_serves(server)
    start_fds = open_fds()
    sock = socket.create_connection(server.address)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    elapsed = cut_off(sock, lambda s: s.send(b"x"), limit=int(3 * BOUND / 0.1))
    sock.close()
    assert elapsed is not None, "the trickling body kept its connection"
    assert elapsed < BOUND
    assert 100000 not in got
    still_serves(server)
    assert fds_back_to(start_fds) <= start_fds


def test_a_client_that_never_reads_its_response_is_cut_off(serve):
    big = b"x" * (64 << 20)   # far more than the socket buffers of both sides
    done = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(big)))])
        try:
            yield big
        finally:
            done.append(time.monotonic())

    server = serve(app)
    still_serves(server)
    start_fds = open_fds()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(server.address)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    started = time.monotonic()
    while not done and time.monotonic() - started < 3 * BOUND:
        time.sleep(0.05)   # never reading
    elapsed = time.monotonic() - started
    sock.close()
    assert done, f"the server still wrote to a client that never reads after {elapsed:.1f} s"
    assert elapsed < BOUND
    still_serves(server)
    assert fds_back_to(start_fds) <= start_fds


def test_pywsgi_bounds_a_write_by_write_timeout_alone(threaded):
    # Before write_timeout a write ran under whatever timeout the socket last had:
    # none at all with keepalive_timeout=None, so a client that never read held
    # the connection (and the handler) for ever.
    from gserve.pywsgi import WSGIServer

    big = b"x" * (64 << 20)
    done = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(big)))])
        try:
            yield big
        finally:
            done.append(time.monotonic())

    errors = Lines()
    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), app, log=None, error_log=errors,
                                         keepalive_timeout=None, request_timeout=None,
                                         body_timeout=None, write_timeout=TIMEOUT))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(server.address)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    started = time.monotonic()
    while not done and time.monotonic() - started < 3 * BOUND:
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    sock.close()
    assert done and elapsed < BOUND, f"still writing after {elapsed:.1f} s"
    assert "did not read its response" in errors.text


@pytest.mark.parametrize("name", sorted(SERVERS))
@pytest.mark.parametrize("rate, error", [(0, ValueError), (-1.0, ValueError),
                                         ("1", TypeError), (float("nan"), ValueError)])
def test_body_min_rate_is_checked(name, rate, error):
    with pytest.raises(error, match="body_min_rate"):
        SERVERS[name](("127.0.0.1", 0), hello, body_min_rate=rate)


def test_pywsgi_backs_off_at_the_descriptor_limit_and_recovers(threaded):
    import errno
    import resource

    from gserve.pywsgi import WSGIServer

    def make():
        server = WSGIServer(("127.0.0.1", 0), hello, log=None, error_log=Lines())
        server.min_delay = 0.01
        server.max_delay = 0.05
        return server

    server = threaded(make)
    still_serves(server)
    start_fds = open_fds()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    client = socket.socket()
    client.settimeout(0.3)
    hoard = []
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_fds() + 20, hard))
        # Take every free descriptor, and keep taking those that the server
        # thread frees a moment later (still_serves()'s connection is closed on
        # its side after the client has its answer): until none came back twice.
        quiet = 0
        while quiet < 2 and len(hoard) < 1000:
            took = 0
            while len(hoard) < 1000:
                try:
                    hoard.append(open(os.devnull))
                except OSError as exc:
                    assert exc.errno == errno.EMFILE
                    break
                took += 1
            quiet = quiet + 1 if not took else 0
            time.sleep(0.05)
        client.connect(server.address)   # the kernel completes it; accept() gets EMFILE
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(TimeoutError):
            client.recv(65536)            # not served while no descriptor is free
        assert server.server.started
        for f in hoard:
            f.close()
        hoard.clear()
        client.settimeout(5)
        assert client.recv(65536).startswith(b"HTTP/1.1 200")   # served once one is
    finally:
        for f in hoard:
            f.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        client.close()
    still_serves(server)
    assert fds_back_to(start_fds) <= start_fds


def test_stop_under_load_finishes_the_requests_in_flight_and_refuses_new_ones(serve):
    import threading

    import ghub

    entered = []

    def slow(environ, start_response):
        entered.append(1)
        ghub.sleep(0.5)
        start_response("200 OK", [("Content-Length", "8")])
        return [b"finished"]

    server = serve(slow)
    busy = [socket.create_connection(server.address, timeout=5) for _ in range(20)]
    for sock in busy:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    deadline = time.monotonic() + 5
    while len(entered) < len(busy) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(entered) == len(busy)
    stopper = threading.Thread(target=server.stop)   # waits (up to 2 s) for the handlers
    stopper.start()
    time.sleep(0.1)   # stopping: the listener is closed, the handlers still run
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(server.address, timeout=5).close()
    answers = []
    for sock in busy:
        answers.append(read_all(sock))
        sock.close()
    stopper.join(10)
    assert not stopper.is_alive()
    for raw in answers:   # every one whole, and told the connection closes
        assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b"\r\n\r\nfinished"), raw
        assert b"Connection: close\r\n" in raw


def _client_hello(certs):
    """The first flight of a real TLS client (a ClientHello), as bytes."""
    import ssl

    context = ssl.create_default_context(cafile=certs.ca)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def _still_serves_tls(server, certs):
    url = f"https://localhost:{server.port}/"
    assert requests.get(url, verify=certs.ca, timeout=5).status_code == 200


@pytest.mark.parametrize("cut", ["5 bytes", "half the hello", "after the server's reply"])
def test_pywsgi_a_reset_mid_tls_handshake_leaves_nothing_behind(threaded, certs, cut):
    from gserve.pywsgi import WSGIServer

    server = threaded(lambda: WSGIServer(("127.0.0.1", 0), hello, log=None, error_log=Lines(),
                                         keyfile=certs.key, certfile=certs.cert))
    _still_serves_tls(server, certs)
    start_fds = open_fds()
    client_hello = _client_hello(certs)
    data = {"5 bytes": client_hello[:5], "half the hello": client_hello[:len(client_hello) // 2],
            "after the server's reply": client_hello}[cut]
    for _ in range(20):
        sock = socket.create_connection(server.address, timeout=5)
        sock.sendall(data)
        if cut == "after the server's reply":
            assert sock.recv(65536)[:1] == b"\x16"   # the server's handshake records
        reset(sock)
    _still_serves_tls(server, certs)
    assert fds_back_to(start_fds) <= start_fds


def test_pywsgi_a_stalled_tls_handshake_is_cut_off(threaded, certs):
    # Bounded by StreamServer.ssl_handshake_timeout (10 s by default; TIMEOUT here).
    from gserve.pywsgi import WSGIServer

    def make():
        server = WSGIServer(("127.0.0.1", 0), hello, log=None, error_log=Lines(),
                            keyfile=certs.key, certfile=certs.cert)
        server.ssl_handshake_timeout = TIMEOUT
        return server

    server = threaded(make)
    _still_serves_tls(server, certs)
    start_fds = open_fds()
    sock = socket.create_connection(server.address, timeout=5)
    sock.sendall(_client_hello(certs)[:20])   # and nothing more
    elapsed = cut_off(sock, lambda s: None, limit=int(3 * BOUND / 0.1))
    sock.close()
    assert elapsed is not None and elapsed < BOUND, elapsed
    _still_serves_tls(server, certs)
    assert fds_back_to(start_fds) <= start_fds
