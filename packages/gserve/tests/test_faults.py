"""Faults and slow clients against both WSGI servers, on real sockets (127.0.0.1).

Resets in the middle of a request head or of a response: the server keeps
serving everyone else, and the process's descriptor count comes back to
where it started. (The slow-client tests are not here yet:
docs/reliability.md says what was found.)
"""

import socket
import struct
import time

import pytest
import requests
from conftest import open_fds
from test_wsgi_servers import SERVERS, Lines, hello

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
                           body_timeout=TIMEOUT)
        else:
            options.update(timeout=TIMEOUT)
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
