"""TCP echo throughput through gnet: round trips per second, client and server in two processes.

    python echo_throughput.py [--connections 100] [--size 64] [--seconds 5] [--server selector]

The server process accepts on 127.0.0.1 and runs one greenlet per
connection that echoes what it reads (``--server greenlets``, the default),
or one greenlet that serves every connection from a ``gnet.selectors``
loop on non-blocking sockets (``--server selector``: the path of
select-based code under gmonkey, where nearly every ``select()`` finds
something ready). The client process opens
``--connections`` connections, each in its own greenlet, and does
``--size``-byte round trips (send, then read the whole echo back) for
``--seconds``; it prints the total and the rate. ``--server-only`` /
``--client-only HOST:PORT`` run one side (to pair with another implementation).
"""

import argparse
import multiprocessing
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def serve(ready, stop_after):
    import ghub
    from gnet import socket

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)

    def handle(conn):
        recv, sendall = conn.recv, conn.sendall
        try:
            while True:
                data = recv(65536)
                if not data:
                    break
                sendall(data)
        finally:
            conn.close()

    def acceptor():
        while True:
            conn, _ = listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            ghub.spawn_raw(handle, conn)

    ghub.spawn_raw(acceptor)
    ready.put(listener.getsockname())
    ghub.sleep(stop_after)


def serve_selector(ready, stop_after):
    import ghub
    from gnet import selectors, socket

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    listener.setblocking(False)
    READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE
    pending = {}   # connection -> bytes not sent yet

    def loop():
        sel = selectors.DefaultSelector()
        sel.register(listener, READ)
        while True:
            for key, events in sel.select():
                sock = key.fileobj
                if sock is listener:
                    try:
                        conn, _ = listener.accept()
                    except BlockingIOError:
                        continue
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    pending[conn] = b""
                    sel.register(conn, READ)
                    continue
                if events & READ:
                    try:
                        data = sock.recv(65536)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(sock)
                        del pending[sock]
                        sock.close()
                        continue
                    pending[sock] += data
                out = pending[sock]
                if out:
                    try:
                        sent = sock.send(out)
                    except BlockingIOError:
                        sent = 0
                    pending[sock] = out = out[sent:]
                sel.modify(sock, READ | WRITE if out else READ)

    ghub.spawn_raw(loop)
    ready.put(listener.getsockname())
    ghub.sleep(stop_after)


def run_clients(address, connections, size, seconds):
    import ghub
    from gnet import socket

    payload = b"x" * size
    counts = [0] * connections
    started = ghub.get_hub().loop  # noqa: F841  (create the hub before timing)
    socks = []
    for _ in range(connections):
        sock = socket.create_connection(address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(sock)
    deadline = [0.0]

    def client(i, sock):
        send, recv = sock.sendall, sock.recv
        n = 0
        while time.monotonic() < deadline[0]:
            send(payload)
            remaining = size
            while remaining:
                remaining -= len(recv(remaining))
            n += 1
        counts[i] = n

    deadline[0] = time.monotonic() + seconds
    start = time.monotonic()
    jobs = [ghub.spawn(client, i, s) for i, s in enumerate(socks)]
    ghub.joinall(jobs)
    elapsed = time.monotonic() - start
    for s in socks:
        s.close()
    return sum(counts), elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--server", choices=("greenlets", "selector"), default="greenlets")
    parser.add_argument("--server-only", action="store_true")
    parser.add_argument("--client-only", metavar="HOST:PORT")
    args = parser.parse_args()

    if args.client_only:
        host, port = args.client_only.rsplit(":", 1)
        address = (host, int(port))
    else:
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Queue()
        target = serve if args.server == "greenlets" else serve_selector
        server = ctx.Process(target=target, args=(ready, 10 ** 6 if args.server_only
                                                  else args.seconds + 30), daemon=True)
        server.start()
        address = ready.get(timeout=30)
        if args.server_only:
            print(f"serving on {address[0]}:{address[1]}", flush=True)
            server.join()
            return
    total, elapsed = run_clients(address, args.connections, args.size, args.seconds)
    server_kind = "" if args.client_only else f" ({args.server} server)"
    print(f"gnet echo{server_kind}: {args.connections} connections, {args.size}-byte round trips, "
          f"{elapsed:.2f}s: {total} round trips, {total / elapsed:,.0f} round trips/s")
    if not args.client_only:
        server.terminate()
        server.join()


if __name__ == "__main__":
    sys.exit(main())
