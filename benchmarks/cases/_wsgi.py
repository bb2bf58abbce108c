"""The HTTP pieces ``http_keepalive`` and ``http_close`` share: the WSGI server process and ``wrk``.

``serve(lib)`` is the server process: a hello-world WSGI application
(``b"Hello, World!"``, ``Content-Type: text/plain`` and ``Content-Length``)
served by the library's pure-Python WSGI server, gstack's
``gserve.pywsgi.WSGIServer`` or ``gevent.pywsgi.WSGIServer``, on 127.0.0.1
with the access log off (``log=None``). It prints its port, then serves
until it is killed. The listener is made here, with the library's socket
module, and has ``TCP_NODELAY`` set, which Linux passes on to every accepted
socket (gunicorn sets it the same way). Without it, a server that sends a
response in two writes (gevent.pywsgi sends the head, then the body) has
its second write held back by Nagle's algorithm until the client
acknowledges the first, and wrk acknowledges late (delayed ACK, 40 ms): on
this machine gevent then made 1.1k requests/s instead of about 10k, and the
figure measured that timer, not the server.

``measure(script, lib, close)`` starts that server pinned to one CPU, checks
with a plain stdlib socket that it answers correctly (status, headers, body,
and the connection kept open or closed as the request asked), then drives it
from the other CPU with ``wrk`` (1 thread, 50 connections; with
``close=True`` every request carries ``Connection: close``): a 1 s warm-up,
then the measured 3 s. The figure is wrk's completed requests divided by its
measured duration; the ``_cpu`` cases divide them by the server process's
CPU time over that run instead. A run fails, instead of scoring, if wrk saw
a response with a status of 400 or more (``Non-2xx or 3xx responses``,
which is what wrk counts), more than a few socket errors, almost no
requests, or if the server died or stopped answering correctly during the
run. wrk is the same
program for both columns, so only the servers are compared.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    child_cpu,
    compile_c,
    cpu_pair,
    pin_to_cpu,
    process_cpu_seconds,
    require_program,
    start_child,
    stop_child,
)

__all__ = ["BODY", "application", "serve", "measure", "measure_floor", "child_main"]

BODY = b"Hello, World!"
THREADS = 1
CONNECTIONS = 50
WARMUP = 1
SECONDS = 3
# Socket errors wrk may report in one run before it counts as a failure (a
# connection cut at the end of the run, a rare timeout on a busy machine).
ERRORS_ALLOWED = 10
MIN_REQUESTS = 200


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [BODY]


def server_api(lib, variant="pywsgi"):
    """(WSGIServer class, socket module) of ``lib``; an ImportError if it has none yet.

    ``variant``: ``"pywsgi"`` (the pure-Python server) or ``"wsgi"`` (gstack's
    server on libevent's evhttp; gevent has none since 1.0, its column stays
    on gevent.pywsgi).
    """
    if lib == "gstack":
        import gnet.socket as socket_module
        if variant == "wsgi":
            from gserve.wsgi import WSGIServer
        else:
            from gserve.pywsgi import WSGIServer
    else:
        import gevent.socket as socket_module
        from gevent.pywsgi import WSGIServer
    return WSGIServer, socket_module


def serve(lib, variant="pywsgi"):
    WSGIServer, socket_module = server_api(lib, variant)  # noqa: N806
    listener = socket_module.socket(socket_module.AF_INET, socket_module.SOCK_STREAM)
    listener.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY from the listener (Linux), as under gunicorn.
    listener.setsockopt(socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    server = WSGIServer(listener, application, log=None)
    server.start()
    print(server.server_port, flush=True)
    server.serve_forever()


def child_main(argv):
    """``<case>.py LIB serve [VARIANT] [--cpu N]``: run the WSGI server."""
    argv = child_cpu(list(argv))
    serve(*argv[:2])
    sys.exit(0)


# -- checking the server with the stdlib ------------------------------------------------------

def _read_response(sock, buffered):
    """Read one response with a Content-Length body: (status, {lower name: value}, body, rest)."""
    data = buffered
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            raise RuntimeError(f"the server closed the connection mid-response: {data[:200]!r}")
        data += more
    head, _, data = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise RuntimeError(f"not an HTTP/1.x status line: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name in headers and name == "content-length":
            # http_parser (wrk's, node's) refuses a repeated Content-Length: every response
            # would be a read error and wrk would count none.
            raise RuntimeError(f"a response with two {name!r} headers: {head!r}")
        headers[name] = value.strip()
    if "content-length" not in headers:
        raise RuntimeError(f"a response without Content-Length: {head!r}")
    length = int(headers["content-length"])
    while len(data) < length:
        more = sock.recv(65536)
        if not more:
            raise RuntimeError("the server closed the connection in the body")
        data += more
    return int(parts[1]), headers, data[:length], data[length:]


def _check_response(status, headers, body):
    if status != 200 or body != BODY or headers.get("content-type") != "text/plain":
        raise RuntimeError(f"a wrong answer: status {status}, headers {headers}, body {body!r}")


def check_server(port, close):
    """Fail unless the server answers the app right, on a kept or a closed connection."""
    request = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port
               + (b"Connection: close\r\n" if close else b"") + b"\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        rest = b""
        for _ in range(1 if close else 3):
            sock.sendall(request)
            status, headers, body, rest = _read_response(sock, rest)
            _check_response(status, headers, body)
            if not close and headers.get("connection", "").lower() == "close":
                raise RuntimeError("the server closes HTTP/1.1 connections that asked to be kept")
        if close:
            if rest or sock.recv(1):
                raise RuntimeError("the server sent more after the response to Connection: close")
            return  # recv() returned b"": the server closed the connection, as it must
        sock.settimeout(0.2)
        try:
            extra = sock.recv(1)
        except TimeoutError:
            return  # still open and quiet: kept alive
        raise RuntimeError("the server closed a kept-alive connection" if not extra
                           else f"the server sent bytes nobody asked for: {extra!r}")


# -- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def run_wrk(wrk, port, seconds, close):
    """Run wrk against the server; return (requests, duration in s), or fail on errors."""
    argv = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    if close:
        argv += ["-H", "Connection: close"]
    argv.append(f"http://127.0.0.1:{port}/")
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    text = out.stdout
    if out.returncode != 0:
        raise RuntimeError(f"wrk exited with {out.returncode}:\n{text}{out.stderr}")
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b", text)
    if not done:
        raise RuntimeError(f"cannot read wrk's output:\n{text}{out.stderr}")
    requests, duration = int(done.group(1)), float(done.group(2)) * _UNITS[done.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad:
        raise RuntimeError(f"wrk got {bad.group(1)} responses with a status >= 400 out of "
                           f"{requests}:\n{text}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    connect, read, write, timeout = map(int, errors.groups()) if errors else (0, 0, 0, 0)
    if close:
        # A server that closes after the response without saying "Connection: close" in
        # it (allowed: the header is a SHOULD; gevent.pywsgi does it) makes wrk count the
        # end of every connection as a read error: up to one per response is no failure.
        read = max(0, read - requests - CONNECTIONS)
    if connect + read + write + timeout > ERRORS_ALLOWED:
        raise RuntimeError(f"wrk saw more than {ERRORS_ALLOWED} socket errors"
                           + (" beyond one read error per response" if close else "")
                           + f":\n{text}")
    if requests < MIN_REQUESTS:
        raise RuntimeError(f"wrk completed only {requests} requests:\n{text}")
    return requests, duration


def measure(script, lib, close, variant="pywsgi"):
    """Start ``script lib serve variant`` (the server of ``lib``), check it, load it with wrk.

    Returns (k requests/s, k requests per second of the server's CPU time
    during the measured wrk run).
    """
    server_api(lib, variant)  # a layer that is not written yet shows as "missing", not as an error
    server_cpu, _ = cpu_pair()
    proc, line = start_child(script, lib, "serve", variant, cpu=server_cpu)
    return drive(proc, line, script, close)


def measure_floor(script, close):
    """The same for the C program on libevent's evhttp (``_evhttp_floor.c``): the ceiling."""
    server_cpu, _ = cpu_pair()
    case = os.path.splitext(os.path.basename(script))[0]
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libevent"], capture_output=True,
                           text=True).stdout.split() or ["-levent"]
    with tempfile.TemporaryDirectory() as tmp:
        program = compile_c(Path(__file__).with_name("_evhttp_floor.c"), tmp, case, flags)
        proc = subprocess.Popen([program, str(-1 if server_cpu is None else server_cpu)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        if not line:
            proc.wait()
            raise RuntimeError(f"{program} exited with {proc.returncode}")
        return drive(proc, line.strip(), script, close)


def drive(proc, line, script, close):
    """Check the server ``proc`` (its port is ``line``), load it with wrk, then stop it."""
    try:
        wrk = require_program("wrk", "wrk", os.path.splitext(os.path.basename(script))[0])
        _, client_cpu = cpu_pair()
        port = int(line)
        pin_to_cpu(client_cpu)  # wrk inherits this CPU
        check_server(port, close)
        run_wrk(wrk, port, WARMUP, close)
        cpu_before = process_cpu_seconds(proc.pid)
        requests, duration = run_wrk(wrk, port, SECONDS, close)
        cpu_used = process_cpu_seconds(proc.pid) - cpu_before
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} during the run")
        check_server(port, close)  # and it still answers right after the load
    finally:
        stop_child(proc)
    if cpu_used <= 0:
        raise RuntimeError("the server used no CPU time: it did not serve the run")
    return requests / duration / 1e3, requests / cpu_used / 1e3
