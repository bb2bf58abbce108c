"""StreamServer, DatagramServer and what BaseServer gives them, with real sockets on loopback."""

import errno
import resource
import socket as stdsocket
import ssl as stdssl

import pytest
from conftest import open_fds

import ghub
import gnet.socket as gsocket
import gnet.ssl as gssl
from gserve.baseserver import BaseServer, parse_address
from gserve.server import DatagramServer, StreamServer
from gsync.event import Event
from gsync.pool import Pool


def echo(sock, address):
    while True:
        data = sock.recv(4096)
        if not data:
            return
        sock.sendall(data)


def connect(server):
    sock = gsocket.create_connection(("127.0.0.1", server.server_port), timeout=5)
    return sock


def roundtrip(sock, data=b"ping"):
    sock.sendall(data)
    received = b""
    while len(received) < len(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


# -- addresses and arguments -----------------------------------------------------------


@pytest.mark.parametrize("address, expected", [
    (("127.0.0.1", 80), (stdsocket.AF_INET, ("127.0.0.1", 80))),
    (("", 80), (stdsocket.AF_INET, ("0.0.0.0", 80))),
    (("::1", 80), (stdsocket.AF_INET6, ("::1", 80))),
    ("127.0.0.1:8080", (stdsocket.AF_INET, ("127.0.0.1", 8080))),
    ("[::1]:8080", (stdsocket.AF_INET6, ("::1", 8080))),
    (":8080", (stdsocket.AF_INET, ("0.0.0.0", 8080))),
    (8080, (stdsocket.AF_INET, ("0.0.0.0", 8080))),
])
def test_parse_address(address, expected):
    assert parse_address(address) == expected


@pytest.mark.parametrize("address, error, words", [
    (("127.0.0.1", 70000), ValueError, "0-65535"),
    (("127.0.0.1", "80"), TypeError, "port must be an int"),
    ((b"127.0.0.1", 80), TypeError, "host must be a str"),
    ("127.0.0.1", ValueError, "host:port"),
    ("host:http", ValueError, "not a number"),
    (None, TypeError, "listener"),
    (True, TypeError, "listener"),
])
def test_parse_address_errors(address, error, words):
    with pytest.raises(error, match=words):
        parse_address(address)


def test_spawn_arguments():
    with pytest.raises(ValueError):
        StreamServer(("127.0.0.1", 0), echo, spawn=0)
    with pytest.raises(TypeError, match="bool"):
        StreamServer(("127.0.0.1", 0), echo, spawn=True)
    with pytest.raises(TypeError, match="spawn must be"):
        StreamServer(("127.0.0.1", 0), echo, spawn="many")
    with pytest.raises(TypeError, match="handle must be callable"):
        StreamServer(("127.0.0.1", 0), 42)
    with pytest.raises(ValueError, match="backlog"):
        StreamServer(("127.0.0.1", 0), echo, backlog=0)
    server = StreamServer(("127.0.0.1", 0), echo, spawn=7)
    assert isinstance(server.pool, Pool) and server.pool.size == 7


def test_unknown_tls_argument_is_named():
    with pytest.raises(TypeError, match="certfil"):
        StreamServer(("127.0.0.1", 0), echo, certfil="x.pem")
    with pytest.raises(ValueError, match="certfile"):
        StreamServer(("127.0.0.1", 0), echo, keyfile="key.pem")


# -- serving ----------------------------------------------------------------------------


def test_echo_and_addresses():
    server = StreamServer(("127.0.0.1", 0), echo)
    assert not server.started and server.server_port == 0
    server.start()
    try:
        assert server.started and not server.closed
        assert server.server_host == "127.0.0.1" and server.server_port > 0
        assert server.address == ("127.0.0.1", server.server_port)
        socks = [connect(server) for _ in range(20)]
        for i, sock in enumerate(socks):
            assert roundtrip(sock, b"hello %d" % i) == b"hello %d" % i
        for sock in socks:
            sock.close()
    finally:
        server.stop()
    assert server.closed and not server.started


def test_ipv6_listener():
    if not stdsocket.has_ipv6:
        pytest.skip("this Python has no IPv6")
    try:
        probe = stdsocket.socket(stdsocket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    with StreamServer(("::1", 0), echo) as server:
        server.start()
        sock = gsocket.create_connection(("::1", server.server_port), timeout=5)
        assert roundtrip(sock) == b"ping"
        sock.close()


def test_listening_socket_given():
    listener = stdsocket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    server = StreamServer(listener, echo)
    assert server.server_port == port
    other = gsocket.socket()
    with pytest.raises(ValueError, match="backlog"):
        StreamServer(other, echo, backlog=5)
    other.close()
    with server:
        server.start()
        sock = connect(server)
        assert roundtrip(sock) == b"ping"
        sock.close()


def test_handle_method_of_a_subclass():
    class Upper(StreamServer):
        def handle(self, sock, address):
            sock.sendall(sock.recv(100).upper())

    with Upper(("127.0.0.1", 0)) as server:
        server.start()
        sock = connect(server)
        assert roundtrip(sock, b"abc") == b"ABC"
        assert sock.recv(10) == b""   # closed once handle returned
        sock.close()


def test_connection_closed_when_handle_returns_and_no_fd_leaks():
    before = open_fds()
    server = StreamServer(("127.0.0.1", 0), lambda sock, address: sock.sendall(b"bye"))
    server.start()
    for _ in range(30):
        sock = connect(server)
        assert sock.recv(10) == b"bye"
        assert sock.recv(10) == b""
        sock.close()
    server.stop()
    ghub.sleep(0)
    assert open_fds() == before


def test_failing_handle_prints_and_closes_only_its_connection(capsys):
    def handle(sock, address):
        data = sock.recv(100)
        if data == b"boom":
            raise ZeroDivisionError("handler bug")
        sock.sendall(data)

    with StreamServer(("127.0.0.1", 0), handle) as server:
        server.start()
        good, bad = connect(server), connect(server)
        bad.sendall(b"boom")
        assert bad.recv(10) == b""   # its connection is closed
        assert roundtrip(good, b"fine") == b"fine"   # the others go on
        good.close()
        bad.close()
        later = connect(server)
        assert roundtrip(later, b"still") == b"still"
        later.close()
    err = capsys.readouterr().err
    assert "ZeroDivisionError: handler bug" in err
    assert "failed with ZeroDivisionError" in err


def test_spawn_none_handles_inline_one_at_a_time():
    order = []

    def handle(sock, address):
        order.append(("start", sock.recv(10)))
        ghub.sleep(0.01)   # blocking is allowed inline
        order.append("end")
        sock.sendall(b"ok")

    with StreamServer(("127.0.0.1", 0), handle, spawn=None) as server:
        server.start()
        a, b = connect(server), connect(server)
        a.sendall(b"a")
        b.sendall(b"b")
        assert a.recv(10) == b"ok" and b.recv(10) == b"ok"
        a.close()
        b.close()
    assert order == [("start", b"a"), "end", ("start", b"b"), "end"]


def test_spawn_callable():
    spawned = []

    def spawn(function, *args):
        spawned.append(args[1])
        return ghub.spawn(function, *args)

    with StreamServer(("127.0.0.1", 0), echo, spawn=spawn) as server:
        server.start()
        sock = connect(server)
        assert roundtrip(sock) == b"ping"
        assert spawned == [sock.getsockname()]
        sock.close()


def test_full_pool_stops_accepting_and_resumes():
    release = Event()
    events = []

    def handle(sock, address):
        events.append(("handling", sock.recv(10)))
        release.wait()
        sock.sendall(b"done")

    pool = Pool(2)
    with StreamServer(("127.0.0.1", 0), handle, spawn=pool) as server:
        server.start()
        socks = [connect(server) for _ in range(3)]
        for i, sock in enumerate(socks):
            sock.sendall(b"c%d" % i)
        ghub.sleep(0.1)
        # Two handlers run; the third connection waits in the kernel's backlog.
        assert sorted(events) == [("handling", b"c0"), ("handling", b"c1")]
        assert pool.full()
        release.set()
        assert socks[0].recv(10) == b"done" and socks[1].recv(10) == b"done"
        assert socks[2].recv(10) == b"done"   # accepted once a slot freed
        assert events[2] == ("handling", b"c2")
        for sock in socks:
            sock.close()


def test_serve_forever_returns_on_stop():
    server = StreamServer(("127.0.0.1", 0), echo)
    stopper = ghub.spawn_later(0.05, server.stop)
    server.serve_forever()
    assert server.closed and not server.started
    assert stopper.dead
    with pytest.raises(RuntimeError, match="stopped"):
        server.start()


def test_stop_waits_for_handlers_then_kills_them():
    finished, killed = [], []

    def handle(sock, address):
        delay = float(sock.recv(10))
        try:
            ghub.sleep(delay)
            finished.append(delay)
        except ghub.GreenletExit:
            killed.append(delay)
            raise

    server = StreamServer(("127.0.0.1", 0), handle)
    server.start()
    quick, slow = connect(server), connect(server)
    quick.sendall(b"0.05")
    slow.sendall(b"30")
    ghub.sleep(0.02)
    server.stop(timeout=0.3)
    assert finished == [0.05]
    assert killed == [30.0]
    assert len(server.pool) == 0
    # Stopped: no more connections.
    with pytest.raises(ConnectionRefusedError):
        connect(server)
    quick.close()
    slow.close()


def test_stop_from_a_handler():
    def handle(sock, address):
        sock.sendall(b"stopping")
        server.stop()

    server = StreamServer(("127.0.0.1", 0), handle)
    server.start()
    sock = connect(server)
    assert sock.recv(20) == b"stopping"
    ghub.sleep(0.01)
    assert server.closed
    sock.close()


def test_set_methods_refused_once_started():
    server = StreamServer(("127.0.0.1", 0), echo)
    server.start()
    try:
        with pytest.raises(RuntimeError, match="listener"):
            server.set_listener(("127.0.0.1", 0))
        with pytest.raises(RuntimeError, match="spawns"):
            server.set_spawn(5)
    finally:
        server.stop()


def test_accept_backs_off_when_out_of_descriptors_and_recovers():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    server = StreamServer(("127.0.0.1", 0), echo)
    server.min_delay = 0.01
    server.start()
    client = gsocket.socket()
    client.settimeout(5)
    hoard = []
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_fds() + 20, hard))
        while True:
            try:
                hoard.append(open("/dev/null"))
            except OSError as exc:
                assert exc.errno == errno.EMFILE
                break
        client.connect(server.address)   # the kernel completes it; accept() gets EMFILE
        ghub.sleep(0.1)                 # the server backs off and retries meanwhile
        assert server.started
        for f in hoard:
            f.close()
        hoard.clear()
        assert roundtrip(client, b"after") == b"after"
    finally:
        for f in hoard:
            f.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        client.close()
        server.stop()


def test_unexpected_accept_error_is_reported_and_survived(capsys):
    class Flaky(StreamServer):
        failures = 2

        def do_read(self):
            if self.failures:
                self.failures -= 1
                raise OSError(errno.EINVAL, "simulated accept failure")
            return StreamServer.do_read(self)

    with Flaky(("127.0.0.1", 0), echo) as server:
        server.min_delay = 0.001
        server.start()
        sock = connect(server)
        assert roundtrip(sock) == b"ping"
        sock.close()
    assert capsys.readouterr().err.count("simulated accept failure") >= 1


def test_base_server_without_handle_says_so():
    class Bare(BaseServer):
        def init_socket(self):
            pass

    with pytest.raises(NotImplementedError, match="handle"):
        Bare(("127.0.0.1", 0)).handle()


# -- TLS ----------------------------------------------------------------------------------


def tls_client(certs, server):
    context = gssl.create_default_context(cafile=certs.ca)
    raw = gsocket.create_connection(("127.0.0.1", server.server_port), timeout=5)
    return context.wrap_socket(raw, server_hostname="localhost")


def test_tls_with_certfile(certs):
    with StreamServer(("127.0.0.1", 0), echo, keyfile=certs.key, certfile=certs.cert) as server:
        assert server.ssl_enabled
        server.start()
        sock = tls_client(certs, server)
        assert roundtrip(sock, b"secret") == b"secret"
        assert sock.version().startswith("TLS")
        sock.close()


def test_tls_with_stdlib_context(certs):
    context = stdssl.SSLContext(stdssl.PROTOCOL_TLS_SERVER)   # the stdlib's, not gnet's
    context.load_cert_chain(certs.cert, certs.key)
    with StreamServer(("127.0.0.1", 0), echo, ssl_context=context) as server:
        server.start()
        sock = tls_client(certs, server)
        assert roundtrip(sock) == b"ping"
        sock.close()


def test_silent_tls_client_does_not_stall_accepts(certs):
    with StreamServer(("127.0.0.1", 0), echo, keyfile=certs.key, certfile=certs.cert) as server:
        server.ssl_handshake_timeout = 0.2
        server.start()
        silent = connect(server)     # connects, never says hello
        ghub.sleep(0.02)
        sock = tls_client(certs, server)
        assert roundtrip(sock) == b"ping"
        sock.close()
        # The silent one is dropped after the handshake timeout, quietly.
        assert silent.recv(10) == b""
        silent.close()


def test_failed_handshake_closes_quietly(certs, capsys):
    with StreamServer(("127.0.0.1", 0), echo, keyfile=certs.key, certfile=certs.cert) as server:
        server.start()
        sock = connect(server)
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")   # not TLS
        try:
            answer = sock.recv(100)
        except ConnectionResetError:
            answer = b""
        assert b"GET" not in answer   # never reached the handler (which would echo it)
        sock.close()
        good = tls_client(certs, server)
        assert roundtrip(good) == b"ping"
        good.close()
    assert "Traceback" not in capsys.readouterr().err


# -- UDP ------------------------------------------------------------------------------------


def test_datagram_server_echo():
    def handle(data, address):
        server.sendto(data.upper(), address)

    server = DatagramServer(("127.0.0.1", 0), handle)
    with server:
        server.start()
        client = gsocket.socket(stdsocket.AF_INET, stdsocket.SOCK_DGRAM)
        client.settimeout(5)
        for word in (b"one", b"two", b"three"):
            client.sendto(word, ("127.0.0.1", server.server_port))
            assert client.recvfrom(100) == (word.upper(), ("127.0.0.1", server.server_port))
        client.close()
