"""BackdoorServer driven over a real socket, as telnet or nc would."""

import sys

import pytest

import ghub
import gnet.socket as gsocket
from gserve.backdoor import BackdoorServer, BackdoorWarning

PROMPT = b">>> "


class Client:
    def __init__(self, server):
        self.sock = gsocket.create_connection(("127.0.0.1", server.server_port), timeout=5)
        self.banner = self.until(PROMPT)

    def until(self, marker):
        data = b""
        while not data.endswith(marker):
            chunk = self.sock.recv(4096)
            if not chunk:
                return data
            data += chunk
        return data

    def run(self, line):
        """Send a line; what came back before the next prompt (\\r\\n made \\n)."""
        self.sock.sendall(line.encode() + b"\r\n")
        return self.until(PROMPT)[: -len(PROMPT)].replace(b"\r\n", b"\n").decode()

    def close(self):
        self.sock.close()


@pytest.fixture
def backdoor():
    servers = []

    def start(**kwargs):
        server = BackdoorServer(("127.0.0.1", 0), **kwargs)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_print_answers_on_the_socket(backdoor, capsys):
    client = Client(backdoor())
    assert b"Python" in client.banner and b"quit()" in client.banner
    assert client.run("print(1+1)") == "2\n"
    assert client.run("1 + 2") == "3\n"   # the displayhook, too
    assert client.run("import sys; sys.stderr.write('err\\n')").startswith("err\n")
    client.close()
    out = capsys.readouterr()
    assert "2" not in out.out and "err" not in out.err   # nothing leaked to the process's


def test_tracebacks_go_to_the_client_and_the_console_goes_on(backdoor):
    client = Client(backdoor())
    answer = client.run("1/0")
    assert "Traceback" in answer and "ZeroDivisionError" in answer
    assert client.run("print('still here')") == "still here\n"
    client.close()


def test_multi_line_statements(backdoor):
    client = Client(backdoor())
    client.sock.sendall(b"def f(x):\r\n")
    assert client.until(b"... ").endswith(b"... ")
    client.sock.sendall(b"    return x * 2\r\n")
    client.until(b"... ")
    assert client.run("") == ""
    assert client.run("f(21)") == "42\n"
    client.close()


def test_locals_are_shared_between_connections(backdoor):
    namespace = {"server_state": "ready"}
    server = backdoor(locals=namespace, banner="hello")
    first, second = Client(server), Client(server)
    assert first.banner.startswith(b"hello")
    assert first.run("server_state") == "'ready'\n"
    first.run("shared = 41")
    assert second.run("shared + 1") == "42\n"
    assert namespace["shared"] == 41
    first.close()
    second.close()


def test_code_runs_cooperatively(backdoor):
    server = backdoor()
    client = Client(server)
    ticks = []
    ticker = ghub.spawn(lambda: [ticks.append(ghub.sleep(0.01)) for _ in range(5)])
    assert client.run("import ghub; ghub.sleep(0.2); print('slept')") == "slept\n"
    assert len(ticks) == 5   # the rest of the process went on meanwhile
    ticker.join()
    client.close()


@pytest.mark.parametrize("ending", ["quit()", "exit()", "raise SystemExit(3)"])
def test_quit_ends_that_connection_only(backdoor, ending):
    server = backdoor()
    leaving, staying = Client(server), Client(server)
    leaving.sock.sendall(ending.encode() + b"\r\n")
    assert leaving.until(b"never") == b""   # the server closed it
    assert staying.run("print('alive')") == "alive\n"
    assert server.started and not sys.stdin.closed
    leaving.close()
    staying.close()


def test_end_of_input_ends_the_connection(backdoor):
    server = backdoor()
    client = Client(server)
    client.sock.shutdown(gsocket.SHUT_WR)   # Ctrl-D in nc
    assert client.until(b"never").strip() == b""
    client.close()
    client = Client(server)
    client.sock.sendall(b"\x04\r\n")          # Ctrl-D as telnet sends it
    assert client.until(b"never").strip() == b""
    client.close()


def test_stdout_is_restored_when_the_last_server_stops(capsys):
    original = sys.stdout
    first = BackdoorServer(("127.0.0.1", 0))
    second = BackdoorServer(("127.0.0.1", 0))
    first.start()
    second.start()
    assert sys.stdout is not original
    first.stop()
    assert sys.stdout is not original
    second.stop()
    assert sys.stdout is original
    print("visible")
    assert capsys.readouterr().out == "visible\n"


def test_binds_to_loopback_by_default():
    server = BackdoorServer(0)
    assert server.address == ("127.0.0.1", 0)
    server = BackdoorServer(("", 0))
    assert server.address == ("127.0.0.1", 0)


def test_warns_beyond_loopback():
    # Without listening beyond loopback: the check the server makes at start().
    from gserve.backdoor import _warn_if_exposed

    with pytest.warns(BackdoorWarning, match="anybody who can connect"):
        _warn_if_exposed("0.0.0.0")
    with pytest.warns(BackdoorWarning):
        _warn_if_exposed("10.1.2.3")
    for host in ("127.0.0.1", "127.0.0.2", "::1"):
        _warn_if_exposed(host)   # filterwarnings=error: a warning would fail here
