"""gcore's non-blocking socket I/O: recv_nowait, recv_into_nowait, send_nowait.

Real sockets (socketpairs and TCP on 127.0.0.1). "Would block" is None, not
an exception; everything else is what the stdlib's socket methods give on
the same descriptor, which the tests compare side by side.
"""

import errno
import select
import socket
import struct

import pytest

import gcore


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def tcp_pair():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    client.setblocking(False)
    server.setblocking(False)
    yield client, server
    client.close()
    server.close()


def test_recv_would_block_is_none(pair):
    a, _ = pair
    assert gcore.recv_nowait(a.fileno(), 100) is None
    with pytest.raises(BlockingIOError):   # what the stdlib says on the same descriptor
        a.recv(100)


def test_recv_returns_what_is_there(pair):
    a, b = pair
    b.sendall(b"hello")
    assert gcore.recv_nowait(a.fileno(), 3) == b"hel"
    assert gcore.recv_nowait(a.fileno(), 100) == b"lo"
    assert gcore.recv_nowait(a.fileno(), 100) is None


def test_recv_zero_bytes(pair):
    a, b = pair
    b.sendall(b"x")
    assert gcore.recv_nowait(a.fileno(), 0) == b""
    assert gcore.recv_nowait(a.fileno(), 1) == b"x"


@pytest.mark.parametrize("size", [8192, 8193, 100_000])
def test_recv_sizes_around_the_stack_buffer(tcp_pair, size):
    client, server = tcp_pair
    payload = bytes(range(256)) * (size // 256 + 1)
    payload = payload[:size]
    client.setblocking(True)
    client.sendall(payload)
    received = b""
    for _ in range(10_000):
        if len(received) == size:
            break
        chunk = gcore.recv_nowait(server.fileno(), size - len(received))
        if chunk is None:
            assert select.select([server], [], [], 10)[0], "the data never arrived"
            continue
        assert chunk, "unexpected end of stream"
        received += chunk
    assert received == payload


def test_recv_full_large_buffer_is_exact(pair):
    a, b = pair
    b.sendall(b"y" * 20000)   # all queued before the read: one read takes it whole
    data = gcore.recv_nowait(a.fileno(), 20000)
    assert type(data) is bytes and data == b"y" * 20000


def test_recv_short_large_buffer(pair):
    a, b = pair
    b.sendall(b"abc")
    assert gcore.recv_nowait(a.fileno(), 50000) == b"abc"


def test_recv_end_of_stream(pair):
    a, b = pair
    b.sendall(b"last")
    b.shutdown(socket.SHUT_WR)
    assert gcore.recv_nowait(a.fileno(), 100) == b"last"
    assert gcore.recv_nowait(a.fileno(), 100) == b""


def test_recv_flags_peek(pair):
    a, b = pair
    b.sendall(b"peek")
    assert gcore.recv_nowait(a.fileno(), 100, socket.MSG_PEEK) == b"peek"
    assert gcore.recv_nowait(a.fileno(), 100) == b"peek"


def test_recv_bad_input(pair):
    a, _ = pair
    with pytest.raises(ValueError, match="negative buffersize"):
        gcore.recv_nowait(a.fileno(), -1)
    with pytest.raises(TypeError):
        gcore.recv_nowait(a.fileno(), "10")
    with pytest.raises(TypeError):
        gcore.recv_nowait("3", 10)


def test_recv_closed_descriptor_is_ebadf():
    a, b = socket.socketpair()
    fd = a.fileno()
    a.close()
    b.close()
    with pytest.raises(OSError) as info:
        gcore.recv_nowait(fd, 10)
    assert info.value.errno == errno.EBADF
    with pytest.raises(OSError) as info:
        gcore.recv_nowait(-1, 10)
    assert info.value.errno == errno.EBADF


def test_recv_reset_is_connection_reset(tcp_pair):
    client, server = tcp_pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    for _ in range(1000):   # the RST is delivered at once on loopback; bounded anyway
        try:
            result = gcore.recv_nowait(server.fileno(), 10)
        except ConnectionResetError:
            break
        assert result is None
    else:
        pytest.fail("no ConnectionResetError after the peer's reset")


def test_recv_into(pair):
    a, b = pair
    buf = bytearray(10)
    assert gcore.recv_into_nowait(a.fileno(), buf) is None
    b.sendall(b"0123456789abc")
    assert gcore.recv_into_nowait(a.fileno(), buf, 4) == 4
    assert buf[:4] == b"0123"
    assert gcore.recv_into_nowait(a.fileno(), memoryview(buf)[4:]) == 6
    assert buf == b"0123456789"
    assert gcore.recv_into_nowait(a.fileno(), buf) == 3
    assert buf[:3] == b"abc"


def test_recv_into_bad_input(pair):
    a, _ = pair
    with pytest.raises(ValueError, match="negative buffersize"):
        gcore.recv_into_nowait(a.fileno(), bytearray(4), -1)
    with pytest.raises(ValueError, match="buffer too small"):
        gcore.recv_into_nowait(a.fileno(), bytearray(4), 5)
    for bad in (b"read-only", "text", 42):
        with pytest.raises(TypeError, match="read-write bytes-like"):
            gcore.recv_into_nowait(a.fileno(), bad)
        with pytest.raises(TypeError, match="read-write bytes-like"):
            a.recv_into(bad)   # the stdlib's message, same type


def test_send(pair):
    a, b = pair
    assert gcore.send_nowait(a.fileno(), b"abc") == 3
    assert gcore.send_nowait(a.fileno(), bytearray(b"de")) == 2
    assert gcore.send_nowait(a.fileno(), memoryview(b"xfgx")[1:3]) == 2
    assert b.recv(100) == b"abcdefg"


def test_send_until_full_then_none(pair):
    a, b = pair
    chunk = b"z" * 65536
    total = 0
    for _ in range(10_000):   # a socketpair's buffers fill after a few hundred KiB
        sent = gcore.send_nowait(a.fileno(), chunk)
        if sent is None:
            break
        total += sent
    else:
        pytest.fail("the send buffer never filled")
    assert total > 0
    with pytest.raises(BlockingIOError):
        a.send(chunk)
    # Draining the peer makes room again.
    drained = 0
    while drained < total:
        data = b.recv(1 << 20)
        drained += len(data)
    assert drained == total
    assert gcore.send_nowait(a.fileno(), b"more") == 4


def test_send_bad_input(pair):
    a, _ = pair
    with pytest.raises(TypeError, match="bytes-like"):
        gcore.send_nowait(a.fileno(), "text")
    with pytest.raises(BufferError):
        gcore.send_nowait(a.fileno(), memoryview(b"abcdef")[::2])


def test_send_to_closed_peer_is_broken_pipe(pair):
    a, b = pair
    b.close()
    with pytest.raises(BrokenPipeError):
        gcore.send_nowait(a.fileno(), b"x")


def test_never_blocks_even_on_a_blocking_descriptor():
    a, b = socket.socketpair()   # blocking mode: a plain recv() would wait forever
    with a, b:
        assert a.getblocking()
        assert gcore.recv_nowait(a.fileno(), 10) is None
        assert gcore.recv_into_nowait(a.fileno(), bytearray(10)) is None
        chunk = b"w" * 65536
        for _ in range(10_000):
            if gcore.send_nowait(a.fileno(), chunk) is None:
                break
        else:
            pytest.fail("the send buffer never filled")


def test_large_transfers_release_the_gil():
    """A big read or write (the GIL released around it) works as a small one."""
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)
        payload = bytes(range(256)) * 200   # 51,200 bytes
        sent = gcore.send_nowait(a.fileno(), payload)
        assert sent and sent > 16384
        got = b""
        for _ in range(100):
            chunk = gcore.recv_nowait(b.fileno(), 1 << 20)
            if chunk is None:
                break
            got += chunk
        assert got == payload[:sent]
