"""The resolver of the current thread's hub (gnet.dns's queries go through it).

Each hub's loop needs a ``gcore.Resolver`` of its own; this module keeps one
per thread and makes a new one when the thread's hub (and so its loop)
changed, or after :func:`reset_resolver`. The main thread's hub runs gcore's
default loop and so shares gcore's default resolver (the one the 0.13
``gcore.dns_*`` functions use).
"""

from __future__ import annotations

from _thread import _local as _thread_local

import gcore
from ghub import get_hub

__all__ = ["get_resolver", "reset_resolver"]

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
            gcore.dns_shutdown(fail_requests=True)
        else:
            resolver.shutdown()
