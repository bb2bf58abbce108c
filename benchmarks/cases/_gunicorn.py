"""What the ``gunicorn_*`` cases share: gunicorn with N workers of a library, loaded by wrk.

The gstack column runs ``gunicorn -k gserve.gunicorn.PyWSGIWorker``, the gevent
column gunicorn's own ``-k gevent`` worker (gevent.pywsgi), both serving
``_wsgi.py``'s hello-world application with the access log off, on 127.0.0.1.
gunicorn binds a free port that this module chose, boots its workers; once
the application answers on every worker's behalf (checked with a stdlib
socket, as the other HTTP cases do) wrk drives it, kept-alive connections, a
1 s warm-up then 3 s, from this process's CPU set (not pinned: with two
workers on a two-core machine wrk competes with them, the same way in both
columns). Figure: requests per second. gunicorn must be installed in both
virtualenvs (``nox -s bench`` does).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from _common import require_program
from _wsgi import WARMUP, check_server, run_wrk

__all__ = ["measure"]

WORKER = {"gstack": "gserve.gunicorn.PyWSGIWorker", "gevent": "gevent"}
SECONDS = 3
BOOT = 30   # seconds gunicorn gets to answer


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(script, lib, workers):
    """k requests/s of ``workers`` gunicorn workers of ``lib``."""
    case = os.path.splitext(os.path.basename(script))[0]
    wrk = require_program("wrk", "wrk", case)
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        raise RuntimeError(f"{case} needs gunicorn in this virtualenv: pip install gunicorn"
                           ) from None
    port = _free_port()
    here = os.path.dirname(os.path.abspath(__file__))
    argv = [sys.executable, "-m", "gunicorn", "-k", WORKER[lib], "-w", str(workers),
            "-b", f"127.0.0.1:{port}", "--chdir", here, "--worker-connections", "1000",
            "--keep-alive", "30", "--log-level", "warning"]
    import gunicorn.config

    if hasattr(gunicorn.config, "ControlSocketDisable"):
        argv.append("--no-control-socket")
    proc = subprocess.Popen([*argv, "_wsgi:application"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + BOOT
        while True:
            try:
                check_server(port, close=False)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn ({WORKER[lib]}) did not start serving") from None
                time.sleep(0.1)
        time.sleep(1.0)   # every worker booted, not only the first
        run_wrk(wrk, port, WARMUP, False)
        requests, duration = run_wrk(wrk, port, SECONDS, False)
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} during the run")
        check_server(port, close=False)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return requests / duration / 1e3
