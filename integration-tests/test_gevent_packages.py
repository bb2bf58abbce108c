"""Packages written for gevent, installed from the index and unmodified, run on gstack.

Each client program runs in a fresh interpreter under ``python -m gmonkey
--as-gevent`` (gstack.compat: ``import gevent`` gives gstack's modules)
against a server this test starts on 127.0.0.1.
"""

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from servers import SlowHTTPServer, serving
from test_real_clients import CLIENTS, DELAY, N, assert_concurrent, result_of, run_patched


def require(name):
    # Never import these packages here: they would import the real gevent and patch this process.
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (integration-tests/requirements.txt lists it)")


def test_grequests_map_is_concurrent_on_gstack():
    """Proves: grequests' `import gevent`, `gevent.monkey.patch_all(thread=False,
    select=False)`, `gevent.pool.Pool` and `gevent.joinall` are gstack's, and
    its `map` of N requests that each wait DELAY seconds overlaps them (about
    one DELAY in all, not N x DELAY), every answer in order."""
    require("grequests")
    with serving(SlowHTTPServer()) as server:
        proc = run_patched("--as-gevent", CLIENTS / "grequests_client.py", server.url, N, DELAY)
    result = result_of(proc)
    assert result["gevent"] == "gstack"
    assert result["bodies"] == [f"slow {i}" for i in range(N)]
    assert_concurrent(result["elapsed"])


def test_gevent_websocket_echo_on_gstack_pywsgi():
    """Proves: gevent-websocket's `WebSocketServer` and `WebSocketHandler`,
    unmodified, subclass gstack.pywsgi's server and handler (through `import
    gevent.pywsgi`) and work on it: the websocket handshake, frames read
    through the handler's `rfile` and written to its `socket`, text and
    binary echoes, a plain HTTP request through the same handler, and N
    websocket connections served at once (N clients whose messages each make
    the server sleep DELAY seconds finish in about one DELAY, not N x DELAY).
    The client side is the `websocket-client` package, in this process."""
    require("geventwebsocket")
    require("websocket")
    import websocket  # websocket-client: plain sockets, no gevent

    with started(CLIENTS / "websocket_server.py") as (info, port):
        assert info["gevent"] == "gstack"
        assert info["pywsgi"] == "gserve.pywsgi"
        assert info["handler_base"] == "gserve.pywsgi"
        url = f"ws://127.0.0.1:{port}/echo"

        ws = websocket.create_connection(url, timeout=10)
        try:
            ws.send("hello")
            assert ws.recv() == "echo:hello"
            ws.send_binary(b"\x00\x01bytes" * 1000)   # a payload with a 16-bit length
            assert ws.recv() == b"\x00\x01bytes" * 1000
            ws.send("x" * 70000)                      # a 64-bit length, several recvs
            assert ws.recv() == "echo:" + "x" * 70000
        finally:
            ws.close()

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.read() == b"plain http"

        answers = [None] * N
        sockets = [websocket.create_connection(url, timeout=10) for _ in range(N)]

        def talk(i):
            sockets[i].send("slow")
            answers[i] = sockets[i].recv()

        threads = [threading.Thread(target=talk, args=(i,)) for i in range(N)]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - start
        for ws in sockets:
            ws.close()
        assert answers == ["echo:slow"] * N
        assert_concurrent(elapsed)


def test_locust_headless_against_a_gstack_wsgi_server(tmp_path):
    """Proves: locust, unmodified and run as `locust --headless -u 50 -r 50 -t
    5s` through the compatibility mode (its `import gevent`, `gevent.pool`,
    `gevent.event`, `gevent.lock`, `gevent.queue`, `gevent.signal_handler`,
    `gevent.monkey.patch_all()`, requests under the patched stdlib), spawns
    its 50 users as gstack greenlets, load-tests a gstack pywsgi server for
    five seconds and stops by itself; its request statistics show requests
    and no failure, and the server answered as many requests as locust
    counted (plus at most one per user, cut off by the time limit)."""
    require("locust")
    seen = tmp_path / "gevent_seen"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               GEVENT_SEEN=str(seen))
    with started(CLIENTS / "counting_wsgi_server.py") as (info, port):
        assert info["gevent"] == "gstack" and info["pywsgi"] == "gserve.pywsgi"
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "gmonkey", "--as-gevent", "-m", "locust",
             "-f", str(CLIENTS / "locustfile.py"), "--headless", "-u", "50", "-r", "50",
             "-t", "5s", "-H", f"http://127.0.0.1:{port}", "--only-summary", "--json",
             "--loglevel", "WARNING"],
            capture_output=True, text=True, timeout=40, env=env, cwd=tmp_path)
        elapsed = time.monotonic() - start
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=10) as response:
            answered = int(response.read())
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr}"
    assert seen.read_text() == "gstack"
    stats = json.loads(proc.stdout)
    requests = sum(entry["num_requests"] for entry in stats)
    failures = sum(entry["num_failures"] for entry in stats)
    assert failures == 0, stats
    assert requests >= 500, f"only {requests} requests in 5 s from 50 users"
    # locust stops its users at the time limit, each perhaps in the middle of a
    # request that the server answered but locust never counted: one per user.
    assert requests <= answered <= requests + 50, (answered, requests)
    assert 5 <= elapsed < 30, elapsed


@contextlib.contextmanager
def started(script):
    """Run ``python -m gmonkey --as-gevent script`` (a server); yield its JSON line and port."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.Popen([sys.executable, "-m", "gmonkey", "--as-gevent", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        if not line:
            proc.wait(10)
            pytest.fail(f"{script.name} did not start:\n{proc.stderr.read()}")
        info = json.loads(line)
        yield info, info["port"]
        assert proc.poll() is None, f"the server died:\n{proc.stderr.read()}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        finally:
            proc.stdout.close()
            proc.stderr.close()
