"""gstack in one page: greenlets, timeouts, a queue and a TCP echo server on loopback.

Run it with ``python examples/demo.py`` once the packages are installed
(in the virtualenv ``./demo`` makes: ``.nox/demo/bin/python examples/demo.py``).
Everything happens on 127.0.0.1; nothing here needs the network.
"""

import time

import gstack
from gstack import socket
from gstack.queue import Queue


def echo_server(listener):
    """Accept connections and echo each one in its own greenlet."""
    def handle(conn):
        with conn:
            while data := conn.recv(1024):
                conn.sendall(data)

    while True:
        conn, _ = listener.accept()
        gstack.spawn(handle, conn)


def client(port, n):
    with socket.create_connection(("127.0.0.1", port)) as conn:
        message = f"hello {n}".encode()
        conn.sendall(message)
        return conn.recv(1024).decode()


def main():
    # 1. Three greenlets sleeping one second each take one second, not three.
    start = time.monotonic()
    gstack.joinall([gstack.spawn(gstack.sleep, 1) for _ in range(3)])
    print(f"three 1 s sleeps in parallel took {time.monotonic() - start:.2f} s")

    # 2. The 0.13 reference's first example, with names every machine resolves.
    jobs = [gstack.spawn(socket.gethostbyname, name) for name in ["localhost", "127.0.0.1"]]
    gstack.joinall(jobs, timeout=2)
    print("gethostbyname:", [job.value for job in jobs])

    # 3. A timeout is an exception raised from the outside.
    try:
        with gstack.Timeout(0.1):
            gstack.sleep(10)
    except gstack.Timeout as timeout:
        print(f"timed out after {timeout}")

    # 4. A queue between a producer and a consumer.
    queue = Queue(maxsize=2)
    consumed = []
    consumer = gstack.spawn(lambda: [consumed.append(queue.get()) for _ in range(5)])
    for item in range(5):
        queue.put(item)
    consumer.join()
    print("consumed:", consumed)

    # 5. A TCP echo server and 100 concurrent clients.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    server = gstack.spawn(echo_server, listener)
    clients = [gstack.spawn(client, port, n) for n in range(100)]
    gstack.joinall(clients, timeout=10, raise_error=True)
    answers = sorted(int(c.value.split()[1]) for c in clients)
    print(f"echo: {len(answers)} clients answered, all right: {answers == list(range(100))}")
    server.kill()
    listener.close()


if __name__ == "__main__":
    main()
