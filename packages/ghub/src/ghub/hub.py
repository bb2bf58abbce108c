"""The hub: one greenlet per thread that runs that thread's event loop.

How it works
------------

Every blocking call in gstack ends the same way: arm something on the loop
(a timer, an I/O event, a queued callback) whose callback switches back to
the waiting greenlet, then switch to the hub. The hub greenlet runs
``gcore.Loop.run()``; the loop's callbacks switch into the greenlets that
were waiting, and those switch back to the hub when they block again.

When the loop runs out of everything that could wake anybody up, the hub
throws :class:`LoopExit` into its parent (the thread's main greenlet)
instead of hanging. Errors raised by loop callbacks reach
:meth:`Hub.handle_error`; ``SystemExit`` and ``KeyboardInterrupt`` are
thrown into the main greenlet, everything else is printed.

:class:`Waiter` is the one switching primitive the higher layers build on:
a one-shot slot that either wakes the greenlet blocked in :meth:`Waiter.get`
or keeps the value until somebody asks for it.
"""

from __future__ import annotations

import os
import sys
import traceback
from _thread import _local as _thread_local
from _thread import get_ident as _get_ident

from greenlet import GreenletExit, getcurrent, greenlet

import gcore

__all__ = [
    "Hub", "get_hub", "Waiter", "LoopExit", "BlockingSwitchOutError", "GreenletExit",
    "getcurrent", "greenlet", "sleep", "spawn_raw", "kill", "signal", "fork", "reinit",
    "shutdown", "idle",
]

_NONE = object()


def _main_thread_ident():
    threading = sys.modules.get("threading")
    if threading is not None:
        return threading.main_thread().ident
    return _get_ident()


# Taken at import, before gmonkey could patch anything.
_MAIN_IDENT = _main_thread_ident()


class LoopExit(Exception):
    """Raised in the main greenlet when nothing is left that could wake it up."""


class BlockingSwitchOutError(RuntimeError):
    """A blocking call was made from the hub (a loop callback), which must not block."""


def _validate_seconds(seconds, what="seconds"):
    """Return ``seconds`` as a float, rejecting what ``time.sleep`` rejects."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            raise TypeError(
                f"{what} must be a number, not {type(seconds).__name__}") from None
    if seconds != seconds:
        raise ValueError(f"{what} must not be NaN")
    return seconds


class Hub(greenlet):
    """The greenlet that runs a thread's event loop (``self.loop``, a ``gcore.Loop``).

    Created by :func:`get_hub` on first use; its parent is the thread's main
    greenlet. The main thread's hub runs ``gcore``'s default loop.
    """

    def __init__(self, loop=None):
        root = getcurrent()
        while root.parent is not None:
            root = root.parent
        greenlet.__init__(self, parent=root)
        if loop is None:
            if _get_ident() == _MAIN_IDENT:
                loop = gcore.get_default_loop()
            else:
                loop = gcore.Loop()
        self.loop = loop
        self.thread_ident = _get_ident()
        loop.error_handler = self.handle_error

    def switch(self):
        """Switch to the hub: what every blocking call does. Not from the hub itself."""
        if getcurrent() is self:
            raise BlockingSwitchOutError(
                "cannot block in the hub: this function was called from an event loop "
                "callback, which must not wait (spawn a greenlet to do it)")
        return greenlet.switch(self)

    def run(self):
        loop = self.loop
        while True:
            loop.run()
            # Nothing is left that could wake anybody: tell the main greenlet.
            self.parent.throw(LoopExit("this operation would block forever"))

    def handle_error(self, context, type, value, tb):
        """Report an error raised by a loop callback or a greenlet.

        ``SystemExit`` and ``KeyboardInterrupt`` are raised in the main
        greenlet; anything else is printed to stderr with the traceback and
        ``<context> failed with <ErrorType>``.
        """
        if type is not None and issubclass(type, (SystemExit, KeyboardInterrupt)):
            self.handle_system_error(type, value)
            return
        self.print_exception(context, type, value, tb)

    def handle_system_error(self, type, value):
        if value is None:
            value = type()
        current = getcurrent()
        if current is self or current is self.parent:
            self.parent.throw(value)
        else:
            # A greenlet is dying of it: raise in the main greenlet once we are back in the hub.
            self.loop.run_callback(self.parent.throw, value)

    def print_exception(self, context, type, value, tb):
        traceback.print_exception(type, value, tb, file=sys.stderr)
        if context is not None:
            name = getattr(type, "__name__", type)
            sys.stderr.write(f"{context} failed with {name}\n\n")

    def __repr__(self):
        return f"<Hub at {id(self):#x} thread={self.thread_ident} {self.loop!r}>"


_state = _thread_local()


def get_hub():
    """The calling thread's hub, created on first use."""
    try:
        hub = _state.hub
    except AttributeError:
        hub = _state.hub = Hub()
        return hub
    if hub.dead:
        hub = _state.hub = Hub(hub.loop)
    return hub


def _get_hub_noargs():
    return getattr(_state, "hub", None)


class Waiter:
    """A one-shot rendezvous between the hub and one waiting greenlet.

    ``get()`` blocks the calling greenlet until ``switch(value)`` (returned
    by ``get()``) or ``throw(*exc)`` (raised by ``get()``) is called from the
    hub. If ``switch``/``throw`` comes first, the value or exception is kept
    and ``get()`` returns at once. At most one greenlet may wait.
    """

    __slots__ = ("hub", "greenlet", "value", "_exception")

    def __init__(self, hub=None):
        self.hub = get_hub() if hub is None else hub
        self.greenlet = None
        self.value = None
        self._exception = _NONE

    def clear(self):
        self.greenlet = None
        self.value = None
        self._exception = _NONE

    def ready(self):
        """True once ``switch`` or ``throw`` was called."""
        return self._exception is not _NONE

    def successful(self):
        return self._exception is None

    @property
    def exception(self):
        if self._exception is _NONE or self._exception is None:
            return None
        return self._exception

    def switch(self, value=None):
        """Wake the waiting greenlet with ``value`` (or keep it for ``get``)."""
        waiting = self.greenlet
        if waiting is None:
            self.value = value
            self._exception = None
            return
        if getcurrent() is not self.hub:
            raise BlockingSwitchOutError("Waiter.switch() must be called from the hub")
        try:
            waiting.switch(value)
        except BaseException:
            self.hub.handle_error(waiting, *sys.exc_info())

    def switch_args(self, *args):
        return self.switch(args)

    def throw(self, *throw_args):
        """Raise ``throw_args`` in the waiting greenlet (or keep it for ``get``)."""
        waiting = self.greenlet
        if waiting is None:
            self._exception = throw_args
            return
        if getcurrent() is not self.hub:
            raise BlockingSwitchOutError("Waiter.throw() must be called from the hub")
        try:
            waiting.throw(*throw_args)
        except BaseException:
            self.hub.handle_error(waiting, *sys.exc_info())

    def get(self):
        """Return the value switched in, raise the exception thrown in, or block for one."""
        exc = self._exception
        if exc is not _NONE:
            if exc is None:
                return self.value
            raise _as_exception(exc)
        if self.greenlet is not None:
            raise RuntimeError(f"{self!r} already has a waiting greenlet")
        self.greenlet = getcurrent()
        try:
            return self.hub.switch()
        finally:
            self.greenlet = None

    def __call__(self, source):
        """Link target: ``source`` is a finished Greenlet/AsyncResult-like object."""
        if source.exception is None:
            self.switch(source.value)
        else:
            self.throw(source.exception)

    def __repr__(self):
        if self._exception is _NONE:
            state = f"waiting={self.greenlet!r}" if self.greenlet is not None else "empty"
        elif self._exception is None:
            state = f"value={self.value!r}"
        else:
            state = f"exception={self._exception!r}"
        return f"<Waiter at {id(self):#x} {state}>"


def _as_exception(throw_args):
    typ = throw_args[0]
    if isinstance(typ, BaseException):
        return typ
    value = throw_args[1] if len(throw_args) > 1 else None
    if value is None:
        return typ()
    if isinstance(value, BaseException):
        return value
    return typ(value)


def sleep(seconds=0):
    """Put the current greenlet to sleep for at least ``seconds``.

    ``sleep(0)`` is the cooperative yield: every greenlet that is ready runs
    before this one continues. A negative value raises ``ValueError`` (as
    ``time.sleep`` does); a non-number raises ``TypeError``.
    """
    hub = get_hub()
    loop = hub.loop
    if seconds == 0 and type(seconds) in (int, float):
        # The hot path: queue our own wake-up, then let everybody else run.
        cb = loop.run_callback(getcurrent().switch)
        try:
            hub.switch()
        finally:
            cb.cancel()
        return
    seconds = _validate_seconds(seconds)
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    t = gcore.timer(seconds, getcurrent().switch, loop=loop)
    try:
        hub.switch()
    finally:
        t.cancel()


def idle():
    """Wait until the loop has run every callback that was ready (a lower-priority yield)."""
    sleep(0)


def spawn_raw(function, *args, **kwargs):
    """Create a raw ``greenlet`` running ``function(*args, **kwargs)`` and schedule it.

    Cheaper than :func:`ghub.spawn` but without the Greenlet methods.
    """
    if not callable(function):
        raise TypeError(f"function must be callable, not {type(function).__name__}")
    hub = get_hub()
    if kwargs:
        g = greenlet(lambda: function(*args, **kwargs), hub)
        hub.loop.run_callback(g.switch)
    else:
        g = greenlet(function, hub)
        hub.loop.run_callback(g.switch, *args)
    return g


def kill(greenlet, exception=GreenletExit):
    """Raise ``exception`` in ``greenlet`` asynchronously; do not wait.

    Works on raw greenlets and on the main greenlet too (which has no ``kill``).
    """
    kill_method = getattr(greenlet, "kill", None)
    if kill_method is not None and not isinstance(greenlet, Hub):
        kill_method(exception, block=False)
        return
    if not greenlet.dead:
        get_hub().loop.run_callback(greenlet.throw, exception)


def signal(signalnum, handler, *args, **kwargs):
    """Call ``handler(*args, **kwargs)`` in a new greenlet on each delivery of the signal.

    Returns the watcher; its ``cancel()`` stops it. It does not keep the loop
    alive by itself. ``ValueError`` for a bad signal number.
    """
    if not callable(handler):
        raise TypeError(f"handler must be callable, not {type(handler).__name__}")
    hub = get_hub()

    def deliver():
        from ghub.greenlet import Greenlet

        Greenlet.spawn(handler, *args, **kwargs)

    return gcore.signal(signalnum, deliver, loop=hub.loop, ref=False)


def reinit():
    """Re-initialise the event loop, as needed in a child after ``os.fork()``."""
    hub = _get_hub_noargs()
    if hub is not None:
        hub.loop.reinit()
    else:
        gcore.reinit()


def fork():
    """``os.fork()``, then re-initialise the event loop in the child."""
    pid = os.fork()
    if pid == 0:
        reinit()
    return pid


def shutdown():
    """Wait until the event loop has nothing left to run (call it from the main greenlet)."""
    hub = _get_hub_noargs()
    if hub is None or hub.dead:
        return
    if getcurrent() is not hub.parent:
        raise RuntimeError("shutdown() must be called from the main greenlet")
    try:
        hub.switch()
    except LoopExit:
        pass
