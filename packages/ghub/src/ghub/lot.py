"""The line of waiters under every gstack primitive: :class:`Lot` (a parking lot).

How it works
------------

A :class:`Lot` is a first-in-first-out line of *links*: callables that are
called once, in the hub, with one argument. A link is either a callback
(``rawlink()`` of a Greenlet, an Event, a Semaphore...) or a parked greenlet,
which stands in the line as the ``switch`` of a :class:`ghub.Waiter`.

:meth:`Lot.park` is the one way a greenlet waits in gstack's primitives: it
puts the current greenlet at the end of the line and switches to the hub
until a link call wakes it, or until its ``timeout`` passes. A parked
greenlet that times out, or is killed (any exception), leaves the line
before the exception goes on, so it is never woken afterwards.

:meth:`Lot.unpark` takes the first link out of the line and calls it. It is
called in the hub (from the owner's notifier, a loop callback), and calling
a parked greenlet's link switches straight into it: the woken greenlet runs
at once, before ``unpark`` returns and before anything else can change the
owner's state. That is what makes a hand-off safe without handing anything
over: the owner unparks only while what the waiters want is there (an item,
a permit, a set flag), and the woken greenlet takes it itself. A greenlet
that was killed or timed out was already out of the line, and nothing was
taken on its behalf, so nothing is ever lost or taken twice.

The owner decides when to unpark and how many (one, while something is
there; all, when an event is set). For ``set(); clear()`` on an event, the
links waiting at ``set()`` are *owed* a call even though the event is no
longer set when the notifier runs: :meth:`Lot.owe_all` marks every link in
the line as owed, :meth:`Lot.owed` counts those left, and :meth:`Lot.remove`
keeps that count right when an owed link leaves.

Compiled builds: Cython compiles this file, with ``lot.pxd`` beside it
declaring its C types (the layers above ``cimport`` it); the pure-Python
build runs it as it is, with the same behaviour.
"""

from __future__ import annotations

import sys
from collections import deque

from ghub.hub import Waiter, get_hub
from ghub.timeout import Timeout

__all__ = ["Lot", "call_link"]


class Lot:
    """Lot()
--

    A first-in-first-out line of links (callbacks and parked greenlets), each called once."""

    __slots__ = ("_links", "_owed")

    def __init__(self):
        self._links = deque()
        self._owed = 0

    def __len__(self):
        return len(self._links)

    def __iter__(self):
        return iter(list(self._links))

    def __repr__(self):
        return f"<Lot at {id(self):#x} links={len(self._links)} owed={self._owed}>"

    # -- the line ------------------------------------------------------------

    def add(self, link):
        """Put ``link`` (a callable taking one argument) at the end of the line."""
        self._links.append(link)

    def remove(self, link):
        """Take the first link equal to ``link`` out of the line; return True if there was one."""
        links = self._links
        try:
            index = links.index(link)
        except ValueError:
            return False
        del links[index]
        if index < self._owed:
            self._owed -= 1
        return True

    def popleft(self):
        """Take the first link out of the line and return it, not called (``IndexError``: empty)."""
        link = self._links.popleft()
        if self._owed > 0:
            self._owed -= 1
        return link

    def clear(self):
        """Empty the line (in a child after ``fork()``: nobody waits any more)."""
        self._links.clear()
        self._owed = 0

    def owe_all(self):
        """Mark every link now in the line as owed a call (see the module doc)."""
        self._owed = len(self._links)

    def owed(self):
        """How many of the first links are still owed a call."""
        return self._owed

    # -- waking --------------------------------------------------------------

    def unpark(self, arg):
        """Take the first link out of the line and call ``link(arg)``; call it from the hub.

        A parked greenlet's link switches into it and returns when it blocks
        again. An error raised by a callback goes to the hub's
        ``handle_error`` (``link <link> of <arg>``). Returns the link.
        """
        link = self.popleft()
        call_link(link, arg)
        return link

    def first(self):
        """The first link of the line, left in it (``IndexError``: empty)."""
        return self._links[0]

    # -- waiting -------------------------------------------------------------

    def park(self, timeout=None, waiter=None, link=None):
        """Wait at the end of the line until a link call wakes the current greenlet.

        Blocking. Returns None when woken, or the expired :class:`Timeout`
        when ``timeout`` passed first. ``timeout`` is None (no limit), a
        number of seconds (checked by the caller), or a started Timeout that
        the caller owns and cancels (so that several waits share one
        deadline). An exception raised in the greenlet meanwhile (a kill,
        another timeout) takes it out of the line and goes on.

        ``waiter`` (default: a new :class:`Waiter`) is what the greenlet
        blocks in; ``link`` (default: ``waiter.switch``) is what stands in
        the line, and must switch ``waiter`` when called.
        """
        if waiter is None:
            waiter = Waiter()
        if link is None:
            link = waiter.switch
        self._links.append(link)
        if timeout is None:
            try:
                waiter.get()
            except BaseException:
                self.remove(link)
                raise
            return None
        return self._park_timed(timeout, waiter, link)

    def _park_timed(self, timeout, waiter, link):
        # park() with a timeout (apart, so that greenlets parked without one
        # keep a smaller C stack when compiled).
        if isinstance(timeout, Timeout):
            t = timeout
            own = False
        else:
            t = Timeout.start_new(timeout)
            own = True
        try:
            waiter.get()
        except Timeout as exc:
            self.remove(link)
            if exc is not t:
                raise
            return t
        except BaseException:
            self.remove(link)
            raise
        finally:
            if own:
                t.cancel()
        return None


def call_link(link, arg):
    """Call ``link(arg)`` in the hub; an error goes to ``handle_error`` as ``link <link> of <arg>``.

    What :meth:`Lot.unpark` does with the link it takes out; also for the
    links that stay registered (``gsync.Event.rawlink``).
    """
    try:
        link(arg)
    except BaseException:
        get_hub().handle_error(_LinkContext(link, arg), *sys.exc_info())


class _LinkContext:
    """Names a failing link in the hub's error report: ``link <link> of <source>``."""

    __slots__ = ("link", "source")

    def __init__(self, link, source):
        self.link = link
        self.source = source

    def __str__(self):
        return f"link {self.link!r} of {self.source!r}"
