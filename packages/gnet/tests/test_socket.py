"""gnet.socket: cooperative sockets on loopback — waiting, timeouts, close, shutdown, duplex."""

import errno
import io
import os
import socket as stdsocket
import struct
import sys
import threading
import time

import pytest

import ghub
from gnet import socket

# -- helpers ---------------------------------------------------------------------------


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    yield sock
    sock.close()


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def tcp_pair(listener):
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    yield client, server
    client.close()
    server.close()


def fill(sock):
    """Fill ``sock``'s send buffer (and the peer's receive buffer); return bytes sent."""
    sock.setblocking(False)
    total = 0
    chunk = b"x" * 65536
    try:
        while True:
            total += sock.send(chunk)
    except BlockingIOError:
        pass
    sock.setblocking(True)
    return total


# -- the namespace -----------------------------------------------------------------------


def test_namespace_is_the_stdlib_s_except_what_gnet_implements():
    for name in socket.__imports__:
        assert getattr(socket, name) is getattr(stdsocket, name), name
    for name in socket.__implements__:
        assert getattr(socket, name) is not getattr(stdsocket, name), name
    assert socket.timeout is TimeoutError
    assert socket.error is OSError
    assert socket._GLOBAL_DEFAULT_TIMEOUT is stdsocket._GLOBAL_DEFAULT_TIMEOUT
    assert set(socket.__implements__) <= set(socket.__all__)
    assert socket.SocketType is socket.socket


def test_dns_lists_the_resolver_functions():
    assert socket.__dns__ == ["getaddrinfo", "gethostbyname", "gethostbyname_ex",
                              "gethostbyaddr", "getnameinfo", "getfqdn"]
    assert set(socket.__dns__) <= set(socket.__implements__)
    for name in socket.__dns__:
        assert getattr(socket, name).__module__ == "gnet.socket", name


def test_is_a_stdlib_socket(pair):
    a, _ = pair
    assert isinstance(a, stdsocket.socket)
    assert a.family == socket.AF_UNIX and a.type == socket.SOCK_STREAM
    assert "gnet.socket.socket" in repr(a)


def test_descriptor_is_non_blocking_but_timeout_is_emulated(pair):
    a, _ = pair
    assert os.get_blocking(a.fileno()) is False
    assert a.gettimeout() is None and a.timeout is None and a.getblocking()
    a.settimeout(2.5)
    assert a.gettimeout() == 2.5 and a.timeout == 2.5
    a.setblocking(False)
    assert a.gettimeout() == 0.0 and not a.getblocking()
    a.setblocking(True)
    assert a.gettimeout() is None


def test_setblocking_and_settimeout_on_an_invalid_descriptor_raise_ebadf():
    first = socket.socket()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, first.fileno())
    first.close()   # sock's descriptor is now invalid
    try:
        for call in (lambda: sock.setblocking(False), lambda: sock.setblocking(True),
                     lambda: sock.settimeout(1.0), lambda: sock.settimeout(None)):
            with pytest.raises(OSError) as info:
                call()
            assert info.value.errno == errno.EBADF
        assert sock.gettimeout() is None   # a failed call changes nothing
    finally:
        sock.detach()


def test_setblocking_and_settimeout_on_a_closed_socket_raise_ebadf(pair):
    a, _ = pair
    a.close()
    for call in (lambda: a.setblocking(False), lambda: a.settimeout(2.0)):
        with pytest.raises(OSError) as info:
            call()
        assert info.value.errno == errno.EBADF


def test_setblocking_takes_an_integer_as_the_stdlib(pair):
    a, _ = pair
    reference = stdsocket.socket()
    try:
        for sock in (a, reference):
            with pytest.raises(TypeError, match="'float' object cannot be interpreted"):
                sock.setblocking(1.5)
    finally:
        reference.close()
    a.setblocking(0)
    assert a.gettimeout() == 0.0
    a.setblocking(7)
    assert a.gettimeout() is None


@pytest.mark.parametrize("bad, exc, message", [
    (-1, ValueError, "Timeout value out of range"),
    (float("nan"), ValueError, "NaN"),
    ("1", TypeError, "cannot be interpreted as an integer"),
])
def test_settimeout_rejects_what_the_stdlib_rejects(pair, bad, exc, message):
    with pytest.raises(exc, match=message):
        pair[0].settimeout(bad)
    reference = stdsocket.socket()
    try:
        with pytest.raises(exc, match=message):
            reference.settimeout(bad)
    finally:
        reference.close()


def test_global_default_timeout_is_honoured(listener):
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(0.1)
    try:
        sock = socket.socket()
        assert sock.gettimeout() == 0.1
        sock.connect(listener.getsockname())
        start = time.monotonic()
        with pytest.raises(socket.timeout, match="timed out"):
            sock.recv(1)
        assert time.monotonic() - start >= 0.09
        sock.close()
        accepted, _ = listener.accept()
        assert accepted.gettimeout() == 0.1
        accepted.close()
    finally:
        socket.setdefaulttimeout(previous)


def test_sock_nonblock_type_means_non_blocking():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
    assert sock.gettimeout() == 0.0
    sock.close()


# -- data ----------------------------------------------------------------------------


def test_echo_between_greenlets(tcp_pair):
    client, server = tcp_pair
    order = []

    def serve():
        data = server.recv(100)
        order.append(("server got", data))
        server.sendall(data.upper())

    g = ghub.spawn(serve)
    order.append("client sends")
    client.sendall(b"hello")
    assert client.recv(100) == b"HELLO"
    order.append("client got reply")
    g.get()
    assert order == ["client sends", ("server got", b"hello"), "client got reply"]


def test_recv_into_recvfrom_recvfrom_into(pair):
    a, b = pair
    b.sendall(b"abcdefgh")
    buf = bytearray(4)
    assert a.recv_into(buf) == 4 and buf == b"abcd"
    data, _addr = a.recvfrom(2)
    assert data == b"ef"
    buf2 = bytearray(10)
    n, _addr = a.recvfrom_into(buf2)
    assert buf2[:n] == b"gh"


def test_recv_waits_for_data(pair):
    a, b = pair
    ghub.spawn_later(0.05, b.sendall, b"late")
    assert a.recv(10) == b"late"


def test_recv_timeout(pair):
    a, _ = pair
    a.settimeout(0.05)
    with pytest.raises(socket.timeout) as info:
        a.recv(1)
    assert str(info.value) == "timed out"
    assert isinstance(info.value, TimeoutError)


def test_non_blocking_raises_blocking_io_error(pair):
    """The error of a call that would block is the stdlib's: same type, errno and text."""
    a, _ = pair
    a.setblocking(False)
    std_a, std_b = stdsocket.socketpair()
    with std_a, std_b:
        std_a.setblocking(False)
        with pytest.raises(BlockingIOError) as info:
            std_a.recv(1)
        reference = info.value
    with pytest.raises(BlockingIOError) as info:
        a.recv(1)
    assert (info.value.errno, info.value.strerror) == (reference.errno, reference.strerror)
    with pytest.raises(BlockingIOError) as info:
        a.recv_into(bytearray(4))
    assert info.value.errno == reference.errno
    big = b"x" * (1 << 20)
    with pytest.raises(BlockingIOError) as info:
        for _ in range(100):   # fills the socketpair's buffers in a few calls
            a.send(big)
    assert info.value.errno == reference.errno


@pytest.mark.parametrize("timeout", [None, 5.0])
def test_msg_dontwait_never_waits(pair, timeout):
    """Any call with MSG_DONTWAIT raises BlockingIOError at once, whatever the timeout."""
    a, _b = pair
    a.settimeout(timeout)
    dontwait = socket.MSG_DONTWAIT
    ran = []
    ghub.spawn(ran.append, "other")   # runs only if one of the calls goes through the hub
    receivers = [
        lambda: a.recv(1, dontwait),
        lambda: a.recv_into(bytearray(1), 0, dontwait),
        lambda: a.recvfrom(1, dontwait),
        lambda: a.recvfrom_into(bytearray(1), 0, dontwait),
        lambda: a.recvmsg(1, 0, dontwait),
        lambda: a.recvmsg_into([bytearray(1)], 0, dontwait),
    ]
    for call in receivers:
        with pytest.raises(BlockingIOError):
            call()
    chunk = b"a" * 65536
    with pytest.raises(BlockingIOError):
        while True:   # fill the buffers, as CPython's testSendmsgDontWait does
            a.sendmsg([chunk], [], dontwait)
    senders = [
        lambda: a.sendmsg([chunk], [], dontwait),
        lambda: a.send(chunk, dontwait),
        lambda: a.sendall(chunk, dontwait),
    ]
    for call in senders:
        with pytest.raises(BlockingIOError):
            call()
    assert ran == []
    ghub.sleep(0)
    assert ran == ["other"]


def test_msg_dontwait_on_datagram_sockets():
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        receiver.bind(f"\0gnet-test-dontwait-{os.getpid()}")   # an abstract address
        address = receiver.getsockname()
        ran = []
        ghub.spawn(ran.append, "other")
        with pytest.raises(BlockingIOError):
            receiver.recvfrom(10, socket.MSG_DONTWAIT)
        with pytest.raises(BlockingIOError):
            for _ in range(100000):   # until the receiver's queue is full
                sender.sendto(b"d" * 1024, socket.MSG_DONTWAIT, address)
        with pytest.raises(BlockingIOError):
            sender.sendto(b"d" * 1024, socket.MSG_DONTWAIT, address)
        assert ran == []
        assert receiver.recvfrom(2048, socket.MSG_DONTWAIT)[0] == b"d" * 1024
    finally:
        receiver.close()
        sender.close()
    ghub.sleep(0)


def test_flags_without_msg_dontwait_still_wait(pair):
    a, b = pair
    ghub.spawn_later(0.01, b.sendall, b"peek")
    assert a.recv(10, socket.MSG_PEEK) == b"peek"
    assert a.recv(10) == b"peek"


def test_sendall_large_buffer_without_copy(tcp_pair):
    # sendall sends from the caller's buffer, not from a copy of it: bytes the
    # caller changes before they were sent go out changed. (With small socket
    # buffers, most of the 4 MiB is still unsent when the reader changes the tail.)
    client, server = tcp_pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    size = 4 * 1024 * 1024
    payload = bytearray(b"a" * size)
    received = []

    def reader():
        total = 0
        while total < size:
            chunk = server.recv(1 << 20)
            assert chunk
            if not received:
                payload[-(1 << 20):] = b"b" * (1 << 20)   # after the first chunk arrived
            received.append(chunk)
            total += len(chunk)

    g = ghub.spawn(reader)
    client.sendall(memoryview(payload))
    g.get()
    data = b"".join(received)
    assert len(data) == size and data.endswith(b"b" * (1 << 20))


def test_sendall_accepts_non_byte_buffers(pair):
    import array
    a, b = pair
    data = array.array("i", range(1000))

    def reader():
        chunks = []
        while True:
            chunk = b.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    g = ghub.spawn(reader)
    a.sendall(data)
    a.shutdown(socket.SHUT_WR)
    assert g.get() == data.tobytes()


def test_sendall_timeout_bounds_the_whole_call(tcp_pair):
    # The peer keeps reading, a little every 20 ms, so each wait for room ends
    # well within the timeout; the timeout bounds the whole call all the same
    # (at the reader's pace, 16 MiB would take seconds).
    client, server = tcp_pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    received = [0]

    def slow_reader():
        while True:
            ghub.sleep(0.02)
            data = server.recv(1 << 16)
            if not data:
                return
            received[0] += len(data)

    reader = ghub.spawn(slow_reader)
    client.settimeout(0.3)
    start = time.monotonic()
    with pytest.raises(socket.timeout):
        client.sendall(b"y" * (16 << 20))
    elapsed = time.monotonic() - start
    reader.kill()
    assert received[0] > 0    # the peer did read meanwhile
    assert elapsed < 2


def test_full_duplex_reader_and_writer_do_not_cancel_each_other(tcp_pair):
    client, server = tcp_pair
    total = fill(client)
    events = []

    def reader():
        events.append(("read", client.recv(5)))

    def writer():
        client.sendall(b"z" * 100000)
        events.append("written")

    r = ghub.spawn(reader)
    w = ghub.spawn(writer)
    ghub.sleep(0.05)
    assert events == []   # both blocked on the same socket
    server.sendall(b"hello")
    r.get(timeout=5)
    assert events == [("read", b"hello")]
    # drain what the client sent: the writer finishes
    expected = total + 100000
    got = 0
    while got < expected:
        got += len(server.recv(1 << 20))
    w.get(timeout=5)
    assert events == [("read", b"hello"), "written"]


def test_two_readers_on_one_socket_is_an_error(pair):
    a, b = pair
    first = ghub.spawn(a.recv, 10)
    ghub.sleep(0)
    with pytest.raises(RuntimeError, match="already waiting to read"):
        a.recv(10)
    b.sendall(b"ok")
    assert first.get(timeout=5) == b"ok"


# -- close and shutdown ------------------------------------------------------------------


def test_close_wakes_a_blocked_reader_with_ebadf(pair):
    a, _b = pair
    order = []

    def reader():
        try:
            a.recv(10)
        except OSError as exc:
            order.append(exc.errno)
            raise

    g = ghub.spawn(reader)
    ghub.sleep(0.01)
    order.append("closing")
    a.close()
    with pytest.raises(OSError) as info:
        g.get(timeout=5)
    assert info.value.errno == errno.EBADF
    assert "closed in another greenlet" in str(info.value)
    assert order == ["closing", errno.EBADF]


def test_close_wakes_reader_and_writer(tcp_pair):
    client, _server = tcp_pair
    fill(client)
    reader = ghub.spawn(client.recv, 10)
    writer = ghub.spawn(client.sendall, b"w" * 100000)
    ghub.sleep(0.01)
    client.close()
    for g in (reader, writer):
        with pytest.raises(OSError) as info:
            g.get(timeout=5)
        assert info.value.errno == errno.EBADF


def test_close_while_accepting(listener):
    g = ghub.spawn(listener.accept)
    ghub.sleep(0.01)
    listener.close()
    with pytest.raises(OSError) as info:
        g.get(timeout=5)
    assert info.value.errno == errno.EBADF


def test_close_with_a_makefile_open_does_not_interrupt(pair):
    a, b = pair
    f = a.makefile("rb")
    g = ghub.spawn(f.read, 3)
    ghub.sleep(0.01)
    a.close()    # the file keeps the descriptor: the reader keeps waiting
    b.sendall(b"abc")
    assert g.get(timeout=5) == b"abc"
    f.close()
    assert a.fileno() == -1


def test_detach_wakes_waiters(pair):
    a, _b = pair
    g = ghub.spawn(a.recv, 1)
    ghub.sleep(0.01)
    fd = a.detach()
    with pytest.raises(OSError):
        g.get(timeout=5)
    os.close(fd)


def test_shutdown_read_interrupts_a_blocked_reader(tcp_pair):
    client, _server = tcp_pair
    g = ghub.spawn(client.recv, 10)
    ghub.sleep(0.01)
    client.shutdown(socket.SHUT_RD)
    assert g.get(timeout=5) == b""


def test_shutdown_write_interrupts_a_blocked_writer(tcp_pair):
    client, _server = tcp_pair
    fill(client)
    reader = ghub.spawn(client.recv, 10)
    writer = ghub.spawn(client.sendall, b"w" * 100000)
    ghub.sleep(0.01)
    client.shutdown(socket.SHUT_WR)
    with pytest.raises(BrokenPipeError):
        writer.get(timeout=5)
    assert not reader.ready(), "shutting down the write side must not wake the reader"
    reader.kill()


def test_context_manager_closes(pair):
    a, _ = pair
    with a as same:
        assert same is a
    assert a.fileno() == -1


# -- connect / accept --------------------------------------------------------------------


def test_accept_returns_gnet_sockets(listener):
    client = socket.socket()
    g = ghub.spawn(listener.accept)
    client.connect(listener.getsockname())
    conn, addr = g.get(timeout=5)
    assert type(conn) is socket.socket
    assert addr == client.getsockname()
    assert conn.gettimeout() is None
    conn.close()
    client.close()


def test_accept_timeout(listener):
    listener.settimeout(0.05)
    with pytest.raises(socket.timeout):
        listener.accept()


def test_connect_refused(listener):
    port = listener.getsockname()[1]
    listener.close()
    sock = socket.socket()
    with pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
    sock.close()
    sock = socket.socket()
    assert sock.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
    sock.close()


def test_connect_with_a_host_name(listener, dns):
    sock = socket.socket()
    sock.connect(("loop.test", listener.getsockname()[1]))
    conn, _ = listener.accept()
    assert sock.getpeername() == conn.getsockname()
    conn.close()
    sock.close()
    assert ("loop.test", 1) in dns.queries


def test_connect_timeout():
    # A listener whose backlog is full drops SYNs: connect() can only time out.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    try:
        for _ in range(16):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(server.getsockname())
            fillers.append(s)
        sock = socket.socket()
        sock.settimeout(0.2)
        with pytest.raises(socket.timeout):
            for _ in range(8):   # the kernel may still queue a few
                sock.connect(server.getsockname())
                sock.close()
                sock = socket.socket()
                sock.settimeout(0.2)
                fillers.append(sock)
        assert sock.connect_ex(server.getsockname()) in (errno.EWOULDBLOCK, errno.EALREADY)
        sock.close()
    finally:
        for s in fillers:
            s.close()
        server.close()


def test_create_connection_refused_leaks_no_fd(listener, fd_count):
    port = listener.getsockname()[1]
    listener.close()
    before = fd_count()
    for _ in range(20):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port))
    assert fd_count() == before


def test_create_connection_interrupted_leaks_no_fd(fd_count):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    try:
        for _ in range(16):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(server.getsockname())
            fillers.append(s)
        before = fd_count()
        for _ in range(3):
            with pytest.raises(ghub.Timeout):
                with ghub.Timeout(0.05):
                    while True:   # the backlog eventually drops the SYNs
                        fillers.append(socket.create_connection(server.getsockname()))
                        before += 1
        assert fd_count() == before
    finally:
        for s in fillers:
            s.close()
        server.close()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is Python 3.11+")
def test_create_connection_all_errors(listener):
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(ExceptionGroup) as info:  # noqa: F821 (Python 3.11+)
        socket.create_connection(("localhost", port), timeout=0.5, all_errors=True)
    assert info.value.exceptions
    assert all(isinstance(exc, ConnectionRefusedError) for exc in info.value.exceptions)


def test_create_connection_with_timeout_and_source(listener):
    sock = socket.create_connection(listener.getsockname(), timeout=3,
                                    source_address=("127.0.0.1", 0))
    assert sock.gettimeout() == 3
    conn, addr = listener.accept()
    assert addr == sock.getsockname()
    conn.close()
    sock.close()


def test_create_server_returns_a_gnet_socket():
    server = socket.create_server(("127.0.0.1", 0))
    assert type(server) is socket.socket
    client = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    conn.close()
    client.close()
    server.close()


# -- datagrams, messages, files ---------------------------------------------------------------


def test_udp_sendto_recvfrom():
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    g = ghub.spawn(a.recvfrom, 100)
    ghub.sleep(0)
    b.sendto(b"ping", a.getsockname())
    data, addr = g.get(timeout=5)
    assert (data, addr) == (b"ping", b.getsockname())
    b.sendto(b"pong", 0, a.getsockname())
    assert a.recvfrom(100)[0] == b"pong"
    a.close()
    b.close()


def _bad_sendto_calls(address):
    return [
        ("\u2620", address), (5j, address), (b"foo", None),
        ("\u2620", 0, address), (5j, 0, address), (b"foo", 0, None),
        (b"foo", "bar", address), (b"foo", None, None),
        (b"foo",), (b"foo", 0, address, 4), (b"foo", "not an address"),
    ]


def test_sendto_bad_arguments_raise_the_stdlib_s_errors():
    ours = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    reference = stdsocket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ours.bind(("127.0.0.1", 0))
        reference.bind(("127.0.0.1", 0))
        calls = _bad_sendto_calls(ours.getsockname())
        for args in calls:
            with pytest.raises(TypeError) as expected:
                reference.sendto(*args)
            with pytest.raises(TypeError) as got:
                ours.sendto(*args)
            assert str(got.value) == str(expected.value), args
    finally:
        ours.close()
        reference.close()


def test_getnameinfo_bad_argument_keeps_no_reference():
    argument = "".join(["not ", "an ", "address"])   # an object of this test's own
    before = sys.getrefcount(argument)
    try:
        socket.getnameinfo(argument, 0)
    except TypeError as exc:
        # The traceback (alive here) holds getnameinfo's frame: it must not hold the argument.
        assert sys.getrefcount(argument) == before
        assert str(exc) == "getnameinfo() argument 1 must be a tuple"
    else:
        pytest.fail("getnameinfo accepted a str")


@pytest.mark.parametrize("args", [
    (("127.0.0.1", 80), "x"), (("127.0.0.1", 80), 1.5), (("127.0.0.1",), 0), ("127.0.0.1", 0),
])
def test_getnameinfo_bad_arguments_raise_the_stdlib_s_errors(args):
    with pytest.raises(TypeError) as expected:
        stdsocket.getnameinfo(*args)
    with pytest.raises(TypeError) as got:
        socket.getnameinfo(*args)
    assert str(got.value) == str(expected.value)


def test_sendmsg_recvmsg_with_fds(pair):
    a, b = pair
    r, w = os.pipe()
    try:
        socket.send_fds(a, [b"fd"], [w])
        data, fds, _flags, _addr = socket.recv_fds(b, 10, 1)
        assert data == b"fd" and len(fds) == 1
        os.write(fds[0], b"!")
        os.close(fds[0])
        assert os.read(r, 1) == b"!"
        g = ghub.spawn(b.recvmsg, 10)
        ghub.sleep(0)
        a.sendmsg([b"ab", b"cd"])
        assert g.get(timeout=5)[0] == b"abcd"
        buf = bytearray(4)
        a.sendmsg([b"wxyz"])
        assert b.recvmsg_into([buf])[0] == 4 and buf == b"wxyz"
    finally:
        os.close(r)
        os.close(w)


def test_sendfile(tcp_pair, tmp_path):
    client, server = tcp_pair
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "payload"
    path.write_bytes(data)
    received = []

    def reader():
        total = 0
        while total < len(data):
            chunk = server.recv(1 << 20)
            received.append(chunk)
            total += len(chunk)

    g = ghub.spawn(reader)
    with open(path, "rb") as f:
        assert client.sendfile(f) == len(data)
        assert f.tell() == len(data)
    g.get(timeout=10)
    assert b"".join(received) == data
    # offset/count, and a non-regular file falls back on send()
    with open(path, "rb") as f:
        assert client.sendfile(f, 10, 5) == 5
    assert server.recv(5) == data[10:15]
    assert client.sendfile(io.BytesIO(b"in memory")) == 9
    assert server.recv(9) == b"in memory"


def test_makefile_binary_and_text(tcp_pair):
    client, server = tcp_pair
    wfile = client.makefile("w", encoding="utf-8", newline="\n")
    rfile = server.makefile("rb")
    wfile.write("line one\nline two\n")
    wfile.flush()
    assert rfile.readline() == b"line one\n"
    assert rfile.readline() == b"line two\n"
    g = ghub.spawn(rfile.read, 5)
    ghub.sleep(0.01)
    client.sendall(b"12345")
    assert g.get(timeout=5) == b"12345"
    wfile.close()
    rfile.close()


def test_makefile_timeout(pair):
    a, _ = pair
    a.settimeout(0.05)
    f = a.makefile("rb")
    with pytest.raises(socket.timeout):
        f.read(1)
    f.close()


def test_dup_shares_the_connection(pair):
    a, b = pair
    a.settimeout(4)
    c = a.dup()
    assert type(c) is socket.socket and c.gettimeout() == 4
    assert c.fileno() != a.fileno()
    a.close()
    b.sendall(b"dup")
    assert c.recv(3) == b"dup"
    c.close()


def test_fromfd(pair):
    a, b = pair
    c = socket.fromfd(a.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)
    assert type(c) is socket.socket
    b.sendall(b"x")
    assert c.recv(1) == b"x"
    c.close()


# -- wait_read / wait_write ---------------------------------------------------------------


def test_wait_read_write_readwrite(pair):
    a, b = pair
    ghub.spawn_later(0.02, b.sendall, b"!")
    socket.wait_read(a.fileno(), timeout=5)
    assert a.recv(1) == b"!"
    socket.wait_write(a, timeout=5)
    socket.wait_readwrite(a.fileno(), timeout=5)


def test_wait_read_timeout(pair):
    a, _ = pair
    with pytest.raises(socket.timeout, match="timed out"):
        socket.wait_read(a.fileno(), timeout=0.02)

    class Custom(Exception):
        pass

    with pytest.raises(Custom):
        socket.wait_read(a.fileno(), timeout=0.02, timeout_exc=Custom("mine"))
    with pytest.raises(ValueError):
        socket.wait_read(a.fileno(), timeout=-1)
    with pytest.raises(TypeError):
        socket.wait_read("not a socket")


def test_many_greenlets_may_wait_read_on_one_fd(pair):
    a, b = pair
    jobs = [ghub.spawn(socket.wait_read, a.fileno(), 5) for _ in range(3)]
    ghub.sleep(0.01)
    b.sendall(b"x")
    ghub.joinall(jobs, timeout=5)
    assert all(j.successful() for j in jobs)


# -- 1,000 connections -------------------------------------------------------------------


def test_thousand_concurrent_connections_echo(listener, nofile):
    n = 1000
    if not nofile(2 * n + 100):
        pytest.skip("RLIMIT_NOFILE cannot be raised to 2,100 descriptors here")
    listener.listen(n)
    handlers = []

    def handle(conn):
        with conn:
            while True:
                data = conn.recv(1024)
                if not data:
                    return
                conn.sendall(data)

    def serve():
        for _ in range(n):
            conn, _addr = listener.accept()
            handlers.append(ghub.spawn(handle, conn))

    server = ghub.spawn(serve)
    connected = []

    def client(i):
        with socket.create_connection(listener.getsockname()) as sock:
            connected.append(i)
            while len(connected) < n:   # everybody connected before anybody talks
                ghub.sleep(0.01)
            for k in range(3):
                message = f"{i}:{k}".encode()
                sock.sendall(message)
                assert sock.recv(1024) == message
        return i

    clients = [ghub.spawn(client, i) for i in range(n)]
    ghub.joinall(clients, timeout=50)
    assert [c.value for c in clients] == list(range(n))
    server.get(timeout=5)
    ghub.joinall(handlers, timeout=10)
    assert len(handlers) == n and all(h.successful() for h in handlers)


# -- threads -------------------------------------------------------------------------------


def test_each_thread_waits_through_its_own_hub(listener):
    results = []

    def in_thread():
        hub = ghub.get_hub()
        assert hub is not main_hub
        sock = socket.create_connection(listener.getsockname())
        with sock:
            sock.sendall(b"from a thread")
            results.append(sock.recv(100))
            results.append(sock._read_event.loop is hub.loop)

    main_hub = ghub.get_hub()
    thread = threading.Thread(target=in_thread)
    thread.start()
    conn, _ = listener.accept()
    with conn:
        data = conn.recv(100)
        ghub.sleep(0.05)   # the thread's recv() has to wait
        conn.sendall(data.upper())
        while thread.is_alive():
            ghub.sleep(0.01)
    thread.join()
    assert results == [b"FROM A THREAD", True]


# -- the edge-triggered wait (epoll) --------------------------------------------------


def test_a_blocked_recv_keeps_the_loop_alive_until_another_thread_writes():
    # The socket's registered event does not count by itself; the wait does.
    a, b = socket.socketpair()
    with a, b:
        reader = ghub.spawn(a.recv, 16)
        ghub.sleep(0.01)                     # the reader is now blocked in recv
        raw = stdsocket.socket(fileno=os.dup(b.fileno()))
        writer = threading.Timer(0.1, raw.send, (b"from a thread",))
        writer.start()
        try:
            reader.join(timeout=10)           # must not raise LoopExit
        finally:
            writer.join()
            raw.close()
        assert reader.get() == b"from a thread"


def test_waiting_again_after_a_wait_reuses_the_socket_event():
    a, b = socket.socketpair()
    with a, b:
        for n in range(3):
            ghub.spawn_later(0.01, b.send, b"x%d" % n)
            assert a.recv(8) == b"x%d" % n
        event = a._read_event
        ghub.spawn_later(0.01, b.send, b"again")
        assert a.recv(8) == b"again"
        assert a._read_event is event
        with pytest.raises(socket.timeout):
            a.settimeout(0.02)
            a.recv(8)
        assert ghub.get_hub().loop.ref_count == 0   # the timed-out wait gave its ref back


def test_a_socket_collected_without_close_unregisters_its_events():
    import gc
    import warnings

    a, b = socket.socketpair()
    ghub.spawn_later(0.01, b.send, b"x")
    assert a.recv(1) == b"x"
    event = a._read_event
    assert event is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)   # the point of the test
        del a
        gc.collect()
    assert not event.pending
    b.close()


# -- a drained stream socket waits for the next edge instead of calling recv ---------------


def test_recv_after_a_short_read_gets_what_comes_next(tcp_pair):
    a, b = tcp_pair
    a.settimeout(5)
    for round_ in range(20):
        b.sendall(b"x%d" % round_)
        assert a.recv(100) == b"x%d" % round_   # a short read: the socket is drained

    def later():
        ghub.sleep(0.02)
        b.sendall(b"late")

    g = ghub.spawn(later)
    assert a.recv(100) == b"late"   # waited for the edge, then read
    g.join()


def test_data_that_came_while_the_reader_was_busy_is_not_missed(tcp_pair):
    a, b = tcp_pair
    a.settimeout(5)
    b.sendall(b"first")
    assert a.recv(100) == b"first"
    ghub.spawn(b.sendall, b"second")
    ghub.sleep(0.05)   # the hub sees the edge while nobody waits to read
    assert a.recv(100) == b"second"


def test_timeout_after_a_short_read(tcp_pair):
    a, b = tcp_pair
    b.sendall(b"one")
    a.settimeout(5)
    assert a.recv(100) == b"one"
    a.settimeout(0.05)
    with pytest.raises(socket.timeout):
        a.recv(100)
    b.sendall(b"two")
    assert a.recv(100) == b"two"


def test_shutdown_after_a_short_read_ends_the_stream(tcp_pair):
    a, b = tcp_pair
    a.settimeout(5)
    b.sendall(b"data")
    assert a.recv(100) == b"data"
    b.shutdown(socket.SHUT_WR)
    assert a.recv(100) == b""
    assert a.recv(100) == b""


def test_datagrams_queued_behind_a_short_read_are_read_at_once():
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        a.bind(("127.0.0.1", 0))
        a.settimeout(5)
        b.sendto(b"d0", a.getsockname())
        assert a.recv(100) == b"d0"   # makes the read event
        for i in range(1, 4):
            b.sendto(b"d%d" % i, a.getsockname())
        ghub.sleep(0.02)
        a.settimeout(0.5)
        assert [a.recv(100) for _ in range(3)] == [b"d1", b"d2", b"d3"]
    finally:
        a.close()
        b.close()


def test_data_and_end_of_stream_in_one_go_after_a_short_read(tcp_pair):
    # The end of the stream can arrive with the last data, in the one readiness
    # edge that the data made: a recv after a short read must still see it (a
    # socket that waited for another edge there would hang).
    a, b = tcp_pair
    a.settimeout(5)
    b.sendall(b"one")
    assert a.recv(100) == b"one"

    def last_words():
        b.sendall(b"two")
        b.shutdown(socket.SHUT_WR)

    ghub.spawn(last_words)
    assert a.recv(100) == b"two"
    assert a.recv(100) == b""


# -- the recv after a short read and a send waits for the next report -------------------


def _arm(a, b):
    # a's read event registered and its report taken: a recv that waited.
    ghub.spawn_later(0.01, b.sendall, b"one")
    assert a.recv(100) == b"one"


def test_echo_rounds_after_short_reads_and_sends(tcp_pair):
    a, b = tcp_pair
    a.settimeout(5)
    b.settimeout(5)

    def peer():
        for i in range(200):
            b.sendall(b"ping%d" % i)
            assert b.recv(100) == b"ping%d" % i
        b.shutdown(socket.SHUT_WR)

    g = ghub.spawn(peer)
    rounds = 0
    while True:
        data = a.recv(100)      # short reads; after the first, each follows a send
        if not data:
            break
        a.sendall(data)
        rounds += 1
    g.get(timeout=5)
    assert rounds == 200


def test_data_and_end_of_stream_in_one_report_then_a_send(tcp_pair):
    # The peer's last data and its FIN come as one report while the reader
    # waits; the reader answers, then reads again: EV_CLOSED in that report
    # keeps it from waiting for another one that would never come.
    a, b = tcp_pair
    a.settimeout(5)
    _arm(a, b)

    def last_words():
        b.sendall(b"two")
        b.shutdown(socket.SHUT_WR)

    ghub.spawn_later(0.01, last_words)
    assert a.recv(100) == b"two"
    a.sendall(b"answer")
    assert a.recv(100) == b""
    assert b.recv(100) == b"answer"


@pytest.mark.parametrize("answer", [True, False])
def test_data_and_a_reset_in_one_report(tcp_pair, answer):
    # libevent reports the reset as plain EV_READ: the reader learns of it
    # from the kernel, by the send that fails or by the next recv, never by
    # waiting for a report.
    a, b = tcp_pair
    a.settimeout(5)
    _arm(a, b)

    def last_words():
        b.sendall(b"two")
        b.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        b.close()   # a reset, at once after the data

    ghub.spawn_later(0.01, last_words)
    assert a.recv(100) == b"two"
    with pytest.raises(OSError) as info:
        if answer:
            a.sendall(b"answer")
        else:
            a.recv(100)
    assert info.value.errno in (errno.ECONNRESET, errno.EPIPE)


def test_timeout_and_non_blocking_after_a_short_read_and_a_send(tcp_pair):
    a, b = tcp_pair
    a.settimeout(5)
    _arm(a, b)
    b.sendall(b"two")
    assert a.recv(100) == b"two"
    a.sendall(b"x")
    a.settimeout(0.0)
    with pytest.raises(BlockingIOError):
        a.recv(100)
    b.sendall(b"three")
    assert a.recv(100) == b"three"
    a.sendall(b"y")
    a.settimeout(0.05)
    with pytest.raises(socket.timeout):
        a.recv(100)
    a.settimeout(5)
    ghub.spawn_later(0.02, b.sendall, b"four")
    assert a.recv(100) == b"four"


def test_data_waiting_after_another_sockets_short_read(tcp_pair, listener):
    # Only the descriptor whose recv was short last may skip: a short read on
    # another socket in between means a plain recv(2).
    a, b = tcp_pair
    a.settimeout(5)
    _arm(a, b)
    c = socket.create_connection(listener.getsockname())
    d, _ = listener.accept()
    with c, d:
        b.sendall(b"two")
        assert a.recv(100) == b"two"
        a.sendall(b"x")
        c.sendall(b"other")
        assert d.recv(100) == b"other"
        b.sendall(b"three")
        ghub.sleep(0.02)     # the report for "three" is taken while nobody waits
        assert a.recv(100) == b"three"


# -- readers woken in one round run one after the other (ghub's ready queue) ---------------


def test_data_and_the_deadline_seen_in_one_round_give_the_data(tcp_pair):
    # The data came before the deadline, but the loop, held up, sees both at
    # once: the reader's wake-up is queued, and the timer must not beat it.
    a, b = tcp_pair
    a.settimeout(0.05)

    def held_up():
        b.sendall(b"in time")
        time.sleep(0.1)   # (blocks the loop past a's deadline)

    ghub.spawn_later(0.01, held_up)
    assert a.recv(100) == b"in time"


def test_a_reader_woken_in_the_same_round_as_its_socket_closed(tcp_pair, listener):
    # Two readers get data in one round; whichever runs first closes the
    # other's socket: the other must get the close, not the report queued
    # for it before the close.
    a, b = tcp_pair
    c = socket.create_connection(listener.getsockname())
    d, _ = listener.accept()

    def reader(mine, other):
        try:
            data = mine.recv(100)
        except OSError as exc:
            return exc
        other.close()
        return data

    with c, d:
        readers = [ghub.spawn(reader, a, c), ghub.spawn(reader, c, a)]
        ghub.sleep(0.01)          # both wait
        b.sendall(b"for a")
        d.sendall(b"for c")
        ghub.sleep(0.05)          # the loop sees both in one round
        results = sorted((r.get(timeout=5) for r in readers), key=lambda r: isinstance(r, OSError))
    assert results[0] in (b"for a", b"for c")
    assert isinstance(results[1], OSError) and results[1].errno == errno.EBADF
    assert "closed in another greenlet" in str(results[1])


@pytest.mark.parametrize("args, kwargs", [
    ((12345,), {}),                               # an unsupported family
    ((stdsocket.AF_INET, 12345), {}),             # an unsupported type
    ((), {"fileno": -5}),                         # a negative descriptor
    ((), {"fileno": 2 ** 31 - 1}),                # a descriptor that is not open
    ((stdsocket.AF_INET,), {"fileno": "x"}),      # not a descriptor at all
])
def test_a_constructor_that_fails_part_way_is_finalized_silently(args, kwargs):
    # The half-built socket is finalized; its __del__ used to fail with
    # "AttributeError: 'socket' object has no attribute '_read_event'".
    import gc
    caught = []
    hook, sys.unraisablehook = sys.unraisablehook, caught.append
    try:
        with pytest.raises((OSError, TypeError, ValueError)):
            socket.socket(*args, **kwargs)
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert caught == []


def test_a_socket_never_initialised_is_detached_and_finalized_silently():
    import gc
    caught = []
    hook, sys.unraisablehook = sys.unraisablehook, caught.append
    try:
        sock = socket.socket.__new__(socket.socket)
        assert sock.detach() == -1   # (no events to interrupt: none was ever made)
        del sock
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert caught == []
