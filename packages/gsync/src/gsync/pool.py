"""Groups of greenlets: :class:`Group` (alias ``GreenletSet``) and :class:`Pool`, which bounds them.

How it works
------------

A :class:`Group` keeps its greenlets in insertion order and links itself to
each one (``rawlink``): when a greenlet dies, the link, run in the hub,
removes it from the group. An :class:`~gsync.event.Event` is set whenever
the group is empty, which is what ``join()`` waits for; ``join(raise_error=True)``
parks in that event's line with a :class:`ghub.Waiter` that it also
registers, into which the death link throws the first error of a member.

A :class:`Pool` is a Group with a :class:`~gsync.coros.Semaphore` of ``size``
permits: ``add()``/``spawn()`` take a permit first (blocking while the pool is
full; the blocked spawners resume in the order they blocked) and the death
link gives it back.

The ``multiprocessing.pool``-like methods run the function in greenlets of
the group. ``imap``/``imap_unordered`` are lazy: each ``next()`` starts new
greenlets only while fewer than ``maxsize`` results are running or waiting
to be read (by default the pool's size), so an endless input is read no
faster than the results are consumed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from greenlet import getcurrent

from ghub import Greenlet, GreenletExit, Timeout, Waiter, joinall
from ghub.checks import count, function, wait_timeout
from gsync._private import short_name
from gsync.coros import DummySemaphore, Semaphore
from gsync.event import Event
from gsync.queue import Queue

__all__ = ["Group", "GreenletSet", "Pool"]

_MISSING = object()

# How many results imap() of an unbounded group keeps running or unread by default.
IMAP_WINDOW = 1000


class Group:
    """A set of greenlets that can be joined, killed and mapped over together.

    ``Group(greenlets=())``. A greenlet leaves the group when it dies (or by
    ``discard()``). ``len``, ``in`` and iteration (in the order greenlets
    were added) work as on a set.
    """

    greenlet_class = Greenlet

    def __init__(self, *args: Any) -> None:
        if len(args) > 1:
            raise TypeError(f"{type(self).__name__}() takes at most 1 argument ({len(args)} given)")
        self.greenlets = {}  # an insertion-ordered set
        self.dying = set()
        self._empty = Event()
        self._empty.set()
        self._error_waiters = []
        if args:
            for greenlet in args[0]:
                self.add(greenlet)

    def __repr__(self):
        return f"<{short_name(self)} at {id(self):#x} {list(self.greenlets)!r}>"

    def __len__(self) -> int:
        return len(self.greenlets)

    def __contains__(self, item: object) -> bool:
        return item in self.greenlets

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self.greenlets))

    # -- membership ------------------------------------------------------------

    def add(self, greenlet: Greenlet[Any]) -> None:
        """Add ``greenlet`` (a :class:`ghub.Greenlet` or alike); it leaves the group as it dies."""
        if greenlet in self.greenlets:
            return
        rawlink = getattr(greenlet, "rawlink", None)
        if rawlink is None:
            raise TypeError(
                f"a {type(self).__name__} holds Greenlet-like objects (with rawlink), "
                f"not {type(greenlet).__name__}")
        self.greenlets[greenlet] = None
        self._empty.clear()
        rawlink(self._on_death)

    def _discard(self, greenlet):
        """Remove ``greenlet``; return True if it was a member."""
        if self.greenlets.pop(greenlet, _MISSING) is _MISSING:
            return False
        self.dying.discard(greenlet)
        greenlet.unlink(self._on_death)
        if not self.greenlets:
            self._empty.set()
        return True

    def discard(self, greenlet: Greenlet[Any]) -> None:
        """Remove ``greenlet`` from the group, if it is a member (no error otherwise)."""
        self._discard(greenlet)

    def _on_death(self, greenlet):
        # The link of every member: runs in the hub once the member is dead.
        self.discard(greenlet)
        if self._error_waiters and greenlet.exception is not None:
            error = greenlet.exception
            for waiter in list(self._error_waiters):
                waiter.throw(error)

    # -- starting --------------------------------------------------------------

    def start(self, greenlet: Greenlet[Any]) -> None:
        """Add ``greenlet`` and start it."""
        self.add(greenlet)
        greenlet.start()

    def spawn(self, *args: Any, **kwargs: Any) -> Greenlet[Any]:
        """Start a new greenlet running ``function(*args, **kwargs)`` in the group; return it."""
        greenlet = self.greenlet_class(*args, **kwargs)
        self.start(greenlet)
        return greenlet

    def spawn_later(self, seconds: float, *args: Any, **kwargs: Any) -> Greenlet[Any]:
        """Like :meth:`spawn`, but the greenlet starts ``seconds`` later."""
        seconds = wait_timeout(seconds)
        greenlet = self.greenlet_class(*args, **kwargs)
        self.add(greenlet)
        greenlet.start_later(seconds)
        return greenlet

    def spawn_link(self, *args: Any, **kwargs: Any) -> Greenlet[Any]:
        """:meth:`spawn`, then ``link()`` the new greenlet to the current one."""
        greenlet = self.spawn(*args, **kwargs)
        greenlet.link()
        return greenlet

    def spawn_link_value(self, *args: Any, **kwargs: Any) -> Greenlet[Any]:
        """:meth:`spawn`, then ``link_value()`` the new greenlet to the current one."""
        greenlet = self.spawn(*args, **kwargs)
        greenlet.link_value()
        return greenlet

    def spawn_link_exception(self, *args: Any, **kwargs: Any) -> Greenlet[Any]:
        """:meth:`spawn`, then ``link_exception()`` the new greenlet to the current one."""
        greenlet = self.spawn(*args, **kwargs)
        greenlet.link_exception()
        return greenlet

    def full(self) -> bool:
        """True if :meth:`spawn` would block for a slot; a Group never is."""
        return False

    def wait_available(self, timeout: float | None = None) -> Any:
        """Block until :meth:`spawn` would not block; a Group returns at once."""
        return None

    # -- waiting and killing ---------------------------------------------------

    def join(self, timeout: float | None = None, raise_error: bool = False) -> bool:
        """Wait until the group is empty, at most ``timeout`` seconds; return True if it is.

        With ``raise_error=True``, raise the exception of the first member
        that fails while we wait, as soon as it fails. Greenlets added while
        we wait are waited for too.
        """
        timeout = wait_timeout(timeout)
        if not raise_error:
            return self._empty.wait(timeout)
        if not self.greenlets:
            return True
        waiter = Waiter()
        self._error_waiters.append(waiter)
        try:
            return self._empty._park(timeout, waiter) is None
        finally:
            self._error_waiters.remove(waiter)

    def kill(self, exception: type[BaseException] | BaseException = GreenletExit,
             block: bool = True, timeout: float | None = None) -> None:
        """Kill every member with ``exception``; with ``block``, wait at most ``timeout`` for them.

        Greenlets added while it waits are killed too. Never raises for the
        timeout.
        """
        timeout = wait_timeout(timeout)
        with Timeout(timeout if block else None, False):   # silent: returns when it passes
            while self.greenlets:
                killed = []
                for greenlet in list(self.greenlets):
                    if greenlet not in self.dying:
                        self.dying.add(greenlet)
                        greenlet.kill(exception, block=False)
                        killed.append(greenlet)
                if not block:
                    break
                if killed:
                    joinall(killed)
                else:
                    # Only members killed by somebody else are left: wait for them.
                    self._empty.wait()

    killall = kill

    def killone(self, greenlet: Greenlet[Any],
                exception: type[BaseException] | BaseException = GreenletExit,
                block: bool = True, timeout: float | None = None) -> None:
        """Kill one member (nothing if not one); with ``block``, wait at most ``timeout`` for it."""
        if greenlet not in self.greenlets or greenlet in self.dying:
            if block and greenlet in self.greenlets:
                greenlet.join(timeout)
            return
        self.dying.add(greenlet)
        greenlet.kill(exception, block=False)
        if block:
            greenlet.join(timeout)

    # -- multiprocessing.pool-like ---------------------------------------------

    def apply(self, func: Callable[..., Any], args: Iterable[Any] | None = None,
              kwds: dict[str, Any] | None = None) -> Any:
        """Call ``func(*args, **kwds)`` in a greenlet of the group and return its result (blocks).

        Called from a member of the group, it calls ``func`` directly (so a
        full pool cannot deadlock on itself). Raises what ``func`` raises.
        """
        if args is None:
            args = ()
        if kwds is None:
            kwds = {}
        if getcurrent() in self.greenlets:
            return func(*args, **kwds)
        return self.spawn(func, *args, **kwds).get()

    def apply_cb(self, func: Callable[..., Any], args: Iterable[Any] | None = None,
                 kwds: dict[str, Any] | None = None,
                 callback: Callable[[Any], object] | None = None) -> Any:
        """:meth:`apply`, then ``callback(result)`` if given; return the result."""
        result = self.apply(func, args, kwds)
        if callback is not None:
            callback(result)
        return result

    def apply_async(self, func: Callable[..., Any], args: Iterable[Any] | None = None,
                    kwds: dict[str, Any] | None = None,
                    callback: Callable[[Any], object] | None = None) -> Greenlet[Any]:
        """Start ``func(*args, **kwds)`` in the group without blocking; return the greenlet.

        ``callback(result)`` is called (in a new greenlet) if it succeeds.
        When the pool is full, a greenlet outside the pool waits for a slot.
        """
        if args is None:
            args = ()
        if kwds is None:
            kwds = {}
        if self.full():
            return Greenlet.spawn(self.apply_cb, func, args, kwds, callback)
        greenlet = self.spawn(func, *args, **kwds)
        if callback is not None:
            greenlet.link_value(_ValueCallback(callback))
        return greenlet

    def map(self, func: Callable[[Any], Any], iterable: Iterable[Any]) -> list[Any]:
        """``[func(item) for item in iterable]``, each call in a greenlet of the group (blocks).

        Raises the first exception in input order.
        """
        return list(_IMap(self, func, (iterable,), float("inf"), True))

    def map_cb(self, func: Callable[[Any], Any], iterable: Iterable[Any],
               callback: Callable[[Any], object] | None = None) -> list[Any]:
        """:meth:`map`, then ``callback(results)`` if given; return the results (blocks)."""
        result = self.map(func, iterable)
        if callback is not None:
            callback(result)
        return result

    def map_async(self, func: Callable[[Any], Any], iterable: Iterable[Any],
                  callback: Callable[[Any], object] | None = None) -> Greenlet[Any]:
        """Run :meth:`map` in a new greenlet outside the group; return it.

        ``callback(results)`` is called if it succeeds.
        """
        greenlet = Greenlet.spawn(self.map, func, iterable)
        if callback is not None:
            greenlet.link_value(_ValueCallback(callback))
        return greenlet

    def imap(self, func: Callable[..., Any], *iterables: Iterable[Any],
             maxsize: int | None = None) -> Iterator[Any]:
        """An iterator of ``func(*items)`` over the ``iterables``, in order, run in the group.

        Lazy: at most ``maxsize`` calls (default: the pool's size, or
        ``IMAP_WINDOW`` for an unbounded group) are running or finished but
        not yet read; the input is read only as fast as that allows. An
        exception of ``func`` is raised by ``next()`` at its place.
        """
        return _IMap(self, func, iterables, self._imap_window(maxsize), True)

    def imap_unordered(self, func: Callable[..., Any], *iterables: Iterable[Any],
                       maxsize: int | None = None) -> Iterator[Any]:
        """Like :meth:`imap`, but the results come in the order they are ready."""
        return _IMap(self, func, iterables, self._imap_window(maxsize), False)

    def _imap_window(self, maxsize):
        if maxsize is None:
            return IMAP_WINDOW
        maxsize = count(maxsize, "maxsize")
        if maxsize < 1:
            raise ValueError(f"maxsize must be a positive integer, not {maxsize!r}")
        return maxsize


GreenletSet = Group


class _ValueCallback:
    """A ``link_value`` receiver that calls ``callback(source.value)``."""

    __slots__ = ("callback",)

    def __init__(self, callback):
        self.callback = callback

    def __call__(self, source):
        self.callback(source.value)


class _IMap:
    """The lazy iterator of imap/imap_unordered/map (see :meth:`Group.imap`)."""

    def __init__(self, group, func, iterables, window, ordered):
        function(func, "func")
        if not iterables:
            raise TypeError("imap() needs at least one iterable")
        self._group = group
        self._func = func
        if len(iterables) == 1:
            self._items = iter(iterables[0])
            self._star = False
        else:
            self._items = zip(*iterables)
            self._star = True
        self._window = window
        self._ordered = ordered
        self._exhausted = False
        self._outstanding = 0       # started and not yet returned by next()
        self._running = deque()     # ordered: the greenlets, in input order
        self._done = None if ordered else Queue()  # unordered: finished greenlets

    def __iter__(self):
        return self

    def _fill(self):
        group = self._group
        func = self._func
        while not self._exhausted and self._outstanding < self._window:
            try:
                item = next(self._items)
            except StopIteration:
                self._exhausted = True
                break
            if self._star:
                greenlet = group.spawn(func, *item)
            else:
                greenlet = group.spawn(func, item)
            self._outstanding += 1
            if self._ordered:
                self._running.append(greenlet)
            else:
                greenlet.rawlink(self._done.put_nowait)

    def __next__(self):
        self._fill()
        if not self._outstanding:
            raise StopIteration
        if self._ordered:
            greenlet = self._running.popleft()
        else:
            greenlet = self._done.get()
        self._outstanding -= 1
        return greenlet.get()


class Pool(Group):
    """A :class:`Group` of at most ``size`` running greenlets; ``Pool(size=None)`` is unbounded.

    ``spawn()`` (and ``add()``, ``start()``) block while the pool is full and
    resume, in the order they blocked, as members die. ``ValueError`` for a
    size below 1.
    """

    def __init__(self, size: int | None = None,
                 greenlet_class: type[Greenlet[Any]] | None = None) -> None:
        if size is not None:
            size = count(size, "pool size")
            if size < 1:
                raise ValueError(
                    f"Invalid size for pool (positive integer or None required): {size!r}")
        Group.__init__(self)
        self.size = size
        if greenlet_class is not None:
            self.greenlet_class = greenlet_class
        self._semaphore = DummySemaphore() if size is None else Semaphore(size)

    def __repr__(self):
        return f"<{short_name(self)} at {id(self):#x} size={self.size} {list(self.greenlets)!r}>"

    def free_count(self) -> int:
        """How many greenlets could be spawned now without blocking (1 for an unbounded pool)."""
        if self.size is None:
            return 1
        semaphore = self._semaphore
        return max(0, semaphore.counter - semaphore._nwaiters)

    def full(self) -> bool:
        """True if :meth:`spawn` would block for a slot."""
        return self._semaphore.locked()

    def wait_available(self, timeout: float | None = None) -> Any:
        """Block until a slot is free (at most ``timeout`` seconds), without taking it."""
        return self._semaphore.wait(timeout)

    def add(self, greenlet: Greenlet[Any]) -> None:
        """Take a slot (blocking while the pool is full), then add ``greenlet``."""
        if greenlet in self.greenlets:
            return
        self._semaphore.acquire()
        try:
            Group.add(self, greenlet)
        except BaseException:
            self._semaphore.release()
            raise

    def discard(self, greenlet: Greenlet[Any]) -> None:
        """Remove ``greenlet`` and free its slot (nothing if it is not a member)."""
        if self._discard(greenlet):
            self._semaphore.release()

    def _imap_window(self, maxsize):
        if maxsize is None and self.size is not None:
            return self.size
        return Group._imap_window(self, maxsize)

