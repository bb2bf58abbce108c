#!/usr/bin/env python3
"""Spawn one greenlet per URL, download them all at once, wait for all of them.

The 0.13 reference's example, on Python 3. ``monkey.patch_all()`` makes the
standard library cooperative, so plain ``urllib.request`` downloads run side
by side in greenlets: three slow pages take about as long as one.

    python examples/concurrent_download.py [URL ...]

Without URLs it downloads three slow pages from a small HTTP server that it
starts on 127.0.0.1 for the occasion (each page takes half a second to come).
"""

from gstack import monkey

monkey.patch_all()   # first: what is imported afterwards uses the cooperative modules

import http.server  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

import gstack  # noqa: E402


def print_head(url):
    print(f"Starting {url}", flush=True)
    data = urllib.request.urlopen(url, timeout=30).read()
    print(f"{url}: {len(data)} bytes: {data[:50]!r}", flush=True)


class _SlowPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.5)   # cooperative: the server's other greenlets go on meanwhile
        body = f"<html><body>This is {self.path}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def local_server():
    """A threading HTTP server on a free port (its threads are greenlets here)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(urls):
    server = None
    if not urls:
        server = local_server()
        base = f"http://127.0.0.1:{server.server_port}"
        urls = [f"{base}/one", f"{base}/two", f"{base}/three"]
    started = time.monotonic()
    jobs = [gstack.spawn(print_head, url) for url in urls]
    gstack.joinall(jobs)
    print(f"{len(urls)} downloads in {time.monotonic() - started:.2f}s")
    if server is not None:
        server.shutdown()
        server.server_close()
    return 0 if all(job.successful() for job in jobs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
