"""gunicorn with gserve's worker class: real gunicorn processes on loopback, real clients.

The arbiter runs as a subprocess (``python -m gunicorn -k gserve.gunicorn.PyWSGIWorker``)
with an application that answers with its worker's pid, so that the tests
can tell the workers apart, kill one, and watch gunicorn replace it.
"""

import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

APP = textwrap.dedent("""
    import os, ghub

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            ghub.sleep(1.0)
        body = str(os.getpid()).encode()
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
""")
TIMEOUT = 10


def _version_options():
    import gunicorn.config

    # gunicorn 27 opens a control socket in ~/.gunicorn by default: not for tests.
    if hasattr(gunicorn.config, "ControlSocketDisable"):
        return ["--no-control-socket"]
    return []


@pytest.fixture
def gunicorn(tmp_path):
    procs = []

    def start(workers=2, *extra, worker_class="gserve.gunicorn.PyWSGIWorker"):
        (tmp_path / "pidapp.py").write_text(APP)
        log = tmp_path / "access.log"
        errors = open(tmp_path / "error.log", "w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", worker_class,
             "-w", str(workers), "-b", "127.0.0.1:0", "--graceful-timeout", "5",
             "--access-logfile", str(log), "--chdir", str(tmp_path), *_version_options(),
             *extra, "pidapp:app"],
            stdout=subprocess.DEVNULL, stderr=errors)
        procs.append((proc, errors))
        deadline = time.monotonic() + 20
        port = None
        while port is None:
            text = Path(errors.name).read_text()
            assert proc.poll() is None, text
            assert time.monotonic() < deadline, text
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if match:
                port = int(match.group(1))
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        while len(pids(url, 40)) < workers:   # every worker booted
            assert time.monotonic() < deadline, Path(errors.name).read_text()
            time.sleep(0.1)
        return proc, url, log, errors

    yield start
    for proc, errors in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(TIMEOUT)
        errors.close()


def pids(url, count, keep_alive=False):
    """The pids that answered ``count`` requests made on new connections (or on one)."""
    headers = {} if keep_alive else {"Connection": "close"}
    with requests.Session() as session:
        return {int(session.get(url, headers=headers, timeout=TIMEOUT).text)
                for _ in range(count)}


WORKERS = ["gserve.gunicorn.PyWSGIWorker", "gserve.gunicorn.WSGIWorker"]


@pytest.mark.parametrize("worker_class", WORKERS)
def test_workers_serve_concurrent_clients(gunicorn, worker_class):
    proc, url, log, _ = gunicorn(2, worker_class=worker_class)

    def client(i):
        with requests.Session() as session:   # keep-alive for half of them
            headers = {} if i % 2 else {"Connection": "close"}
            return [session.get(url, headers=headers, timeout=TIMEOUT) for _ in range(20)]

    with concurrent.futures.ThreadPoolExecutor(8) as executor:
        replies = [r for batch in executor.map(client, range(8)) for r in batch]
    assert len(replies) == 160
    assert all(reply.status_code == 200 for reply in replies)
    assert len({reply.text for reply in replies}) == 2
    time.sleep(0.2)
    lines = log.read_text().splitlines()
    assert len(lines) >= 160 and '"GET / HTTP/1.1" 200' in lines[-1]


@pytest.mark.parametrize("worker_class", WORKERS)
def test_a_killed_worker_is_replaced(gunicorn, worker_class):
    proc, url, _, _ = gunicorn(2, worker_class=worker_class)
    before = pids(url, 40)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while True:
        now = pids(url, 20)
        if victim not in now and len(now | before) > 2:
            break
        assert time.monotonic() < deadline, f"gunicorn did not replace {victim}"
        time.sleep(0.2)
    assert proc.poll() is None


@pytest.mark.parametrize("worker_class", WORKERS)
def test_sigterm_lets_requests_in_flight_finish(gunicorn, worker_class):
    proc, url, _, errors = gunicorn(2, worker_class=worker_class)
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        slow = executor.submit(requests.get, url + "/slow", timeout=TIMEOUT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        reply = slow.result()
    assert reply.status_code == 200
    assert proc.wait(TIMEOUT) == 0
    errors.seek(0)
    assert "Traceback" not in errors.read()
