"""Real servers on loopback for the client tests, run in plain OS threads of the test process.

The test process is never patched: the servers are ordinary blocking
``socketserver`` servers, one thread per connection, so they serve N clients
at the same time and the only thing under test is whether the clients —
running under ``gmonkey`` in another process — overlap their waits.

- :class:`SlowHTTPServer`: ``GET /slow?seconds=S&id=I`` answers ``slow I``
  after sleeping S seconds; ``GET /page/NAME`` answers a small page.
- :class:`SlowSMTPServer`: just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA,
  RSET, NOOP, QUIT) to take a message; it waits ``delay`` seconds before
  accepting each message and keeps what it got in ``messages``.
- :func:`redis_server`: a real ``redis-server`` on a free port, or None.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import socketserver
import subprocess
import threading
import time
import urllib.parse
from contextlib import contextmanager

__all__ = ["SlowHTTPServer", "SlowSMTPServer", "serving", "redis_server"]


class _HTTPHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/slow":
            time.sleep(float(query.get("seconds", ["0.5"])[0]))
            body = f"slow {query.get('id', ['-'])[0]}".encode()
        elif url.path.startswith("/page/"):
            name = url.path[len("/page/"):]
            body = f"<html><title>{name}</title><body>page {name}</body></html>".encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class SlowHTTPServer(http.server.ThreadingHTTPServer):
    """An HTTP/1.1 server with a slow endpoint; one thread per connection."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _HTTPHandler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 localhost test SMTP ready")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline(1000)
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 bad sequence of commands")
                    continue
                self.reply("354 end data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline(10000)
                    if not data or data == b".\r\n":
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                time.sleep(self.server.delay)
                with self.server.lock:
                    self.server.messages.append((sender, recipients, b"".join(lines)))
                self.reply("250 OK queued")
                sender, recipients = None, []
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class SlowSMTPServer(socketserver.ThreadingTCPServer):
    """A tiny SMTP server that takes ``delay`` seconds to accept each message."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, delay=0.5):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.delay = delay
        self.messages = []
        self.lock = threading.Lock()


@contextmanager
def serving(server):
    """Run ``server.serve_forever()`` in a thread for the ``with`` block, then close it."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server():
    """A real redis-server on 127.0.0.1 (yields its port), or yields None if there is none."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(100).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
