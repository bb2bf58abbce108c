"""asyncio TCP echo: 100 connections doing 64-byte round trips for 3 s; gevent column: stdlib loop.

The same asyncio program (protocols and transports, no streams) on two event
loops: the gstack column runs it on ``gnet.asyncio.EventLoop`` (asyncio on
the hub's libevent loop), the gevent column on the stdlib's own asyncio loop
(``asyncio.new_event_loop()``, epoll; gevent is not imported there) — the
loop gstack's must at least keep up with. A server process (an echo
protocol per connection) and this client process (100 connections, each
writing 64 bytes and waiting for their echo, in a loop) each run on their
own CPU where the machine has two; both ends use the loop under test. The
connections are made before the clock starts. Figure: round trips per
second, all connections together.

For reference, ``python asyncio_echo.py gevent uvloop`` runs the gevent
column's code on uvloop (where it is installed) and prints its line.
"""

import sys

from _common import child_cpu, cpu_pair, main, now, pin_to_cpu, start_child, stop_child

UNIT = "k round trips/s (gevent column: stdlib asyncio loop)"
BETTER = "higher"
CONNECTIONS = 100
SECONDS = 3.0
MESSAGE = b"x" * 64


def _new_loop(lib, flavour=None):
    if lib == "gstack":
        import gnet.asyncio

        return gnet.asyncio.EventLoop()
    if flavour == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    import asyncio

    return asyncio.new_event_loop()


class _Echo:
    """Server side: write back what arrives."""

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        import socket

        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        self.transport.write(data)

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        pass

    def pause_writing(self):
        pass

    def resume_writing(self):
        pass


class _Client:
    """Client side: one 64-byte message in flight; count the complete echoes."""

    def __init__(self, loop, ready):
        self.loop, self.ready = loop, ready
        self.count, self.got, self.deadline, self.done = 0, 0, None, None

    def connection_made(self, transport):
        self.transport = transport
        self.ready.set_result(self)

    def start(self, deadline, done):
        self.deadline, self.done = deadline, done
        self.transport.write(MESSAGE)

    def data_received(self, data):
        self.got += len(data)
        if self.got < len(MESSAGE):
            return
        self.got -= len(MESSAGE)
        self.count += 1
        if now() < self.deadline:
            self.transport.write(MESSAGE)
        else:
            self.done.set_result(self.count)

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError(f"lost the connection: {exc!r}"))

    def pause_writing(self):
        pass

    def resume_writing(self):
        pass


def _serve(lib, flavour=None):
    loop = _new_loop(lib, flavour)
    server = loop.run_until_complete(loop.create_server(_Echo, "127.0.0.1", 0, backlog=1024))
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


def _measure(lib, flavour=None):
    import socket

    server_cpu, client_cpu = cpu_pair()
    child = [lib, "serve"] + ([flavour] if flavour else [])
    proc, line = start_child(__file__, *child, cpu=server_cpu)
    port = int(line)
    loop = _new_loop(lib, flavour)
    try:
        pin_to_cpu(client_cpu)

        async def connect():
            ready = loop.create_future()
            transport, _ = await loop.create_connection(lambda: _Client(loop, ready),
                                                        "127.0.0.1", port)
            transport.get_extra_info("socket").setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return await ready

        async def run():
            import asyncio

            clients = await asyncio.gather(*(connect() for _ in range(CONNECTIONS)))
            start = now()
            dones = [loop.create_future() for _ in clients]
            for client, done in zip(clients, dones):
                client.start(start + SECONDS, done)
            counts = await asyncio.gather(*dones)
            elapsed = now() - start
            for client in clients:
                client.transport.close()
            await asyncio.sleep(0)
            return counts, elapsed

        counts, elapsed = loop.run_until_complete(run())
        if len(counts) != CONNECTIONS or min(counts) == 0:
            raise RuntimeError(f"only {sum(1 for c in counts if c)} of {CONNECTIONS} "
                               f"connections made round trips")
        return sum(counts) / elapsed / 1e3
    finally:
        loop.close()
        stop_child(proc)


def run_gstack():
    return _measure("gstack")


def run_gevent(flavour=None):
    return _measure("gevent", flavour)


if __name__ == "__main__":
    if sys.argv[2:3] == ["serve"]:
        argv = child_cpu(sys.argv[1:])
        _serve(argv[0], *argv[2:])
        sys.exit(0)
    main(globals())
