"""Notifications of many waiters: :class:`Event` and :class:`AsyncResult`.

How it works
------------

Both are :class:`~gsync._private.Linkable`: a greenlet that waits parks in
the object's line (a :class:`ghub.lot.Lot`) and switches to the hub; ``set()``
only records the new state and, if somebody is linked, queues one notifier
with ``hub.loop.run_callback``. The notifier runs in the hub and wakes the
links in the order they were added. ``set()`` with nobody waiting costs an
attribute store and a test; so does ``wait()`` on an event that is already
set.

``Event`` is ``threading.Event`` for greenlets: ``set(); clear()`` wakes every
greenlet that was waiting at ``set()`` (their ``wait()`` returns True), but
not one that starts waiting after the ``clear()``.

An Event's ``rawlink(callback)`` follows 0.13: the callback stays registered
until ``unlink(callback)`` and is called (in the hub) after every ``set()``,
once per call, if it is still registered then. Those links live in their own
list (``_rawlinks``); each ``set()`` queues one call of a snapshot of it. The
greenlets blocked in ``wait()`` keep one-shot links in the line. (Today's
gevent calls a rawlink once and forgets it; so do gstack's AsyncResult,
semaphores and greenlets: docs/gevent.md.) ``AsyncResult`` is a
one-time event that carries a value or an exception; it is a valid
``Greenlet.link()`` target, so ``spawn(f).link(result)`` forwards ``f``'s
outcome to whoever calls ``result.get()``.

This module stands in for ``threading.Event`` (see ``THREADING_NAMES``).

Compiled builds: Cython compiles this file, with ``event.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from ghub import checks
from ghub.checks import wait_timeout
from ghub.lot import call_link
from ghub.timeout import Timeout
from gsync._private import Linkable, _queue_notifier, short_name

__all__ = ["Event", "AsyncResult"]

# The names of ``threading`` whose interface this module's classes have (the tests hold
# them to it; gmonkey does not patch them in: see gsync.coros).
THREADING_NAMES = ("Event",)

_NONE = object()


class Event(Linkable):
    """Event()
--

    A flag that greenlets can wait for: ``threading.Event`` across greenlets.

    ``set()`` sets the flag and wakes every waiter, ``clear()`` resets it,
    ``wait()`` blocks until it is set. Links (``rawlink``) are called in the
    hub, with the event, after every ``set()``, until they are unlinked.
    """

    __slots__ = ("_flag", "_rawlinks")

    def __init__(self) -> None:
        Linkable.__init__(self)
        self._flag = False
        self._rawlinks = []

    def rawlink(self, callback: Callable[[Any], object]) -> None:
        """Call ``callback(self)`` in the hub after every ``set()``, until ``unlink(callback)``.

        As in 0.13, the link stays registered: each ``set()`` queues one call
        of every callback registered then (skipped if it is unlinked before
        its turn). Linked while the flag is set, it is also called soon,
        once. ``callback`` runs in the hub and must not block; an error it
        raises goes to the hub's ``handle_error``. ``TypeError`` if it is
        not callable.
        """
        checks.function(callback, "callback")
        self._rawlinks.append(callback)
        if self._flag:
            _queue_notifier(self._notify_rawlinks, ((callback,),))

    def unlink(self, callback: Callable[[Any], object]) -> None:
        """Remove the first registration of ``callback``; no error if there is none."""
        rawlinks = self._rawlinks
        for i, link in enumerate(rawlinks):
            if link is callback or link == callback:
                del rawlinks[i]
                return
        self._links.remove(callback)

    def _notify_rawlinks(self, links):
        # Runs in the hub: the links registered at set(), each if still registered.
        rawlinks = self._rawlinks
        for link in links:
            for registered in rawlinks:
                if registered is link:
                    call_link(link, self)
                    break

    def __repr__(self):
        return f"<{short_name(self)} at {id(self):#x}: {'set' if self._flag else 'unset'}>"

    def _ready(self):
        return self._flag

    def is_set(self) -> bool:
        """True if and only if the flag is set."""
        return self._flag

    isSet = is_set
    ready = is_set

    def set(self) -> None:
        """Set the flag and wake every greenlet waiting for it. Never blocks.

        Safe to call from the hub (a loop callback). The waiters wake up the
        next time the current greenlet yields to the hub.
        """
        self._flag = True
        links = self._links
        if links:
            # Everybody linked now is owed a wake-up, even if clear() comes first.
            links.owe_all()
            if self._notifier is None:
                self._notifier = _queue_notifier(self._notify_links)
        if self._rawlinks:
            _queue_notifier(self._notify_rawlinks, (tuple(self._rawlinks),))

    def clear(self) -> None:
        """Reset the flag; later ``wait()`` calls block until ``set()`` is called again."""
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the flag is set, or for at most ``timeout`` seconds; return the flag.

        Returns True at once if the flag is set, True when woken by ``set()``
        (even if ``clear()`` was called since), and the flag (normally False)
        when the timeout expires. ``ValueError`` for a negative timeout.
        """
        if self._flag:
            return True
        if timeout is not None:
            timeout = wait_timeout(timeout)
        if self._links.park(timeout) is None:
            return True
        return self._flag


class AsyncResult(Linkable):
    """AsyncResult()
--

    A one-time event that stores a value or an exception.

    ``set(value)`` or ``set_exception(exc)`` wakes every greenlet blocked in
    ``get()``/``wait()``; later calls do not block. Calling the instance with
    a finished greenlet (``result(greenlet)``) stores its outcome, which
    makes an AsyncResult a ``Greenlet.link()`` target.
    """

    __slots__ = ("value", "_exception", "_exc_tb")

    def __init__(self) -> None:
        Linkable.__init__(self)
        self.value = None
        self._exception = _NONE
        self._exc_tb = None

    def __repr__(self):
        if self._exception is _NONE:
            state = "unset"
        elif self._exception is None:
            state = f"value={self.value!r}"
        else:
            state = f"exception={self._exception!r}"
        return f"<{short_name(self)} at {id(self):#x}: {state}>"

    def _ready(self):
        return self._exception is not _NONE

    def ready(self) -> bool:
        """True if and only if a value or an exception is stored."""
        return self._exception is not _NONE

    def successful(self) -> bool:
        """True if and only if a value (not an exception) is stored."""
        return self._exception is None

    @property
    def exception(self) -> BaseException | None:
        """The exception passed to ``set_exception()``, or None."""
        exc = self._exception
        return None if exc is _NONE else exc

    @property
    def exc_info(self) -> tuple[()] | tuple[type[BaseException], BaseException,
                                             TracebackType | None]:
        """``(type, value, traceback)`` of the stored exception, or ``()`` (gevent's).

        The traceback is the one given to ``set_exception(exc, exc_info)``,
        else the exception's own when it was stored.
        """
        exc = self._exception
        if exc is _NONE or exc is None:
            return ()
        return (type(exc), exc, self._exc_tb)

    def set(self, value: Any = None) -> None:
        """Store ``value`` and wake every waiter. Never blocks; fine from the hub."""
        self.value = value
        self._exception = None
        if self._links and self._notifier is None:
            self._notifier = _queue_notifier(self._notify_links)

    def set_result(self, value: Any = None) -> None:
        """``set(value)``, under ``concurrent.futures.Future``'s name."""
        self.set(value)

    def set_exception(self, exception: BaseException | type[BaseException],
                      exc_info: tuple[Any, Any, TracebackType | None] | None = None) -> None:
        """Store ``exception`` (an instance, or a class to instantiate) and wake every waiter.

        ``get()`` will raise it. ``exc_info``, a ``sys.exc_info()`` tuple,
        gives the traceback that :attr:`exc_info` reports. ``TypeError`` if
        ``exception`` is not an exception, or ``exc_info`` not a 3-tuple.
        """
        if isinstance(exception, type) and issubclass(exception, BaseException):
            exception = exception()
        elif not isinstance(exception, BaseException):
            raise TypeError(
                f"exception must be an exception instance or class, not {type(exception).__name__}")
        if exc_info is None:
            tb = exception.__traceback__
        elif isinstance(exc_info, tuple) and len(exc_info) == 3:
            tb = exc_info[2]
        else:
            raise TypeError(f"exc_info must be a (type, value, traceback) tuple, not {exc_info!r}")
        self._exception = exception
        self._exc_tb = tb
        self._check_and_notify()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Return the stored value or raise the stored exception.

        If nothing is stored yet: with ``block=False`` raise :class:`ghub.Timeout`
        at once; otherwise wait, at most ``timeout`` seconds, then raise
        :class:`ghub.Timeout`.
        """
        exc = self._exception
        if exc is None:
            return self.value
        if exc is not _NONE:
            raise exc
        if not block:
            raise Timeout()
        if timeout is not None:
            timeout = wait_timeout(timeout)
        expired = self._links.park(timeout)
        if expired is not None:
            raise expired
        if self._exception is None:
            return self.value
        raise self._exception

    def get_nowait(self) -> Any:
        """Return the value or raise the exception; :class:`ghub.Timeout` if nothing is stored."""
        return self.get(block=False)

    def wait(self, timeout: float | None = None) -> Any:
        """Block until a value or an exception is stored, at most ``timeout`` s; return ``value``.

        Never raises the stored exception (``value`` is None then), nor a
        timeout: after ``timeout`` it returns ``value`` (None).
        """
        if self._exception is _NONE:
            if timeout is not None:
                timeout = wait_timeout(timeout)
            self._links.park(timeout)
        return self.value

    def __call__(self, source):
        """Store the outcome of ``source``, a finished greenlet (or anything with the same API)."""
        if source.successful():
            self.set(source.value)
        else:
            self.set_exception(source.exception, getattr(source, "exc_info", None) or None)

    # -- concurrent.futures.Future's protocol, as gevent has it --------------

    def result(self, timeout: float | None = None) -> Any:
        """``get(timeout=timeout)``: the value, or raise the exception or :class:`ghub.Timeout`."""
        return self.get(timeout=timeout)

    def done(self) -> bool:
        """``ready()``: True once a value or an exception is stored."""
        return self._exception is not _NONE

    def cancel(self) -> bool:
        """Return False: an AsyncResult cannot be cancelled."""
        return False

    def cancelled(self) -> bool:
        """Return False: an AsyncResult is never cancelled."""
        return False
