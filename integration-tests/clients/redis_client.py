"""redis-py, unmodified, from many threads at once; run under ``python -m gmonkey``.

    python -m gmonkey redis_client.py PORT N SECONDS

Each of N threads opens its own connection and waits SECONDS in a
server-side ``BLPOP`` on its own empty list (the server answers nil after
the timeout); one more thread pushes to list 0 halfway through, so that one
``BLPOP`` returns the value instead. Prints one JSON line.
"""

import json
import sys
import threading
import time

import redis


def main():
    port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    results = [None] * n

    def waiter(i):
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
        try:
            reply = client.blpop([f"gstack-list-{i}"], timeout=seconds)
            results[i] = None if reply is None else [part.decode() for part in reply]
        finally:
            client.close()

    def pusher():
        time.sleep(seconds / 2)
        client = redis.Redis(host="127.0.0.1", port=port)
        try:
            client.rpush("gstack-list-0", "pushed")
        finally:
            client.close()

    threads = [threading.Thread(target=waiter, args=(i,)) for i in range(n)]
    threads.append(threading.Thread(target=pusher))
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"results": results, "elapsed": time.monotonic() - began}))


if __name__ == "__main__":
    main()
