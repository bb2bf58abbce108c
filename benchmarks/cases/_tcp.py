"""The TCP pieces the socket cases share, written once against a library's socket module.

``lib_api(lib)`` returns the library's cooperative ``socket`` module and its
``spawn``/``joinall``/``sleep``: gstack's ``gnet.socket`` with ``ghub``, or
``gevent.socket`` with ``gevent``. The code below then uses only the stdlib's
socket interface, which both modules present, so each side runs the same
algorithm on its own library.

``serve_echo`` is the server process of ``tcp_echo`` and ``tcp_churn``: it
accepts connections and spawns one greenlet per connection that echoes
whatever it reads. It prints its port, then serves until it is killed.
"""

from __future__ import annotations

import sys

from _common import child_cpu

__all__ = ["lib_api", "serve_echo", "start_echo_server", "MESSAGE"]

MESSAGE = b"x" * 64


def lib_api(lib):
    """(socket module, spawn, joinall, sleep) of ``lib``."""
    if lib == "gstack":
        import ghub
        import gnet.socket as socket_module

        return socket_module, ghub.spawn, ghub.joinall, ghub.sleep
    import gevent
    import gevent.socket as socket_module

    return socket_module, gevent.spawn, gevent.joinall, gevent.sleep


def _echo(sock, socket_module):
    sock.setsockopt(socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY, 1)
    recv, sendall = sock.recv, sock.sendall
    try:
        while True:
            data = recv(4096)
            if not data:
                break
            sendall(data)
    except OSError:  # the client's close with SO_LINGER 0 resets the connection
        pass
    finally:
        sock.close()


def serve_echo(lib):
    socket_module, spawn, _, _ = lib_api(lib)
    listener = socket_module.socket(socket_module.AF_INET, socket_module.SOCK_STREAM)
    listener.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    print(listener.getsockname()[1], flush=True)
    accept = listener.accept
    while True:
        sock, _ = accept()
        spawn(_echo, sock, socket_module)


def start_echo_server(script, lib, cpu):
    """Start ``script lib serve`` (which calls :func:`serve_echo`); return (process, port)."""
    from _common import start_child

    proc, line = start_child(script, lib, "serve", cpu=cpu)
    return proc, int(line)


def recv_exactly(sock, size):
    """Read exactly ``size`` bytes (the echo may come back in pieces)."""
    data = sock.recv(size)
    while len(data) < size:
        more = sock.recv(size - len(data))
        if not more:
            raise ConnectionError("the echo server closed the connection")
        data += more
    return data


def child_main(argv):
    """``<case>.py LIB serve [--cpu N]``: run the echo server."""
    argv = child_cpu(list(argv))
    serve_echo(argv[0])
    sys.exit(0)
