"""gnet keeps working once the stdlib modules carry gnet's names (what gmonkey does).

gnet must never call back into a stdlib name it replaces: patched, that name
would be gnet's own function again (endless recursion) or a class that
expects to be the stdlib's.
"""

import select as stdselect
import selectors as stdselectors
import socket as stdsocket
import ssl as stdssl

import pytest

import ghub
from gnet import select, selectors, socket, ssl


@pytest.fixture
def patched(monkeypatch):
    for name in socket.__implements__:
        monkeypatch.setattr(stdsocket, name, getattr(socket, name))
    for name in select.__implements__:
        monkeypatch.setattr(stdselect, name, getattr(select, name))
    for name in selectors.__implements__:
        monkeypatch.setattr(stdselectors, name, getattr(selectors, name))
    for name in ssl.__implements__:
        if name not in ("SSLContext", "SSLSocket"):   # gmonkey keeps these two
            monkeypatch.setattr(stdssl, name, getattr(ssl, name))
    monkeypatch.setattr(stdssl.SSLContext, "sslsocket_class", ssl.SSLSocket)


def test_socket_functions(patched):
    a, b = stdsocket.socketpair()
    assert type(a) is socket.socket
    b.sendall(b"x")
    assert a.recv(1) == b"x"
    a.close()
    b.close()
    server = stdsocket.create_server(("127.0.0.1", 0))
    assert type(server) is socket.socket
    client = stdsocket.create_connection(server.getsockname())
    conn, _ = server.accept()
    for s in (conn, client, server):
        s.close()
    assert stdsocket.gethostbyname("127.0.0.1") == "127.0.0.1"
    assert stdsocket.gethostbyname_ex("10.0.0.1")[2] == ["10.0.0.1"]
    assert stdsocket.getaddrinfo("127.0.0.1", 80, 0, stdsocket.SOCK_STREAM)[0][4] == (
        "127.0.0.1", 80)
    assert stdsocket.gethostbyname("localhost") == "127.0.0.1"


def test_select_poll_selectors(patched):
    a, b = socket.socketpair()
    try:
        ghub.spawn_later(0.01, b.sendall, b"x")
        assert stdselect.select([a], [], [], 5)[0] == [a]
        poller = stdselect.poll()
        poller.register(a, stdselect.POLLIN)
        assert poller.poll(1000) == [(a.fileno(), stdselect.POLLIN)]
        with stdselectors.DefaultSelector() as sel:
            sel.register(a, stdselectors.EVENT_READ)
            assert len(sel.select(1)) == 1
    finally:
        a.close()
        b.close()


def test_ssl(patched, certs):
    server_ctx = stdssl.SSLContext(stdssl.PROTOCOL_TLS_SERVER)   # the stdlib's class
    server_ctx.load_cert_chain(certs.cert, certs.key)
    client_ctx = stdssl.create_default_context(cafile=certs.ca)
    assert isinstance(client_ctx, ssl.SSLContext)
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = ghub.spawn(lambda: server_ctx.wrap_socket(listener.accept()[0], server_side=True))
    client = client_ctx.wrap_socket(stdsocket.create_connection(listener.getsockname()),
                                    server_hostname="localhost")
    server = accepted.get(timeout=5)
    assert type(server) is ssl.SSLSocket and type(client) is ssl.SSLSocket
    server.sendall(b"patched")
    assert client.recv(7) == b"patched"
    for s in (client, server, listener):
        s.close()
