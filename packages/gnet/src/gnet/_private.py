"""gnet's waiting on a file descriptor: what sockets, ``ssl`` and ``wait_read`` share.

How waiting works
-----------------

A greenlet that must wait for a file descriptor arms a ``gcore.event`` whose
callback switches back into it, switches to the hub, and cancels the event
in a ``finally`` (it may be woken by a timeout, a kill or a close instead).
The callback gets the event mask (``EV_TIMEOUT`` when the timeout passed
first), which the greenlet receives as the value of ``hub.switch()``.

Sockets keep one such event per direction (:func:`io_event`; :func:`io_ready`
reads the waiting greenlet from the event's ``arg``, a small list), so that a
wait costs no allocation. On an edge-triggered back-end (epoll) the event
stays registered from the first wait to ``close()`` and a wait costs no
system call either; a timeout is then a separate timer. To wake a waiter from
outside (a close or shutdown in another greenlet) :func:`interrupt` queues
:func:`_wake_if_waiting` in the hub with a sentinel value (:data:`CLOSED`,
:data:`RETRY`); it only switches if that greenlet is still waiting on that
slot, so a late wake-up can never land in a greenlet that moved on.
"""

from __future__ import annotations

from errno import EBADF

from greenlet import getcurrent

import gcore
from gcore import EV_ET, EV_PERSIST, EV_TIMEOUT
from ghub import get_hub
from ghub.checks import socket_timeout

__all__ = [
    "CLOSED", "RETRY", "io_ready", "io_event", "wake_timed_out", "interrupt", "closed_error",
    "wait_fd",
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


def io_ready(event, evtype):
    """Event callback of a socket's reusable events: wake the greenlet in ``event.arg[0]``."""
    waiting = event.arg[0]
    if waiting is not None:
        waiting.switch(evtype)


def io_event(fd, evtype, loop):
    """A socket's reusable event for ``evtype``; its ``arg`` is ``[waiting greenlet, persistent]``.

    On an edge-triggered back-end the event is persistent (``EV_PERSIST |
    EV_ET``) and does not count as keeping the loop alive by itself: a waiter
    takes a ``loop.ref()`` for the time it waits.
    """
    if loop.method in _EDGE_TRIGGERED:
        return gcore.event(evtype | EV_PERSIST | EV_ET, fd, io_ready, [None, True],
                           loop=loop, ref=False)
    return gcore.event(evtype, fd, io_ready, [None, False], loop=loop)


_EDGE_TRIGGERED = frozenset(["epoll", "kqueue"])


def wake_timed_out(slot, waiting):
    """Timer of an edge-triggered wait: wake ``waiting`` with EV_TIMEOUT if it still waits."""
    if slot[0] is waiting:
        waiting.switch(EV_TIMEOUT)


def _wake_if_waiting(slot, waiting, value):
    if slot[0] is waiting:
        waiting.switch(value)


def interrupt(event, value):
    """Cancel ``event`` and wake its waiting greenlet (if any) with ``value``, from the hub."""
    slot = event.arg
    waiting = slot[0]
    event.cancel()
    if waiting is not None:
        event.loop.run_callback(_wake_if_waiting, slot, waiting, value)


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
