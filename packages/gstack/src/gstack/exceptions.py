"""gevent's ``gevent.exceptions`` module: the errors gevent-based code catches.

``LoopExit`` and ``BlockingSwitchOutError`` are ghub's (the hub raises them).
``InvalidSwitchError`` (an ``AssertionError``, raised by gevent when a waiter
is switched to wrongly) and ``ConcurrentObjectUseError`` (raised by gevent
when two greenlets use one socket at once) are defined here so that code
catching them imports; gstack raises neither today: a wrong switch is a
``BlockingSwitchOutError`` or ``RuntimeError``, and two greenlets may wait on
one socket (both are woken by its close).
"""

from ghub.hub import BlockingSwitchOutError, LoopExit

__all__ = ["LoopExit", "BlockingSwitchOutError", "InvalidSwitchError",
           "ConcurrentObjectUseError"]


class InvalidSwitchError(AssertionError):
    """A greenlet was switched to when it did not expect it (gevent's name)."""


class ConcurrentObjectUseError(AssertionError):
    """An object that allows one user at a time got two (gevent's name)."""
