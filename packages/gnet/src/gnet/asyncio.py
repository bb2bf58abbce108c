"""asyncio on the hub: an event loop whose I/O waits and timers run on the hub's libevent loop.

How it works
------------

:class:`EventLoop` is the stdlib's ``SelectorEventLoop`` (its transports,
streams, servers, sockets, signals, subprocesses, executors: all the
stdlib's code) on one different selector, :class:`HubSelector`. The selector
does not poll: ``register`` arms a persistent, level-triggered ``gcore``
event per file descriptor and direction on the hub's loop, whose callback
records the readiness and, once per loop iteration, queues a wake-up of the
greenlet waiting in ``select()``. ``select(timeout)`` hands out what was
recorded, or parks the calling greenlet: it switches to the hub (with a
timer for the timeout), and the hub runs every other greenlet meanwhile.
With ``timeout == 0`` (asyncio has callbacks ready) it still lets the hub
poll once, so that neither the greenlets nor the I/O starve behind a busy
loop. A wait therefore costs no system call of its own: the descriptors stay
registered with the hub's ``epoll`` from ``add_reader`` to ``remove_reader``.

So an asyncio loop runs in one greenlet, blocking only that greenlet, and
greenlets and coroutines of the same thread wait on each other:

- :func:`run` is ``asyncio.run`` on an :class:`EventLoop`: it blocks the
  calling greenlet only. Several greenlets may each run a loop at once (a
  parked loop is not the "running loop" of the other greenlets).
- :func:`wait` blocks a greenlet until an awaitable (coroutine, task,
  future) completes on the thread's running :class:`EventLoop` (or on a loop
  it runs for it when none runs), returning its result or raising its
  exception.
- ``await`` :func:`to_greenlet` runs a function in a new greenlet (as
  ``asyncio.to_thread`` runs one in a thread) and resumes the coroutine with
  its result, so that a coroutine can wait for any gstack blocking call
  without blocking its loop.

The loop wakes up without a system call when a greenlet of its thread
touches it (``call_soon``, ``call_soon_threadsafe``, a future's result set
by a greenlet); other threads wake it through asyncio's self-pipe as usual.

Limits
------

- A coroutine that calls a gstack blocking function directly (not through
  :func:`to_greenlet`) blocks its loop until that call returns (the other
  greenlets still run); meanwhile that loop counts as the running loop for
  every greenlet of the thread.
- A loop runs in the thread whose hub made it. ``add_signal_handler`` works
  in the main thread, as in the stdlib; gstack's own signal wake-up is put
  back when the last handler is removed.
- A parked loop keeps the hub alive (it may be waiting for another thread):
  it never ends in ``LoopExit``, just as asyncio's ``run_forever`` never
  returns by itself.
- ``getaddrinfo`` is the stdlib's (the default executor's threads).
"""

from __future__ import annotations

import asyncio
import selectors
import signal as _signal
import sys
from _thread import _local as _thread_local
from _thread import get_ident
from asyncio import events, futures
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import Context, ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from greenlet import GreenletExit, getcurrent

import gcore
from gcore import EV_PERSIST, EV_READ, EV_WRITE
from ghub import Greenlet, Timeout, get_hub
from ghub.hub import BlockingSwitchOutError, Waiter

__all__ = [
    "HubSelector", "EventLoop", "EventLoopPolicy", "new_event_loop", "run", "wait",
    "to_greenlet",
]

EVENT_READ = selectors.EVENT_READ
EVENT_WRITE = selectors.EVENT_WRITE
_BOTH = EVENT_READ | EVENT_WRITE
_set_running_loop = events._set_running_loop
_get_running_loop = events._get_running_loop
_get_asyncgen_hooks = sys.get_asyncgen_hooks
_set_asyncgen_hooks = sys.set_asyncgen_hooks
_T = TypeVar("_T")
if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike


class _Readiness:
    """What a :class:`HubSelector`'s events recorded, and the greenlet parked in its select().

    The hot path of the selector, kept apart so that the compiled build makes
    it a C type (``asyncio.pxd``): ``ready`` maps a descriptor to the
    ``EVENT_*`` bits recorded since the last ``take``; ``waiting`` is the
    greenlet parked in ``select()``; ``request_wake`` queues one wake-up of it
    in the hub, after the other events of the loop iteration.
    """

    def __init__(self, loop):
        self.loop = loop
        self.ready = {}
        self.paused = []      # events stopped until their readiness is handed out
        self.waiting = None
        self.wake_queued = False

    def wake(self):
        self.wake_queued = False
        waiting = self.waiting
        if waiting is not None:
            waiting.switch()

    def request_wake(self):
        if self.waiting is not None and not self.wake_queued:
            self.wake_queued = True
            self.loop._run_callback(self.wake, ())

    def take(self, fd_to_key):
        """The ``(key, events)`` recorded for the registered descriptors; forget them."""
        ready = self.ready
        self.ready = {}
        result = []
        for fd, mask in ready.items():
            key = fd_to_key.get(fd)
            if key is not None:
                mask &= key[2]   # (SelectorKey.events)
                if mask:
                    result.append((key, mask))
        return result


class _Watch:
    """The callbacks of one descriptor's events: record readiness in ``owner``.

    ``on_read`` and ``on_write`` are one function each, not a shared helper:
    they run once per ready descriptor and direction, the selector's hot path.
    A descriptor that fires again before select() handed out its readiness
    (level-triggered, while the loop's greenlet is busy elsewhere) has its
    event stopped until then, so that the hub does not spin meanwhile.
    """

    def __init__(self, owner, fd):
        self.owner = owner
        self.fd = fd

    def on_read(self, event, evtype):
        owner = self.owner
        ready = owner.ready
        fd = self.fd
        mask = ready.get(fd, 0)
        if mask & EVENT_READ:
            event.cancel()
            owner.paused.append(event)
            return
        ready[fd] = mask | EVENT_READ
        if owner.waiting is not None and not owner.wake_queued:
            owner.request_wake()

    def on_write(self, event, evtype):
        owner = self.owner
        ready = owner.ready
        fd = self.fd
        mask = ready.get(fd, 0)
        if mask & EVENT_WRITE:
            event.cancel()
            owner.paused.append(event)
            return
        ready[fd] = mask | EVENT_WRITE
        if owner.waiting is not None and not owner.wake_queued:
            owner.request_wake()


class HubSelector(selectors._BaseSelectorImpl):
    """A selector that waits through the hub: ``select()`` blocks the calling greenlet only.

    Each registered descriptor gets one persistent, level-triggered
    ``gcore.event`` per direction on the hub's loop (not counting as keeping
    the loop alive), armed from ``register`` to ``unregister``; their
    callbacks record readiness. ``select(timeout)`` returns what was
    recorded since the last call, or parks the calling greenlet until
    something is (or ``timeout`` passes; ``timeout <= 0`` waits for one poll
    of the hub's loop). Must be used in the thread that made it, and not from
    the hub itself (``BlockingSwitchOutError``).
    """

    def __init__(self) -> None:
        super().__init__()
        hub = get_hub()
        self._hub = hub
        self._loop = hub.loop
        self._watchers = {}      # fd -> [read event or None, write event or None, _Watch]
        self._readiness = _Readiness(hub.loop)

    # -- registration -------------------------------------------------------------

    def register(self, fileobj: FileDescriptorLike, events: int,
                 data: Any = None) -> selectors.SelectorKey:
        key = super().register(fileobj, events, data)
        try:
            self._arm(key.fd, events)
        except BaseException:
            super().unregister(fileobj)
            self._disarm(key.fd)
            raise
        return key

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        key = super().unregister(fileobj)
        self._disarm(key.fd)
        return key

    def modify(self, fileobj: FileDescriptorLike, events: int,
               data: Any = None) -> selectors.SelectorKey:
        try:
            key = self._fd_to_key[self._fileobj_lookup(fileobj)]
        except KeyError:
            raise KeyError(f"{fileobj!r} is not registered") from None
        if events != key.events:
            if not events or events & ~_BOTH:
                raise ValueError(f"Invalid events: {events!r}")
            self._arm(key.fd, events)
            key = key._replace(events=events, data=data)
            self._fd_to_key[key.fd] = key
        elif data != key.data:
            key = key._replace(data=data)
            self._fd_to_key[key.fd] = key
        return key

    def _arm(self, fd, events):
        watchers = self._watchers.get(fd)
        if watchers is None:
            watchers = self._watchers[fd] = [None, None, _Watch(self._readiness, fd)]
        watch = watchers[2]
        for i, (wanted, evtype, callback) in enumerate((
                (events & EVENT_READ, EV_READ, watch.on_read),
                (events & EVENT_WRITE, EV_WRITE, watch.on_write))):
            event = watchers[i]
            if wanted:
                if event is None:
                    event = watchers[i] = gcore.event(evtype | EV_PERSIST, fd, callback, None,
                                                      loop=self._loop, ref=False)
                if not event.pending:
                    event.add()
            elif event is not None and event.pending:
                event.cancel()

    def _disarm(self, fd):
        watchers = self._watchers.pop(fd, None)
        if watchers is not None:
            for event in watchers[:2]:
                if event is not None:
                    event.cancel()
        self._readiness.ready.pop(fd, None)

    def close(self) -> None:
        for watchers in self._watchers.values():
            for event in watchers[:2]:
                if event is not None:
                    event.cancel()
        self._watchers.clear()
        self._readiness.ready.clear()
        self._readiness.paused.clear()
        super().close()

    def wakeup(self) -> None:
        """Make a ``select()`` parked now return (soon, from the hub); nothing if none is."""
        self._readiness.request_wake()

    # -- waiting ----------------------------------------------------------------------

    def select(self, timeout: float | None = None
               ) -> list[tuple[selectors.SelectorKey, int]]:
        readiness = self._readiness
        if not readiness.ready:
            self._park(timeout)
            if not readiness.ready:
                return []
        result = readiness.take(self._fd_to_key)
        if readiness.paused:
            self._resume_paused()
        return result

    def _park(self, timeout):
        if self._map is None:
            raise RuntimeError("the selector is closed")
        hub = self._hub
        loop = self._loop
        readiness = self._readiness
        current = getcurrent()
        if current is hub:
            raise BlockingSwitchOutError(
                "cannot wait for an asyncio loop in the hub (a loop callback): run the loop "
                "in a greenlet")
        if timeout is None:
            timer = None
        else:
            timer = loop._start_timer(timeout if timeout > 0 else 0, current.switch, ())
        # While parked, this loop is not the running loop of the other greenlets.
        running = _get_running_loop()
        if running is not None:
            _set_running_loop(None)
            hooks = _get_asyncgen_hooks()
        readiness.waiting = current
        loop.ref()
        try:
            hub.switch()
        finally:
            loop.unref()
            readiness.waiting = None
            if timer is not None:
                timer.cancel()
            if running is not None:
                _set_running_loop(running)
                if _get_asyncgen_hooks() != hooks:   # another loop ran meanwhile
                    _set_asyncgen_hooks(*hooks)

    def _resume_paused(self):
        readiness = self._readiness
        paused, readiness.paused = readiness.paused, []
        for event in paused:
            fd = event.fd
            watchers = self._watchers.get(fd)
            key = self._fd_to_key.get(fd)
            if watchers is None or key is None or event.pending:
                continue
            if (event is watchers[0] and key.events & EVENT_READ) or (
                    event is watchers[1] and key.events & EVENT_WRITE):
                event.add()


# -- the loop -------------------------------------------------------------------------


class _ThreadLoops(_thread_local):
    def __init__(self):
        self.running = []   # this thread's EventLoops running now, oldest first


_loops = _ThreadLoops()

# The loop of the coroutine that started this greenlet with to_greenlet().
_spawned_by = ContextVar("gnet.asyncio loop", default=None)


class EventLoop(asyncio.SelectorEventLoop):
    """The stdlib's ``SelectorEventLoop`` on a :class:`HubSelector`: asyncio on the hub's loop.

    ``run_forever``/``run_until_complete`` block the calling greenlet only.
    Made and run in one thread (the thread whose hub it uses).
    """

    def __init__(self, selector: HubSelector | None = None) -> None:
        if selector is None:
            selector = HubSelector()
        elif not isinstance(selector, HubSelector):
            raise TypeError(f"EventLoop needs a HubSelector, not {type(selector).__name__}")
        self._greenlet = None
        self._wakeup_before = None
        super().__init__(selector)

    def run_forever(self) -> None:
        if self.is_running() or self.is_closed():
            return super().run_forever()   # (raises the stdlib's error)
        if get_ident() != self._selector._hub.thread_ident:
            raise RuntimeError("an EventLoop runs in the thread that made it")
        self._greenlet = getcurrent()
        running = _loops.running
        running.append(self)
        try:
            super().run_forever()
        finally:
            self._greenlet = None
            running.remove(self)

    # A greenlet of this thread that schedules something while the loop is parked
    # in select() wakes it from the hub: no self-pipe write.

    def call_soon(self, callback: Callable[..., object], *args: Any,
                  context: Context | None = None) -> asyncio.Handle:
        handle = super().call_soon(callback, *args, context=context)
        readiness = self._selector._readiness
        if readiness.waiting is not None:
            readiness.request_wake()
        if self._debug:
            _drop_own_frame(handle)
        return handle

    def call_at(self, when: float, callback: Callable[..., object], *args: Any,
                context: Context | None = None) -> asyncio.TimerHandle:
        handle = super().call_at(when, callback, *args, context=context)
        readiness = self._selector._readiness
        if readiness.waiting is not None:
            readiness.request_wake()
        if self._debug:
            _drop_own_frame(handle)
        return handle

    def _write_to_self(self):
        selector = self._selector
        if selector is not None and get_ident() == selector._hub.thread_ident:
            selector.wakeup()
        else:
            super()._write_to_self()

    # asyncio takes the signal wake-up fd for its signal handlers; gstack's own
    # (which lets Ctrl-C interrupt the hub's wait) comes back with the last one.

    def add_signal_handler(self, sig: int, callback: Callable[..., object],
                           *args: Any) -> None:
        first = not self._signal_handlers
        previous = _wakeup_fd() if first else None
        try:
            super().add_signal_handler(sig, callback, *args)
        finally:
            if first:
                if self._signal_handlers:
                    self._wakeup_before = previous
                elif previous is not None and previous != -1:
                    _restore_wakeup_fd(previous)

    def remove_signal_handler(self, sig: int) -> bool:
        removed = super().remove_signal_handler(sig)
        if not self._signal_handlers and self._wakeup_before is not None:
            previous, self._wakeup_before = self._wakeup_before, None
            if previous != -1:
                _restore_wakeup_fd(previous)
        return removed


def _drop_own_frame(handle):
    # In debug mode a handle records where it was made; the caller's line must
    # come last, not this module's call_soon/call_at (a frame only when this
    # module runs interpreted, not compiled).
    tb = handle._source_traceback
    if tb and tb[-1][0] == __file__:
        del tb[-1]


def _wakeup_fd():
    """The signal wake-up fd in place now, or None outside the main thread."""
    try:
        fd = _signal.set_wakeup_fd(-1)
    except ValueError:
        return None
    if fd != -1:
        _signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
    return fd


def _restore_wakeup_fd(fd):
    try:
        _signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
    except (ValueError, OSError):
        pass


class EventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """The stdlib's default policy, making :class:`EventLoop` loops.

    ``asyncio.set_event_loop_policy(gnet.asyncio.EventLoopPolicy())`` makes
    ``asyncio.run`` and ``asyncio.new_event_loop`` use the hub.
    """

    _loop_factory = EventLoop


def new_event_loop() -> EventLoop:
    """A new :class:`EventLoop` on the calling thread's hub."""
    return EventLoop()


def run(main: Coroutine[Any, Any, _T], *, debug: bool | None = None) -> _T:
    """``asyncio.run(main)`` on a new :class:`EventLoop`; blocks the calling greenlet only.

    Returns ``main``'s result or raises its exception; the other greenlets
    run meanwhile. Like ``asyncio.run`` it cancels the tasks left, finishes
    the async generators and the default executor, and closes the loop.
    ``RuntimeError`` when called from a coroutine (a running loop), ``ValueError``
    when ``main`` is not a coroutine.
    """
    if _get_running_loop() is not None:
        raise RuntimeError("gnet.asyncio.run() cannot be called from a running event loop")
    if sys.version_info >= (3, 11):
        with asyncio.Runner(debug=debug, loop_factory=EventLoop) as runner:
            return runner.run(main)
    from asyncio import coroutines, runners

    if not coroutines.iscoroutine(main):
        raise ValueError(f"a coroutine was expected, got {main!r}")
    loop = EventLoop()
    try:
        if debug is not None:
            loop.set_debug(debug)
        return loop.run_until_complete(main)
    finally:
        try:
            runners._cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


# -- greenlet -> coroutine ----------------------------------------------------------------


def _usable(loop):
    return (isinstance(loop, EventLoop) and loop.is_running() and not loop.is_closed()
            and loop._selector._hub.thread_ident == get_ident())


def _loop_for(awaitable):
    """The running EventLoop to run ``awaitable`` on, or None if none fits."""
    if futures.isfuture(awaitable):
        loop = awaitable.get_loop()
        if _usable(loop):
            return loop
        if loop.is_running():
            raise RuntimeError(f"{awaitable!r} belongs to a loop that gnet.asyncio.wait() cannot "
                               f"wait on: {loop!r}")
        return None
    loop = _spawned_by.get()
    if loop is not None and _usable(loop):
        return loop
    for loop in _loops.running:
        if _usable(loop):
            return loop
    return None


_TIMED_OUT = object()


async def _bounded(awaitable, timeout):
    """Await ``awaitable``; ``_TIMED_OUT`` (and it cancelled) after ``timeout`` seconds."""
    if timeout is None:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    expired = []

    def expire():
        expired.append(True)
        task.cancel()

    handle = events.get_running_loop().call_later(timeout, expire)
    try:
        return await task
    except asyncio.CancelledError:
        if expired:
            return _TIMED_OUT
        raise
    finally:
        handle.cancel()


def _check_timeout(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number or None, not {type(timeout).__name__}")
    if timeout != timeout or timeout < 0:
        raise ValueError(f"timeout must be a non-negative number, not {timeout!r}")
    return timeout


def wait(awaitable: Awaitable[_T], timeout: float | None = None) -> _T:
    """Block the current greenlet until ``awaitable`` completes; return its result.

    ``awaitable`` is a coroutine (or any awaitable), a task or a future. It
    runs on the running :class:`EventLoop` of this thread (the loop whose
    coroutine started this greenlet with :func:`to_greenlet`, else the one
    that started running first); when none runs, on a new loop in the calling
    greenlet, as :func:`run` does. Only the calling greenlet blocks.

    Raises what the awaitable raised (``asyncio.CancelledError`` if it was
    cancelled), and :class:`ghub.Timeout` if ``timeout`` seconds pass first
    (the awaitable is then cancelled). ``RuntimeError`` when called from a
    coroutine or callback of the loop it would wait on (that would block the
    loop forever: ``await`` instead), ``BlockingSwitchOutError`` from the hub;
    a coroutine refused so is closed.
    """
    hub = get_hub()
    current = getcurrent()
    try:
        timeout = _check_timeout(timeout)
        if current is hub:
            raise BlockingSwitchOutError(
                "cannot wait for an awaitable in the hub (a loop callback)")
        loop = _loop_for(awaitable)
    except BaseException:
        _close_unawaited(awaitable)
        raise
    if loop is None:
        return _wait_here(awaitable, timeout)
    if loop._greenlet is current:
        _close_unawaited(awaitable)
        raise RuntimeError("gnet.asyncio.wait() called from the loop it waits on would block "
                           "that loop forever: await it instead")
    future = asyncio.ensure_future(awaitable, loop=loop)
    waiter = Waiter(hub)

    def done(_):
        hub.loop._run_callback(waiter.switch, (None,))

    future.add_done_callback(done)
    try:
        if timeout is None:
            waiter.get()
        else:
            with Timeout(timeout):
                waiter.get()
    except BaseException:
        future.remove_done_callback(done)
        future.cancel()
        raise
    return future.result()


def _close_unawaited(awaitable):
    close = getattr(awaitable, "close", None)
    if close is not None and asyncio.iscoroutine(awaitable):
        close()   # (no "never awaited" warning for the coroutine we refuse)


def _wait_here(awaitable, timeout):
    if futures.isfuture(awaitable):
        loop = awaitable.get_loop()
        if loop.is_closed():
            raise RuntimeError(f"the loop of {awaitable!r} is closed")
        result = loop.run_until_complete(_bounded(awaitable, timeout))
    else:
        result = run(_bounded(awaitable, timeout))
    if result is _TIMED_OUT:
        raise Timeout(timeout)
    return result


# -- coroutine -> greenlet ----------------------------------------------------------------


def _settle(loop, future, func, args, kwargs):
    _spawned_by.set(loop)   # (this greenlet's own copy of the context)
    try:
        result = func(*args, **kwargs)
    except GreenletExit:
        if not future.done():
            future.cancel()
        return
    except BaseException as exc:
        if not future.done():
            if isinstance(exc, StopIteration):   # (a future refuses it)
                error = RuntimeError(f"{func!r} raised StopIteration")
                error.__cause__ = exc
                exc = error
            future.set_exception(exc)
        return
    if not future.done():
        future.set_result(result)


async def to_greenlet(func: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Run ``func(*args, **kwargs)`` in a new greenlet; return its result (a coroutine).

    The coroutine's loop keeps running while the greenlet blocks on anything
    gstack offers (sockets, DNS, queues, ``ghub.sleep``...). The greenlet runs
    in a copy of the coroutine's ``contextvars`` context, and
    :func:`wait` called in it goes back to the same loop. Raises what
    ``func`` raised. Cancelling the coroutine kills the greenlet
    (``GreenletExit``, without waiting); a greenlet killed from elsewhere
    cancels the coroutine.
    """
    loop = events.get_running_loop()
    future = loop.create_future()
    g = Greenlet(_settle, loop, future, func, args, kwargs)
    g.rawlink(lambda _: future.done() or future.cancel())   # (killed before it started)
    g.start()
    try:
        return await future
    except asyncio.CancelledError:
        if not g.dead:
            g.kill(block=False)
        raise
