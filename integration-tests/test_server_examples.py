"""The server examples in examples/, run as a user runs them, driven by real clients.

Each example starts in a fresh interpreter on a free port (``0``), says where
it serves on its first line, answers a real client (a socket, ``http.client``
over TLS, the backdoor console), and stops cleanly on Ctrl-C (SIGINT), with
exit status 0 and no traceback.
"""

import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
sys.path.insert(0, str(HERE.parent / "packages" / "gnet" / "tests"))
TIMEOUT = 10


class Example:
    def __init__(self, name, *args):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
                   PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, str(EXAMPLES / name), *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        line = self.proc.stdout.readline()
        match = re.search(r"127\.0\.0\.1:(\d+)", line)
        assert match, f"{name} said {line!r}; stderr: {self.proc.stderr.read()}"
        self.port = int(match.group(1))

    def stop(self):
        """Ctrl-C; what it printed after its first line, and on stderr."""
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=TIMEOUT)
        assert self.proc.returncode == 0, err
        assert "Traceback" not in err, err
        return out, err


@pytest.fixture
def example():
    started = []

    def start(name, *args):
        started.append(Example(name, *args))
        return started[-1]

    yield start
    for each in started:
        if each.proc.poll() is None:
            each.proc.kill()
            each.proc.communicate(timeout=TIMEOUT)


def test_echoserver(example):
    server = example("echoserver.py", 0)
    clients = [socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
               for _ in range(5)]
    files = [client.makefile("rb") for client in clients]
    for i, (client, reader) in enumerate(zip(clients, files)):
        assert reader.readline().startswith(b"Welcome")
        client.sendall(b"hello %d\r\n" % i)
        assert reader.readline() == b"hello %d\r\n" % i
    for client, reader in zip(clients, files):
        client.sendall(b"quit\r\n")
        assert reader.read() == b""   # the server closed it
        reader.close()
        client.close()
    out, _ = server.stop()
    assert out.count("new connection") == 5 and out.count("quit") == 5


def test_wsgiserver(example):
    server = example("wsgiserver.py", 0)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"<b>Hello World</b>\n"
    conn.request("GET", "/missing")   # the same connection, kept alive
    response = conn.getresponse()
    assert response.status == 404 and b"Not Found" in response.read()
    conn.close()
    time.sleep(0.2)   # the access-log line is written just after the response
    _, err = server.stop()
    assert '"GET / HTTP/1.1" 200' in err and '"GET /missing HTTP/1.1" 404' in err


def test_wsgiserver_ssl(example, tmp_path):
    from tlscerts import Certificates

    certs = Certificates(tmp_path)
    server = example("wsgiserver_ssl.py", certs.cert, certs.key, 0)
    context = ssl.create_default_context(cafile=certs.ca)
    conn = http.client.HTTPSConnection("localhost", server.port, context=context,
                                       timeout=TIMEOUT)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"Hello over https\n"
    conn.close()
    server.stop()


def test_udp_echo(example):
    server = example("udp_echo.py", 0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        client.sendto(b"shout", ("127.0.0.1", server.port))
        assert client.recvfrom(100)[0] == b"SHOUT"
    out, _ = server.stop()
    assert "got b'shout'" in out


def read_until_prompt(reader):
    """What a backdoor console writes up to its next ``>>> `` prompt (bytes)."""
    data = b""
    while not data.endswith(b">>> "):
        chunk = reader.read1(4096)
        assert chunk, data
        data += chunk
    return data


def test_backdoor(example):
    server = example("backdoor.py", 0)
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as client:
        reader = client.makefile("rb")
        assert b"Inside examples/backdoor.py" in read_until_prompt(reader)
        client.sendall(b"print(1+1)\r\n")
        assert read_until_prompt(reader).startswith(b"2\r\n")
        client.sendall(b"counter > 0\r\n")
        assert read_until_prompt(reader).startswith(b"True\r\n")   # the ticker ran meanwhile
        client.sendall(b"quit()\r\n")
        assert reader.read() == b""
        reader.close()
    server.stop()
