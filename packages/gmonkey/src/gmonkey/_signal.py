"""Python signal handlers among greenlets: what ``patch_signal`` installs.

How it works
------------

CPython runs a Python-level signal handler in the main thread, at the next
bytecode boundary, and an exception it raises comes out of whatever the main
thread was doing (a blocked ``recv``, a ``sleep``...). Under gstack the main
thread is many greenlets and, while they all wait, the hub sits in
libevent's poll; the loop wakes on ``signal.set_wakeup_fd``'s socket and runs
the handlers *in the hub*. Left as is, a handler that raises would only be
printed, and one that blocks would fail.

So :func:`signal` installs each Python handler wrapped:

- in the main greenlet, the handler runs as it always did;
- in the hub, it runs in a greenlet of its own, so that it may block; in
  another greenlet, it runs there;
- an exception it raises is thrown into the main greenlet at once, so that
  it comes out of the main greenlet's blocking call, as it would come out
  of the main thread's; the greenlet that ran the handler goes on when the
  main greenlet blocks again. A handler that returns lets the interrupted
  call go on (PEP 475).

:func:`getsignal` and :func:`signal` report the handlers as they were given.
:func:`pause` blocks the calling greenlet until a Python handler has run.
"""

from __future__ import annotations

import signal as _signal_module
import sys
from _thread import get_ident as _native_get_ident
from typing import Any

from greenlet import getcurrent, greenlet

from ghub import get_hub

__all__ = ["signal", "getsignal", "pause", "pthread_kill", "wrap_installed"]
__implements__ = ["signal", "getsignal", "pause"]
if hasattr(_signal_module, "pthread_kill"):
    __implements__.append("pthread_kill")

_signal = _signal_module.signal
_getsignal = _signal_module.getsignal
_pausing = []   # greenlets blocked in pause()


class _Handler:
    """A Python signal handler, run the way the main thread would run it."""

    __slots__ = ("handler", "__weakref__")

    def __init__(self, handler):
        self.handler = handler

    def __call__(self, signum, frame):
        current = getcurrent()
        if current.parent is None:   # the main greenlet (handlers only run in the main thread)
            try:
                return self.handler(signum, frame)
            finally:
                _wake_pausing()
        hub = get_hub()
        if current is hub:
            greenlet(_run_elsewhere, hub).switch(self.handler, signum, frame, hub)
        else:
            _run_elsewhere(self.handler, signum, frame, hub)
        return None

    def __repr__(self):
        return f"<gmonkey signal handler for {self.handler!r}>"


def _run_elsewhere(handler, signum, frame, hub):
    try:
        handler(signum, frame)
    except BaseException as exc:
        main = hub.parent
        if main is None or main.dead:
            raise
        # Raise it in the main greenlet now, as CPython would in the main thread, and
        # come back here (and let this greenlet go on) once the main greenlet blocks.
        _wake_pausing()
        hub.loop.run_callback(getcurrent().switch)
        main.throw(exc)
    finally:
        _wake_pausing()


def _wake_pausing():
    if _pausing:
        waiting = list(_pausing)
        del _pausing[:]
        loop = get_hub().loop
        for glet in waiting:
            loop.run_callback(glet.switch)


def _unwrap(handler):
    return handler.handler if isinstance(handler, _Handler) else handler


def signal(signalnum: int, handler: Any) -> Any:
    """``signal.signal``: install ``handler`` for ``signalnum``; return the previous one.

    A callable handler runs as described in the module docstring. Same
    errors as ``signal.signal`` (``ValueError`` outside the main thread or
    for a bad signal, ``TypeError`` for a bad handler).
    """
    if callable(handler) and not isinstance(handler, _Handler):
        installed = _Handler(handler)
    else:
        installed = handler
    return _unwrap(_signal(signalnum, installed))


def getsignal(signalnum: int) -> Any:
    """``signal.getsignal``: the handler as it was given to :func:`signal`."""
    return _unwrap(_getsignal(signalnum))


def pause():
    """Block the calling greenlet until a Python signal handler has run."""
    hub = get_hub()
    me = getcurrent()
    _pausing.append(me)
    hub.loop.ref()   # a process waiting for a signal is not deadlocked
    try:
        hub.switch()
    finally:
        hub.loop.unref()
        try:
            _pausing.remove(me)
        except ValueError:
            pass


_pthread_kill = getattr(_signal_module, "pthread_kill", None)


def pthread_kill(thread_id, signalnum):
    """``signal.pthread_kill`` that also takes the ident of a greenlet "thread".

    Under ``patch_thread``, ``threading.get_ident()`` and ``Thread.ident`` are
    greenlet idents; the signal goes to the OS thread the greenlets run in
    (the main thread), where Python runs its handlers anyway.
    """
    if thread_id != _native_get_ident() and _is_greenlet_ident(thread_id):
        from gmonkey._patcher import native_main_ident

        thread_id = native_main_ident()
    return _pthread_kill(thread_id, signalnum)


def _is_greenlet_ident(ident):
    threads = sys.modules.get("gmonkey._threads")
    if threads is not None and (ident in threads._sentinels or ident == id(_root())):
        return True
    threading = sys.modules.get("threading")
    thread = threading._active.get(ident) if threading is not None else None
    return thread is not None and getattr(thread, "_gmonkey_native_ident", None) != ident


def _root():
    glet = getcurrent()
    while glet.parent is not None:
        glet = glet.parent
    return glet


# They stand in for signal's own functions: say so.
for _function in (signal, getsignal, pause, pthread_kill):
    _function.__module__ = "signal"
del _function


def wrap_installed():
    """Wrap the Python handlers installed before patching (``default_int_handler``...)."""
    for signum in _signal_module.valid_signals():
        try:
            handler = _getsignal(signum)
        except (OSError, ValueError):
            continue
        if callable(handler) and not isinstance(handler, _Handler):
            try:
                _signal(signum, _Handler(handler))
            except (OSError, ValueError, RuntimeError):
                pass
