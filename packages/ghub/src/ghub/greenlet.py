"""Greenlet: a light-weight, cooperatively scheduled execution unit.

How it works
------------

A :class:`Greenlet` is a ``greenlet.greenlet`` whose parent is the hub.
``start()`` queues ``self.switch`` as a loop callback, so the greenlet first
runs when the current one yields. Its ``run`` calls ``_run(*args,
**kwargs)`` and records the outcome: ``value`` on success (a
``GreenletExit`` counts as success and is the value), ``exception`` on
failure, which is also reported to the hub (traceback and ``<greenlet>
failed with ErrorType`` on stderr).

Links are callables called in the hub once the greenlet is dead, in the
order they were added, from one loop callback queued when it dies (or when
a link is added to a dead greenlet: notification is always asynchronous).
``link()`` wraps its receiver: a callable runs in a new greenlet, a
greenlet gets a :class:`LinkedExited` raised in it. ``join``/``get`` link
the waiting greenlet's ``switch`` and switch to the hub; ``kill`` throws
the exception from a loop callback.

Killing a greenlet that has not run yet cancels its start: it never runs.

Each greenlet runs in a copy of its spawner's ``contextvars`` context, as an
asyncio task does. What a greenlet does not need after it finished (its
function and arguments) is dropped once its links were notified.

``name`` (settable; ``"Greenlet-N"`` by default) and ``minimal_ident`` (the
``N``: a small number unique among the hub's live greenlets, given on first
use and reused after the greenlet is collected) are today's gevent's; the
failure line keeps the 0.13 form, ``str(greenlet)`` (the ``repr``, which
shows the name once it was set or its number given).

Compiled builds: Cython compiles this file, with ``greenlet.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from contextvars import copy_context
from reprlib import recursive_repr
from types import MappingProxyType, TracebackType
from typing import Any, Generic, TypeVar

from greenlet import GreenletExit, getcurrent, greenlet

from ghub import checks
from ghub.hub import Waiter, _as_exception, get_hub
from ghub.lot import Lot
from ghub.timeout import Timeout

__all__ = [
    "Greenlet", "GreenletExit", "LinkedExited", "LinkedCompleted", "LinkedKilled",
    "LinkedFailed", "joinall", "killall", "spawn", "spawn_later", "spawn_link",
    "spawn_link_value", "spawn_link_exception",
]

_T = TypeVar("_T")
_G = TypeVar("_G", bound="Greenlet[Any]")

_greenlet_dead = greenlet.dead.__get__
_greenlet_throw = greenlet.throw


class LinkedExited(Exception):
    """Raised in a greenlet linked (``link()``) to another one that died."""


class LinkedCompleted(LinkedExited):
    """The linked greenlet finished successfully."""

    def __init__(self, source):
        LinkedExited.__init__(self, f"{source!r} completed successfully")
        self.source = source


class LinkedKilled(LinkedCompleted):
    """The linked greenlet ended with ``GreenletExit`` (it was killed)."""

    def __init__(self, source):
        LinkedExited.__init__(self, f"{source!r} returned {type(source.value).__name__}")
        self.source = source


class LinkedFailed(LinkedExited):
    """The linked greenlet died of an unhandled exception."""

    def __init__(self, source):
        LinkedExited.__init__(self, f"{source!r} failed with {type(source.exception).__name__}")
        self.source = source


# -- link wrappers -----------------------------------------------------------------


class _Link:
    """Wraps a link receiver; ``unlink(receiver)`` finds it through ``receiver``."""

    __slots__ = ("receiver",)

    def __init__(self, receiver):
        self.receiver = receiver

    def __repr__(self):
        return f"<{type(self).__name__} {self.receiver!r}>"


class _SpawnedLink(_Link):
    """Call the receiver with the source in a new greenlet.

    The greenlet runs in a copy of the context of the greenlet that called
    ``link()``, as a done-callback of an asyncio future does.
    """

    __slots__ = ("context",)

    def __init__(self, receiver):
        self.receiver = receiver
        self.context = copy_context()

    def __call__(self, source):
        g = greenlet(self.receiver, get_hub())
        g.gr_context = self.context
        g.switch(source)


class _GreenletLink(_Link):
    """Raise a LinkedExited in the receiving greenlet."""

    __slots__ = ()

    def __call__(self, source):
        receiver = self.receiver
        if receiver.dead:
            return
        if source.successful():
            if isinstance(source.value, GreenletExit):
                error = LinkedKilled(source)
            else:
                error = LinkedCompleted(source)
        else:
            error = LinkedFailed(source)
        receiver.throw(error)


class _SuccessLink(_Link):
    """Pass the source on to the wrapped link only if it finished successfully."""

    __slots__ = ()

    def __call__(self, source):
        if source.successful():
            self.receiver(source)


class _FailureLink(_Link):
    """Pass the source on to the wrapped link only if it died of an exception."""

    __slots__ = ()

    def __call__(self, source):
        if not source.successful():
            self.receiver(source)


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def cancel(self):
        pass


_NOT_DONE = _Marker("<not done>")
_STARTED = _Marker("<started>")   # _start_event of a greenlet switched into directly
_KILLED = _Marker("<killed>")     # _start_event of a greenlet killed before start()


class Greenlet(greenlet, Generic[_T]):
    """A light-weight cooperatively-scheduled execution unit.

    ``Greenlet(run, *args, **kwargs)`` then ``start()``, or
    ``Greenlet.spawn(run, *args, **kwargs)``. ``TypeError`` at once if
    ``run`` is not callable. To subclass, override ``_run()`` (and
    ``__str__``, which names the greenlet in error reports) and call
    ``Greenlet.__init__(self)``.
    """

    # Defaults at class level: __init__ only sets what every instance needs.
    args: tuple[Any, ...] = ()
    kwargs: Any = MappingProxyType({})
    value: _T | None = None
    _exception = _NOT_DONE
    _exc_tb = None     # the traceback of the failure (the exception's own grows when re-raised)
    _name = None
    _ident = None
    _links = None
    _notifier = None
    _start_event = None

    def __init__(self, run: Callable[..., _T] | None = None, *args: Any, **kwargs: Any) -> None:
        greenlet.__init__(self, None, get_hub())
        if run is not None:
            checks.function(run, "run")
            self._run = run
        self.args = args
        self.kwargs = kwargs
        self.gr_context = copy_context()

    # -- state ---------------------------------------------------------------

    @property
    def started(self) -> bool:
        """True once ``start()``/``start_later()`` was called or the greenlet began running."""
        start_event = self._start_event
        return (start_event is not None and start_event is not _KILLED) or bool(self)

    @property
    def dead(self) -> bool:
        """True once the greenlet finished, or was killed before it ran."""
        return self._exception is not _NOT_DONE or _greenlet_dead(self)

    def ready(self) -> bool:
        """True if and only if the greenlet has finished execution."""
        return self._exception is not _NOT_DONE

    def successful(self) -> bool:
        """True if and only if the greenlet finished without raising an error."""
        return self._exception is None

    @property
    def exception(self) -> BaseException | None:
        """The exception the greenlet died of, or None."""
        exc = self._exception
        return None if exc is _NOT_DONE else exc

    @property
    def exc_info(self) -> tuple[type[BaseException], BaseException, TracebackType | None] | None:
        """``(type, value, traceback)`` of the exception the greenlet died of, else None.

        None while it runs and once it finished successfully (a
        ``GreenletExit`` is a success), as gevent's "a false value". The
        traceback is the one of the failure, also after ``get()`` re-raised it.
        """
        exc = self._exception
        if exc is _NOT_DONE or exc is None:
            return None
        return (type(exc), exc, self._exc_tb)

    @property
    def minimal_ident(self) -> int:
        """A small number (1, 2...), unique among the live greenlets of this hub.

        Given on first use; once the greenlet is collected its number is
        given to another one. Use it from the greenlet's thread.
        """
        ident = self._ident
        if ident is None:
            ident = self._ident = self.parent.ident_registry.get_ident(self)
        return ident

    @property
    def name(self) -> str:
        """The greenlet's name: ``"Greenlet-<minimal_ident>"`` unless one was set.

        Settable to a ``str`` (``TypeError`` otherwise). Shown in the
        ``repr`` once set, or once the default one was made.
        """
        name = self._name
        if name is None:
            return f"Greenlet-{self.minimal_ident}"
        return name

    @name.setter
    def name(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        self._name = name

    @recursive_repr()
    def __repr__(self):
        cls = type(self).__name__
        if self._name is not None or self._ident is not None:
            cls = f'{cls} "{self.name}"'
        info = self._formatinfo()
        if info:
            return f"<{cls} at {id(self):#x}: {info}>"
        return f"<{cls} at {id(self):#x}>"

    def _formatinfo(self):
        """``function(args)``, as long as the greenlet holds them (until it finished)."""
        func = self.__dict__.get("_run")
        if func is None:
            return ""
        name = getattr(func, "__qualname__", None)
        if name is None or name.endswith("<lambda>") or hasattr(func, "__self__"):
            name = repr(func)
        args = [_short_repr(a) for a in self.args]
        args.extend(f"{k}={_short_repr(v)}" for k, v in self.kwargs.items())
        return f"{name}({', '.join(args)})"

    # -- starting ------------------------------------------------------------

    def start(self) -> None:
        """Schedule the greenlet to run in this loop iteration (no-op if already started)."""
        if self._start_event is None:
            self._start_event = self.parent.loop._run_callback(self.switch, ())

    def start_later(self, seconds: float) -> None:
        """Schedule the greenlet to run ``seconds`` later (no-op if already started).

        ``TypeError``/``ValueError`` for a bad ``seconds``.
        """
        if self._start_event is None:
            seconds = checks.delay(seconds)
            self._start_event = self.parent.loop._start_timer(seconds, self.switch, ())

    @classmethod
    def spawn(cls: type[_G], *args: Any, **kwargs: Any) -> _G:
        """Return a new started ``cls(*args, **kwargs)``."""
        g = cls(*args, **kwargs)
        g.start()
        return g

    @classmethod
    def spawn_later(cls: type[_G], seconds: float, *args: Any, **kwargs: Any) -> _G:
        """Return a new ``cls(*args, **kwargs)`` scheduled to start ``seconds`` later."""
        seconds = checks.delay(seconds)
        g = cls(*args, **kwargs)
        g.start_later(seconds)
        return g

    @classmethod
    def spawn_link(cls: type[_G], *args: Any, **kwargs: Any) -> _G:
        """``spawn()``, then ``link()`` the new greenlet to the current one."""
        g = cls.spawn(*args, **kwargs)
        g.link()
        return g

    @classmethod
    def spawn_link_value(cls: type[_G], *args: Any, **kwargs: Any) -> _G:
        """``spawn()``, then ``link_value()`` the new greenlet to the current one."""
        g = cls.spawn(*args, **kwargs)
        g.link_value()
        return g

    @classmethod
    def spawn_link_exception(cls: type[_G], *args: Any, **kwargs: Any) -> _G:
        """``spawn()``, then ``link_exception()`` the new greenlet to the current one."""
        g = cls.spawn(*args, **kwargs)
        g.link_exception()
        return g

    # -- running -------------------------------------------------------------

    def run(self):
        if self._start_event is None:
            self._start_event = _STARTED
        try:
            result = self._run(*self.args, **self.kwargs)
        except GreenletExit as exit:
            self._report_result(exit)
        except BaseException:
            self._report_error(sys.exc_info())
        else:
            self._report_result(result)

    def _run(self):
        """Override in a subclass (or pass ``run`` to the constructor)."""
        return None

    def _report_result(self, result):
        self.value = result
        self._exception = None
        if self._links:
            if self._notifier is None:
                self._notifier = self.parent.loop._run_callback(self._notify_links, ())
        else:
            self._drop_call()

    def _report_error(self, exc_info):
        self._exception = exc_info[1]
        self._exc_tb = exc_info[2]
        links = self._links
        if links and self._notifier is None:
            self._notifier = self.parent.loop._run_callback(self._notify_links, ())
        try:
            self.parent.handle_error(self, *exc_info)
        finally:
            if not links:
                self._drop_call()

    def _drop_call(self):
        """Forget the function and its arguments (the greenlet finished)."""
        d = self.__dict__
        d.pop("_run", None)
        d.pop("args", None)     # (the class attributes, empty, show through)
        d.pop("kwargs", None)

    def _finish_unstarted(self, exception):
        """End a greenlet that has not run yet with ``exception``: it never will.

        The error is reported (printed) only if the greenlet had been
        scheduled with ``start()`` and ``exception`` is not a GreenletExit.
        """
        start_event = self._start_event
        if start_event is None:
            self._start_event = _KILLED
            scheduled = False
        else:
            start_event.cancel()
            scheduled = True
        if isinstance(exception, type):
            exception = exception()
        if isinstance(exception, GreenletExit):
            self._report_result(exception)
        elif scheduled:
            self._report_error((type(exception), exception, exception.__traceback__))
        else:
            self._exception = exception
            self._exc_tb = exception.__traceback__
            if self._links:
                if self._notifier is None:
                    self._notifier = self.parent.loop._run_callback(self._notify_links, ())
            else:
                self._drop_call()

    def throw(self, *args: Any) -> Any:
        """Raise an exception in the greenlet at once; only the hub should call this.

        Use :meth:`kill` from elsewhere. A greenlet that has not run yet is
        ended without running (see :meth:`kill`).
        """
        if not self and not _greenlet_dead(self):
            if self._exception is _NOT_DONE:
                self._finish_unstarted(_as_exception(args) if args else GreenletExit())
            return None
        return _greenlet_throw(self, *args)

    # -- killing -------------------------------------------------------------

    def kill(self, exception: type[BaseException] | BaseException = GreenletExit,
             block: bool = True, timeout: float | None = None) -> None:
        """Raise ``exception`` in the greenlet.

        With ``block`` (the default), wait until it dies or ``timeout``
        passes; otherwise (or when called from the hub) return at once.
        Killing a greenlet that has not run yet means it never runs; that is
        silent unless it had been started and ``exception`` is not a
        ``GreenletExit``, which is reported as its failure. Returns None and
        does not raise (but ``TypeError``/``ValueError`` for bad arguments).
        """
        checks.exception(exception)
        timeout = checks.timeout(timeout)
        if self._exception is not _NOT_DONE or _greenlet_dead(self):
            return
        if not self:
            self._finish_unstarted(exception)
            return
        hub = self.parent
        if block and getcurrent() is not hub:
            waiter = Waiter(hub)
            hub.loop._run_callback(_kill, (self, exception, waiter))
            waiter.get()
            self.join(timeout)
        else:
            hub.loop._run_callback(_kill, (self, exception, None))

    # -- waiting -------------------------------------------------------------

    def join(self, timeout: float | None = None) -> None:
        """Wait until the greenlet finishes or ``timeout`` passes. Returns None.

        Blocking. ``TypeError``/``ValueError`` for a bad ``timeout``.
        """
        self._wait(checks.timeout(timeout))

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        """Return the greenlet's result or raise the exception it died of.

        If it is not finished: with ``block=False`` raise :class:`Timeout` at
        once; otherwise wait, at most ``timeout`` seconds, after which the
        :class:`Timeout` is raised.
        """
        timeout = checks.timeout(timeout)
        if self._exception is _NOT_DONE:
            if not block:
                raise Timeout()
            expired = self._wait(timeout)
            if expired is not None:
                raise expired
        if self._exception is None:
            return self.value
        raise self._exception

    def _wait(self, timeout):
        """Block until ready; return the expired Timeout if ``timeout`` passed first."""
        if self._exception is not _NOT_DONE:
            return None
        links = self._links
        if links is None:
            links = self._links = Lot()
        return links.park(timeout)

    # -- links ---------------------------------------------------------------

    def _add_link(self, link):
        links = self._links
        if links is None:
            links = self._links = Lot()
        links.add(link)
        if self._exception is not _NOT_DONE and self._notifier is None:
            self._notifier = self.parent.loop._run_callback(self._notify_links, ())

    def rawlink(self, callback: Callable[[Any], object]) -> None:
        """Call ``callback(self)`` in the hub once the greenlet is dead.

        Asynchronous (from a loop callback), also when it is dead already.
        ``callback`` runs in the hub and must not block. ``TypeError`` if it
        is not callable.
        """
        checks.function(callback, "callback")
        self._add_link(callback)

    def link(self, receiver: Any = None, _wrap: Any = None) -> None:
        """Link the greenlet's death to ``receiver``.

        A callable is called with this greenlet in a new greenlet; a greenlet
        gets a :class:`LinkedExited` raised in it; ``None`` means the current
        greenlet. Asynchronous, unless the receiver is the current greenlet
        and this one is already dead: then the LinkedExited is raised at once.
        ``TypeError`` for another kind of receiver.
        """
        current = getcurrent()
        if receiver is None:
            receiver = current
        if isinstance(receiver, greenlet):
            link = _GreenletLink(receiver)
        elif callable(receiver):
            link = _SpawnedLink(receiver)
        else:
            raise TypeError(f"receiver must be a greenlet or a callable, not {receiver!r}")
        if _wrap is not None:
            link = _wrap(link)
        if receiver is current and self._exception is not _NOT_DONE:
            link(self)
            return
        self._add_link(link)

    def link_value(self, receiver: Any = None) -> None:
        """Like :meth:`link`, but only when the greenlet finished successfully."""
        self.link(receiver, _SuccessLink)

    def link_exception(self, receiver: Any = None) -> None:
        """Like :meth:`link`, but only when the greenlet died of an exception."""
        self.link(receiver, _FailureLink)

    def unlink(self, receiver: Any = None) -> None:
        """Remove every link to ``receiver`` (default: the current greenlet)."""
        if receiver is None:
            receiver = getcurrent()
        links = self._links
        if links:
            for link in links:
                if _same_receiver(link, receiver):
                    links.remove(link)

    def _notify_links(self):
        hub = self.parent
        links = self._links
        try:
            while links:
                links.unpark(self)
                if hub._stopping:
                    return
        finally:
            self._notifier = None
            if not links:
                self._drop_call()


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."


def _same_receiver(link, receiver):
    while isinstance(link, _Link):
        link = link.receiver
    return link is receiver or link == receiver


def _kill(target, exception, waiter):
    if not target.dead:
        try:
            target.throw(exception)
        except BaseException:
            target.parent.handle_error(target, *sys.exc_info())
    if waiter is not None:
        waiter.switch(None)


def spawn(function: Callable[..., _T], *args: Any, **kwargs: Any) -> Greenlet[_T]:
    """Create a :class:`Greenlet` running ``function(*args, **kwargs)`` and start it.

    ``TypeError`` at once if ``function`` is not callable.
    """
    checks.function(function)   # (the same check, and words, as every spawn*())
    g = Greenlet(function, *args, **kwargs)
    g._start_event = g.parent.loop._run_callback(g.switch, ())   # g.start(), inlined
    return g


def spawn_later(seconds: float, function: Callable[..., _T], *args: Any,
                **kwargs: Any) -> Greenlet[_T]:
    """Create a :class:`Greenlet` running ``function(*args, **kwargs)`` ``seconds`` from now."""
    checks.function(function)
    return Greenlet.spawn_later(seconds, function, *args, **kwargs)


def spawn_link(function: Callable[..., _T], *args: Any, **kwargs: Any) -> Greenlet[_T]:
    """``spawn()``, then link the new greenlet to the current one (see :meth:`Greenlet.link`)."""
    checks.function(function)
    return Greenlet.spawn_link(function, *args, **kwargs)


def spawn_link_value(function: Callable[..., _T], *args: Any,
                     **kwargs: Any) -> Greenlet[_T]:
    """``spawn()``, then ``link_value()`` the new greenlet to the current one."""
    checks.function(function)
    return Greenlet.spawn_link_value(function, *args, **kwargs)


def spawn_link_exception(function: Callable[..., _T], *args: Any,
                         **kwargs: Any) -> Greenlet[_T]:
    """``spawn()``, then ``link_exception()`` the new greenlet to the current one."""
    checks.function(function)
    return Greenlet.spawn_link_exception(function, *args, **kwargs)


# What joinall() and killall() use of each item (a Greenlet has it all).
_JOINABLE = ("ready", "successful", "exception", "rawlink", "unlink")
_KILLABLE = ("dead", "throw")


class _JoinAll:
    """The link with which ``joinall`` counts finished greenlets."""

    __slots__ = ("waiter", "remaining", "raise_error")

    def __init__(self, waiter, remaining, raise_error):
        self.waiter = waiter
        self.remaining = remaining
        self.raise_error = raise_error

    def __call__(self, source):
        self.remaining -= 1
        if self.raise_error and not source.successful():
            self.waiter.throw(source.exception)
        elif self.remaining <= 0:
            self.waiter.switch(None)


def joinall(greenlets: Iterable[Any], timeout: float | None = None,
            raise_error: bool = False) -> None:
    """Wait for every greenlet to finish, at most ``timeout`` seconds. Returns None.

    Blocking. When the timeout passes it returns silently. With
    ``raise_error=True``, raise the exception of the first greenlet that
    fails, as soon as it fails (or at once if one already failed).
    ``greenlets`` are Greenlets, or objects with the same ``ready()``,
    ``successful()``, ``exception``, ``rawlink()`` and ``unlink()``.
    """
    timeout = checks.timeout(timeout)
    greenlets = checks.items(greenlets, "joinall() greenlets", "greenlet", _JOINABLE, Greenlet)
    if raise_error:
        for g in greenlets:
            if g.ready() and not g.successful():
                raise g.exception
    pending = [g for g in greenlets if not g.ready()]
    if not pending:
        return
    with Timeout(timeout, False):   # silent: joinall() returns when it passes
        if raise_error or not all(type(g) is Greenlet for g in pending):
            _join_linked(pending, raise_error)
        else:
            # Join one after the other: most are finished by the time we get to them.
            for g in pending:
                g._wait(None)


def _join_linked(pending, raise_error):
    waiter = Waiter(get_hub())
    link = _JoinAll(waiter, len(pending), raise_error)
    for g in pending:
        g.rawlink(link)
    try:
        waiter.get()
    finally:
        for g in pending:
            g.unlink(link)


def _killall(greenlets, exception, waiter):
    diehards = []
    for g in greenlets:
        if not g.dead:
            try:
                g.throw(exception)
            except BaseException:
                get_hub().handle_error(g, *sys.exc_info())
            if not g.dead:
                diehards.append(g)
    if waiter is not None:
        waiter.switch(diehards)


def killall(greenlets: Iterable[Any], exception: type[BaseException] | BaseException = GreenletExit,
            block: bool = True, timeout: float | None = None) -> None:
    """Raise ``exception`` in every greenlet (Greenlet or raw one) that is alive.

    With ``block`` (the default), wait until they die or ``timeout`` passes
    (then return silently); the ones that never ran are ended at once
    (see :meth:`Greenlet.kill`). Returns None.
    """
    checks.exception(exception)
    timeout = checks.timeout(timeout)
    alive = []
    for g in checks.items(greenlets, "killall() greenlets", "greenlet", _KILLABLE, Greenlet):
        if isinstance(g, Greenlet):
            if g.ready():
                continue
            if not g and not _greenlet_dead(g):
                g._finish_unstarted(exception)
                continue
        elif g.dead:
            continue
        alive.append(g)
    if not alive:
        return
    hub = get_hub()
    if not block or getcurrent() is hub:
        hub.loop._run_callback(_killall, (alive, exception, None))
        return
    waiter = Waiter(hub)
    hub.loop._run_callback(_killall, (alive, exception, waiter))
    with Timeout(timeout, False):   # silent: killall() returns when it passes
        diehards = [g for g in waiter.get() if isinstance(g, Greenlet)]
        if diehards:
            joinall(diehards)

