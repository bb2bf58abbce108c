"""Unmodified stdlib/third-party HTTP clients, many at once; run under ``python -m gmonkey``.

    python -m gmonkey http_clients.py KIND BASE_URL N SECONDS

KIND is ``urllib``, ``http.client`` or ``requests``. N threads each fetch
``/slow?seconds=SECONDS&id=i`` with the library as anybody would; the
script prints one JSON line: the bodies in order and the elapsed time.
Nothing here knows about gstack: ``threading`` threads are greenlets only
because the program runs patched.
"""

import json
import sys
import threading
import time
import urllib.parse


def fetch_urllib(url):
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def fetch_http_client(url):
    import http.client

    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        return response.read().decode()
    finally:
        connection.close()


def fetch_requests(url):
    import requests

    with requests.Session() as session:
        response = session.get(url, timeout=30)
        response.raise_for_status()
        return response.text


def main():
    kind, base, n, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    fetch = {"urllib": fetch_urllib, "http.client": fetch_http_client,
             "requests": fetch_requests}[kind]
    bodies = [None] * n

    def worker(i):
        bodies[i] = fetch(f"{base}/slow?seconds={seconds}&id={i}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"bodies": bodies, "elapsed": time.monotonic() - began,
                      "thread_type": type(threads[0]).__module__}))


if __name__ == "__main__":
    main()
