"""gunicorn worker classes: ``gunicorn -k gserve.gunicorn.PyWSGIWorker app:app`` (or WSGIWorker).

How it works
------------

gunicorn's arbiter binds the listeners, forks the workers and supervises
them; each :class:`PyWSGIWorker` serves its connections with gstack. After
the fork the worker re-initialises the event loop (and with it the
per-loop resolver), and takes back the signal wake-up descriptor that
gunicorn's own signal set-up replaces, so that ``SIGTERM`` and friends reach
their handlers at once even while the loop waits. It then starts one
:class:`gserve.pywsgi.WSGIServer` per gunicorn listener (a duplicate of its
descriptor; :class:`WSGIWorker` starts :class:`gserve.wsgi.WSGIServer`, on
libevent's HTTP server, instead: faster, without TLS or upgrades), with:

- ``worker_connections`` as the size of the pool of connections (the
  server stops accepting while it is full);
- ``keepalive`` as the idle keep-alive timeout, ``timeout``'s heartbeat
  kept by notifying the arbiter every second;
- gunicorn's TLS settings (``certfile``, ``keyfile``, ...) through gunicorn's
  own ``ssl_context``;
- gunicorn's access log and error log (``accesslog``, ``access_log_format``,
  ``errorlog``), and ``max_requests``.

On ``SIGTERM`` (graceful shutdown) the worker stops accepting and gives the
requests in flight up to ``graceful_timeout`` seconds; on ``SIGQUIT``/
``SIGINT`` it stops at once. gunicorn is an optional dependency: install the
``gunicorn`` extra (``pip install gstack-gserve[gunicorn]``).

The worker does not monkey-patch: gserve is below gmonkey. An application
whose libraries block (database drivers...) patches itself, e.g. in
gunicorn's ``post_fork`` hook: ``def post_fork(server, worker):
import gmonkey; gmonkey.patch_all()``.
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any

import ghub
from gnet import socket as _gsocket
from gserve.pywsgi import WSGIHandler, WSGIServer
from gserve.wsgi import WSGIServer as EvhttpWSGIServer
from gsync.pool import Pool

try:
    from gunicorn.sock import ssl_context as _gunicorn_ssl_context
    from gunicorn.workers.base import Worker as _Worker
except ImportError as exc:   # pragma: no cover - depends on the environment
    raise ImportError("gserve.gunicorn needs gunicorn: pip install gunicorn "
                      f"(or gstack-gserve[gunicorn]); {exc}") from exc

__all__ = ["PyWSGIWorker", "WSGIWorker", "GunicornWSGIHandler"]


class _Response:
    """What gunicorn's access log reads from a response."""

    __slots__ = ("status", "headers", "sent")

    def __init__(self, status: str, headers: list[tuple[str, str]], sent: int) -> None:
        self.status = status
        self.headers = headers
        self.sent = sent


class GunicornWSGIHandler(WSGIHandler):
    """pywsgi's handler, logging through gunicorn and counting requests for ``max_requests``."""

    def get_environ(self) -> dict[str, Any]:
        environ = WSGIHandler.get_environ(self)
        environ["RAW_URI"] = environ["REQUEST_URI"] = self.request.target
        environ["gunicorn.sock"] = self.socket
        return environ

    def log_request(self) -> None:
        worker = self.server.worker
        worker.count_request()
        if self.environ is None or self.request is None:
            return
        elapsed = datetime.timedelta(seconds=max(0.0, self.time_finish - self.time_start))
        response = _Response(self.status or "-", self.response_headers,
                             self.response_length)
        worker.log.access(response, self.request.headers, self.environ, elapsed)

    def log_error(self, message: str | None, exc_info: Any = None) -> None:
        log = self.server.worker.log
        if exc_info is not None:
            log.error("Error handling request %s", self.format_request(), exc_info=exc_info)
        else:
            log.error("%s: %s", self.format_request(), message)


class PyWSGIWorker(_Worker):
    """A gunicorn worker serving through :mod:`gserve.pywsgi` (see the module documentation)."""

    server_class: type[WSGIServer] = WSGIServer
    handler_class: type[WSGIHandler] = GunicornWSGIHandler

    def init_process(self) -> None:
        ghub.reinit()   # the arbiter may have made a loop before it forked (--preload)
        super().init_process()

    def init_signals(self) -> None:
        super().init_signals()
        # gunicorn just pointed Python's signal wake-up at its own pipe; the loop
        # must be woken by signals to run their handlers promptly: take it back.
        ghub.reinit()

    def count_request(self) -> None:
        self.nr += 1
        if self.max_requests and self.nr >= self.max_requests and self.alive:
            self.log.info("Autorestarting worker after current request.")
            self.alive = False

    def make_server(self, sock: Any, pool: Pool) -> Any:
        """The server of one gunicorn listener (``sock``, a duplicate of its descriptor)."""
        ssl_args: dict[str, Any] = {}
        if self.cfg.is_ssl:
            ssl_args["ssl_context"] = _gunicorn_ssl_context(self.cfg)
        return self.server_class(sock, self.wsgi, spawn=pool, log=None,
                                 error_log=sys.stderr, handler_class=self.handler_class,
                                 keepalive_timeout=float(self.cfg.keepalive), **ssl_args)

    def make_servers(self) -> list[Any]:
        """One server per gunicorn listener, sharing one pool of connections."""
        pool = Pool(self.cfg.worker_connections)
        servers = []
        for listener in self.sockets:
            sock = _gsocket.socket(listener.family, listener.type, 0,
                                   fileno=os.dup(listener.fileno()))
            server = self.make_server(sock, pool)
            server.worker = self
            servers.append(server)
        return servers

    def run(self) -> None:
        servers = self.make_servers()
        for server in servers:
            server.start()
        try:
            while self.alive:
                self.notify()
                if self.ppid != os.getppid():
                    self.log.info("Parent changed, shutting down: %s", self)
                    break
                ghub.sleep(1.0)
        except (KeyboardInterrupt, SystemExit):
            pass   # SIGQUIT/SIGINT: gunicorn's handle_quit exits at once
        graceful = float(self.cfg.graceful_timeout)
        stopping = [ghub.spawn(server.stop, graceful) for server in servers]
        ghub.joinall(stopping)
        self.notify()


class _EvhttpAccessLog:
    """gserve.wsgi's access-log lines, handed to gunicorn's access log."""

    def __init__(self, worker: WSGIWorker) -> None:
        self.worker = worker

    def line(self, client: str, request_line: str, status: Any, length: Any,
             seconds: float) -> None:
        worker = self.worker
        worker.count_request()
        method, _, rest = request_line.partition(" ")
        target, _, protocol = rest.rpartition(" ")
        environ = {"REMOTE_ADDR": client, "REQUEST_METHOD": method, "RAW_URI": target,
                   "PATH_INFO": target.partition("?")[0], "QUERY_STRING": target.partition("?")[2],
                   "SERVER_PROTOCOL": protocol}
        response = _Response(str(status), [], length if isinstance(length, int) else 0)
        worker.log.access(response, [], environ, datetime.timedelta(seconds=max(0.0, seconds)))


class _GunicornEvhttpServer(EvhttpWSGIServer):
    """gserve.wsgi's server, its access-log lines going to gunicorn's access log."""

    def _log_line(self, client: str, line: str, status: Any, length: Any,
                  seconds: float) -> None:
        self.log.line(client, line, status, length, seconds)


class WSGIWorker(PyWSGIWorker):
    """A gunicorn worker serving through :mod:`gserve.wsgi` (libevent's HTTP server).

    As :class:`PyWSGIWorker`, but on evhttp: ``keepalive`` becomes the
    server's idle ``timeout``; TLS is refused (evhttp has none: use
    :class:`PyWSGIWorker`, or TLS in front).
    """

    def make_server(self, sock: Any, pool: Pool) -> Any:
        if self.cfg.is_ssl:
            raise RuntimeError("gserve.gunicorn.WSGIWorker serves on libevent's HTTP server, "
                               "which has no TLS: use gserve.gunicorn.PyWSGIWorker")
        return _GunicornEvhttpServer(sock, self.wsgi, spawn=pool, log=_EvhttpAccessLog(self),
                                     error_log=sys.stderr,
                                     timeout=float(max(self.cfg.keepalive, 1)))
