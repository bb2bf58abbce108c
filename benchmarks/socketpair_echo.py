"""Socket round trips in one process, for instruction counts: ``python socketpair_echo.py N``.

Ten socketpairs, each with an echo greenlet (``recv(4096)`` then
``sendall``) and a client greenlet doing ``N`` round trips (``sendall`` 64
bytes, read the 64-byte echo), on gstack's ``gnet.socket``. No second
process and no CPU hand-off, so under callgrind the count is repeatable;
run it at two lengths and subtract to get the instructions per round trip
(both ends and the hub; the kernel is not counted)::

    for n in 1000 3000; do
        valgrind --tool=callgrind --callgrind-out-file=cg.$n python socketpair_echo.py $n
    done
    # (Ir of cg.3000 - Ir of cg.1000) / (2000 * 10)

docs/performance.md has the figures. This is a measuring tool, not a case
of ``run.py`` (it has no gevent side).
"""

import sys

import ghub
from gnet import socket as gsocket

PAIRS = 10
MESSAGE = b"x" * 64


def echo(sock):
    recv, sendall = sock.recv, sock.sendall
    while True:
        data = recv(4096)
        if not data:
            break
        sendall(data)
    sock.close()


def client(sock, rounds):
    sendall, recv = sock.sendall, sock.recv
    size = len(MESSAGE)
    for _ in range(rounds):
        sendall(MESSAGE)
        data = recv(size)
        while len(data) < size:
            more = recv(size - len(data))
            if not more:
                raise ConnectionError("the echo side closed early")
            data += more
    sock.close()


def main(rounds):
    pairs = [gsocket.socketpair() for _ in range(PAIRS)]
    jobs = [ghub.spawn(echo, b) for _, b in pairs]
    jobs += [ghub.spawn(client, a, rounds) for a, _ in pairs]
    ghub.joinall(jobs, raise_error=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
