"""An interactive Python console over TCP, for looking inside a running server.

How it works
------------

:class:`BackdoorServer` is a :class:`~gserve.server.StreamServer`; each
connection gets a greenlet running the stdlib's ``code.InteractiveConsole``,
reading lines from the socket and writing prompts, results and tracebacks
back to it. The code typed runs in that greenlet, so it may block
cooperatively (``sleep``, sockets...) while the rest of the process goes
on. Every connection shares the server's ``locals``.

What the typed code prints goes to ``sys.stdout``/``sys.stderr``. While a
backdoor server is started, those two are small proxies that send the
writes of a console greenlet to its connection and every other write to
the stream that was there before (restored when the last backdoor server
stops). ``quit()``, ``exit()``, Ctrl-D (end of input) and ``SystemExit``
end that connection only, never the process.

Anybody who can connect runs code in the process: the server binds to
loopback when given only a port (or the host ``''``), and warns
(:class:`BackdoorWarning`) when it listens on any other address.
"""

from __future__ import annotations

import code
import ipaddress
import sys
import warnings
from typing import Any

from greenlet import getcurrent

from gserve.server import StreamServer

__all__ = ["BackdoorServer", "BackdoorWarning"]


class BackdoorWarning(UserWarning):
    """A backdoor listens beyond loopback: whoever reaches it can run code in the process."""


def _warn_if_exposed(host: str | None, stacklevel: int = 2) -> None:
    """Warn (:class:`BackdoorWarning`) unless ``host`` is a loopback address."""
    try:
        loopback = ipaddress.ip_address((host or "").split("%")[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        warnings.warn(f"BackdoorServer listens on {host!r}, not only on loopback: anybody "
                      "who can connect runs code in this process", BackdoorWarning,
                      stacklevel=stacklevel + 1)


class _StdProxy:
    """Stands in for ``sys.stdout``/``sys.stderr``: console greenlets' writes go to their socket."""

    def __init__(self, name: str, original: Any) -> None:
        self._name = name
        self._original = original

    def _target(self) -> Any:
        return _CONSOLES.get(getcurrent(), self._original)

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


_CONSOLES: dict[Any, Any] = {}   # console greenlet -> its _SocketWriter
_installed: list[Any] = []       # [stdout proxy, stderr proxy, number of started servers]


def _install() -> None:
    if _installed:
        _installed[2] += 1
        return
    out, err = _StdProxy("stdout", sys.stdout), _StdProxy("stderr", sys.stderr)
    sys.stdout, sys.stderr = out, err   # type: ignore[assignment]
    _installed[:] = [out, err, 1]


def _uninstall() -> None:
    if not _installed:
        return
    _installed[2] -= 1
    if _installed[2]:
        return
    out, err, _ = _installed
    if sys.stdout is out:
        sys.stdout = out._original
    if sys.stderr is err:
        sys.stderr = err._original
    del _installed[:]


class _SocketWriter:
    """A text stream onto the connection (``\\n`` becomes ``\\r\\n`` for telnet)."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def write(self, text: str) -> int:
        self._sock.sendall(text.replace("\n", "\r\n").encode("utf-8", "replace"))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Console(code.InteractiveConsole):
    def __init__(self, locals: dict[str, Any], sock: Any) -> None:
        code.InteractiveConsole.__init__(self, locals)
        self._writer = _SocketWriter(sock)
        self._rfile = sock.makefile("rb")

    def write(self, data: str) -> None:
        self._writer.write(data)

    def raw_input(self, prompt: str = "") -> str:
        self._writer.write(prompt)
        line = self._rfile.readline()
        if not line or line.strip() == b"\x04":
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def close(self) -> None:
        self._rfile.close()


class _Quit:
    """``quit()``/``exit()`` in a console: end this connection (``SystemExit`` in its greenlet)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Use {self.name}() or Ctrl-D (i.e. EOF) to end this connection"

    def __call__(self, code: Any = None) -> None:
        raise SystemExit(code)


class BackdoorServer(StreamServer):
    """``BackdoorServer(listener, locals=None, banner=None, **server_args)``.

    ``listener`` as for :class:`~gserve.server.StreamServer` (a bare port, or
    the host ``''``, means 127.0.0.1); ``locals``: the namespace every
    console shares (default: a new one with ``__name__ = "__console__"``);
    ``banner``: printed on connecting (default: the Python version and how
    to leave).
    """

    def __init__(self, listener: Any, locals: dict[str, Any] | None = None,
                 banner: str | None = None, **server_args: Any) -> None:
        if isinstance(listener, int) and not isinstance(listener, bool):
            listener = ("127.0.0.1", listener)
        elif isinstance(listener, tuple) and len(listener) >= 2 and listener[0] == "":
            listener = ("127.0.0.1", *listener[1:])
        StreamServer.__init__(self, listener, **server_args)
        if locals is not None and not isinstance(locals, dict):
            raise TypeError(f"locals must be a dict, not {type(locals).__name__}")
        self.locals = {"__name__": "__console__", "__doc__": None} if locals is None else locals
        # The site module's quit() and exit() close sys.stdin, the process's: ours do not.
        self.locals.setdefault("quit", _Quit("quit"))
        self.locals.setdefault("exit", _Quit("exit"))
        if banner is None:
            banner = (f"Python {sys.version} on {sys.platform}\n"
                      "(gstack backdoor: quit(), exit() or Ctrl-D ends this connection)")
        self.banner = banner

    def start(self) -> None:
        """Start serving (warns with :class:`BackdoorWarning` beyond loopback)."""
        if self.started:
            return
        StreamServer.start(self)
        _warn_if_exposed(self.server_host, stacklevel=3)
        _install()

    def stop(self, timeout: float | None = None) -> None:
        """Stop, as :meth:`StreamServer.stop`, and restore ``sys.stdout``/``sys.stderr``."""
        was_started = self.started
        try:
            StreamServer.stop(self, timeout)
        finally:
            if was_started:
                _uninstall()

    def handle(self, sock: Any, address: Any) -> None:
        """Run an interactive console on the connection until it ends."""
        console = _Console(self.locals, sock)
        current = getcurrent()
        _CONSOLES[current] = console._writer
        try:
            console.interact(banner=self.banner, exitmsg="")
        except SystemExit:
            pass   # quit(), exit(), or code raising it: end this connection only
        except OSError:
            pass   # the client went away
        finally:
            _CONSOLES.pop(current, None)
            console.close()
