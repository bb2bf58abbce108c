"""The hub: one greenlet per thread that runs that thread's event loop.

How it works
------------

Every blocking call in gstack ends the same way: arm something on the loop
(a timer, an I/O event, a queued callback) whose callback switches back to
the waiting greenlet, switch to the hub, and disarm it in a ``finally``. The
hub greenlet runs ``gcore.Loop.run()``; the loop's callbacks switch into the
greenlets that were waiting, and those switch back to the hub when they
block again. Nothing has to call ``run()``: the first blocking call starts
the hub, which :func:`get_hub` creates on first use.

When the loop runs out of everything that could wake anybody up, the hub
throws :class:`LoopExit` into its parent (the thread's main greenlet)
instead of hanging. Errors raised by loop callbacks and greenlets reach
:meth:`Hub.handle_error`: it prints them (unless their class is in
``Hub.NOT_ERROR``) and throws those whose class is in ``Hub.SYSTEM_ERROR``
(``KeyboardInterrupt``, ``SystemExit``, ``SystemError``) into the main
greenlet. A hub that is itself killed (``GreenletExit`` thrown into it, as
when it is collected) stops its loop and ends; so does the hub of a thread
that ends (see ``_Token``), so that the thread's loop and its descriptors
are freed with it.

:class:`Waiter` is the one switching primitive the higher layers build on:
a one-shot slot that either wakes the greenlet blocked in :meth:`Waiter.get`
or keeps the value until somebody asks for it.

Compiled builds: Cython compiles this file, with ``hub.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

import heapq
import os
import sys
import traceback
from _thread import _local as _thread_local
from _thread import get_ident as _get_ident
from collections.abc import Callable
from contextvars import copy_context
from typing import Any
from weakref import ref as weakref_ref

from greenlet import GreenletExit, getcurrent, greenlet

import gcore
from gcore._gcore import _thread_ident
from ghub import checks, monitor

__all__ = [
    "Hub", "get_hub", "Waiter", "LoopExit", "BlockingSwitchOutError", "GreenletExit",
    "getcurrent", "sleep", "idle", "spawn_raw", "kill", "signal", "fork", "reinit",
    "shutdown", "Wakeup",
]

_ErrorClasses = type | tuple[type, ...]

_NONE = object()


def _main_thread_ident():
    threading = sys.modules.get("threading")
    if threading is not None:
        return threading.main_thread().ident
    return _get_ident()


# Taken at import, before gmonkey could patch anything.
_MAIN_IDENT = _main_thread_ident()
# GSTACK_BLOCKING_THRESHOLD: every hub gets a blocking detector (ghub.monitor).
_BLOCKING_THRESHOLD = monitor.threshold_from_environment()


class LoopExit(Exception):
    """Raised in the main greenlet when nothing is left that could wake it up.

    The greenlet waited for something (a greenlet to finish, a value, a
    timer...) while the event loop had no event, timer or callback left that
    could ever switch back to it: without this it would block forever.
    """


class BlockingSwitchOutError(RuntimeError):
    """A blocking call was made from the hub (a loop callback), which must not block."""


_BLOCKING_IN_HUB = (
    "cannot block in the hub: this was called from an event loop callback, "
    "which must not wait (spawn a greenlet to do the waiting)")
_greenlet_switch = greenlet.switch


class Hub(greenlet):
    """The greenlet that runs a thread's event loop (``self.loop``, a ``gcore.Loop``).

    Created by :func:`get_hub` on first use; its parent is the thread's main
    greenlet. The main thread's hub runs ``gcore``'s default loop (the one
    that also wakes up for Python's signal handlers). Callbacks run by the
    loop run in this greenlet and must not block. When a thread whose hub ran
    ends, its hub is stopped, so that its loop (and descriptors) can be freed.

    Errors: every error of a loop callback or a greenlet goes to
    :meth:`handle_error`, which prints it with :meth:`print_exception` unless
    its class is in ``NOT_ERROR``, and throws it into the main greenlet (see
    :meth:`handle_system_error`) if its class is in ``SYSTEM_ERROR``. Both
    are class attributes that a subclass or an instance may replace (a class
    or a tuple of classes): ``hub.SYSTEM_ERROR = object`` makes every error
    propagate to the main greenlet, as test harnesses want. ``handle_error``
    and ``print_exception`` may be overridden by a subclass, or replaced on an
    instance.

    ``threadpool`` is this hub's thread pool (for blocking work with no
    cooperative form), created on first use with at most ``threadpool_size``
    threads. Its class is ``threadpool_class``: ghub cannot import the layer
    that defines pools, so ``gsync.threadpool`` (imported by ``import gsync``
    and ``import gstack``) plugs ``gsync.threadpool.ThreadPool`` in here. Set
    either on the class, or on a hub before its first use of the pool.
    """

    threadpool_class = None
    threadpool_size = 10
    _threadpool = None
    _ident_registry = None

    #: The error classes that :meth:`handle_error` throws into the main greenlet.
    SYSTEM_ERROR: _ErrorClasses = (KeyboardInterrupt, SystemExit, SystemError)
    #: The error classes that :meth:`handle_error` never prints.
    NOT_ERROR: _ErrorClasses = (GreenletExit, SystemExit)

    loop: gcore.Loop
    thread_ident: int

    def __init__(self, loop: gcore.Loop | None = None) -> None:
        root = getcurrent()
        while root.parent is not None:
            root = root.parent
        greenlet.__init__(self, None, root)
        if loop is None:
            if _get_ident() == _MAIN_IDENT:
                loop = gcore.get_default_loop()
            else:
                loop = gcore.Loop()
        self.loop = loop
        self.thread_ident = _get_ident()
        self._stopping = False
        self._ready = _ReadyQueue(self, loop)
        # (Looked up at each error, so that handle_error replaced on the instance counts.)
        loop.error_handler = self._handle_loop_error
        # An exception from a Python signal handler (Ctrl-C's KeyboardInterrupt,
        # a test runner's timeout) belongs to the main greenlet, whatever it is.
        loop.signal_error_handler = self._handle_signal_error
        self._monitor = None
        if _BLOCKING_THRESHOLD is not None:
            monitor.start_monitor(_BLOCKING_THRESHOLD, self)

    def switch(self):
        """Switch to the hub: what every blocking call does once it armed its wake-up.

        Returns what the wake-up switched back with. Raises
        :class:`BlockingSwitchOutError` when called from the hub itself (from
        a loop callback), and :class:`LoopExit` in the main greenlet when the
        loop has nothing left that could ever switch back.
        """
        if getcurrent() is self:
            raise BlockingSwitchOutError(_BLOCKING_IN_HUB)
        return _park(self)

    def throw(self, *args: Any) -> Any:
        """Raise an exception in the hub; a ``GreenletExit`` (the default) stops it.

        The loop is told to stop before the exception is raised, so that the
        hub ends even if a replaced :meth:`handle_error` swallows it.
        """
        error = args[0] if args else GreenletExit
        if self and (isinstance(error, GreenletExit)
                     or (isinstance(error, type) and issubclass(error, GreenletExit))):
            self._stop()
        return greenlet.throw(self, *args)

    def run(self):
        loop = self.loop
        while True:
            loop.run()
            if self._stopping:
                return
            # Nothing is left that could wake anybody: tell the main greenlet.
            self.parent.throw(LoopExit("this operation would block forever"))

    def handle_error(self, context: Any, type: Any, value: Any, tb: Any) -> None:
        """Report an error raised by a loop callback or a greenlet.

        A subclass of ``SYSTEM_ERROR`` is raised in the main greenlet
        (:meth:`handle_system_error`) instead of printed: Ctrl-C stops a server
        with one ``KeyboardInterrupt`` where ``serve_forever()`` was called,
        not a traceback of whichever handler it interrupted. Anything else
        but a subclass of ``NOT_ERROR`` is printed: the traceback and
        ``<context> failed with <ErrorType>`` (:meth:`print_exception`). ``context`` is
        what failed (a greenlet, a loop callback); it is shown with ``str()``.
        A ``GreenletExit`` thrown into the hub itself stops the hub.
        """
        if type is None:
            self.print_exception(context, type, value, tb)
            return
        if issubclass(type, GreenletExit) and getcurrent() is self:
            # The hub itself is being killed (collected, or thrown GreenletExit):
            # stop the loop so that run() returns.
            self._stop()
            return
        if issubclass(type, self.SYSTEM_ERROR):
            self.handle_system_error(type, value)   # the main greenlet reports it, or not
        elif not issubclass(type, self.NOT_ERROR):
            self.print_exception(context, type, value, tb)

    def _handle_loop_error(self, context, type, value, tb):
        self.handle_error(context, type, value, tb)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the loop has nothing left to do; call it from the main greenlet.

        Blocking: the greenlets, callbacks, timers and events that are
        pending run until none is left (True), or until ``timeout`` seconds
        passed (False). True at once if the hub has ended. ``RuntimeError``
        when called from another greenlet than the thread's main one (the
        hub's parent); ``TypeError``/``ValueError`` for a bad ``timeout``.
        """
        timeout = checks.timeout(timeout)
        if self.dead:
            return True
        if getcurrent() is not self.parent:
            raise RuntimeError("Hub.join() must be called from the main greenlet")
        timer = None
        if timeout is not None:
            # ref=False: the deadline alone does not keep the loop running.
            timer = gcore.timer(timeout, getcurrent().switch, _TIMED_OUT, loop=self.loop,
                                ref=False)
        try:
            result = self.switch()
        except LoopExit:
            return True
        finally:
            if timer is not None:
                timer.cancel()
        if result is _TIMED_OUT:
            return False
        raise RuntimeError(f"unexpected switch into Hub.join(): {result!r}")

    @property
    def ident_registry(self) -> _IdentRegistry:
        """The registry of this hub's :attr:`Greenlet.minimal_ident` numbers (made on first use)."""
        registry = self._ident_registry
        if registry is None:
            registry = self._ident_registry = _IdentRegistry()
        return registry

    @property
    def threadpool(self):
        """This hub's thread pool, created on first use (see the class docstring)."""
        pool = self._threadpool
        if pool is None:
            cls = self.threadpool_class
            if cls is None:
                raise RuntimeError(
                    "no thread pool class: import gsync (or gstack), which sets "
                    "Hub.threadpool_class, or set it yourself")
            pool = self._threadpool = cls(self.threadpool_size, hub=self)
        return pool

    @threadpool.setter
    def threadpool(self, pool):
        self._threadpool = pool

    def _handle_signal_error(self, exc):
        self.handle_system_error(type(exc), exc)

    def handle_system_error(self, type: Any, value: Any) -> None:
        """Raise the error (``SystemExit``, ``KeyboardInterrupt``...) in the main greenlet."""
        if value is None:
            value = type()
        current = getcurrent()
        main = self.parent
        if current is main:
            raise value
        if current is self:
            try:
                main.throw(value)
            except GreenletExit:
                # Killed while the main greenlet had the exception: stop.
                self._stop()
        else:
            # A greenlet is dying of it: raise it in the main greenlet from the hub.
            self.loop.run_callback(main.throw, value)

    def print_exception(self, context: Any, type: Any, value: Any, tb: Any) -> None:
        """Print the traceback and ``<context> failed with <ErrorType>`` to stderr."""
        traceback.print_exception(type, value, tb, file=sys.stderr)
        if context is not None:
            try:
                name = type.__name__
            except AttributeError:
                name = str(value) or repr(value)
            try:
                text = str(context)
            except Exception:
                text = object.__repr__(context)
            sys.stderr.write(f"{text} failed with {name}\n\n")

    def _stop(self):
        self._stopping = True
        self.loop.break_loop()

    def __repr__(self):
        return f"<Hub at {id(self):#x} thread={self.thread_ident} {self.loop!r}>"


_TIMED_OUT = object()   # what Hub.join()'s deadline switches in with


class _IdentRegistry:
    """Small integers for objects, unique among the live ones, reused once they died.

    ``get_ident(obj)`` gives ``obj`` the smallest number not in use (its
    caller keeps it); when ``obj`` is collected, its number is free again.
    Used from the hub's thread only.
    """

    __slots__ = ("_refs", "_free", "_next", "__weakref__")

    def __init__(self):
        self._refs = {}     # ident -> weak reference to its object
        self._free = []     # a heap of the numbers given back
        self._next = 1

    def get_ident(self, obj):
        free = self._free
        if free:
            ident = heapq.heappop(free)
        else:
            ident = self._next
            self._next += 1
        self._refs[ident] = weakref_ref(obj, _IdentRelease(self, ident))
        return ident

    def _release(self, ident):
        if self._refs.pop(ident, None) is not None:
            heapq.heappush(self._free, ident)

    def __len__(self):
        return len(self._refs)


class _IdentRelease:
    """The weak reference callback that gives an ident back to its registry."""

    __slots__ = ("registry", "ident")

    def __init__(self, registry, ident):
        self.registry = weakref_ref(registry)
        self.ident = ident

    def __call__(self, _ref):
        registry = self.registry()
        if registry is not None:
            registry._release(self.ident)


class _Token:
    """Lives as long as the thread-local data of the thread that made it (see _ThreadState).

    It also holds that thread's hub (``hub``). When the thread ends, its
    thread-local data is dropped, in that thread, and so is the token: its
    ``__del__`` then stops the hub if it ran (throws ``GreenletExit`` into
    it, as ``Hub.handle_error`` expects). Without that, the hub greenlet
    would stay suspended for ever in a thread that no longer exists, and
    with it its loop, the loop's descriptors, and everything its frames hold
    (greenlets of dead threads are never collected).
    """

    __slots__ = ("hub", "__weakref__")

    def __init__(self):
        self.hub = None

    def __del__(self):
        hub = self.hub
        if hub is None:
            return
        self.hub = None
        try:
            _end_thread_hub(hub)
        except BaseException:   # (a finalizer must not raise)
            pass


def _end_thread_hub(hub):
    """Stop ``hub``, whose thread is ending (called in that thread)."""
    ident = _get_ident()
    if hub.thread_ident != ident or ident == _MAIN_IDENT or hub.loop.default:
        return   # (not this thread's; or the main thread's: the interpreter is ending)
    if hub:   # started and suspended: stop it, so that its frames end
        current = getcurrent()
        if current is not hub.parent:
            return
        hub.throw(GreenletExit)
    # Break the hub <-> loop cycle: the loop (and its descriptors) goes as soon
    # as nothing else holds the hub, without waiting for the cycle collector.
    loop = hub.loop
    if loop.error_handler == hub._handle_loop_error:
        loop.error_handler = None
    if loop.signal_error_handler == hub._handle_signal_error:
        loop.signal_error_handler = None
    # A timer or an event still armed (a spawn_later, a timer that was never
    # going to fire in time) holds itself and so its loop: nothing can run
    # it any more. (One that a greenlet of this thread still blocks on stays
    # with that greenlet's frames, which greenlet never frees for a thread
    # that ended.)
    loop._cancel_events()


def _no_token():
    return None


# What get_hub() returns without a thread-local lookup: the hub of the thread
# whose ident is _cache_ident (0: none), with a weak reference to that
# thread's _Token. Idents are unique among the threads alive, and the token
# dies with its thread's thread-local data, so a live token proves that an
# equal ident is still the same thread. An update clears _cache_ident first
# and sets it last, so that a reader never takes half of one. (Compiled, the
# ident is a C integer compared with gcore's C call: no int object per call.)
_cache_ident = 0
_cache_token = _no_token
_cache_hub = None


class _ThreadState(_thread_local):
    """``_state``: the calling thread's hub as ``_state.hub`` (thread-local).

    Setting (or deleting) ``hub`` also refreshes ``_cache_hub``, the one-entry
    cache through which get_hub() finds the hub of the thread that last
    asked for one.
    """

    @property
    def hub(self):
        try:
            return self._hub
        except AttributeError:
            raise AttributeError("hub") from None

    @hub.setter
    def hub(self, hub):
        self._hub = hub
        _remember(self, hub)
        self._token.hub = hub

    @hub.deleter
    def hub(self):
        try:
            del self._hub
        except AttributeError:
            raise AttributeError("hub") from None
        token = getattr(self, "_token", None)
        if token is not None:
            token.hub = None
        if _cache_ident == _thread_ident():
            _clear_cache()


def _remember(state, hub):
    """Make ``hub`` what get_hub() returns at once in the calling thread."""
    global _cache_ident, _cache_token, _cache_hub
    try:
        token = state._token
    except AttributeError:
        token = state._token = _Token()
    token_ref = weakref_ref(token, _forget)
    _cache_ident = 0
    _cache_token = token_ref
    _cache_hub = hub
    _cache_ident = _thread_ident()


def _clear_cache():
    global _cache_ident, _cache_token, _cache_hub
    _cache_ident = 0
    _cache_token = _no_token
    _cache_hub = None


def _forget(token_ref):
    # The thread of this token ended: do not keep its hub alive. (No call to
    # _clear_cache: this also runs at interpreter exit, when the module's
    # functions may already be gone.)
    global _cache_ident, _cache_token, _cache_hub
    if _cache_token is token_ref:
        _cache_ident = 0
        _cache_token = None
        _cache_hub = None


_state = _ThreadState()


def get_hub() -> Hub:
    """The calling thread's hub, created on first use."""
    if _cache_ident == _thread_ident() and _cache_token() is not None:
        hub = _cache_hub
        if hub or not hub.dead:   # (running, the common case, or not started yet)
            return hub
    return _get_hub_slow()


def _get_hub_slow():
    try:
        hub = _state.hub
    except AttributeError:
        hub = _state.hub = Hub()
        return hub
    if hub.dead:
        hub = _state.hub = Hub(hub.loop)
    else:
        _remember(_state, hub)   # the cache held another thread's hub
    return hub


def _get_hub_noargs():
    return getattr(_state, "hub", None)


def _switch_to_hub(hub):
    """``hub.switch()``: what the blocking calls of this module do, without the method lookup."""
    if type(hub) is not Hub:
        return hub.switch()   # a subclass may have its own switch()
    if getcurrent() is hub:
        raise BlockingSwitchOutError(_BLOCKING_IN_HUB)
    return _park(hub)


# Deferred wake-ups: one switch per wake-up instead of two.
#
# A loop callback that wakes a greenlet switches into it, and the greenlet
# switches back to the hub when it blocks again: two switches (and their
# stack copies) per wake-up. When one round of the loop wakes many greenlets
# (a server's connections that all got data), a callback may instead hand
# its greenlet to Wakeup.wake: the greenlet joins the hub's ready queue, and
# once the loop's events of the round have run, _drain switches into the
# first; when that one blocks again, _park switches straight into the next
# ready one, and only the last switches back to the hub. The order is the
# order of the wake-ups; a greenlet whose wait ended another way meanwhile
# (a timeout, a kill, a close) cancels its Wakeup and is skipped.
_draining = None   # the _ReadyQueue being drained now (in whichever thread)
_EMPTY = object()  # what _ReadyQueue._switch_next returns when nothing is queued


class _ReadyQueue:
    """A hub's greenlets woken in this round of its loop, to be switched into in order."""

    __slots__ = ("hub", "loop", "items", "next", "scheduled")

    def __init__(self, hub, loop):
        self.hub = hub
        self.loop = loop
        self.items = []       # Wakeups; those before ``next`` were taken
        self.next = 0
        self.scheduled = False

    def _pop(self):
        # The next Wakeup still queued (marked taken), or None when none is left.
        items = self.items
        while self.next < len(items):
            wakeup = items[self.next]
            self.next += 1
            if wakeup.queued:
                wakeup.queued = False
                return wakeup
        if self.next:
            del items[:]
            self.next = 0
        return None

    def _schedule(self):
        # Drain the queue from a loop callback (once, however many wake-ups).
        if not self.scheduled:
            self.scheduled = True
            self.loop._run_callback(_drain, (self,))

    def _switch_next(self):
        # Switch into the next queued greenlet (return what switches back),
        # or return _EMPTY at once when none is left.
        global _draining
        wakeup = self._pop()
        if wakeup is None:
            return _EMPTY
        glet = wakeup.greenlet
        value = wakeup.value
        wakeup.greenlet = None
        wakeup.value = None
        _draining = self   # (again: another thread's hub may have drained meanwhile)
        return _greenlet_switch(glet, value)


class Wakeup:
    """Wakeup(hub)
--

    A reusable deferred switch into a greenlet parked on ``hub`` (see the
    comment above ``_ReadyQueue`` in the source). From the hub (a loop
    callback), :meth:`wake` queues the switch; the waiting greenlet calls
    :meth:`cancel` when its wait ends, however it ended, so that a switch
    still queued is dropped. One greenlet waits on a Wakeup at a time.
    """

    __slots__ = ("queue", "greenlet", "value", "queued")

    def __init__(self, hub: Hub) -> None:
        self.queue = hub._ready
        self.greenlet = None
        self.value = None
        self.queued = False

    def wake(self, glet: Any, value: Any) -> None:
        """Switch into greenlet ``glet`` with ``value`` after this round's events (from the hub)."""
        queue = self.queue
        self.greenlet = glet
        self.value = value
        if self.queued:
            return   # (already in the queue: it takes the new value)
        self.queued = True
        queue.items.append(self)
        queue._schedule()

    def cancel(self) -> None:
        """The wait ended: drop the switch if it is still queued."""
        if self.queued:
            self.queued = False
            self.greenlet = None
            self.value = None


def _park(hub):
    # The current greenlet blocks: switch into the next greenlet of the ready
    # queue that the hub is draining, if any, else into the hub.
    queue = _draining
    if queue is not None and queue.hub is hub:
        result = queue._switch_next()
        if result is not _EMPTY:
            return result
    return _greenlet_switch(hub)


def _drain(queue):
    # A loop callback: switch into the queue's greenlets in order (each one
    # passes on to the next when it blocks: _park).
    global _draining
    queue.scheduled = False
    try:
        while queue._switch_next() is not _EMPTY:
            pass
    finally:
        _draining = None
        if queue.next < len(queue.items):
            # (an error came out of a switch: the rest runs in a next callback)
            queue._schedule()


class Waiter:
    """Waiter(hub=None)
--

    A one-shot rendezvous between the hub and one waiting greenlet.

    ``get()`` blocks the calling greenlet until ``switch(value)`` (returned
    by ``get()``) or ``throw(*exc)`` (raised by ``get()``) is called from the
    hub. If ``switch``/``throw`` comes first, the value or exception is kept
    and ``get()`` returns (or raises) at once. At most one greenlet may wait.
    ``switch``/``throw`` must be called from the hub (a loop callback or a
    link) when a greenlet waits: queue them with ``loop.run_callback``.
    """

    __slots__ = ("hub", "greenlet", "value", "_exception")

    def __init__(self, hub: Hub | None = None) -> None:
        self.hub = get_hub() if hub is None else hub
        self.greenlet = None
        self.value = None
        self._exception = _NONE

    def clear(self) -> None:
        """Forget a stored value or exception."""
        self.greenlet = None
        self.value = None
        self._exception = _NONE

    def ready(self):
        """True once ``switch`` or ``throw`` was called with nobody waiting."""
        return self._exception is not _NONE

    def successful(self):
        """True if a value (not an exception) is stored."""
        return self._exception is None

    @property
    def exc_info(self):
        """The arguments given to ``throw()`` if it was called with nobody waiting, else None."""
        exc = self._exception
        if exc is _NONE:
            return None
        return exc

    @property
    def exception(self):
        """The stored exception instance, or None."""
        exc = self._exception
        if exc is _NONE or exc is None:
            return None
        return _as_exception(exc)

    def switch(self, value: Any = None) -> None:
        """Wake the waiting greenlet with ``value``, or keep ``value`` for ``get``."""
        waiting = self.greenlet
        if waiting is None:
            self.value = value
            self._exception = None
            return
        if getcurrent() is not self.hub:
            raise RuntimeError("Waiter.switch() must be called from the hub when a greenlet waits")
        try:
            waiting.switch(value)
        except BaseException:
            self.hub.handle_error(waiting, *sys.exc_info())

    def switch_args(self, *args: Any) -> None:
        """``switch(args)``: handy as a callback that gets several arguments."""
        return self.switch(args)

    def throw(self, *throw_args: Any) -> None:
        """Raise ``throw_args`` in the waiting greenlet, or keep it for ``get``.

        ``throw_args`` are those of ``greenlet.throw``: an exception class or
        instance, optionally followed by a value and a traceback.
        """
        waiting = self.greenlet
        if waiting is None:
            self._exception = throw_args
            return
        if getcurrent() is not self.hub:
            raise RuntimeError("Waiter.throw() must be called from the hub when a greenlet waits")
        try:
            waiting.throw(*throw_args)
        except BaseException:
            self.hub.handle_error(waiting, *sys.exc_info())

    def get(self) -> Any:
        """Return the value switched in, raise the exception thrown in, or block for one.

        Blocking: switches to the hub until ``switch``/``throw`` is called.
        Raises ``RuntimeError`` if another greenlet already waits.
        """
        exc = self._exception
        if exc is not _NONE:
            if exc is None:
                return self.value
            raise _as_exception(exc)
        if self.greenlet is not None:
            raise RuntimeError(f"{self!r} already has a waiting greenlet")
        self.greenlet = getcurrent()
        try:
            return _switch_to_hub(self.hub)
        finally:
            self.greenlet = None

    def __call__(self, source):
        """Link target: ``source`` is a finished Greenlet (or AsyncResult-like object)."""
        if source.exception is None:
            self.switch(source.value)
        else:
            self.throw(source.exception)

    def __repr__(self):
        if self._exception is _NONE:
            waiting = self.greenlet
            if waiting is None:
                state = "empty"
            else:   # (not its repr, which may show this waiter: a recursion)
                state = f"waiting=<{type(waiting).__name__} at {id(waiting):#x}>"
        elif self._exception is None:
            state = f"value={self.value!r}"
        else:
            state = f"exception={_as_exception(self._exception)!r}"
        return f"<Waiter at {id(self):#x} {state}>"


def _as_exception(throw_args):
    """The exception instance that ``greenlet.throw(*throw_args)`` would raise."""
    typ = throw_args[0]
    if isinstance(typ, BaseException):
        return typ
    value = throw_args[1] if len(throw_args) > 1 else None
    tb = throw_args[2] if len(throw_args) > 2 else None
    if isinstance(value, BaseException):
        exc = value
    elif value is None:
        exc = typ()
    elif isinstance(value, tuple):
        exc = typ(*value)
    else:
        exc = typ(value)
    if tb is not None:
        exc = exc.with_traceback(tb)
    return exc


def sleep(seconds: float = 0) -> None:
    """Put the current greenlet to sleep for at least ``seconds``.

    ``sleep(0)`` is the cooperative yield: the greenlets and callbacks that
    are ready run before this one continues. ``seconds`` is a float or an
    integer, as for ``time.sleep``: a negative value raises ``ValueError``
    and anything else ``TypeError``, with ``time.sleep``'s types.
    Raises :class:`BlockingSwitchOutError` when called from the hub.
    """
    hub = get_hub()
    loop = hub.loop
    if seconds == 0 and (type(seconds) is int or type(seconds) is float):
        # The hot path: queue our own wake-up, then let everybody else run.
        cb = loop._run_callback(getcurrent().switch, ())
        try:
            _switch_to_hub(hub)
        finally:
            cb.cancel()
        return
    seconds = checks.seconds(seconds, "sleep length")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    t = loop._start_timer(seconds, getcurrent().switch, ())
    try:
        _switch_to_hub(hub)
    finally:
        t.cancel()


def idle() -> None:
    """Wait until the loop has polled for I/O once (a lower-priority yield than ``sleep(0)``).

    The callbacks and greenlets that are ready, and the I/O and timers that
    are due, run before this one continues.
    """
    hub = get_hub()
    loop = hub.loop
    t = loop._start_timer(0, getcurrent().switch, ())
    try:
        _switch_to_hub(hub)
    finally:
        t.cancel()


def _run_raw(function, args, kwargs):
    return function(*args, **kwargs)


def spawn_raw(function: Callable[..., Any], *args: Any, **kwargs: Any) -> greenlet:
    """Create a raw ``greenlet`` running ``function(*args, **kwargs)`` and schedule it.

    Cheaper than :func:`ghub.spawn`, but without the ``Greenlet`` methods (no
    ``join``, ``get``, links): an unhandled error is printed by the hub. It
    runs in a copy of the caller's ``contextvars`` context. ``TypeError`` if
    ``function`` is not callable.
    """
    checks.function(function)
    hub = get_hub()
    if kwargs:
        g = greenlet(_run_raw, hub)
        args = (function, args, kwargs)
    else:
        g = greenlet(function, hub)
    g.gr_context = copy_context()
    _start_raw(hub.loop, g.switch, args)
    return g


def _start_raw(loop, switch, args):
    # (A C call to the loop's run_callback fast path when compiled: switch is callable.)
    loop._run_callback(switch, args)


def _kill_raw(target, exception):
    if not target.dead:
        try:
            target.throw(exception)
        except BaseException:
            get_hub().handle_error(target, *sys.exc_info())


def kill(greenlet: Any, exception: type[BaseException] | BaseException = GreenletExit) -> None:
    """Raise ``exception`` in ``greenlet`` asynchronously (from the hub); do not wait.

    Works on ``Greenlet`` instances (as ``greenlet.kill(exception,
    block=False)``), on raw greenlets and on the main greenlet, which has no
    ``kill`` method. Does nothing if the greenlet is dead. ``TypeError`` if
    ``exception`` is not an exception class or instance.
    """
    checks.exception(exception)
    kill_method = getattr(type(greenlet), "kill", None)
    if kill_method is not None:
        greenlet.kill(exception, block=False)
        return
    if not greenlet.dead:
        get_hub().loop.run_callback(_kill_raw, greenlet, exception)


def _deliver_signal(handler, args, kwargs):
    from ghub.greenlet import Greenlet  # (ghub.greenlet imports this module)

    Greenlet.spawn(handler, *args, **kwargs)


def signal(signalnum: int, handler: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``handler(*args, **kwargs)`` in a new greenlet on each delivery of the signal.

    Returns the ``gcore.signal`` watcher; its ``cancel()`` stops it and puts
    back the previous handler. The watcher does not keep the loop running by
    itself. An error in the handler is reported like any greenlet's
    (``SystemExit``/``KeyboardInterrupt`` reach the main greenlet).
    ``TypeError``/``ValueError`` for a bad handler or signal number.
    """
    checks.function(handler, "handler")
    hub = get_hub()
    return gcore.signal(signalnum, _deliver_signal, handler, args, kwargs, loop=hub.loop,
                        ref=False)


def reinit() -> None:
    """Re-initialise the calling thread's event loop, as needed in a child after ``os.fork()``."""
    hub = _get_hub_noargs()
    if hub is not None:
        hub.loop.reinit()
    else:
        gcore.reinit()


def fork() -> int:
    """``os.fork()``, then re-initialise the event loop in the child; returns the pid."""
    pid = os.fork()
    if pid == 0:
        reinit()
    return pid


def shutdown() -> None:
    """Wait until the event loop has nothing left to run (call it from the main greenlet).

    Blocking: the greenlets and callbacks that are ready, and every pending
    timer and event, run until none is left (``Hub.join()`` without a
    timeout). ``RuntimeError`` when called from another greenlet than the
    thread's main one.
    """
    hub = _get_hub_noargs()
    if hub is None or hub.dead:
        return
    if getcurrent() is not hub.parent:
        raise RuntimeError("shutdown() must be called from the main greenlet")
    hub.join()
