"""Waiting for a file descriptor, the way every blocking call in gstack waits.

:func:`wait_fd` arms a one-shot ``gcore`` I/O event whose callback switches
back to the calling greenlet, switches to the hub, and cancels the event in
a ``finally`` (the greenlet may be killed or time out while it waits). It is
what the cooperative pipes of ``patch_subprocess`` and the ``pidfd`` wait of
``patch_os`` use; gmonkey keeps it here rather than depend on a socket layer
for plain file descriptors.
"""

from __future__ import annotations

from greenlet import getcurrent

import gcore
from ghub import get_hub

__all__ = ["wait_fd", "wait_readable", "wait_writable"]

_READ = gcore.EV_READ
_WRITE = gcore.EV_WRITE


def _wake(event, evtype):
    event.arg.switch(evtype)


def wait_fd(fd, evtype, timeout=None):
    """Block the calling greenlet until ``fd`` is ready for ``evtype``.

    Returns the libevent mask of what happened (``EV_TIMEOUT`` if ``timeout``
    seconds passed first). Must not be called from the hub.
    """
    hub = get_hub()
    event = gcore.event(evtype, fd, _wake, getcurrent(), loop=hub.loop)
    event.add(timeout)
    try:
        return hub.switch()
    finally:
        event.cancel()


def wait_readable(fd, timeout=None):
    """Block until ``fd`` is readable (or ``timeout`` passes)."""
    return wait_fd(fd, _READ, timeout)


def wait_writable(fd, timeout=None):
    """Block until ``fd`` is writable (or ``timeout`` passes)."""
    return wait_fd(fd, _WRITE, timeout)
