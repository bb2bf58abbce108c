"""Memory per idle TCP connection: resident bytes for each of 10,000 open, silent connections.

This process is the server, written on the library's cooperative sockets:
an accept loop spawns one greenlet per connection, which blocks in
``recv()``. A second process, plain stdlib, opens the connections and holds
them without sending anything. RSS (from ``/proc/self/statm``) is read after
a first 200 connections are being served (one-time allocations), then
again once 10,000 more are. Figure: the difference divided by 10,000, in
KiB; lower is better. It counts the accepted socket object, its watchers,
the handler greenlet and its frames; the kernel's socket buffers are not
in RSS. Both processes raise RLIMIT_NOFILE to fit the descriptors.
"""

import gc
import socket
import sys

import _tcp
from _common import child_cpu, main, now, raise_nofile, rss_bytes, start_child, stop_child

UNIT = "KiB/connection"
BETTER = "lower"
WARM = 200
N = 10_000


def _hold(sock, entered):
    entered.append(None)
    try:
        sock.recv(1)
    except OSError:
        pass
    finally:
        sock.close()


def _measure(lib):
    socket_module, spawn, _, sleep = _tcp.lib_api(lib)
    if raise_nofile(WARM + N + 100) < WARM + N + 50:
        raise RuntimeError("RLIMIT_NOFILE cannot be raised enough for this case")
    listener = socket_module.socket(socket_module.AF_INET, socket_module.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    entered = []

    def acceptor():
        while True:
            sock, _ = listener.accept()
            spawn(_hold, sock, entered)

    def wait_for(count):
        deadline = now() + 60
        while len(entered) < count:
            if now() > deadline:
                raise RuntimeError(f"only {len(entered)} of {count} connections served in 60 s")
            sleep(0.01)
        sleep(0.01)

    spawn(acceptor)
    holder, _ = start_child(__file__, "hold", listener.getsockname()[1])
    try:
        holder.stdin.write(f"{WARM}\n")
        holder.stdin.flush()
        wait_for(WARM)
        gc.collect()
        before = rss_bytes()
        holder.stdin.write(f"{N}\n")
        holder.stdin.flush()
        wait_for(WARM + N)
        after = rss_bytes()
    finally:
        stop_child(holder)
    return (after - before) / N / 1024


def _holder(port):
    """The client process: open connections as asked on stdin, and hold them."""
    raise_nofile(WARM + N + 100)
    held = []
    print("ready", flush=True)
    for line in sys.stdin:
        for _ in range(int(line)):
            held.append(socket.create_connection(("127.0.0.1", port)))


def run_gstack():
    return _measure("gstack")


def run_gevent():
    return _measure("gevent")


if __name__ == "__main__":
    if sys.argv[1:2] == ["hold"]:
        _holder(int(child_cpu(sys.argv[2:])[0]))
        sys.exit(0)
    main(globals())
