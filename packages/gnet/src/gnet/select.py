"""Cooperative ``select``: ``select()`` and ``poll()`` that wait through the hub.

How it works
------------

Both functions first ask the system which descriptors are ready, without
waiting: ``select`` through the stdlib's own ``select`` (falling back on
one ``poll(2)`` for descriptors at or above ``FD_SETSIZE``), ``poll``
objects through a stdlib poll object kept in step with their
registrations. If none is and the timeout allows, they arm one gcore event
per descriptor (read and/or write) and one timer, switch to the hub, and on
the first wake-up cancel them all and ask the system again, so that the
result lists *every* descriptor that is ready, not only the one that woke
the greenlet. That loop is written once (``_wait_until_ready``), for both;
its deadline is on the monotonic clock, as the sockets' is, so a step of
the wall clock neither lengthens nor shortens a timeout.

Fairness: a loop around ``select()`` whose descriptors are always ready
(an ``asyncore`` dispatcher that is always ``writable()``, a poll with a
zero timeout) would otherwise never go through the hub, and no other
greenlet would ever run. So a call that finds something ready (or has a
zero timeout) without having waited yields once before it returns, the way
``ghub.idle()`` does (a zero-second timer, which fires after the loop has
polled for I/O: the greenlets and callbacks that are ready, and the I/O
that is due, run first). What it returns is what was ready before the
yield (as with threads, an answer may be stale by the time it is used; the
descriptors are asked once, so each ``fileno()`` is called once, as the
stdlib does). A call that had to wait went through the hub already and does
not yield again; a call from the hub itself (a loop callback) cannot yield
and does not. The cost is one loop iteration, about 2 µs.

``select(rlist, wlist, xlist, timeout=None)`` takes ints and objects with
``fileno()`` and returns the objects given, as the stdlib does; errors are
``OSError`` (``select.error`` is ``OSError``), bad arguments ``TypeError``/
``ValueError`` with the stdlib's messages. Exceptional conditions
(``xlist``, ``POLLPRI``) are reported whenever the system reports them, but
are not waited for on their own (libevent has no event for them): a
``select`` with only ``xlist`` waits for its timeout.

``poll()`` returns a ``poll`` object with the stdlib's ``register``/
``modify``/``unregister``/``poll(timeout_ms)`` interface and checks (its
type cannot be instantiated directly, timeouts beyond ``INT_MAX``
milliseconds raise ``OverflowError``). Only ``POLLIN``/
``POLLRDNORM`` (read) and ``POLLOUT``/``POLLWRNORM`` (write) are waited for;
``POLLHUP``, ``POLLERR`` and ``POLLNVAL`` are reported with them, as the
system does.

:mod:`gnet.selectors` builds the ``selectors`` selectors on these two.
"""

from __future__ import annotations

import select as _stdselect
from errno import EBADF as _EBADF
from math import ceil as _ceil
from math import floor as _floor
from operator import index as _index
from os import strerror as _strerror
from time import monotonic as _monotonic

from greenlet import getcurrent as _getcurrent

import gcore as _gcore
from gcore import EV_READ, EV_WRITE
from ghub import get_hub as _get_hub

# The names this module provides in place of the stdlib's (gmonkey patches these).
__implements__ = ["select", "poll"]
# The stdlib's own objects, re-exported unchanged (epoll and friends stay the stdlib's:
# they block; gmonkey decides what to do with them).
__imports__ = [name for name in dir(_stdselect)
               if not name.startswith("_") and name not in __implements__]

__all__ = __implements__ + __imports__

for _name in __imports__:
    globals()[_name] = getattr(_stdselect, _name)
del _name

error = OSError

# Taken at import: gmonkey may later put ours in their place.
_std_poll = _stdselect.poll
_std_select = _stdselect.select

_POLLIN = _stdselect.POLLIN
_POLLPRI = _stdselect.POLLPRI
_POLLOUT = _stdselect.POLLOUT
_POLLERR = _stdselect.POLLERR
_POLLHUP = _stdselect.POLLHUP
_POLLNVAL = _stdselect.POLLNVAL
_POLLRDNORM = getattr(_stdselect, "POLLRDNORM", 0)
_POLLRDBAND = getattr(_stdselect, "POLLRDBAND", 0)
_POLLWRNORM = getattr(_stdselect, "POLLWRNORM", 0)
_POLLWRBAND = getattr(_stdselect, "POLLWRBAND", 0)
_READ_MASK = _POLLIN | _POLLRDNORM
_WRITE_MASK = _POLLOUT | _POLLWRNORM
# What Linux's select(2) counts as readable / writable / exceptional.
_SELECT_IN = _POLLIN | _POLLRDNORM | _POLLRDBAND | _POLLHUP | _POLLERR
_SELECT_OUT = _POLLOUT | _POLLWRNORM | _POLLWRBAND | _POLLERR
_SELECT_EX = _POLLPRI


def _fileno(obj):
    """The descriptor of an int or of an object with ``fileno()``, validated as the stdlib does."""
    if isinstance(obj, int):
        fd = obj
    else:
        try:
            method = obj.fileno
        except AttributeError:
            raise TypeError("argument must be an int, or have a fileno() method.") from None
        fd = method()
        if not isinstance(fd, int):
            raise TypeError("fileno() returned a non-integer")
    if fd < 0:
        raise ValueError(f"file descriptor cannot be a negative integer ({fd})")
    return fd


def _wake(event, evtype):
    waiting = event.arg
    if waiting[0] is not None:
        greenlet, waiting[0] = waiting[0], None
        greenlet.switch()


def _wake_timer(waiting):
    if waiting[0] is not None:
        greenlet, waiting[0] = waiting[0], None
        greenlet.switch()


def _yield(hub):
    """Let the other ready greenlets, callbacks and due I/O run once (see "Fairness")."""
    current = _getcurrent()
    if current is hub:
        return
    timer = _gcore.timer(0, current.switch, loop=hub.loop)
    try:
        hub.switch()
    finally:
        timer.cancel()


def _wait(masks, timeout):
    """Block until one of ``{fd: EV_READ|EV_WRITE}`` is ready or ``timeout`` (seconds) passes."""
    hub = _get_hub()
    loop = hub.loop
    waiting = [_getcurrent()]
    events = []
    timer = None
    try:
        for fd, evtype in masks.items():
            event = _gcore.event(evtype, fd, _wake, waiting, loop=loop)
            events.append(event)
            event.add()
        if timeout is not None:
            timer = _gcore.timer(timeout, _wake_timer, waiting, loop=loop)
        hub.switch()
    finally:
        waiting[0] = None
        for event in events:
            event.cancel()
        if timer is not None:
            timer.cancel()


def _wait_until_ready(check, masks, timeout):
    """The wait loop of ``select()`` and ``poll()``: what ``check()`` finds ready.

    ``check()`` asks the system without waiting and returns ``(result,
    found)``; ``masks()`` gives the ``{fd: EV_READ|EV_WRITE}`` to wait for.
    Returns the first ``result`` with something found, or the last one once
    ``timeout`` seconds (None: no limit; 0: one look) have passed. Lets the
    other greenlets run once if it never waited (see "Fairness").
    """
    deadline = None
    been_through_hub = False
    while True:
        result, found = check()
        if found or timeout == 0:
            if not been_through_hub:
                _yield(_get_hub())   # fairness (see the module doc)
            return result
        remaining = None
        if timeout is not None:
            now = _monotonic()
            if deadline is None:
                deadline = now + timeout
            remaining = deadline - now
            if remaining <= 0:
                return result
        _wait(masks(), remaining)
        been_through_hub = True


def _poll_now(masks):
    """``poll(2)`` with a zero timeout: ``[(fd, revents)]``; raise EBADF for a closed descriptor."""
    poller = _std_poll()
    for fd, mask in masks.items():
        poller.register(fd, mask)
    ready = poller.poll(0)
    for _fd, revents in ready:
        if revents & _POLLNVAL:
            raise OSError(_EBADF, _strerror(_EBADF))
    return ready


def _select_now(rlist, wlist, xlist):
    """What ``select(2)`` would say with a zero timeout, for descriptors of any number."""
    try:
        # The stdlib's select: one C call, its checks and messages, the objects given back.
        return _std_select(rlist, wlist, xlist, 0)
    except ValueError:
        pass   # a descriptor at or above FD_SETSIZE (or a negative one, which _fileno reports)
    masks = {}
    groups = []
    for objects, wanted in ((rlist, _POLLIN | _POLLPRI), (wlist, _POLLOUT), (xlist, _POLLPRI)):
        pairs = [(obj, _fileno(obj)) for obj in objects]
        for _obj, fd in pairs:
            masks[fd] = masks.get(fd, 0) | wanted
        groups.append(pairs)
    rpairs, wpairs, xpairs = groups
    ready = dict(_poll_now(masks))
    return ([obj for obj, fd in rpairs if ready.get(fd, 0) & _SELECT_IN],
            [obj for obj, fd in wpairs if ready.get(fd, 0) & _SELECT_OUT],
            [obj for obj, fd in xpairs if ready.get(fd, 0) & _SELECT_EX])


_MAX_SECONDS = 2 ** 63 / 1e9   # the stdlib's limit (a 64-bit count of nanoseconds)


def _check_select_timeout(timeout):
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)):
        try:
            timeout = timeout.__index__()
        except AttributeError:
            raise TypeError("timeout must be a float or None") from None
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    if timeout > _MAX_SECONDS:
        raise OverflowError("timestamp out of range for platform time_t")
    if timeout < 0:
        raise ValueError("timeout must be non-negative")
    return float(timeout)


def select(rlist, wlist, xlist, timeout=None):
    """Wait until some of the descriptors are ready: ``(readable, writable, exceptional)``.

    Blocks the calling greenlet only, at most ``timeout`` seconds (``None``:
    no limit; ``0``: a poll). Returns every object given that is ready.
    Raises ``OSError`` (EBADF) for a closed descriptor, ``TypeError`` and
    ``ValueError`` for bad arguments.
    """
    timeout = _check_select_timeout(timeout)
    if type(rlist) is not list and type(rlist) is not tuple:
        rlist = list(rlist)
    if type(wlist) is not list and type(wlist) is not tuple:
        wlist = list(wlist)
    if type(xlist) is not list and type(xlist) is not tuple:
        xlist = list(xlist)

    def check():
        result = _select_now(rlist, wlist, xlist)
        return result, bool(result[0] or result[1] or result[2])

    def masks():
        waitable = {}
        for obj in rlist:
            waitable[_fileno(obj)] = EV_READ
        for obj in wlist:
            fd = _fileno(obj)
            waitable[fd] = waitable.get(fd, 0) | EV_WRITE
        return waitable

    return _wait_until_ready(check, masks, timeout)


class _PollObject:
    """A cooperative ``select.poll`` object: ``register``, ``modify``, ``unregister``, ``poll``.

    Made by :func:`poll` only; the type itself cannot be instantiated (as the stdlib's).
    """

    __slots__ = ("_masks", "_poller", "_polling")

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create '{cls.__module__}.{cls.__qualname__}' instances")

    def __repr__(self):
        return f"<{self.__module__}.{type(self).__qualname__} object at {id(self):#x}>"

    def register(self, fd, eventmask=_POLLIN | _POLLPRI | _POLLOUT):
        """Watch ``fd`` (an int or an object with ``fileno()``) for ``eventmask``."""
        fd = _fileno(fd)
        eventmask = _check_mask(eventmask)
        self._poller.register(fd, eventmask)
        self._masks[fd] = eventmask

    def modify(self, fd, eventmask):
        """Change the mask of a registered ``fd``; ``FileNotFoundError`` if it is not registered."""
        fd = _fileno(fd)
        eventmask = _check_mask(eventmask)
        if fd not in self._masks:
            raise FileNotFoundError(2, "No such file or directory")
        self._poller.modify(fd, eventmask)
        self._masks[fd] = eventmask

    def unregister(self, fd):
        """Stop watching ``fd``; ``KeyError`` if it is not registered."""
        fd = _fileno(fd)
        del self._masks[fd]
        self._poller.unregister(fd)

    def poll(self, timeout=None):
        """``[(fd, revents), ...]`` of the ready descriptors, waiting up to ``timeout`` ms.

        ``None`` or a negative timeout waits without limit; a float is a
        fraction of a millisecond. Blocks the calling greenlet only (and
        always lets the other greenlets run once, see the module doc).
        Raises ``OverflowError`` beyond ``INT_MAX`` ms, ``TypeError`` for a
        timeout that is not a number, ``RuntimeError`` if another greenlet is
        polling this object at the same time.
        """
        timeout = _poll_timeout(timeout)
        if self._polling:
            raise RuntimeError("concurrent poll() invocation")
        self._polling = True
        try:
            return _wait_until_ready(self._check, self._wait_masks, timeout)
        finally:
            self._polling = False

    def _check(self):
        ready = self._poller.poll(0) if self._masks else []
        return ready, bool(ready)

    def _wait_masks(self):
        waitable = {}
        for fd, mask in self._masks.items():
            evtype = (EV_READ if mask & _READ_MASK else 0) | (EV_WRITE if mask & _WRITE_MASK else 0)
            if evtype:
                waitable[fd] = evtype
        return waitable


_PollObject.__name__ = _PollObject.__qualname__ = "poll"


def poll():
    """A new cooperative poll object (see :class:`_PollObject`), as ``select.poll()``."""
    obj = object.__new__(_PollObject)
    obj._masks = {}
    obj._poller = _std_poll()
    obj._polling = False
    return obj


_INT_MAX = 2 ** 31 - 1
_INT_MIN = -(2 ** 31)


def _poll_timeout(timeout):
    """``poll()``'s timeout (ms or None) in seconds (None: no limit), checked as the stdlib."""
    if timeout is None:
        return None
    if isinstance(timeout, float):
        if timeout != timeout:
            raise ValueError("Invalid value NaN (not a number)")
        # Rounded away from zero, as the stdlib (OverflowError for infinities).
        ms = _ceil(timeout) if timeout >= 0 else _floor(timeout)
    else:
        try:
            ms = timeout = _index(timeout)
        except TypeError:
            raise TypeError("timeout must be an integer or None") from None
    if not _INT_MIN <= ms <= _INT_MAX:
        raise OverflowError("timeout is too large")
    if ms < 0:
        return None
    return timeout / 1000.0


_ULONG_MAX = 2 ** 64 - 1


def _check_mask(eventmask):
    """An event mask checked as the stdlib's ``unsigned short`` (its exception types)."""
    if not isinstance(eventmask, int):
        raise TypeError(f"an integer is required (got type {type(eventmask).__name__})")
    if eventmask < 0:
        raise ValueError("value must be positive")
    if eventmask > _ULONG_MAX:
        raise OverflowError("Python int too large to convert to C unsigned long")
    if eventmask > 0xFFFF:
        raise OverflowError("Python int too large for C unsigned short")
    return int(eventmask)
