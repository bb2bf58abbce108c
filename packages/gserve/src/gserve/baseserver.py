"""The base of every gserve server: a listener, an accepting greenlet and a way to spawn handlers.

How it works
------------

:class:`BaseServer` owns a listening socket (bound on :meth:`~BaseServer.start`
from an address, or given already listening) and one *accepting greenlet*.
That greenlet takes what the listener has (:meth:`~BaseServer.do_read`: a
connection for stream servers, a datagram for datagram servers) and hands
each to the handler through the server's ``spawn``:

- ``'default'``: a new greenlet per item, kept in a :class:`gsync.pool.Group`
  so that :meth:`~BaseServer.stop` can wait for them and kill the late ones
  (:class:`gserve.http.HTTPServer` keeps raw greenlets itself instead);
- a :class:`gsync.pool.Pool`, or an int (a pool of that size): the same, with
  at most ``size`` handlers at once. While the pool is full the accepting
  greenlet waits for a free slot and accepts nothing: new connections queue
  in the kernel's backlog (back-pressure) until a handler finishes;
- ``None``: the handler runs in the accepting greenlet itself (one item at a
  time; it may block);
- any other callable: called as ``spawn(handler, *args)``; the server cannot
  wait for what it starts.

Accepting takes every pending item without waiting (in batches of
:attr:`~BaseServer.max_accept`, yielding to the hub between batches), then
waits for the listener to be readable again. Errors of the kind a busy
server meets are not fatal: ``EMFILE``/``ENFILE``/``ENOBUFS``/``ENOMEM`` (out
of descriptors or memory) make the greenlet back off, from
:attr:`~BaseServer.min_delay` doubling up to :attr:`~BaseServer.max_delay`
seconds, and try again; a connection aborted before it was accepted
(``ECONNABORTED``, ``EPROTO``) is skipped. Anything else is reported through
the hub's ``handle_error`` and the greenlet backs off the same way, so it
never spins and never dies of one bad accept.

:meth:`~BaseServer.stop` stops accepting, closes the listener, gives running
handlers up to ``timeout`` seconds (default :attr:`~BaseServer.stop_timeout`)
to finish, then kills those left. :meth:`~BaseServer.serve_forever` starts the
server and returns once :meth:`~BaseServer.stop` is called.
"""

from __future__ import annotations

import errno as _errno
import socket as _stdsocket
import sys
from collections.abc import Callable
from typing import Any

from ghub import Greenlet, GreenletExit, checks, get_hub, getcurrent, sleep
from gnet import socket as _gsocket
from gsync.event import Event
from gsync.pool import Group, Pool

__all__ = ["BaseServer", "parse_address"]


def positive_int(value: Any, what: str) -> int:
    """``value`` as an int >= 1 (``ghub.checks``' integer rule; a bool is refused)."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a positive integer, not bool")
    value = checks.count(value, what)
    if value < 1:
        raise ValueError(f"{what} must be a positive integer, not {value}")
    return value

# Accept errors that mean "out of resources for now": back off and retry.
_BACK_OFF = frozenset(getattr(_errno, name) for name in ("EMFILE", "ENFILE", "ENOBUFS", "ENOMEM")
                      if hasattr(_errno, name))
# Accept errors that concern one connection only: skip it.
_SKIP = frozenset(getattr(_errno, name) for name in ("ECONNABORTED", "EPROTO", "EINTR")
                  if hasattr(_errno, name))


def parse_address(address: Any) -> tuple[int, tuple[Any, ...]]:
    """``(family, sockaddr)`` of a listener address.

    Accepts ``(host, port)`` (IPv4 or IPv6 host; ``''`` means every IPv4
    address), ``(host, port, flowinfo, scope_id)``, ``"host:port"``,
    ``"[v6host]:port"``, ``":port"`` and a bare port number. Raises
    ``TypeError`` or ``ValueError`` naming what is wrong.
    """
    if isinstance(address, int) and not isinstance(address, bool):
        address = ("", address)
    elif isinstance(address, str):
        host, sep, port = address.rpartition(":")
        if not sep:
            raise ValueError(f"an address string must be 'host:port', not {address!r}")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        try:
            address = (host, int(port))
        except ValueError:
            raise ValueError(f"the port of {address!r} is not a number") from None
    if not isinstance(address, tuple) or len(address) not in (2, 4):
        raise TypeError(f"a listener is (host, port) or a listening socket, not {address!r}")
    host, port = address[0], address[1]
    if not isinstance(host, str):
        raise TypeError(f"the host must be a str, not {type(host).__name__}")
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError(f"the port must be an int, not {type(port).__name__}")
    if not 0 <= port <= 65535:
        raise ValueError(f"the port must be 0-65535, not {port}")
    if ":" in host or len(address) == 4:
        return _stdsocket.AF_INET6, address
    if host == "":
        host = "0.0.0.0"
    return _stdsocket.AF_INET, (host, port)


class BaseServer:
    """What every server shares: listener, spawning, start/stop. Subclasses define the rest.

    ``BaseServer(listener, handle=None, spawn='default')``: ``listener`` is an
    address (see :func:`parse_address`) or a socket already bound (and, for
    a stream server, listening); ``handle`` is called for each item (its
    arguments depend on the server); ``spawn`` is described in the module
    documentation. A subclass defines :meth:`init_socket` (make the listener
    from the address) and :meth:`do_read` (take one item without waiting, or
    return None), and may define :meth:`do_close` (release an item the
    handler could not take) and :meth:`close_idle`.

    Also a context manager: ``with server:`` stops it on exit.
    """

    #: Seconds :meth:`stop` waits for running handlers when not told.
    stop_timeout: float = 1.0
    #: How many items one batch takes before the accepting greenlet yields.
    max_accept: int = 100
    #: The first and the longest back-off after an accept error, in seconds.
    min_delay: float = 0.01
    max_delay: float = 1.0
    #: ``listen()``'s backlog when the server binds its own listener.
    backlog: int = 256
    #: The type of the listener's socket (each subclass sets its own).
    socket_type: int = _stdsocket.SOCK_STREAM

    def __init__(self, listener: Any, handle: Callable[..., Any] | None = None,
                 spawn: Any = "default", *, reuse_port: bool = False) -> None:
        if not isinstance(reuse_port, bool):
            raise TypeError(f"reuse_port must be a bool, not {type(reuse_port).__name__}")
        #: ``SO_REUSEPORT`` on the listener the server binds (several processes, one port).
        self.reuse_port = reuse_port
        self._supervisor: Callable[[], None] | None = None
        self.socket: Any = None
        self.address: Any = None
        self.family: int = 0
        self.pool: Group | None = None
        self._spawn: Callable[..., Any] | None = None
        self._acceptor: Greenlet | None = None
        self._stopped = Event()
        self._stopped.set()
        self._closed = False
        self.set_listener(listener)
        self.set_spawn(spawn)
        self.set_handle(handle)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "started" if self.started else "not started"
        where = self.address if self.socket is None else self._sockname()
        return f"<{type(self).__name__} at {id(self):#x} {where!r} {state}>"

    # -- configuration -------------------------------------------------------------

    def set_listener(self, listener: Any) -> None:
        """Use ``listener``: an address to bind on :meth:`start`, or a bound socket."""
        if self.started:
            raise RuntimeError(f"cannot change the listener of a started {type(self).__name__}")
        if hasattr(listener, "accept") or hasattr(listener, "recvfrom"):
            if getattr(listener, "fileno", lambda: -1)() < 0:
                raise ValueError("the listening socket is closed")
            if not isinstance(listener, _gsocket.socket):
                listener = self._cooperative(listener)
            self.socket = listener
            self.family = listener.family
            self.address = listener.getsockname()
        else:
            self.family, self.address = parse_address(listener)
            self.socket = None

    @staticmethod
    def _cooperative(sock: Any) -> Any:
        # A stdlib socket given as the listener: take its descriptor into a gnet socket.
        return _gsocket.socket(sock.family, sock.type, sock.proto, fileno=sock.detach())

    def set_spawn(self, spawn: Any) -> None:
        """Choose how handlers run: ``'default'``, a Pool, a pool size, ``None`` or a callable."""
        if self.started:
            raise RuntimeError(f"cannot change how a started {type(self).__name__} spawns")
        if spawn == "default":
            self.pool = Group()
            self._spawn = self.pool.spawn
        elif isinstance(spawn, Group):
            self.pool = spawn
            self._spawn = spawn.spawn
        elif spawn is None:
            self.pool = None
            self._spawn = None
        elif isinstance(spawn, bool):
            raise TypeError("spawn must be 'default', a Pool, a pool size, None or a callable, "
                            "not a bool")
        elif hasattr(spawn, "__index__"):
            self.pool = Pool(spawn)   # Pool(0) raises ValueError
            self._spawn = self.pool.spawn
        elif callable(spawn):
            self.pool = None
            self._spawn = spawn
        else:
            raise TypeError("spawn must be 'default', a Pool, a pool size, None or a callable, "
                            f"not {type(spawn).__name__}")

    def set_handle(self, handle: Callable[..., Any] | None) -> None:
        """Use ``handle`` for each item (``None``: the subclass's :meth:`handle` method)."""
        if handle is not None:
            if not callable(handle):
                raise TypeError(f"handle must be callable, not {type(handle).__name__}")
            self.handle = handle   # type: ignore[method-assign]

    def handle(self, *args: Any) -> None:
        """Handle one item; pass ``handle=`` or override this."""
        raise NotImplementedError(
            f"{type(self).__name__} has no handle: pass handle= or define handle()")

    # -- state ---------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """True from :meth:`start` to :meth:`stop`."""
        return not self._stopped.is_set()

    @property
    def closed(self) -> bool:
        """True once :meth:`stop` has closed the listener."""
        return self._closed

    def _sockname(self) -> Any:
        try:
            return self.socket.getsockname()
        except OSError:
            return self.address

    @property
    def server_host(self) -> str | None:
        """The host the listener is bound to (the requested one before :meth:`start`)."""
        address = self._sockname() if self.socket is not None else self.address
        return address[0] if isinstance(address, tuple) else None

    @property
    def server_port(self) -> int | None:
        """The port the listener is bound to (0 before :meth:`start` if the system chooses)."""
        address = self._sockname() if self.socket is not None else self.address
        return address[1] if isinstance(address, tuple) else None

    # -- starting and stopping -----------------------------------------------------

    def init_socket(self) -> None:
        """Make ``self.socket`` from ``self.address`` (subclasses bind and listen here)."""
        raise NotImplementedError

    def start(self) -> None:
        """Bind (if given an address) and start accepting in a new greenlet; returns at once."""
        if self.started:
            return
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} was stopped: make a new one")
        if self.socket is None:
            self.init_socket()
        self._stopped.clear()
        self._acceptor = Greenlet.spawn(self._accept_forever)

    def serve_forever(self, stop_timeout: float | None = None,
                      processes: int | None = None) -> None:
        """Start, then block until :meth:`stop` is called (by another greenlet or a handler).

        If this greenlet is interrupted (killed, ``KeyboardInterrupt``), the
        server is stopped with ``stop(stop_timeout)`` first.

        With ``processes=N`` (not in 0.13; POSIX with ``SO_REUSEPORT``), serve
        from ``N`` child processes, each with its own listener on the
        server's address, supervised by this one (a child that dies is
        replaced); ``SIGTERM``/``SIGINT`` or :meth:`stop` stop them all
        gracefully. See :mod:`gserve._processes`.
        """
        if processes is not None:
            from gserve._processes import serve_in_processes

            serve_in_processes(self, processes, stop_timeout)
            return
        self.start()
        try:
            self._stopped.wait()
        finally:
            if not self._closed:
                self.stop(stop_timeout)

    def stop(self, timeout: float | None = None) -> None:
        """Stop accepting and close the listener; wait ``timeout`` for handlers, then kill them.

        ``timeout`` defaults to :attr:`stop_timeout`. Handlers started by a
        custom ``spawn`` callable are not waited for.
        """
        timeout = checks.timeout(timeout)
        if self._supervisor is not None:   # serve_forever(processes=...) in this process
            self._supervisor()
            return
        if timeout is None:
            timeout = self.stop_timeout
        acceptor, self._acceptor = self._acceptor, None
        self._closed = True
        current = getcurrent()
        if acceptor is not None and not acceptor.dead and acceptor is not current:
            acceptor.kill(block=True)
        if self.socket is not None:
            self.socket.close()
        self.close_idle()
        self._stop_handlers(timeout)
        self._stopped.set()

    def _stop_handlers(self, timeout: float) -> None:
        # stop(): wait up to ``timeout`` for the running handlers, then kill them.
        pool = self.pool
        if pool is not None and getcurrent() in pool:
            pool.discard(getcurrent())   # a handler stopping its server: do not wait for itself
        if pool is not None and len(pool):
            if not pool.join(timeout=timeout):
                pool.kill(block=True, timeout=timeout)

    def close(self) -> None:
        """Stop at once: ``stop(0)``."""
        self.stop(0)

    def close_idle(self) -> None:
        """Called by :meth:`stop` after the listener closes: end connections that are only idle."""

    def __enter__(self) -> BaseServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._closed:
            self.stop()

    # -- accepting -----------------------------------------------------------------

    def do_read(self) -> tuple[Any, ...] | None:
        """Take one item from the listener without waiting: the handler's arguments, or None."""
        raise NotImplementedError

    def do_close(self, *args: Any) -> None:
        """Release an item that no handler will take."""

    def wait_readable(self) -> None:
        """Wait until the listener has something (overridden only by special listeners)."""
        _gsocket.wait_read(self.socket.fileno())

    def _accept_forever(self) -> None:
        delay = self.min_delay
        pool = self.pool
        limited = isinstance(pool, Pool)
        while not self._closed:
            if limited and pool.full():   # type: ignore[union-attr]
                pool.wait_available()   # type: ignore[union-attr]
            try:
                args = self.do_read()
            except OSError as exc:
                if exc.errno in _SKIP:
                    continue
                if exc.errno not in _BACK_OFF:
                    get_hub().handle_error(self, *sys.exc_info())
                sleep(delay)
                delay = min(delay * 2, self.max_delay)
                continue
            if args is None:
                self.wait_readable()
                continue
            delay = self.min_delay
            self._dispatch(args)
            self._accepted += 1
            if self._accepted >= self.max_accept:
                self._accepted = 0
                sleep(0)

    _accepted = 0

    def _dispatch(self, args: tuple[Any, ...]) -> None:
        spawn = self._spawn
        if spawn is None:
            try:
                self._handle_and_close(*args)
            except GreenletExit:
                raise
            except BaseException:
                get_hub().handle_error(self, *sys.exc_info())
            return
        try:
            spawn(self._handle_and_close, *args)
        except BaseException:
            self.do_close(*args)
            raise

    def _handle_and_close(self, *args: Any) -> None:
        try:
            self.handle(*args)
        finally:
            self.do_close(*args)
