"""gnet.ssl: cooperative TLS on loopback with certificates generated for the session."""

import errno
import ssl as stdssl
import time

import pytest

import ghub
from gnet import socket, ssl


@pytest.fixture
def server_context(certs):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs.cert, certs.key)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


@pytest.fixture
def client_context(certs):
    context = ssl.create_default_context(cafile=certs.ca)
    context.set_alpn_protocols(["http/1.1"])
    return context


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    sock.close()


@pytest.fixture
def tls_pair(listener, server_context, client_context):
    """A connected (client, server) pair of SSLSockets, handshakes done."""
    accepted = ghub.spawn(lambda: server_context.wrap_socket(listener.accept()[0],
                                                             server_side=True))
    client = client_context.wrap_socket(socket.create_connection(listener.getsockname()),
                                        server_hostname="localhost")
    server = accepted.get(timeout=10)
    yield client, server
    client.close()
    server.close()


def test_namespace():
    for name in ssl.__imports__:
        assert getattr(ssl, name) is getattr(stdssl, name), name
    assert ssl.SSLError is stdssl.SSLError and ssl.CERT_REQUIRED is stdssl.CERT_REQUIRED
    assert issubclass(ssl.SSLSocket, stdssl.SSLSocket)
    assert issubclass(ssl.SSLSocket, socket.socket)
    assert issubclass(ssl.SSLContext, stdssl.SSLContext)
    assert ssl.SSLContext.sslsocket_class is ssl.SSLSocket
    assert type(ssl.create_default_context()) is ssl.SSLContext
    assert type(ssl._create_unverified_context()) is ssl.SSLContext
    assert type(ssl._create_default_https_context()) is ssl.SSLContext


def test_handshake_and_echo(tls_pair):
    client, server = tls_pair
    assert type(client) is ssl.SSLSocket and isinstance(client, stdssl.SSLSocket)
    assert client.version() in ("TLSv1.2", "TLSv1.3")
    assert client.cipher()[0]
    assert client.selected_alpn_protocol() == "http/1.1"
    assert server.selected_alpn_protocol() == "http/1.1"
    assert client.getpeercert()["subject"] == ((("commonName", "localhost"),),)
    assert server.getpeercert() is None
    g = ghub.spawn(server.recv, 100)
    ghub.sleep(0.01)
    client.sendall(b"hello over tls")
    assert g.get(timeout=5) == b"hello over tls"
    server.write(b"reply")
    buf = bytearray(10)
    assert client.recv_into(buf) == 5 and buf[:5] == b"reply"
    server.send(b"abcdef")
    assert client.read(3) == b"abc"
    assert client.pending() == 3
    assert client.read(10) == b"def"


def test_large_transfer_in_both_directions_at_once(tls_pair):
    client, server = tls_pair
    payload = bytes(range(256)) * 8192   # 2 MiB

    def drain(sock, n):
        chunks, total = [], 0
        while total < n:
            chunk = sock.recv(65536)
            assert chunk
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)

    jobs = [ghub.spawn(client.sendall, payload), ghub.spawn(server.sendall, payload),
            ghub.spawn(drain, server, len(payload)), ghub.spawn(drain, client, len(payload))]
    ghub.joinall(jobs, timeout=30)
    assert all(job.successful() for job in jobs)
    assert jobs[2].value == payload and jobs[3].value == payload


def test_makefile(tls_pair):
    client, server = tls_pair
    wfile = client.makefile("wb")
    rfile = server.makefile("r", encoding="ascii", newline="\n")
    wfile.write(b"first\nsecond\n")
    wfile.flush()
    assert rfile.readline() == "first\n"
    assert rfile.readline() == "second\n"
    wfile.close()
    rfile.close()


def test_recv_timeout(tls_pair):
    client, _ = tls_pair
    client.settimeout(0.05)
    with pytest.raises(socket.timeout, match="The read operation timed out"):
        client.recv(10)


def test_close_while_another_greenlet_reads(tls_pair):
    client, _server = tls_pair
    reader = ghub.spawn(client.recv, 10)
    ghub.sleep(0.01)
    client.close()
    with pytest.raises(OSError) as info:
        reader.get(timeout=5)
    assert info.value.errno == errno.EBADF


def test_peer_close_is_end_of_stream(tls_pair):
    client, server = tls_pair
    reader = ghub.spawn(client.recv, 10)
    ghub.sleep(0.01)
    server.close()
    assert reader.get(timeout=5) == b""


def test_unwrap(tls_pair):
    client, server = tls_pair
    unwrapped = ghub.spawn(server.unwrap)
    plain_client = client.unwrap()
    plain_server = unwrapped.get(timeout=5)
    assert type(plain_client) is ssl.SSLSocket and plain_client._sslobj is None
    plain_client.sendall(b"clear")
    assert plain_server.recv(5) == b"clear"
    with pytest.raises(ValueError):
        client.unwrap()


def test_handshake_times_out_against_a_silent_peer(listener, client_context, fd_count):
    # The listener accepts at the kernel level but never speaks TLS.
    sock = socket.create_connection(listener.getsockname())
    sock.settimeout(0.2)
    before = fd_count()
    start = time.monotonic()
    with pytest.raises(socket.timeout, match="handshake operation timed out"):
        client_context.wrap_socket(sock, server_hostname="localhost")
    assert 0.15 < time.monotonic() - start < 5
    assert fd_count() == before - 1, "the wrapped socket must be closed"
    assert sock.fileno() == -1


def test_handshake_interrupted_by_timeout_closes_the_socket(listener, client_context, fd_count):
    sock = socket.create_connection(listener.getsockname())
    before = fd_count()
    with pytest.raises(ghub.Timeout):
        with ghub.Timeout(0.05):
            client_context.wrap_socket(sock, server_hostname="localhost")
    assert fd_count() == before - 1


def test_handshake_does_not_block_other_greenlets(listener, client_context):
    ticks = []

    def ticker():
        for _ in range(3):
            ticks.append(1)
            ghub.sleep(0.02)

    t = ghub.spawn(ticker)
    sock = socket.create_connection(listener.getsockname())
    sock.settimeout(0.2)
    with pytest.raises(socket.timeout):
        client_context.wrap_socket(sock, server_hostname="localhost")
    t.get(timeout=5)
    assert len(ticks) == 3


def test_verification_failure(listener, server_context):
    accepted = ghub.spawn(lambda: server_context.wrap_socket(listener.accept()[0],
                                                             server_side=True))
    strict = ssl.create_default_context()   # the system CAs do not know our CA
    with pytest.raises(ssl.SSLCertVerificationError):
        strict.wrap_socket(socket.create_connection(listener.getsockname()),
                           server_hostname="localhost")
    with pytest.raises(ssl.SSLError):
        accepted.get(timeout=5)


def test_module_level_wrap_socket(listener, certs):
    def serve():
        conn, _ = listener.accept()
        tls = ssl.wrap_socket(conn, keyfile=certs.key, certfile=certs.cert, server_side=True)
        data = tls.recv(100)
        tls.sendall(data[::-1])
        tls.close()

    server = ghub.spawn(serve)
    client = ssl.wrap_socket(socket.create_connection(listener.getsockname()))
    assert type(client) is ssl.SSLSocket
    client.sendall(b"stressed")
    assert client.recv(100) == b"desserts"
    client.close()
    server.get(timeout=5)
    verified = ssl.wrap_socket(socket.create_connection(listener.getsockname()),
                               cert_reqs=ssl.CERT_REQUIRED, ca_certs=certs.ca,
                               server_hostname="localhost", do_handshake_on_connect=False)
    server = ghub.spawn(serve)
    verified.do_handshake()
    assert verified.getpeercert()["subject"] == ((("commonName", "localhost"),),)
    verified.sendall(b"ab")
    assert verified.recv(2) == b"ba"
    verified.close()
    server.get(timeout=5)
    with socket.socket() as plain:
        with pytest.raises(ValueError, match="certfile must be specified"):
            ssl.wrap_socket(plain, server_side=True)


def test_wrap_then_connect_and_ssl_accept(listener, server_context, client_context):
    tls_listener = server_context.wrap_socket(listener, server_side=True)
    accepted = ghub.spawn(tls_listener.accept)
    client = client_context.wrap_socket(socket.socket(), server_hostname="localhost")
    client.connect(tls_listener.getsockname())
    conn, _addr = accepted.get(timeout=5)
    assert type(conn) is ssl.SSLSocket
    conn.sendall(b"hi")
    assert client.recv(2) == b"hi"
    conn.close()
    client.close()
    tls_listener.close()


def test_get_server_certificate(listener, server_context, certs):
    def serve():
        conn, _ = listener.accept()
        try:
            tls = server_context.wrap_socket(conn, server_side=True)
        except OSError:
            conn.close()
            return
        tls.close()

    server = ghub.spawn(serve)
    pem = ssl.get_server_certificate(listener.getsockname(), ca_certs=certs.ca, timeout=5)
    assert ssl.PEM_cert_to_DER_cert(pem) == certs.der
    server.get(timeout=5)


def test_non_blocking_handshake(listener, server_context, client_context):
    accepted = ghub.spawn(lambda: server_context.wrap_socket(listener.accept()[0],
                                                             server_side=True))
    sock = socket.create_connection(listener.getsockname())
    sock.setblocking(False)
    client = client_context.wrap_socket(sock, server_hostname="localhost",
                                        do_handshake_on_connect=False)
    wants = 0
    while True:
        try:
            client.do_handshake()
            break
        except ssl.SSLWantReadError:
            # A non-blocking socket's handshake says what it wants instead of waiting.
            wants += 1
            socket.wait_read(client.fileno(), timeout=5)
    assert wants >= 1 and client.version() is not None
    server = accepted.get(timeout=5)
    server.sendall(b"ok")
    client.settimeout(5)
    assert client.recv(2) == b"ok"
    server.close()
    client.close()
