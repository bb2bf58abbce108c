"""gnet's private helpers: waiting on a file descriptor, the per-hub resolver, the hosts file.

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

import os
import socket as _stdsocket
from _thread import _local as _thread_local
from errno import EBADF

from greenlet import getcurrent

import gcore
from gcore import EV_ET, EV_PERSIST, EV_TIMEOUT
from ghub import get_hub

__all__ = [
    "CLOSED", "RETRY", "io_ready", "io_event", "wake_timed_out", "interrupt", "closed_error",
    "wait_fd", "check_timeout",
    "get_resolver", "reset_resolver", "HostsFile", "hosts",
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


def check_timeout(timeout):
    """Validate a timeout in seconds as the stdlib does; return it as a float or None."""
    if timeout is None:
        return None
    if not isinstance(timeout, float):
        try:
            timeout = float(timeout.__index__()) if not isinstance(timeout, int) else float(timeout)
        except AttributeError:
            raise TypeError(
                f"'{type(timeout).__name__}' object cannot be interpreted as an integer") from None
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    if timeout < 0:
        raise ValueError("Timeout value out of range")
    return timeout


def wait_fd(fileno, evtype, timeout=None, timeout_exc=None):
    """Block the current greenlet until ``fileno`` is ready for ``evtype`` (EV_READ/EV_WRITE).

    Raises ``timeout_exc`` (an exception instance or class; by default
    ``socket.timeout("timed out")``) if ``timeout`` seconds pass first.
    """
    hub = get_hub()
    if timeout is not None:
        timeout = check_timeout(timeout)
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


# -- the resolver of the current hub -------------------------------------------

_state = _thread_local()


def get_resolver():
    """The ``gcore.Resolver`` of the current thread's hub (created on first use).

    The main thread's hub runs gcore's default loop and so shares gcore's
    default resolver (the one the 0.13 ``gcore.dns_*`` functions use).
    """
    loop = get_hub().loop
    resolver = getattr(_state, "resolver", None)
    if resolver is None or resolver.closed or resolver.loop is not loop:
        if loop is gcore.get_default_loop():
            resolver = gcore.get_default_resolver()
        else:
            resolver = gcore.Resolver(loop)
        _state.resolver = resolver
    return resolver


def reset_resolver():
    """Shut down the current thread's resolver; the next query makes a new one."""
    resolver = getattr(_state, "resolver", None)
    _state.resolver = None
    if resolver is not None:
        if resolver is gcore.get_default_resolver():
            gcore.dns_shutdown()
        else:
            resolver.shutdown()


# -- the hosts file -----------------------------------------------------------------


class HostsFile:
    """An ``/etc/hosts``-style file, re-read whenever it changes.

    ``lookup(name, family)`` gives the addresses of a name (in file order);
    ``reverse(ip)`` the canonical name and aliases of an address.
    """

    def __init__(self, path="/etc/hosts"):
        self.path = path
        self._stamp = None
        self._names = {}     # lower-case name -> [(family, ip)]
        self._canonical = {}  # lower-case name -> (canonical name, aliases)
        self._addrs = {}     # normalised ip -> (canonical name, aliases)

    def _refresh(self):
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        names, canonical, addrs = {}, {}, {}
        if stamp is not None:
            try:
                with open(self.path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                text = ""
            for line in text.splitlines():
                fields = line.split("#", 1)[0].split()
                if len(fields) < 2:
                    continue
                ip = fields[0]
                family = _numeric_family(ip)
                if family is None:
                    continue
                ip = _normalise(family, ip)
                hostnames = fields[1:]
                for name in hostnames:
                    key = name.lower()
                    entry = (family, ip)
                    known = names.setdefault(key, [])
                    if entry not in known:
                        known.append(entry)
                    canonical.setdefault(key, (hostnames[0], hostnames[1:]))
                addrs.setdefault(ip, (hostnames[0], hostnames[1:]))
        self._names, self._canonical, self._addrs = names, canonical, addrs
        self._stamp = stamp

    def lookup(self, name, family=0):
        """The ``[(family, ip), ...]`` of ``name`` (``family`` 0: any)."""
        self._refresh()
        found = self._names.get(name.rstrip(".").lower(), ())
        if family:
            return [entry for entry in found if entry[0] == family]
        return list(found)

    def canonical(self, name):
        """``(canonical name, aliases)`` of a name listed in the file, or None."""
        self._refresh()
        found = self._canonical.get(name.rstrip(".").lower())
        return (found[0], list(found[1])) if found else None

    def reverse(self, ip):
        """``(canonical name, aliases)`` of a numeric address listed in the file, or None."""
        self._refresh()
        family = _numeric_family(ip)
        if family is None:
            return None
        found = self._addrs.get(_normalise(family, ip))
        return (found[0], list(found[1])) if found else None


def _numeric_family(ip):
    for family in (_stdsocket.AF_INET, _stdsocket.AF_INET6):
        try:
            _stdsocket.inet_pton(family, ip)
            return family
        except (OSError, ValueError):
            pass
    return None


def _normalise(family, ip):
    return _stdsocket.inet_ntop(family, _stdsocket.inet_pton(family, ip))


hosts = HostsFile()
