"""Who keeps what alive: pending events keep themselves, fired and cancelled ones hold nothing.

The leak checks run a million add/cancel cycles and a million fire cycles
(timers) and 200,000 of each for I/O events (an epoll_ctl per add or cancel
makes those slower), and check that Python's allocated blocks, the process's
resident memory and the callback's and arg's reference counts do not grow;
a shorter run is traced with ``tracemalloc``.
"""

import gc
import os
import sys
import tracemalloc
import weakref

import pytest

import gcore
from gcore import EV_READ


class Callback:
    """A weak-referenceable callable that counts its calls (and logs them in ``log``)."""

    def __init__(self, log=None):
        self.calls = 0
        self.log = log

    def __call__(self, *args):
        self.calls += 1
        if self.log is not None:
            self.log.append(args)


class Arg:
    pass


def collect():
    for _ in range(3):
        gc.collect()


# -- pending events keep themselves alive ------------------------------------------


def test_pending_read_event_without_references_still_fires(loop, sockpair):
    a, b = sockpair
    fired = []
    gcore.read_event(a, lambda ev, evtype: fired.append((type(ev).__name__, evtype)), loop=loop)
    collect()
    assert loop.ref_count == 1
    b.send(b"x")
    loop.run()
    assert fired == [("read_event", EV_READ)]


def test_pending_timer_without_references_still_fires(loop):
    fired = []
    gcore.timer(0.01, fired.append, "t", loop=loop)
    collect()
    loop.run()
    assert fired == ["t"]


def test_pending_event_keeps_its_callback_and_arg_alive(loop, sockpair):
    cb, arg = Callback(), Arg()
    cb_ref, arg_ref = weakref.ref(cb), weakref.ref(arg)
    ev = gcore.read_event(sockpair[0], cb, arg=arg, loop=loop)
    del cb, arg, ev
    collect()
    assert cb_ref() is not None and arg_ref() is not None
    sockpair[1].send(b"x")
    loop.run()
    collect()
    assert cb_ref() is None and arg_ref() is None


def test_pending_event_in_a_reference_cycle_is_not_collected(loop, sockpair):
    a, b = sockpair

    class Owner:
        def on_read(self, ev, evtype):
            self.fired = evtype

    owner = Owner()
    owner.ev = gcore.read_event(a, owner.on_read, loop=loop)   # owner -> ev -> owner
    owner_ref = weakref.ref(owner)
    del owner
    collect()
    assert owner_ref() is not None
    b.send(b"x")
    loop.run()
    assert owner_ref().fired == EV_READ
    collect()
    assert owner_ref() is None


# -- fired, cancelled and never-added events hold nothing -------------------------------


def test_fired_one_shot_drops_its_references(loop, sockpair):
    log = []
    cb, arg = Callback(log), Arg()
    cb_ref, arg_ref = weakref.ref(cb), weakref.ref(arg)
    gcore.read_event(sockpair[0], cb, arg=arg, loop=loop)
    gcore.timer(0, cb, arg, loop=loop)
    gcore.active_event(cb, arg, loop=loop)
    del cb, arg
    sockpair[1].send(b"x")
    loop.run()
    assert len(log) == 3
    del log[:]
    collect()
    assert cb_ref() is None
    assert arg_ref() is None


def test_cancelled_event_drops_its_references(loop, sockpair):
    cb, arg = Callback(), Arg()
    cb_ref, arg_ref = weakref.ref(cb), weakref.ref(arg)
    events = [
        gcore.read_event(sockpair[0], cb, arg=arg, loop=loop, persist=True),
        gcore.write_event(sockpair[0], cb, arg=arg, loop=loop),
        gcore.timer(10, cb, arg, loop=loop),
        gcore.active_event(cb, arg, loop=loop),
    ]
    del cb, arg
    for ev in events:
        ev.cancel()
    del ev, events
    collect()
    assert cb_ref() is None
    assert arg_ref() is None
    assert loop.run() == 1


def test_cancelled_event_in_a_cycle_is_collected(loop):
    class Owner:
        def fire(self):
            pass

    owner = Owner()
    owner.timer = gcore.timer(10, owner.fire, loop=loop)
    owner.timer.cancel()
    owner_ref = weakref.ref(owner)
    del owner
    collect()
    assert owner_ref() is None


def test_event_never_added_holds_nothing(loop, sockpair):
    cb = Callback()
    cb_ref = weakref.ref(cb)
    gcore.event(EV_READ, sockpair[0], cb, loop=loop)
    del cb
    collect()
    assert cb_ref() is None


def test_failed_constructor_holds_nothing(loop, closed_fd):
    cb = Callback()
    cb_ref = weakref.ref(cb)
    with pytest.raises(OSError):
        gcore.read_event(closed_fd, cb, loop=loop)
    with pytest.raises(ValueError):
        gcore.timer(-1, cb, loop=loop)
    del cb
    collect()
    assert cb_ref() is None
    assert loop.ref_count == 0


def test_persistent_event_held_until_cancelled(loop, sockpair):
    a, b = sockpair
    cb = Callback()
    cb_ref = weakref.ref(cb)

    def on_read(ev, evtype):
        a.recv(10)
        ev.arg()
        if ev.arg.calls == 3:
            ev.cancel()
        else:
            b.send(b"x")

    gcore.read_event(a, on_read, arg=cb, persist=True, loop=loop)
    del cb
    b.send(b"x")
    loop.run()
    collect()
    assert cb_ref() is None


def test_run_callback_drops_func_and_args_once_run(loop):
    log = []
    cb, arg = Callback(log), Arg()
    cb_ref, arg_ref = weakref.ref(cb), weakref.ref(arg)
    handle = loop.run_callback(cb, arg)
    cancelled = loop.run_callback(cb, arg)
    cancelled.cancel()
    del cb, arg
    loop.run()
    assert len(log) == 1
    del log[:]
    collect()
    assert cb_ref() is None and arg_ref() is None
    assert not handle.pending


def test_events_keep_their_loop_alive_only_while_they_exist(sockpair):
    lp = gcore.Loop()
    base = sys.getrefcount(lp)
    ev = gcore.read_event(sockpair[0], Callback(), loop=lp)
    assert sys.getrefcount(lp) == base + 1
    ev.cancel()
    del ev
    assert sys.getrefcount(lp) == base


def test_loop_with_a_cancelled_event_is_freed(sockpair):
    # A Loop is not weak-referenceable: watch a callback that only the loop's
    # events and queue reach.
    cb = Callback()
    cb_ref = weakref.ref(cb)
    lp = gcore.Loop()
    lp.run_callback(cb)                       # queued, never run
    ev = gcore.read_event(sockpair[0], cb, loop=lp)
    ev.cancel()
    del ev, lp, cb
    collect()
    assert cb_ref() is None


# -- the leak checks ----------------------------------------------------------------


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Usage:
    """Allocated Python blocks, resident memory and refcounts: ``start()``, then ``check()``."""

    def __init__(self, *objects):
        self.objects = objects

    def start(self):
        collect()
        self.blocks = sys.getallocatedblocks()
        self.rss = rss_bytes() if os.path.exists("/proc/self/statm") else None
        self.refs = [sys.getrefcount(o) for o in self.objects]
        return self

    def check(self, max_blocks=500, max_rss=8 << 20):
        collect()
        grown_blocks = sys.getallocatedblocks() - self.blocks
        assert grown_blocks < max_blocks, f"{grown_blocks} more Python blocks allocated"
        if self.rss is not None:
            grown_rss = rss_bytes() - self.rss
            assert grown_rss < max_rss, f"resident memory grew by {grown_rss} bytes"
        assert [sys.getrefcount(o) for o in self.objects] == self.refs


N_TIMER = 1_000_000
N_IO = 200_000


def test_timer_add_cancel_leaks_nothing(loop):
    cb, arg = Callback(), Arg()
    t = gcore.timer(10, cb, arg, loop=loop)
    t.cancel()
    for _ in range(10_000):    # warm up the heaps
        t.add(1)
        t.cancel()
    usage = Usage(cb, arg, t).start()
    for _ in range(N_TIMER):
        t.add(1)
        t.cancel()
    usage.check()
    assert cb.calls == 0


def test_new_timer_add_cancel_leaks_nothing(loop):
    cb, arg = Callback(), Arg()
    for _ in range(10_000):
        gcore.timer(1, cb, arg, loop=loop).cancel()
    usage = Usage(cb, arg).start()
    for _ in range(N_TIMER):
        gcore.timer(1, cb, arg, loop=loop).cancel()
    usage.check()


def test_timer_fire_leaks_nothing(loop):
    cb, arg = Callback(), Arg()
    count = 0

    def chain(arg):
        nonlocal count
        count += 1
        cb(arg)
        if count < limit:
            gcore.timer(0, chain, arg, loop=loop)

    limit = 10_000
    gcore.timer(0, chain, arg, loop=loop)
    loop.run()
    usage = Usage(cb, arg).start()
    count, limit = 0, N_TIMER
    gcore.timer(0, chain, arg, loop=loop)
    loop.run()
    assert count == N_TIMER
    usage.check()


def test_io_add_cancel_leaks_nothing(loop, sockpair):
    a, _ = sockpair
    cb, arg = Callback(), Arg()
    ev = gcore.event(EV_READ, a, cb, arg, loop=loop)
    for _ in range(10_000):
        ev.add()
        ev.cancel()
    usage = Usage(cb, arg, ev, a).start()
    for _ in range(N_IO):
        ev.add(5)
        ev.cancel()
        gcore.read_event(a, cb, arg=arg, loop=loop).cancel()
    usage.check()
    assert cb.calls == 0


def test_io_fire_leaks_nothing(loop, sockpair):
    a, b = sockpair
    b.send(b"x")                    # a stays readable: every add() fires
    cb, arg = Callback(), Arg()
    count = 0

    def on_read(ev, evtype):
        nonlocal count
        count += 1
        cb(ev.arg)
        if count < limit:
            gcore.read_event(a, on_read, arg=ev.arg, loop=loop)

    limit = 10_000
    gcore.read_event(a, on_read, arg=arg, loop=loop)
    loop.run()
    usage = Usage(cb, arg).start()
    count, limit = 0, N_IO
    gcore.read_event(a, on_read, arg=arg, loop=loop)
    loop.run()
    assert count == N_IO
    usage.check()


def test_callbacks_leak_nothing(loop):
    cb, arg = Callback(), Arg()
    for _ in range(1000):
        loop.run_callback(cb, arg)
    loop.run()
    usage = Usage(cb, arg).start()
    for _ in range(100):
        for _ in range(1000):
            loop.run_callback(cb, arg)
        loop.run_callback(cb, arg).cancel()
        loop.run()
    usage.check()
    assert cb.calls == 101_000


def test_errors_leak_nothing(loop):
    loop.error_handler = lambda *info: None
    arg = Arg()

    def fail(arg):
        raise ValueError(arg)

    for _ in range(1000):
        gcore.timer(0, fail, arg, loop=loop)
    loop.run()
    usage = Usage(arg, fail).start()
    for _ in range(50):
        for _ in range(1000):
            gcore.timer(0, fail, arg, loop=loop)
        loop.run()
    usage.check()


def test_tracemalloc_sees_no_growth(loop, sockpair):
    a, b = sockpair
    b.send(b"x")
    cb, arg = Callback(), Arg()

    def cycles(n):
        for _ in range(n):
            gcore.timer(1, cb, arg, loop=loop).cancel()
            gcore.read_event(a, cb, arg=arg, loop=loop).cancel()
            gcore.read_event(a, cb, arg=arg, loop=loop)
            gcore.active_event(cb, arg, loop=loop)
            loop.run_callback(cb, arg)
            loop.run(once=True)

    tracemalloc.start()
    try:
        cycles(1000)
        collect()
        before = tracemalloc.take_snapshot()
        cycles(30_000)
        collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert growth < 64 * 1024, "\n".join(
        str(s) for s in after.compare_to(before, "lineno")[:10])
    assert cb.calls == 1000 * 3 + 30_000 * 3
