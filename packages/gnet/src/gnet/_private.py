"""gnet's waiting on a file descriptor: what sockets, ``ssl`` and ``wait_read`` share.

How waiting works
-----------------

A greenlet that must wait for a file descriptor arms a ``gcore.event`` whose
callback switches back into it, switches to the hub, and cancels the event
in a ``finally`` (it may be woken by a timeout, a kill or a close instead).
The callback gets the event mask (``EV_TIMEOUT`` when the timeout passed
first), which the greenlet receives as the value of ``hub.switch()``.

Sockets keep one :class:`IOEvent` per direction (the event and the greenlet
waiting on it; :func:`wait_io` is the wait), so that a wait costs no
allocation. On an edge-triggered back-end (epoll) the event stays registered
from the first wait to ``close()`` and a wait costs no system call either; a
timeout is then a separate timer. Compiled, the event's callback and the wait
are C code from the loop to the switch. To wake a waiter from outside (a close
or shutdown in another greenlet) :func:`interrupt` queues
:func:`_wake_if_waiting` in the hub with a sentinel value (:data:`CLOSED`,
:data:`RETRY`); it only switches if that greenlet is still waiting on that
event, so a late wake-up can never land in a greenlet that moved on.
"""

from __future__ import annotations

from errno import EBADF

from greenlet import getcurrent, greenlet

import gcore
from gcore import EV_ET, EV_PERSIST, EV_READ, EV_TIMEOUT, EV_WRITE
from gcore._gcore import event as _event
from ghub import get_hub
from ghub.checks import socket_timeout
from ghub.hub import _switch_to_hub

_greenlet_switch = greenlet.switch

__all__ = [
    "CLOSED", "RETRY", "IOEvent", "io_ready", "wait_io", "wake_timed_out", "interrupt",
    "closed_error", "wait_fd",
]


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<gnet.{self.name}>"


CLOSED = _Sentinel("CLOSED")   # the socket was closed: raise EBADF
RETRY = _Sentinel("RETRY")     # try the system call again (after shutdown)


def closed_error():
    """The error a greenlet gets when the socket it waits on is closed by another one."""
    return OSError(EBADF, "File descriptor was closed in another greenlet")


def io_ready(ev, evtype):
    """The callback of an :class:`IOEvent` (pure-Python build): wake its waiting greenlet."""
    waiting = ev.waiting
    if waiting is not None:
        waiting.switch(evtype)


_EDGE_TRIGGERED = frozenset(["epoll", "kqueue"])


class IOEvent(_event):
    """IOEvent(fd, evtype, hub)
--

    A socket's reusable event for one direction (``EV_READ`` or ``EV_WRITE``)
    on ``hub``'s loop, and the greenlet waiting on it (``waiting``, or None).

    On an edge-triggered back-end (``edge``) the event is persistent
    (``EV_PERSIST | EV_ET``), registered from the first wait to ``close()``,
    and does not keep the loop alive by itself: a wait takes a loop ref for
    its duration. Elsewhere it is added for each wait and removed after it.
    When ready, the event switches into the waiting greenlet with the event
    mask (compiled: straight from the loop's C callback; pure-Python build:
    through :func:`io_ready`).
    """

    def __init__(self, fd, evtype, hub):
        loop = hub.loop
        edge = loop.method in _EDGE_TRIGGERED
        if edge:
            _event.__init__(self, evtype | EV_PERSIST | EV_ET, fd, io_ready, None,
                                 loop=loop, ref=False)
        else:
            _event.__init__(self, evtype, fd, io_ready, None, loop=loop)
        self.hub = hub
        self.edge = edge
        self.waiting = None

    def _call(self, evtype):
        # Compiled, this replaces gcore.event's call of io_ready (a C method).
        waiting = self.waiting
        if waiting is not None:
            _greenlet_switch(waiting, evtype)


def wait_io(sock, evtype, timeout):
    """Block the current greenlet until ``sock`` is ready for ``evtype``; raise on timeout or close.

    ``sock`` keeps its events in ``_read_event``/``_write_event`` (made here on
    its first wait, and again for the hub of another thread). Where the loop
    is edge-triggered the greenlet only just got ``EAGAIN``, so the next edge
    is what it waits for, and the wait costs no system call. Raises
    ``RuntimeError`` when another greenlet already waits on the same
    direction, :func:`closed_error` when the socket is closed meanwhile, and
    ``socket.timeout`` after ``timeout`` seconds (``None``: no limit).
    """
    hub = get_hub()
    if evtype == EV_READ:
        ev = sock._read_event
        if ev is None or ev.hub is not hub:
            ev = sock._read_event = _event_for(sock, ev, EV_READ, hub)
    else:
        ev = sock._write_event
        if ev is None or ev.hub is not hub:
            ev = sock._write_event = _event_for(sock, ev, EV_WRITE, hub)
    waiting = ev.waiting
    if waiting is not None:
        what = "read from" if evtype == EV_READ else "write to"
        raise RuntimeError(
            f"another greenlet ({waiting!r}) is already waiting to {what} {sock!r}")
    current = getcurrent()
    ev.waiting = current
    loop = ev.loop
    if ev.edge:
        ev.add()   # (registered already after the first wait: then a no-op)
        timer = None
        if timeout is not None:
            timer = loop._start_timer(timeout, wake_timed_out, (ev, current))
        loop.ref()   # the registered event does not count: this wait does
        try:
            result = _switch_to_hub(hub)
        finally:
            ev.waiting = None
            loop.unref()
            if timer is not None:
                timer.cancel()
    else:
        ev.add(timeout)
        try:
            result = _switch_to_hub(hub)
        finally:
            ev.waiting = None
            ev.cancel()
    if result is CLOSED:
        raise closed_error()
    if result == EV_TIMEOUT:
        raise TimeoutError("timed out")


def _event_for(sock, old, evtype, hub):
    # The socket's event on ``hub``'s loop: ``old`` with its hub updated when
    # it is on that loop already (a new hub of the same thread), else a new one.
    if old is not None and old.loop is hub.loop:
        old.hub = hub
        return old
    return IOEvent(sock.fileno(), evtype, hub)


def wake_timed_out(ev, waiting):
    """Timer of an edge-triggered wait: wake ``waiting`` with EV_TIMEOUT if it still waits."""
    if ev.waiting is waiting:
        waiting.switch(EV_TIMEOUT)


def _wake_if_waiting(ev, waiting, value):
    if ev.waiting is waiting:
        waiting.switch(value)


def interrupt(ev, value):
    """Cancel ``ev`` and wake its waiting greenlet (if any) with ``value``, from the hub."""
    waiting = ev.waiting
    ev.cancel()
    if waiting is not None:
        ev.loop.run_callback(_wake_if_waiting, ev, waiting, value)


def _switch_arg(event, evtype):
    event.arg.switch(evtype)


def wait_fd(fileno, evtype, timeout=None, timeout_exc=None):
    """Block the current greenlet until ``fileno`` is ready for ``evtype`` (EV_READ/EV_WRITE).

    Raises ``timeout_exc`` (an exception instance or class; by default
    ``socket.timeout("timed out")``) if ``timeout`` seconds pass first.
    """
    hub = get_hub()
    timeout = socket_timeout(timeout)
    event = gcore.event(evtype, fileno, _switch_arg, getcurrent(), loop=hub.loop)
    event.add(timeout)
    try:
        result = hub.switch()
    finally:
        event.cancel()
    if result == EV_TIMEOUT:
        if timeout_exc is None:
            raise TimeoutError("timed out")
        raise timeout_exc
    return result
