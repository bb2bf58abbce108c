"""Cooperative ``select``: ``select()`` and ``poll()`` that wait through the hub.

How it works
------------

Both functions first ask the system which descriptors are ready, without
waiting (one ``poll(2)`` call with a zero timeout, so descriptors above
``FD_SETSIZE`` work too). If none is and the timeout allows, they arm one
gcore event per descriptor (read and/or write) and one timer, switch to the
hub, and on the first wake-up cancel them all and ask the system again, so
that the result lists *every* descriptor that is ready, not only the one
that woke the greenlet.

``select(rlist, wlist, xlist, timeout=None)`` takes ints and objects with
``fileno()`` and returns the objects given, as the stdlib does; errors are
``OSError`` (``select.error`` is ``OSError``), bad arguments ``TypeError``/
``ValueError`` with the stdlib's messages. Exceptional conditions
(``xlist``, ``POLLPRI``) are reported whenever the system reports them, but
are not waited for on their own (libevent has no event for them): a
``select`` with only ``xlist`` waits for its timeout.

``poll()`` returns an object with the stdlib's ``register``/``modify``/
``unregister``/``poll(timeout_ms)`` interface. Only ``POLLIN``/``POLLRDNORM``
(read) and ``POLLOUT``/``POLLWRNORM`` (write) are waited for; ``POLLHUP``,
``POLLERR`` and ``POLLNVAL`` are reported with them, as the system does.

:mod:`gnet.selectors` builds a ``selectors`` selector on :class:`poll`.
"""

from __future__ import annotations

import select as _stdselect
from errno import EBADF as _EBADF
from os import strerror as _strerror

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

_std_poll = _stdselect.poll   # taken at import: gmonkey may later put ours in its place

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
    groups = []
    masks = {}
    for objects, wanted in ((rlist, _POLLIN | _POLLPRI), (wlist, _POLLOUT),
                            (xlist, _POLLPRI)):
        if not isinstance(objects, (list, tuple)):
            objects = list(objects)
        pairs = [(obj, _fileno(obj)) for obj in objects]
        for _obj, fd in pairs:
            masks[fd] = masks.get(fd, 0) | wanted
        groups.append(pairs)
    rpairs, wpairs, xpairs = groups
    waitable = {}
    for _obj, fd in rpairs:
        waitable[fd] = EV_READ
    for _obj, fd in wpairs:
        waitable[fd] = waitable.get(fd, 0) | EV_WRITE
    deadline = None
    hub = None
    while True:
        ready = dict(_poll_now(masks)) if masks else {}
        result = ([obj for obj, fd in rpairs if ready.get(fd, 0) & _SELECT_IN],
                  [obj for obj, fd in wpairs if ready.get(fd, 0) & _SELECT_OUT],
                  [obj for obj, fd in xpairs if ready.get(fd, 0) & _SELECT_EX])
        if result[0] or result[1] or result[2] or timeout == 0:
            return result
        if hub is None:
            hub = _get_hub()
            if timeout is not None:
                deadline = hub.loop.now() + timeout
        remaining = None
        if deadline is not None:
            hub.loop.update_time()
            remaining = deadline - hub.loop.now()
            if remaining <= 0:
                return result
        _wait(waitable, remaining)


class poll:
    """A cooperative ``select.poll`` object: ``register``, ``modify``, ``unregister``, ``poll``."""

    def __init__(self):
        self._masks = {}
        self._polling = False

    def register(self, fd, eventmask=_POLLIN | _POLLPRI | _POLLOUT):
        """Watch ``fd`` (an int or an object with ``fileno()``) for ``eventmask``."""
        self._masks[_fileno(fd)] = _check_mask(eventmask)

    def modify(self, fd, eventmask):
        """Change the mask of a registered ``fd``; ``FileNotFoundError`` if it is not registered."""
        fd = _fileno(fd)
        if fd not in self._masks:
            raise FileNotFoundError(2, "No such file or directory")
        self._masks[fd] = _check_mask(eventmask)

    def unregister(self, fd):
        """Stop watching ``fd``; ``KeyError`` if it is not registered."""
        del self._masks[_fileno(fd)]

    def poll(self, timeout=None):
        """``[(fd, revents), ...]`` of the ready descriptors, waiting up to ``timeout`` ms.

        ``None`` or a negative timeout waits without limit. Blocks the calling
        greenlet only; ``RuntimeError`` if another greenlet is polling this
        object at the same time.
        """
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
                try:
                    timeout = timeout.__index__()
                except AttributeError:
                    raise TypeError("timeout must be an integer or None") from None
            timeout = None if timeout < 0 else timeout / 1000.0
        if self._polling:
            raise RuntimeError("concurrent poll() invocation")
        self._polling = True
        try:
            return self._poll(timeout)
        finally:
            self._polling = False

    def _poll(self, timeout):
        deadline = None
        hub = None
        while True:
            masks = self._masks
            ready = [(fd, revents) for fd, revents in _poll_all(masks)]
            if ready or timeout == 0:
                return ready
            if hub is None:
                hub = _get_hub()
                if timeout is not None:
                    deadline = hub.loop.now() + timeout
            remaining = None
            if deadline is not None:
                hub.loop.update_time()
                remaining = deadline - hub.loop.now()
                if remaining <= 0:
                    return []
            waitable = {}
            for fd, mask in masks.items():
                evtype = ((EV_READ if mask & _READ_MASK else 0)
                          | (EV_WRITE if mask & _WRITE_MASK else 0))
                if evtype:
                    waitable[fd] = evtype
            _wait(waitable, remaining)


def _poll_all(masks):
    # Unlike select, poll reports a closed descriptor as POLLNVAL instead of failing.
    if not masks:
        return []
    poller = _std_poll()
    for fd, mask in masks.items():
        poller.register(fd, mask)
    return poller.poll(0)


def _check_mask(eventmask):
    if not isinstance(eventmask, int):
        raise TypeError(f"an integer is required (got type {type(eventmask).__name__})")
    if not 0 <= eventmask <= 0xFFFF:
        raise OverflowError("Python int too large to convert to C unsigned short")
    return eventmask
