"""The argument checks of every gstack layer: seconds, counts, callables, exceptions.

How it works
------------

A public entry point validates its arguments before it does anything, and
fails as the stdlib function it stands in for would: the same exception
type, and the stdlib's message where a caller may look at it. Each rule is
written here once, and every layer (ghub, gsync, gnet, gmonkey) calls it:

- a number of **seconds** is a float or an integer (anything with
  ``__index__``), as for ``time.sleep``; NaN is a ``ValueError``.
  :func:`timeout` adds None and the sign check, :func:`delay` the sign
  check alone, :func:`socket_timeout` is
  ``socket.settimeout``'s variant (its messages, a float back);
- a **wait timeout** of the synchronisation objects (:func:`wait_timeout`)
  is any real number (``__float__`` will do), as the stdlib's ``queue``
  takes; :func:`lock_timeout` is ``threading.Lock.acquire``'s
  ``(blocking, timeout)`` pair (``-1`` means no limit, ``OverflowError``
  past ``TIMEOUT_MAX``);
- a **count** or size is an integer (anything with ``__index__``);
- a **function** must be callable, an **exception** an exception class or
  instance;
- a **collection** of objects (``joinall``'s greenlets) is an iterable whose
  every item has what the caller uses (:func:`items`); the error names the
  bad item by its index.

Each check returns the value to use (None, or the number converted) so that
a caller writes ``timeout = checks.timeout(timeout)`` and nothing more.

Compiled builds: Cython compiles this file, with ``checks.pxd`` beside it
(the layers above ``cimport`` it, so a check costs a C call); the
pure-Python build runs it as it is, with the same behaviour.
"""

from __future__ import annotations

from operator import index as _index

try:
    from _thread import TIMEOUT_MAX
except ImportError:  # pragma: no cover - every CPython has it
    TIMEOUT_MAX = float(2**31)

__all__ = [
    "seconds", "timeout", "delay", "socket_timeout", "wait_timeout", "lock_timeout", "count",
    "function", "exception", "items", "TIMEOUT_MAX",
]

_NAN = "Invalid value NaN (not a number)"   # the stdlib's message


def seconds(value, what="timeout"):
    """``value`` as a number of seconds, as ``time.sleep`` takes it: a float or an integer.

    ``TypeError`` for anything else (``"<what> must be a number"``),
    ``ValueError`` for NaN. The caller checks the sign (its message differs).
    """
    if isinstance(value, float):
        if value != value:
            raise ValueError(f"{what} must not be NaN")
        return value
    return _integer(value, what, "a number")


def timeout(value, what="timeout"):
    """An optional timeout: None, or :func:`seconds` that are not negative (``ValueError``)."""
    if value is None:
        return None
    value = seconds(value, what)
    if value < 0:
        raise ValueError(f"{what} must be non-negative, not {value!r}")
    return value


def delay(value, what="seconds"):
    """A delay (``spawn_later``): :func:`seconds` that are not negative; None is a ``TypeError``."""
    if value is None:
        raise TypeError(f"{what} must be a number, not None")
    return timeout(value, what)


def socket_timeout(value):
    """``socket.settimeout``'s argument: None, or a float >= 0; the stdlib's errors and messages."""
    if value is None:
        return None
    if not isinstance(value, float):
        try:
            value = float(_index(value))
        except TypeError:
            raise TypeError(
                f"'{type(value).__name__}' object cannot be interpreted as an integer") from None
    if value != value:
        raise ValueError(_NAN)
    if value < 0:
        raise ValueError("Timeout value out of range")
    return value


def _real(value, what):
    """A real number: an int, a float or anything with ``__float__`` (NaN: ``ValueError``)."""
    if not isinstance(value, (int, float)):
        to_float = getattr(type(value), "__float__", None)
        if to_float is None:
            raise TypeError(f"{what} must be a number, not {type(value).__name__}")
        value = to_float(value)
    if value != value:
        raise ValueError(f"{what} must not be NaN")
    return value


def wait_timeout(value):
    """The timeout of a wait on a queue, event or pool: None, or a real number >= 0.

    As the stdlib's ``queue`` takes it: ``ValueError("'timeout' must be a
    non-negative number")``, ``TypeError`` for what is no number.
    """
    if value is None:
        return None
    value = _real(value, "timeout")
    if value < 0:
        raise ValueError("'timeout' must be a non-negative number")
    return value


def lock_timeout(blocking, timeout):
    """Validate ``acquire(blocking, timeout)`` as ``threading.Lock`` does; return None or seconds.

    ``timeout`` None or ``-1`` means no limit; another negative number is a
    ``ValueError``, so is a timeout with ``blocking=False``; more than
    ``threading.TIMEOUT_MAX`` is an ``OverflowError``.
    """
    if timeout is None:
        return None
    timeout = _real(timeout, "timeout")
    if timeout == -1:
        return None
    if not blocking:
        raise ValueError("can't specify a timeout for a non-blocking call")
    if timeout < 0:
        raise ValueError("timeout value must be a non-negative number")
    if timeout > TIMEOUT_MAX:
        raise OverflowError("timeout value is too large")
    return timeout


def count(value, what):
    """An integer (anything with ``__index__``) as an int; ``TypeError`` otherwise.

    The caller checks the range (its message differs).
    """
    if type(value) is int:
        return value
    return _integer(value, what, "an integer")


def _integer(value, what, expected):
    try:
        return _index(value)
    except TypeError:
        raise TypeError(f"{what} must be {expected}, not {type(value).__name__}") from None


def function(value, what="function"):
    """Raise ``TypeError`` (``"<what> must be callable"``) unless ``value`` is callable."""
    if not callable(value):
        raise TypeError(f"{what} must be callable, not {type(value).__name__}")


def exception(value):
    """Raise ``TypeError`` unless ``value`` is a BaseException class or instance."""
    if isinstance(value, BaseException):
        return
    if isinstance(value, type) and issubclass(value, BaseException):
        return
    raise TypeError(f"exception must be a BaseException subclass or instance, not {value!r}")


def items(values, what, kind, attributes, exact=None):
    """``values`` (any iterable) as a list whose every item has each of ``attributes``.

    ``TypeError`` if ``values`` is not iterable (``"<what> must be an iterable
    of <kind>s, not int"``) or for the first item that lacks an attribute
    (``"<what>[1] must be a <kind>, not int: 5"``). Items of type ``exact``
    are not looked at (the common case costs one comparison).
    """
    try:
        result = list(values)
    except TypeError:
        raise TypeError(
            f"{what} must be an iterable of {kind}s, not {type(values).__name__}") from None
    for i, item in enumerate(result):
        if type(item) is exact:
            continue
        for name in attributes:
            if not hasattr(item, name):
                shown = repr(item)
                if len(shown) > 60:
                    shown = shown[:57] + "..."
                raise TypeError(
                    f"{what}[{i}] must be a {kind}, not {type(item).__name__}: {shown}")
    return result
