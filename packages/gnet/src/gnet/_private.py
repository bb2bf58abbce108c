"""gnet's waiting on a file descriptor: what sockets, ``ssl`` and ``wait_read`` share.

How waiting works
-----------------

A greenlet that must wait for a file descriptor arms a ``gcore.event`` whose
callback switches back into it, switches to the hub, and cancels the event
in a ``finally`` (it may be woken by a timeout, a kill or a close instead).
The callback gets the event mask (``EV_TIMEOUT`` when the timeout passed
first), which the greenlet receives as the value of ``hub.switch()``.
A socket's event does not switch from inside the loop's callback: it queues
the switch in the hub's ready queue (``ghub.hub.Wakeup``), so that the
readers one round wakes run after it, each passing straight to the next
when it blocks again (one switch per wake-up instead of two).

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
from socket import SOCK_STREAM as _SOCK_STREAM

from greenlet import getcurrent

import gcore
from gcore import EV_CLOSED, EV_ET, EV_PERSIST, EV_READ, EV_TIMEOUT, EV_WRITE
from gcore._gcore import event as _event
from ghub import get_hub
from ghub.checks import socket_timeout
from ghub.hub import Wakeup, _switch_to_hub

__all__ = [
    "CLOSED", "RETRY", "IOEvent", "io_ready", "wait_io", "wake_timed_out", "interrupt",
    "closed_error", "wait_fd", "note_short_read", "note_sent", "note_closed", "wait_if_drained",
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
    """The callback of an :class:`IOEvent` in the pure-Python build (compiled: its C ``_call``)."""
    ev._call(evtype)


_EDGE_TRIGGERED = frozenset(["epoll", "kqueue"])


class IOEvent(_event):
    """IOEvent(fd, evtype, hub, stream=False)
--

    A socket's reusable event for one direction (``EV_READ`` or ``EV_WRITE``)
    on ``hub``'s loop, and the greenlet waiting on it (``waiting``, or None).

    On an edge-triggered back-end (``edge``) the event is persistent
    (``EV_PERSIST | EV_ET``), registered from the first wait to ``close()``,
    and does not keep the loop alive by itself: a wait takes a loop ref for
    its duration. Elsewhere it is added for each wait and removed after it.
    When ready, the event wakes the waiting greenlet with the event mask
    through its ``wakeup`` (a ``ghub.hub.Wakeup``: the switch happens after
    the round's events, straight from the greenlet woken before; compiled,
    from the loop's C callback; pure-Python build: through :func:`io_ready`).

    The read event of a stream socket on epoll (``stream=True``) also asks for
    ``EV_CLOSED`` (EPOLLRDHUP), and remembers in ``closed`` that a report said
    the peer shut its side: then a recv may not skip the read that finds
    nothing (see :func:`wait_if_drained`).
    """

    def __init__(self, fd, evtype, hub, stream=False):
        loop = hub.loop
        method = loop.method
        edge = method in _EDGE_TRIGGERED
        skippable = edge and stream and evtype == EV_READ and method == "epoll"
        if skippable:
            evtype |= EV_CLOSED
        if edge:
            _event.__init__(self, evtype | EV_PERSIST | EV_ET, fd, io_ready, None,
                            loop=loop, ref=False)
        else:
            _event.__init__(self, evtype, fd, io_ready, None, loop=loop)
        self.hub = hub
        self.wakeup = Wakeup(hub)
        self.edge = edge
        self.skippable = skippable
        self.closed = False
        self.fileno = fd
        self.waiting = None

    def _call(self, evtype):
        # Compiled, this replaces gcore.event's call of io_ready (a C method).
        global _drained_fd
        if self.fileno == _drained_fd:
            _drained_fd = -1   # a report: the next recv tries the system call first
        if evtype & EV_CLOSED:
            self.closed = True
        waiting = self.waiting
        if waiting is not None:
            # (switched into after this round's events, right after the
            # greenlet woken before it: ghub.hub's ready queue)
            self.wakeup.wake(waiting, evtype)


# The read that finds nothing, skipped. After a recv on a stream socket that
# returned less than it asked for, the receive queue was empty: what comes
# next makes a new readiness report, so the next recv can wait for that
# report instead of calling recv(2) for its EAGAIN. Not always: data and the
# peer's FIN (or a reset) that came before the loop looked are one report,
# and the end or the error is then never reported again. The FIN shows in
# that report as EV_CLOSED (IOEvent.closed). A reset does not: libevent 2.1
# turns EPOLLERR into plain EV_READ|EV_WRITE. But after a reset the kernel
# refuses every send, so a successful send after the short read proves that
# no reset had come before it, and one that comes after makes a new report.
# Hence the skip is taken only for the descriptor whose recv was short most
# recently, when it sent since and no report came for it since
# (IOEvent._call forgets it). Echo and request-response loops (read a
# message, answer it, read again) are exactly that; any other order, another
# socket's short read in between, or a report just means one more recv(2).
_drained_fd = -1       # the descriptor whose last recv was short (-1: none)
_drained_sent = False  # it sent since


def note_short_read(fd):
    """A recv without flags on ``fd`` returned less than asked (and more than nothing)."""
    global _drained_fd, _drained_sent
    _drained_fd = fd
    _drained_sent = False


def note_sent(fd):
    """A send on ``fd`` succeeded (after a reset it would have failed)."""
    global _drained_sent
    if fd == _drained_fd:
        _drained_sent = True


def note_closed(fd):
    """``fd`` is being closed or detached: forget it."""
    global _drained_fd
    if fd == _drained_fd:
        _drained_fd = -1


def wait_if_drained(sock, fd):
    """Before a recv without flags: wait for ``sock``'s next report if a read would find nothing.

    True when it waited (the recv(2) follows); False when the recv must just
    try the system call (the usual answer, for the cost of one comparison).
    """
    global _drained_fd
    if fd != _drained_fd or not _drained_sent:
        return False
    _drained_fd = -1
    timeout = sock._timeout
    if timeout is not None and not timeout:
        return False   # non-blocking: the call itself says "would block"
    ev = sock._read_event
    if ev is None or not ev.skippable or ev.closed:
        return False
    hub = get_hub()
    if ev.hub is not hub:
        return False
    _wait_on(ev, hub, timeout, sock)
    return True


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
    _wait_on(ev, hub, timeout, sock)


def _wait_on(ev, hub, timeout, sock):
    # wait_io's wait, once it has the socket's event on ``hub``'s loop.
    waiting = ev.waiting
    if waiting is not None:
        what = "read from" if ev.events & EV_READ else "write to"
        raise RuntimeError(
            f"another greenlet ({waiting!r}) is already waiting to {what} {sock!r}")
    current = getcurrent()
    loop = ev.loop
    edge = ev.edge
    timer = None
    if edge:
        ev.add()   # (registered already after the first wait: then a no-op)
        if timeout is not None:
            timer = loop._start_timer(timeout, wake_timed_out, (ev, current))
        loop.ref()   # the registered event does not count: this wait does
    else:
        ev.add(timeout)
    # (Only once armed: an add that failed leaves nobody waiting.)
    ev.waiting = current
    try:
        result = _switch_to_hub(hub)
    finally:
        ev.waiting = None
        ev.wakeup.cancel()
        if edge:
            loop.unref()
            if timer is not None:
                timer.cancel()
        else:
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
        old.wakeup = Wakeup(hub)
        return old
    return IOEvent(sock.fileno(), evtype, hub, sock.type == _SOCK_STREAM)


def wake_timed_out(ev, waiting):
    """Timer of an edge-triggered wait: wake ``waiting`` with EV_TIMEOUT if it still waits.

    Not when the event's report came first in the same round (its wake-up
    is queued): the data that came before the deadline wins.
    """
    if ev.waiting is waiting and not ev.wakeup.queued:
        waiting.switch(EV_TIMEOUT)


def _wake_if_waiting(ev, waiting, value):
    if ev.waiting is waiting:
        waiting.switch(value)


def interrupt(ev, value):
    """Cancel ``ev`` and wake its waiting greenlet (if any) with ``value``, from the hub."""
    if value is CLOSED:
        note_closed(ev.fileno)
    waiting = ev.waiting
    ev.cancel()
    ev.wakeup.cancel()   # (a report queued in this round is not delivered either)
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
