"""Unmodified clients under ``python -m gmonkey``, many at once, against real local servers.

Each test starts a real server on 127.0.0.1 in this (unpatched) process, runs
a client program from ``clients/`` in a fresh interpreter under
``python -m gmonkey``, and checks both the answers and the concurrency: N
requests that each make the server wait DELAY seconds must take far less
than N x DELAY in all (about DELAY; the bound is generous, the machine is
shared).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from servers import SlowHTTPServer, SlowSMTPServer, redis_server, serving

HERE = Path(__file__).resolve().parent
CLIENTS = HERE / "clients"
EXAMPLES = HERE.parent / "examples"
N, DELAY = 10, 0.5


def run_patched(*args, timeout=60):
    """``python -m gmonkey ARGS`` in a fresh interpreter; the parsed last line of its stdout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, "-m", "gmonkey", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def result_of(proc):
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_concurrent(elapsed, n=N, delay=DELAY):
    # Sequential would be n * delay (5 s); concurrent is about one delay.
    assert delay * 0.9 <= elapsed < n * delay / 2.5, elapsed


@pytest.fixture(scope="module")
def http_server():
    with serving(SlowHTTPServer()) as server:
        yield server


@pytest.mark.parametrize("kind", ["urllib", "http.client", "requests"])
def test_http_clients_overlap(http_server, kind):
    if kind == "requests":
        pytest.importorskip("requests", reason="requests is not installed "
                            "(integration-tests/requirements.txt lists it)")
    proc = run_patched(CLIENTS / "http_clients.py", kind, http_server.url, N, DELAY)
    result = result_of(proc)
    assert result["bodies"] == [f"slow {i}" for i in range(N)]
    assert result["thread_type"] == "threading"   # unmodified threading, greenlets beneath
    assert_concurrent(result["elapsed"])


def test_the_same_clients_unpatched_take_turns(http_server):
    """The control: without gmonkey, a plain thread-per-request client is concurrent too,
    but one thread doing the requests one after the other is not."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    code = ("import urllib.request, time, sys\n"
            "began = time.monotonic()\n"
            "for i in range(3):\n"
            f"    urllib.request.urlopen('{http_server.url}/slow?seconds=0.3').read()\n"
            "print(time.monotonic() - began)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env, check=True)
    assert float(proc.stdout) >= 0.85


def test_redis_py_overlaps():
    pytest.importorskip("redis", reason="redis-py is not installed "
                        "(integration-tests/requirements.txt lists it)")
    with redis_server() as port:
        if port is None:
            pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
        proc = run_patched(CLIENTS / "redis_client.py", port, N, 1.0)
    result = result_of(proc)
    assert result["results"] == [["gstack-list-0", "pushed"]] + [None] * (N - 1)
    assert_concurrent(result["elapsed"], delay=1.0)


def test_smtplib_overlaps():
    server = SlowSMTPServer(delay=DELAY)
    with serving(server):
        proc = run_patched(CLIENTS / "smtp_client.py", server.server_address[1], N)
    result = result_of(proc)
    assert result["refused"] == [{}] * N
    assert sorted(recipients[0] for _, recipients, _ in server.messages) == sorted(
        f"<user{i}@example.invalid>" for i in range(N))
    assert all(b"\n.leading dot" in body for _, _, body in server.messages)
    assert_concurrent(result["elapsed"])


def test_concurrent_download_example_with_its_own_server():
    proc = run_patched(EXAMPLES / "concurrent_download.py")
    lines = proc.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Starting ")]
    results = [i for i, line in enumerate(lines) if " bytes: " in line]
    assert len(starts) == 3 and len(results) == 3, lines
    assert max(starts) < min(results), lines   # all three started before any finished
    assert "This is /one" in proc.stdout and lines[-1].startswith("3 downloads in ")
    assert float(lines[-1].split()[-1].rstrip("s")) < 1.4   # one page takes 0.5 s


def test_concurrent_download_example_against_given_urls(http_server):
    urls = [f"{http_server.url}/page/{name}" for name in ("a", "b")]
    urls.append(f"{http_server.url}/slow?seconds={DELAY}&id=x")
    proc = run_patched(EXAMPLES / "concurrent_download.py", *urls)
    assert f"{urls[0]}: " in proc.stdout and "<title>a</title>" in proc.stdout
    assert f"{urls[2]}: 6 bytes: b'slow x'" in proc.stdout
