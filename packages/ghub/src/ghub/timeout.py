"""Timeouts: an exception raised in a greenlet from the outside, after a delay.

How it works
------------

``Timeout.start()`` arms a ``gcore.timer`` on the hub's loop whose callback,
run by the hub, throws the timeout (or the exception given to it) into the
greenlet that started it, wherever that greenlet is blocked. ``cancel()``
disarms the timer. The timeout fires only while the greenlet is blocked: a
greenlet that never yields cannot be interrupted.

``Timeout`` derives from ``BaseException``, so that ``except Exception:`` in
the code it interrupts does not swallow it. A timeout caught by code that
expected another one is told apart by identity::

    except Timeout as t:
        if t is not my_timeout:
            raise

Compiled builds: Cython compiles this file, with ``timeout.pxd`` beside it
declaring its C types (docs/performance.md); the pure-Python build runs it
as it is, with the same behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from greenlet import getcurrent

from ghub import checks
from ghub.hub import get_hub

__all__ = ["Timeout", "with_timeout"]

_NONE = object()
_T = TypeVar("_T")


def _throw_if_alive(target, exception):
    if not target.dead:
        target.throw(exception)


def _start_timer(seconds, args):
    """A ``gcore.timer`` on the current hub's loop calling ``_throw_if_alive(*args)``."""
    loop = get_hub().loop
    return loop._start_timer(seconds, _throw_if_alive, args)


class Timeout(BaseException):
    """Raise ``exception`` in the current greenlet ``seconds`` after :meth:`start`.

    With ``exception`` None (the default) the ``Timeout`` itself is raised;
    with ``exception=False`` too, but as a context manager it is then
    swallowed at the end of its own ``with`` block, so the code after the
    block runs. ``seconds=None`` never fires. ``ValueError`` for a negative
    or NaN ``seconds``, ``TypeError`` for a non-number or an ``exception``
    that is neither None, False, nor an exception class or instance.

    Used as a context manager, it starts on entry and is cancelled on exit::

        with Timeout(5, False):
            data = sock.recv(1024)
    """

    # (Slots: no per-instance dict to create and fill on the hot path. A
    # BaseException still has one for other attributes.)
    __slots__ = ("seconds", "exception", "timer")

    def __init__(self, seconds: float | None = None,
                 exception: type[BaseException] | BaseException | bool | None = None) -> None:
        BaseException.__init__(self)
        seconds = checks.timeout(seconds)
        if exception is not None and exception is not False:
            checks.exception(exception)
        self.seconds = seconds
        self.exception = exception
        self.timer = None

    def start(self) -> None:
        """Schedule the timeout in the current greenlet.

        ``RuntimeError`` if it is already pending (cancel it first).
        """
        timer = self.timer
        if timer is not None and timer.pending:
            raise RuntimeError(f"{self!r} is already started; cancel it before restarting")
        seconds = self.seconds
        if seconds is None:
            return
        exception = self.exception
        throw = self if exception is None or exception is False else exception
        self.timer = _start_timer(seconds, (getcurrent(), throw))

    def __reduce__(self):
        # What BaseException.__reduce__ gives a class without __slots__: the
        # class, the args and every attribute (copy and pickle keep them).
        state = dict(self.__dict__)
        state.update(seconds=self.seconds, exception=self.exception, timer=self.timer)
        return (type(self), self.args, state)

    @classmethod
    def start_new(cls, timeout: float | Timeout | None = None,
                  exception: type[BaseException] | BaseException | bool | None = None) -> Timeout:
        """Return a started Timeout.

        If ``timeout`` is a ``Timeout``, start it (unless pending) and return
        it; otherwise return a started ``Timeout(timeout, exception)``.
        """
        if isinstance(timeout, Timeout):
            if not timeout.pending:
                timeout.start()
            return timeout
        t = cls(timeout, exception)
        t.start()
        return t

    @property
    def pending(self) -> bool:
        """True while the timeout is scheduled to fire."""
        timer = self.timer
        return timer is not None and timer.pending

    def cancel(self) -> None:
        """Cancel the timeout if it is pending; otherwise do nothing."""
        timer = self.timer
        if timer is not None:
            timer.cancel()
            self.timer = None

    def __repr__(self):
        exception = "" if self.exception is None else f" exception={self.exception!r}"
        pending = " pending" if self.pending else ""
        name = type(self).__name__
        return f"<{name} at {id(self):#x} seconds={self.seconds}{exception}{pending}>"

    def __str__(self):
        if self.seconds is None:
            return ""
        unit = "second" if self.seconds == 1 else "seconds"
        text = f"{self.seconds} {unit}"
        if self.exception is False:
            return f"{text} (silent)"
        if self.exception is not None:
            return f"{text} ({self.exception})"
        return text

    def __enter__(self) -> Timeout:
        if not self.pending:
            self.start()
        return self

    def __exit__(self, typ: Any, value: Any, tb: Any) -> bool | None:
        self.cancel()
        if value is self and self.exception is False:
            return True
        return None


def with_timeout(seconds: float | None, function: Callable[..., _T], *args: Any, **kwds: Any) -> _T:
    """Call ``function(*args, **kwds)``, interrupted after ``seconds``.

    On timeout, return the ``timeout_value`` keyword argument (which is not
    passed to ``function``) if it was given, else raise :class:`Timeout`.
    """
    timeout_value = kwds.pop("timeout_value", _NONE)
    timeout = Timeout.start_new(seconds)
    try:
        return function(*args, **kwds)
    except Timeout as t:
        if t is timeout and timeout_value is not _NONE:
            return timeout_value
        raise
    finally:
        timeout.cancel()
