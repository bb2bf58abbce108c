"""gstack lays gserve out at the 0.13 reference's paths: the layer's objects themselves."""

import importlib

import pytest

import gserve.backdoor
import gserve.baseserver
import gserve.http
import gserve.pywsgi
import gserve.server
import gserve.wsgi

LAYER = {"server": gserve.server, "baseserver": gserve.baseserver, "pywsgi": gserve.pywsgi,
         "backdoor": gserve.backdoor, "http": gserve.http, "wsgi": gserve.wsgi}

# The 0.13 reference's names in each module ("Implementing servers" and its changelog).
NAMES_0_13 = {
    "server": ["StreamServer"],
    "baseserver": ["BaseServer"],
    "pywsgi": ["WSGIServer", "WSGIHandler"],
    "backdoor": ["BackdoorServer"],
    "http": ["HTTPServer"],
    "wsgi": ["WSGIServer"],
}


@pytest.mark.parametrize("name", sorted(LAYER))
def test_module_reexports_every_gserve_name(name):
    module = importlib.import_module(f"gstack.{name}")
    layer = LAYER[name]
    assert module.__name__ == f"gstack.{name}"
    assert module.__all__ == layer.__all__
    for each in layer.__all__:
        assert getattr(module, each) is getattr(layer, each), f"gstack.{name}.{each}"


@pytest.mark.parametrize("name", sorted(NAMES_0_13))
def test_module_has_the_0_13_names(name):
    module = importlib.import_module(f"gstack.{name}")
    for each in NAMES_0_13[name]:
        assert each in module.__all__, f"gstack.{name}.{each}"


def test_the_0_13_server_example_runs_on_gstack_paths():
    # "Implementing servers": a StreamServer with a handle, started, then stopped.
    import gstack
    from gstack import socket
    from gstack.pool import Pool
    from gstack.server import StreamServer

    seen = []

    def handle(sock, address):
        seen.append(sock.recv(10))

    server = StreamServer(("127.0.0.1", 0), handle, spawn=Pool(10))
    server.start()
    client = socket.create_connection(("127.0.0.1", server.server_port))
    client.sendall(b"hi")
    client.close()
    gstack.sleep(0.05)
    server.stop()
    assert seen == [b"hi"]


def test_the_0_13_wsgi_example_runs_on_gstack_paths():
    # "The difference between wsgi.WSGIServer and pywsgi.WSGIServer": both serve an application.
    from gstack import pywsgi, socket, wsgi

    def application(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    for module in (wsgi, pywsgi):
        server = module.WSGIServer(("127.0.0.1", 0), application, log=None)
        server.start()
        client = socket.create_connection(("127.0.0.1", server.server_port))
        client.sendall(b"GET /hi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := client.recv(4096):
            data += chunk
        client.close()
        server.stop()
        assert data.startswith(b"HTTP/1.") and data.endswith(b"/hi"), module.__name__
