"""Load and soak: each server held open by idle keep-alive connections and driven hard.

    python benchmarks/load.py                 the small run (about 2 minutes)
    python benchmarks/load.py --full          10,000 idle connections, a soak of up to
                                              1,000,000 requests per server (bounded by time too)
    python benchmarks/load.py --servers pywsgi --idle 5000 --soak-seconds 60 ...

``nox -s load -- [ARGS]`` runs it with gserve (and the layers under it) installed
from the wheelhouse.
For each server (a StreamServer echo, pywsgi, gserve.wsgi), each in a process
of its own on 127.0.0.1:

1. the server starts: its open descriptors and resident memory are taken (start);
2. ``--idle`` keep-alive connections are opened by other processes (one
   request each, then idle until the end);
3. a steady load: ``--procs`` processes with ``--conns`` connections each send
   requests back to back for ``--seconds`` (requests/s, p99 latency);
4. the soak: the same for ``--soak-seconds`` or ``--soak-requests`` in all,
   whichever comes first; descriptors and memory are taken again (end, with
   the idle connections still open: memory must be flat from the load to the end);
5. the idle connections close: the descriptors must come back to the start.

Every loop ends by a count and by a time; nothing leaves the loopback. Exit
status 1 if descriptors or memory grew beyond the noise (see ``--rss-slack``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)
REQUEST = b"GET / HTTP/1.1\r\nHost: load\r\n\r\n"
ECHO = b"x" * 32 + b"\n"
BODY = b"hello, load\n"
BUCKETS_PER_DECADE = 50   # latency histogram: 50 log buckets per factor of 10


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# -- roles run in child processes ----------------------------------------------------


def role_server(kind):
    """Serve ``kind`` on 127.0.0.1; print the port; stop when stdin closes."""
    raise_fd_limit()
    import ghub
    from gnet import socket as gsocket

    def wsgi_app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(BODY)))])
        return [BODY]

    if kind == "echo":
        from gserve.server import StreamServer

        def echo(sock, address):
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                sock.sendall(data)

        server = StreamServer(("127.0.0.1", 0), echo, backlog=4096)
    elif kind == "pywsgi":
        from gserve.pywsgi import WSGIServer
        server = WSGIServer(("127.0.0.1", 0), wsgi_app, log=None, backlog=4096,
                            keepalive_timeout=3600)
    elif kind == "wsgi":
        from gserve.wsgi import WSGIServer
        server = WSGIServer(("127.0.0.1", 0), wsgi_app, log=None, backlog=4096, timeout=3600)
    else:
        raise SystemExit(f"unknown server {kind!r}")
    server.start()
    print(server.address[1], flush=True)
    # Wait for the orchestrator to close our stdin (cooperatively).
    gsocket.wait_read(sys.stdin.fileno())
    server.stop(timeout=5)
    ghub.sleep(0)


def read_response(sock, kind, buf):
    """Read one response from ``sock`` (``buf``: bytes already read); return what follows it."""
    if kind == "echo":
        while len(buf) < len(ECHO):
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            buf += data
        return buf[len(ECHO):]
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = buf[:end]
            if not head.startswith(b"HTTP/1.1 200"):
                raise ConnectionError(f"unexpected response {head[:40]!r}")
            start = head.lower().find(b"content-length:")
            length = int(head[start + 15:head.find(b"\r\n", start) if head.find(
                b"\r\n", start) >= 0 else None])
            total = end + 4 + length
            if len(buf) >= total:
                return buf[total:]
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        buf += data


def role_idle(port, kind, count):
    """Open ``count`` connections, one request each; print "ready"; close when stdin closes."""
    import socket
    raise_fd_limit()
    message = ECHO if kind == "echo" else REQUEST
    socks = []
    deadline = time.monotonic() + 300
    for _ in range(count):
        if time.monotonic() > deadline:
            raise SystemExit("could not open the idle connections within 300 s")
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(message)
        read_response(sock, kind, b"")
        socks.append(sock)
    print("ready", len(socks), flush=True)
    sys.stdin.read()
    for sock in socks:
        sock.close()


def role_drive(port, kind, conns, seconds, requests):
    """``conns`` greenlets sending requests back to back; print counts and a latency histogram."""
    raise_fd_limit()
    import ghub
    from gnet import socket as gsocket

    message = ECHO if kind == "echo" else REQUEST
    histogram = {}
    counts = {"requests": 0, "errors": 0}
    end = time.monotonic() + seconds
    per_conn = max(1, requests // conns)
    clock = time.perf_counter

    def client():
        try:
            sock = gsocket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            counts["errors"] += 1
            return
        buf = b""
        try:
            for _ in range(per_conn):
                if time.monotonic() > end:
                    break
                started = clock()
                sock.sendall(message)
                buf = read_response(sock, kind, buf)
                micros = (clock() - started) * 1e6
                bucket = int(math.log10(max(micros, 1.0)) * BUCKETS_PER_DECADE)
                histogram[bucket] = histogram.get(bucket, 0) + 1
                counts["requests"] += 1
        except OSError:
            counts["errors"] += 1
        finally:
            sock.close()

    started = time.monotonic()
    jobs = [ghub.spawn(client) for _ in range(conns)]
    ghub.joinall(jobs, timeout=seconds + 60)
    elapsed = time.monotonic() - started
    print(json.dumps({"requests": counts["requests"], "errors": counts["errors"],
                      "elapsed": elapsed, "histogram": histogram}), flush=True)


# -- the orchestrator ----------------------------------------------------------------


def child(*args):
    return subprocess.Popen([sys.executable, HERE, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def fds_and_rss(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return fds, int(line.split()[1]) // 1024   # MiB
    return fds, 0


def percentile(histogram, fraction):
    total = sum(histogram.values())
    if not total:
        return float("nan")
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= fraction * total:
            return 10 ** ((bucket + 1) / BUCKETS_PER_DECADE) / 1000   # ms, the bucket's top
    return float("nan")


def drive(port, kind, args, seconds, requests):
    procs = [child("drive", port, kind, args.conns, seconds, requests // args.procs)
             for _ in range(args.procs)]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        results.append(json.loads(out.strip().splitlines()[-1]))
    histogram = {}
    for result in results:
        for bucket, n in result["histogram"].items():
            histogram[int(bucket)] = histogram.get(int(bucket), 0) + n
    count = sum(r["requests"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    return {"requests": count, "errors": sum(r["errors"] for r in results),
            "rps": count / elapsed if elapsed else 0.0, "p50_ms": percentile(histogram, 0.5),
            "p99_ms": percentile(histogram, 0.99), "seconds": elapsed}


def run_server(kind, args):
    server = child("server", kind)
    idle = []
    try:
        port = int(server.stdout.readline())
        time.sleep(0.2)
        start = fds_and_rss(server.pid)
        per_proc = 2500
        left = args.idle
        while left > 0:
            n = min(per_proc, left)
            idle.append(child("idle", port, kind, n))
            left -= n
        opened = 0
        for proc in idle:
            line = proc.stdout.readline().split()
            if not line or line[0] != "ready":
                raise SystemExit(f"{kind}: an idle-connection process failed")
            opened += int(line[1])
        with_idle = fds_and_rss(server.pid)
        load = drive(port, kind, args, args.seconds, int(args.seconds * 1_000_000))
        after_load = fds_and_rss(server.pid)
        soak = drive(port, kind, args, args.soak_seconds, args.soak_requests)
        end = fds_and_rss(server.pid)
        for proc in idle:
            proc.stdin.close()
            proc.wait(timeout=60)
        idle = []
        deadline = time.monotonic() + 10
        closed = fds_and_rss(server.pid)
        while closed[0] > start[0] and time.monotonic() < deadline:
            time.sleep(0.1)
            closed = fds_and_rss(server.pid)
        return {"server": kind, "idle": opened, "load": load, "soak": soak,
                "fds": [start[0], with_idle[0], end[0], closed[0]],
                "rss_mib": [start[1], with_idle[1], after_load[1], end[1], closed[1]]}
    finally:
        for proc in idle:
            proc.kill()
            proc.wait()
        if server.poll() is None:
            server.stdin.close()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="10,000 idle connections, a soak of 1,000,000 requests (or 600 s)")
    parser.add_argument("--servers", default="echo,pywsgi,wsgi")
    parser.add_argument("--idle", type=int)
    parser.add_argument("--procs", type=int, default=2, help="load processes")
    parser.add_argument("--conns", type=int, default=25, help="connections per load process")
    parser.add_argument("--seconds", type=float, help="the steady load's duration")
    parser.add_argument("--soak-seconds", type=float)
    parser.add_argument("--soak-requests", type=int)
    parser.add_argument("--rss-slack", type=float, default=0.10,
                        help="memory growth from the load to the end taken as noise (fraction)")
    parser.add_argument("--json", help="write the figures to this file too")
    args = parser.parse_args(argv)
    small = {"idle": 1000, "seconds": 10.0, "soak_seconds": 20.0, "soak_requests": 1_000_000}
    full = {"idle": 10_000, "seconds": 30.0, "soak_seconds": 600.0,
            "soak_requests": 1_000_000}
    for name, value in (full if args.full else small).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    limit = raise_fd_limit()
    if args.idle + 100 > limit:
        raise SystemExit(f"RLIMIT_NOFILE is {limit}: too low for {args.idle} idle connections")
    print(f"load: {args.idle} idle connections, {args.procs}x{args.conns} busy ones, "
          f"{args.seconds:g} s of load, soak of {args.soak_requests} requests or "
          f"{args.soak_seconds:g} s", flush=True)
    failed = False
    reports = []
    for kind in args.servers.split(","):
        report = run_server(kind, args)
        reports.append(report)
        load, soak, fds, rss = report["load"], report["soak"], report["fds"], report["rss_mib"]
        print(f"{kind:7} load: {load['rps']:8.0f} req/s  p50 {load['p50_ms']:.2f} ms  "
              f"p99 {load['p99_ms']:.2f} ms  ({load['requests']} requests, "
              f"{load['errors']} errors)")
        print(f"{'':7} soak: {soak['rps']:8.0f} req/s  p50 {soak['p50_ms']:.2f} ms  "
              f"p99 {soak['p99_ms']:.2f} ms  ({soak['requests']} requests in "
              f"{soak['seconds']:.0f} s, {soak['errors']} errors)")
        print(f"{'':7} fds start/idle open/end/closed: {'/'.join(map(str, fds))}   "
              f"RSS MiB start/idle open/after load/end/closed: {'/'.join(map(str, rss))}",
              flush=True)
        if fds[3] > fds[0] or fds[2] > fds[1] or rss[3] > rss[2] * (1 + args.rss_slack) + 2:
            print(f"{kind}: GROWTH (descriptors or memory)", flush=True)
            failed = True
        if load["errors"] or soak["errors"] or report["idle"] != args.idle:
            print(f"{kind}: ERRORS", flush=True)
            failed = True
    if args.json:
        with open(args.json, "w") as out:
            json.dump(reports, out, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("server", "idle", "drive"):
        role, rest = sys.argv[1], sys.argv[2:]
        if role == "server":
            role_server(rest[0])
        elif role == "idle":
            role_idle(int(rest[0]), rest[1], int(rest[2]))
        else:
            role_drive(int(rest[0]), rest[1], int(rest[2]), float(rest[3]), int(rest[4]))
    else:
        sys.exit(main(sys.argv[1:]))
