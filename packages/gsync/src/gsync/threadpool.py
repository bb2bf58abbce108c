"""Blocking work in OS threads, results back in the hub: :class:`ThreadPool`.

How it works
------------

A :class:`ThreadPool` belongs to one hub (the calling thread's, or the one
given). ``spawn(func, *args)`` takes one of the pool's ``maxsize`` permits (a
:class:`~gsync.coros.Semaphore`: a full pool makes the spawning greenlet
wait), starts a worker thread if every thread is busy, and puts the task on
a ``queue.SimpleQueue`` that the idle workers block on (without the GIL). It
returns an :class:`~gsync.event.AsyncResult` at once.

A worker runs ``func(*args)`` outside the hub's thread, then hands the
outcome back with ``loop.run_callback_threadsafe``: the hub's loop wakes up
through its wake-up descriptor (no polling) and, in the hub, stores the
value or the exception in the result, which wakes whoever waits for it, and
gives the permit back. While a task is out, the pool holds a ``loop.ref()``,
so that a greenlet waiting for its result is not told ``LoopExit``.

Workers are daemon threads. Once started they wait for more tasks until
:meth:`ThreadPool.kill`; a task that is running cannot be interrupted (it is
someone else's C code or blocking call), so ``kill()`` lets running tasks
finish, delivers their results, and fails the tasks not started yet with
``GreenletExit``.

``get_hub().threadpool`` is the hub's own pool (``Hub.threadpool_size``
threads at most); this module plugs this class into ``ghub.Hub`` for that.
"""

from __future__ import annotations

import threading
from queue import Empty, SimpleQueue

from ghub import GreenletExit, get_hub, spawn
from ghub.hub import Hub
from gsync.coros import Semaphore
from gsync.event import AsyncResult, Event
from gsync.queue import Queue

__all__ = ["ThreadPool", "ThreadResult"]

ThreadResult = AsyncResult   # what spawn() returns (gevent's name for it)

_STOP = None   # what a worker finds on the task queue when it must end


class _End:
    """The end of an ``imap``'s input: how many tasks it spawned, and the iterable's error."""

    __slots__ = ("count", "error")

    def __init__(self, count, error):
        self.count = count
        self.error = error

    def check(self):
        if self.error is not None:
            raise self.error


class ThreadPool:
    """At most ``maxsize`` OS threads running blocking calls for the greenlets of one hub.

    ``maxsize`` is an int >= 1 (``TypeError``/``ValueError`` otherwise); the
    pool belongs to ``hub`` (default: the calling thread's) and must be used
    from that hub's thread. Threads are started as the work needs them.
    """

    def __init__(self, maxsize, hub=None):
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError(f"maxsize must be an int, not {type(maxsize).__name__}")
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.hub = hub if hub is not None else get_hub()
        self._loop = self.hub.loop
        self._maxsize = maxsize
        self._permits = Semaphore(maxsize)
        self._tasks = SimpleQueue()
        self._threads = set()
        self._busy = 0          # tasks taken by spawn() and not delivered yet
        self._idle = Event()    # set while nothing is out
        self._idle.set()

    def __repr__(self):
        return (f"<{type(self).__name__} at {id(self):#x} maxsize={self._maxsize} "
                f"threads={len(self._threads)} busy={self._busy}>")

    @property
    def maxsize(self):
        """The most threads (and tasks out at once) this pool has."""
        return self._maxsize

    @property
    def size(self):
        """How many worker threads are alive."""
        return len(self._threads)

    def __len__(self):
        """How many tasks are out (queued or running, result not delivered yet)."""
        return self._busy

    def free_count(self):
        """How many more tasks ``spawn`` would take without waiting."""
        return self._maxsize - self._busy

    # -- submitting ----------------------------------------------------------

    def spawn(self, func, *args, **kwargs):
        """Run ``func(*args, **kwargs)`` in a pool thread; return its :class:`AsyncResult`.

        Blocks (cooperatively) while the pool is full. ``get()`` on the result
        returns the value or raises the exception ``func`` raised.
        ``TypeError`` if ``func`` is not callable.
        """
        if not callable(func):
            raise TypeError(f"func must be callable, not {type(func).__name__}")
        self._permits.acquire()
        result = AsyncResult()
        self._busy += 1
        self._idle.clear()
        self._loop.ref()
        if len(self._threads) < self._busy:
            self._start_thread()
        self._tasks.put((func, args, kwargs, result))
        return result

    def apply(self, func, args=None, kwds=None):
        """``func(*args, **kwds)`` in a pool thread; wait for it and return its value."""
        return self.spawn(func, *(args or ()), **(kwds or {})).get()

    def apply_async(self, func, args=None, kwds=None, callback=None):
        """Like :meth:`spawn`; ``callback(value)`` is called in the hub on success."""
        result = self.spawn(func, *(args or ()), **(kwds or {}))
        if callback is not None:
            result.rawlink(lambda r: r.successful() and callback(r.value))
        return result

    def map(self, func, iterable):
        """``[func(x) for x in iterable]``, computed in the pool; the first error is raised."""
        return list(self.imap(func, iterable))

    def imap(self, func, *iterables):
        """An iterator of ``func(*xs)`` for the items of ``iterables``, in order, run in the pool.

        Raises, when it gets there, the exception of the first call that
        failed (or the one the iterable raised).
        """
        results = Queue()
        feeder = spawn(self._feed, func, zip(*iterables), results.put, None)
        try:
            while True:
                result = results.get()
                if type(result) is _End:
                    result.check()
                    return
                yield result.get()
        finally:
            feeder.kill()

    def imap_unordered(self, func, *iterables):
        """Like :meth:`imap`, in the order the calls finish."""
        done = Queue()
        feeder = spawn(self._feed, func, zip(*iterables), None, done.put)
        try:
            end, taken = None, 0
            while end is None or taken < end.count:
                result = done.get()
                if type(result) is _End:
                    end = result
                    end.check()
                    continue
                taken += 1
                yield result.get()
        finally:
            feeder.kill()

    def _feed(self, func, items, put, on_done):
        count = 0
        try:
            for args in items:
                result = self.spawn(func, *args)
                count += 1
                if on_done is not None:
                    result.rawlink(on_done)
                if put is not None:
                    put(result)
        except Exception as exc:
            (put or on_done)(_End(count, exc))
        else:
            (put or on_done)(_End(count, None))

    # -- waiting and ending --------------------------------------------------

    def join(self, timeout=None):
        """Wait until every task spawned so far is done; return True, or False after ``timeout``."""
        return self._idle.wait(timeout)

    def kill(self):
        """End the worker threads: running tasks finish, queued ones fail with ``GreenletExit``.

        Never blocks. The pool can be used again afterwards (it starts new threads).
        """
        dropped = []
        while True:
            try:
                task = self._tasks.get_nowait()
            except Empty:
                break
            if task is not _STOP:
                dropped.append(task)
        for _ in range(len(self._threads)):
            self._tasks.put(_STOP)
        self._threads = set()
        for _func, _args, _kwargs, result in dropped:
            self._deliver(result, False, GreenletExit("the thread pool was killed"))

    # -- the threads ---------------------------------------------------------

    def _start_thread(self):
        thread = threading.Thread(target=self._worker, name=f"gsync.ThreadPool-{id(self):#x}",
                                  daemon=True)
        self._threads.add(thread)
        thread.start()

    def _worker(self):
        get = self._tasks.get
        send = self._loop.run_callback_threadsafe
        deliver = self._deliver
        while True:
            task = get()
            if task is _STOP:
                return
            func, args, kwargs, result = task
            task = None
            try:
                value = func(*args, **kwargs)
            except BaseException as exc:
                send(deliver, result, False, exc)
                del exc
            else:
                send(deliver, result, True, value)
            func = args = kwargs = result = value = None

    def _deliver(self, result, ok, value):
        # In the hub: the outcome of one task.
        self._busy -= 1
        self._loop.unref()
        self._permits.release()
        if ok:
            result.set(value)
        else:
            result.set_exception(value)
        if not self._busy:
            self._idle.set()


if Hub.threadpool_class is None:
    Hub.threadpool_class = ThreadPool
