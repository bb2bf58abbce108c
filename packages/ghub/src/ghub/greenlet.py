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

Links are callbacks called in the hub once the greenlet is dead, in the
order they were added. ``link()`` wraps its receiver: a callable runs in a
new greenlet, a greenlet gets a :class:`LinkedExited` raised in it.
``join``/``get``/``kill`` are built on the same links and a :class:`Waiter`.

Each greenlet runs in a copy of its spawner's ``contextvars`` context, as an
asyncio task does.
"""

from __future__ import annotations

import sys
from collections import deque
from contextvars import copy_context

from greenlet import GreenletExit, getcurrent, greenlet

import gcore
from ghub.hub import Waiter, _validate_seconds, get_hub
from ghub.timeout import Timeout

__all__ = [
    "Greenlet", "GreenletExit", "LinkedExited", "LinkedCompleted", "LinkedKilled",
    "LinkedFailed", "joinall", "killall", "spawn", "spawn_later", "spawn_link",
    "spawn_link_value", "spawn_link_exception",
]

_greenlet_dead = greenlet.dead.__get__


class LinkedExited(Exception):
    """Raised in a greenlet linked (``link()``) to another one that died."""


class LinkedCompleted(LinkedExited):
    """The linked greenlet finished successfully."""

    def __init__(self, source):
        super().__init__(f"{source} completed successfully")
        self.source = source


class LinkedKilled(LinkedCompleted):
    """The linked greenlet was killed with ``GreenletExit``."""

    def __init__(self, source):
        LinkedExited.__init__(self, f"{source} was killed with {type(source.value).__name__}")
        self.source = source


class LinkedFailed(LinkedExited):
    """The linked greenlet died of an unhandled exception."""

    def __init__(self, source):
        super().__init__(f"{source} failed with {type(source.exception).__name__}")
        self.source = source


def _check_timeout(timeout):
    if timeout is None:
        return None
    timeout = _validate_seconds(timeout, "timeout")
    if timeout < 0:
        raise ValueError(f"timeout must be non-negative, not {timeout!r}")
    return timeout


class _Link:
    """A link receiver wrapper; links compare equal to the receiver they wrap."""

    __slots__ = ("receiver",)

    def __init__(self, receiver):
        self.receiver = receiver

    def __eq__(self, other):
        if isinstance(other, _Link):
            return self.receiver == other.receiver
        return self.receiver == other

    def __hash__(self):
        return hash(self.receiver)

    def __repr__(self):
        return f"<{type(self).__name__} {self.receiver!r}>"


class _SpawnedLink(_Link):
    """Call the receiver in a new greenlet."""

    __slots__ = ()

    def __call__(self, source):
        g = greenlet(self.receiver, get_hub())
        g.switch(source)


class _GreenletLink(_Link):
    """Raise a LinkedExited in the receiving greenlet."""

    __slots__ = ()

    def __call__(self, source):
        if source.successful():
            if isinstance(source.value, GreenletExit):
                error = LinkedKilled(source)
            else:
                error = LinkedCompleted(source)
        else:
            error = LinkedFailed(source)
        self.receiver.throw(error)


class _SuccessLink(_Link):
    __slots__ = ()

    def __call__(self, source):
        if source.successful():
            self.receiver(source)


class _FailureLink(_Link):
    __slots__ = ()

    def __call__(self, source):
        if not source.successful():
            self.receiver(source)


class Greenlet(greenlet):
    """A light-weight cooperatively-scheduled execution unit.

    ``Greenlet(run, *args, **kwargs)`` then ``start()``, or
    ``Greenlet.spawn(run, *args, **kwargs)``. To subclass, override
    ``_run()`` (and ``__str__``, which names the greenlet in error reports)
    and call ``Greenlet.__init__(self)``.
    """

    def __init__(self, run=None, *args, **kwargs):
        hub = get_hub()
        greenlet.__init__(self, parent=hub)
        if run is not None:
            if not callable(run):
                raise TypeError(f"run must be callable, not {type(run).__name__}")
            self._run = run
        self.args = args
        self.kwargs = kwargs
        self.value = None
        self._exception = _NOT_DONE
        self._links = deque()
        self._notifier = None
        self._start_event = None
        self.gr_context = copy_context()

    # -- state ---------------------------------------------------------------

    @property
    def started(self):
        """True once ``start()``/``start_later()`` was called (or the greenlet ran)."""
        return self._start_event is not None or bool(self) or self.dead

    @property
    def dead(self):
        """True once the greenlet finished, or was killed before it started."""
        return self._exception is not _NOT_DONE or _greenlet_dead(self)

    def ready(self):
        """True if and only if the greenlet has finished execution."""
        return self._exception is not _NOT_DONE

    def successful(self):
        """True if and only if the greenlet finished without raising an error."""
        return self._exception is None

    @property
    def exception(self):
        """The exception the greenlet died of, or None."""
        exc = self._exception
        return None if exc is _NOT_DONE else exc

    def __repr__(self):
        return f"<{type(self).__name__} at {id(self):#x}: {self._formatinfo()}>"

    def _formatinfo(self):
        func = self.__dict__.get("_run")
        if func is None:
            func = getattr(type(self), "_run", None)
        name = getattr(func, "__qualname__", None) or repr(func)
        args = [repr(a) for a in self.args]
        args.extend(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{name}({', '.join(args)})"

    # -- starting ------------------------------------------------------------

    def start(self):
        """Schedule the greenlet to run in this loop iteration."""
        if self._start_event is None and not self.dead:
            self._start_event = self.parent.loop.run_callback(self.switch)

    def start_later(self, seconds):
        """Schedule the greenlet to run ``seconds`` later."""
        if self._start_event is None and not self.dead:
            self._start_event = gcore.timer(seconds, self.switch, loop=self.parent.loop)

    @classmethod
    def spawn(cls, *args, **kwargs):
        """Return a new started ``cls(*args, **kwargs)``."""
        g = cls(*args, **kwargs)
        g.start()
        return g

    @classmethod
    def spawn_later(cls, seconds, *args, **kwargs):
        """Return a new ``cls(*args, **kwargs)`` scheduled to start ``seconds`` later."""
        seconds = _check_timeout(seconds)
        g = cls(*args, **kwargs)
        g.start_later(seconds)
        return g

    @classmethod
    def spawn_link(cls, *args, **kwargs):
        g = cls.spawn(*args, **kwargs)
        g.link()
        return g

    @classmethod
    def spawn_link_value(cls, *args, **kwargs):
        g = cls.spawn(*args, **kwargs)
        g.link_value()
        return g

    @classmethod
    def spawn_link_exception(cls, *args, **kwargs):
        g = cls.spawn(*args, **kwargs)
        g.link_exception()
        return g

    # -- running -------------------------------------------------------------

    def run(self):
        try:
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
        finally:
            self.__dict__.pop("_run", None)
            self.args = ()
            self.kwargs = {}

    def _run(self):
        """Override in a subclass (or pass ``run`` to the constructor)."""
        return None

    def _report_result(self, result):
        self.value = result
        self._exception = None
        if self._links and self._notifier is None:
            self._notifier = self.parent.loop.run_callback(self._notify_links)

    def _report_error(self, exc_info):
        exception = exc_info[1]
        if isinstance(exception, GreenletExit):
            self._report_result(exception)
            return
        self._exception = exception
        if self._links and self._notifier is None:
            self._notifier = self.parent.loop.run_callback(self._notify_links)
        self.parent.handle_error(self, *exc_info)

    # -- killing -------------------------------------------------------------

    def kill(self, exception=GreenletExit, block=True, timeout=None):
        """Raise ``exception`` in the greenlet; by default wait (up to ``timeout``) for it to die.

        Killing a greenlet that has not started yet means it never runs (and
        nothing is printed). Never raises.
        """
        timeout = _check_timeout(timeout)
        if self.dead:
            return
        if not bool(self):
            # Not started yet: it never will.
            if self._start_event is not None and self._start_event is not _STARTED:
                self._start_event.cancel()
            self._start_event = _KILLED
            exc = exception() if isinstance(exception, type) else exception
            if isinstance(exc, GreenletExit):
                self.value = exc
                self._exception = None
            else:
                self._exception = exc
            self.__dict__.pop("_run", None)
            self.args = ()
            self.kwargs = {}
            if self._links and self._notifier is None:
                self._notifier = self.parent.loop.run_callback(self._notify_links)
            return
        hub = self.parent
        if not block:
            hub.loop.run_callback(_kill, self, exception, None)
            return
        waiter = Waiter(hub)
        hub.loop.run_callback(_kill, self, exception, waiter)
        waiter.get()
        self.join(timeout)

    # -- waiting -------------------------------------------------------------

    def join(self, timeout=None):
        """Wait until the greenlet finishes or ``timeout`` passes. Returns None."""
        timeout = _check_timeout(timeout)
        if self.ready():
            return
        self._wait(timeout)

    def get(self, block=True, timeout=None):
        """Return the greenlet's result or raise its exception.

        If it is not finished: with ``block=False`` raise :class:`Timeout`
        at once, otherwise wait up to ``timeout`` and raise :class:`Timeout`.
        """
        timeout = _check_timeout(timeout)
        if not self.ready():
            if not block:
                raise Timeout()
            t = self._wait(timeout)
            if not self.ready():
                raise t
        if self._exception is None:
            return self.value
        raise self._exception

    def _wait(self, timeout):
        """Block until ready; return the expired Timeout if ``timeout`` passed first."""
        waiter = Waiter(self.parent)
        switch = waiter.switch
        self.rawlink(switch)
        try:
            t = Timeout.start_new(timeout)
            try:
                waiter.get()
            except Timeout as exc:
                if exc is not t:
                    raise
                return t
            finally:
                t.cancel()
        finally:
            self.unlink(switch)
        return None

    # -- links ---------------------------------------------------------------

    def rawlink(self, callback):
        """Call ``callback(self)`` in the hub once the greenlet is dead."""
        if not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        self._links.append(callback)
        if self.ready() and self._notifier is None:
            self._notifier = self.parent.loop.run_callback(self._notify_links)

    def link(self, receiver=None, _wrap=None):
        """Link the greenlet's death to ``receiver``.

        A callable is called with this greenlet, in a new greenlet; a greenlet
        gets a :class:`LinkedExited` raised in it; ``None`` means the current
        greenlet. Asynchronous, unless the receiver is the current greenlet
        and this one is already dead: then the LinkedExited is raised at once.
        """
        current = getcurrent()
        if receiver is None:
            receiver = current
        if isinstance(receiver, greenlet):
            link = _GreenletLink(receiver)
            if receiver is current and self.ready():
                if _wrap is None or _wrap(link) is not None:
                    self._raise_linked_now(link, _wrap)
                    return
        elif callable(receiver):
            link = _SpawnedLink(receiver)
        else:
            raise TypeError(f"receiver must be a greenlet or callable, not {receiver!r}")
        self.rawlink(link if _wrap is None else _wrap(link))

    def _raise_linked_now(self, link, wrap):
        if wrap is _SuccessLink and not self.successful():
            return
        if wrap is _FailureLink and self.successful():
            return
        link(self)

    def link_value(self, receiver=None):
        """Like :meth:`link`, but only when the greenlet finished successfully."""
        self.link(receiver, _SuccessLink)

    def link_exception(self, receiver=None):
        """Like :meth:`link`, but only when the greenlet died of an exception."""
        self.link(receiver, _FailureLink)

    def unlink(self, receiver=None):
        """Remove every link to ``receiver`` (default: the current greenlet)."""
        if receiver is None:
            receiver = getcurrent()
        links = self._links
        if not links:
            return
        kept = [link for link in links if not _same_receiver(link, receiver)]
        if len(kept) != len(links):
            links.clear()
            links.extend(kept)

    def _notify_links(self):
        hub = self.parent
        links = self._links
        try:
            while links:
                link = links.popleft()
                try:
                    link(self)
                except BaseException:
                    hub.handle_error((link, self), *sys.exc_info())
        finally:
            self._notifier = None


def _same_receiver(link, receiver):
    while isinstance(link, _Link):
        if link.receiver == receiver:
            return True
        link = link.receiver
    return link == receiver


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def cancel(self):
        pass


_NOT_DONE = _Marker("<not done>")
_STARTED = _Marker("<started>")
_KILLED = _Marker("<killed before start>")


def _kill(greenlet, exception, waiter):
    try:
        greenlet.throw(exception)
    except BaseException:
        greenlet.parent.handle_error(greenlet, *sys.exc_info())
    if waiter is not None:
        waiter.switch()


def spawn(function, *args, **kwargs):
    """Create a Greenlet running ``function(*args, **kwargs)`` and start it."""
    return Greenlet.spawn(function, *args, **kwargs)


def spawn_later(seconds, function, *args, **kwargs):
    """Create a Greenlet running ``function(*args, **kwargs)`` ``seconds`` from now."""
    return Greenlet.spawn_later(seconds, function, *args, **kwargs)


def spawn_link(function, *args, **kwargs):
    return Greenlet.spawn_link(function, *args, **kwargs)


def spawn_link_value(function, *args, **kwargs):
    return Greenlet.spawn_link_value(function, *args, **kwargs)


def spawn_link_exception(function, *args, **kwargs):
    return Greenlet.spawn_link_exception(function, *args, **kwargs)


def joinall(greenlets, timeout=None, raise_error=False):
    """Wait for every greenlet to finish, at most ``timeout`` seconds.

    With ``raise_error=True``, raise the first error of a failing greenlet
    as soon as it happens. Returns None.
    """
    timeout = _check_timeout(timeout)
    greenlets = list(greenlets)
    pending = [g for g in greenlets if not g.ready()]
    if raise_error:
        for g in greenlets:
            if g.ready() and not g.successful():
                raise g.exception
    if not pending:
        return
    hub = get_hub()
    waiter = Waiter(hub)
    remaining = [len(pending)]

    def on_done(source):
        remaining[0] -= 1
        if raise_error and not source.successful():
            waiter.throw(source.exception)
        elif remaining[0] <= 0:
            waiter.switch(None)

    for g in pending:
        g.rawlink(on_done)
    try:
        t = Timeout.start_new(timeout)
        try:
            waiter.get()
        except Timeout as exc:
            if exc is not t:
                raise
        finally:
            t.cancel()
    finally:
        for g in pending:
            g.unlink(on_done)


def killall(greenlets, exception=GreenletExit, block=True, timeout=None):
    """Kill every greenlet; with ``block`` wait (up to ``timeout``) for them to die."""
    timeout = _check_timeout(timeout)
    greenlets = list(greenlets)
    if not greenlets:
        return
    alive = []
    for g in greenlets:
        if g.dead:
            continue
        if isinstance(g, Greenlet):
            g.kill(exception, block=False)
        else:
            get_hub().loop.run_callback(_kill, g, exception, None)
        alive.append(g)
    if block and alive:
        joinall([g for g in alive if isinstance(g, Greenlet)], timeout=timeout)
