"""gcore's events: I/O, timers, signals, active events, their attributes and bad input."""

import errno
import math
import os
import signal as stdsignal
import time

import pytest

import gcore
from gcore import EV_PERSIST, EV_READ, EV_SIGNAL, EV_TIMEOUT, EV_WRITE


def test_constants_are_libevents():
    assert (EV_TIMEOUT, EV_READ, EV_WRITE, EV_SIGNAL, EV_PERSIST) == (1, 2, 4, 8, 16)
    assert gcore.EV_ET == 32
    assert gcore.EV_CLOSED == 128


# -- timers -------------------------------------------------------------------


def test_timers_fire_in_order_of_deadlines(loop):
    fired = []
    for delay in (0.04, 0.01, 0.03, 0, 0.02):
        gcore.timer(delay, fired.append, delay, loop=loop)
    assert loop.ref_count == 5
    assert loop.run() == 0
    assert fired == [0, 0.01, 0.02, 0.03, 0.04]
    assert loop.ref_count == 0


def test_timer_passes_args_and_kwargs(loop):
    calls = []
    t = gcore.timer(0, lambda *a, **kw: calls.append((a, kw)), 1, "two", loop=loop, three=3)
    assert t.args == (1, "two")
    assert t.kwargs == {"three": 3}
    assert t.arg == (t.callback, (1, "two"), {"three": 3})
    loop.run()
    assert calls == [((1, "two"), {"three": 3})]
    assert not t.pending


def test_timer_cancelled_does_not_fire(loop):
    fired = []
    t1 = gcore.timer(0.01, fired.append, 1, loop=loop)
    gcore.timer(0.02, fired.append, 2, loop=loop)
    assert t1.pending
    t1.cancel()
    assert not t1.pending
    assert t1.cancel() == 0   # cancelling twice is fine
    loop.run()
    assert fired == [2]


def test_timer_added_again_fires_again(loop):
    fired = []

    def again():
        fired.append(len(fired))
        if len(fired) < 3:
            t.add(0)

    t = gcore.timer(0, again, loop=loop)
    loop.run()
    assert fired == [0, 1, 2]


def test_infinite_timer_is_clamped_and_cancellable(loop):
    t = gcore.timer(math.inf, lambda: None, loop=loop)
    assert t.pending
    t.cancel()
    assert loop.run() == 1


# -- I/O events ---------------------------------------------------------------


def test_read_event_on_socketpair(loop, sockpair):
    a, b = sockpair
    seen = []

    def on_read(ev, evtype):
        seen.append((ev, evtype, a.recv(100)))

    ev = gcore.read_event(a, on_read, loop=loop)
    assert ev.pending
    assert ev.fd == a.fileno()
    assert ev.events == EV_READ
    gcore.timer(0.01, b.send, b"ping", loop=loop)
    loop.run()
    assert seen == [(ev, EV_READ, b"ping")]
    assert not ev.pending


def test_read_event_accepts_an_int_fd(loop, pipe):
    r, w = pipe
    seen = []
    gcore.read_event(r, lambda ev, evtype: seen.append(os.read(r, 10)), loop=loop)
    os.write(w, b"x")
    loop.run()
    assert seen == [b"x"]


def test_write_event(loop, sockpair):
    a, _ = sockpair
    seen = []
    ev = gcore.write_event(a, lambda ev, evtype: seen.append((evtype, a.send(b"hi"))), loop=loop)
    assert ev.events == EV_WRITE
    loop.run()
    assert seen == [(EV_WRITE, 2)]
    assert sockpair[1].recv(10) == b"hi"


def test_write_event_waits_for_room(loop, sockpair):
    a, b = sockpair
    try:
        while True:
            a.send(b"x" * 65536)
    except BlockingIOError:
        pass
    order = []
    gcore.write_event(a, lambda ev, evtype: order.append("writable"), loop=loop)

    def drain():
        order.append("drain")
        try:
            while b.recv(1 << 20):
                pass
        except BlockingIOError:
            pass

    gcore.timer(0.01, drain, loop=loop)
    loop.run()
    assert order == ["drain", "writable"]


def test_readwrite_event(loop, sockpair):
    a, b = sockpair
    b.send(b"data")
    seen = []
    ev = gcore.readwrite_event(a, lambda ev, evtype: seen.append(evtype), loop=loop)
    assert ev.events == EV_READ | EV_WRITE
    assert ev.events_str == "EV_READ|EV_WRITE"
    loop.run()
    assert seen == [EV_READ | EV_WRITE]


def test_event_class_add_and_arg(loop, sockpair):
    a, b = sockpair
    seen = []
    marker = object()
    ev = gcore.event(EV_READ, a, lambda ev, evtype: seen.append((ev.arg, evtype)), marker,
                     loop=loop)
    assert not ev.pending            # an event does nothing until add()
    assert ev.arg is marker
    assert ev.loop is loop
    b.send(b"x")
    assert loop.run() == 1           # nothing registered: returns at once
    ev.add()
    assert ev.pending
    assert loop.run() == 0
    assert seen == [(marker, EV_READ)]


def test_persistent_read_event_fires_until_cancelled(loop, sockpair):
    a, b = sockpair
    received = []

    def on_read(ev, evtype):
        received.append(a.recv(1))
        if len(received) == 5:
            ev.cancel()
        else:
            b.send(b"%d" % len(received))

    ev = gcore.read_event(a, on_read, persist=True, loop=loop)
    assert ev.events == EV_READ | EV_PERSIST
    b.send(b"0")
    loop.run()
    assert received == [b"0", b"1", b"2", b"3", b"4"]
    assert not ev.pending


def test_persistent_event_stays_pending_after_firing(loop, sockpair):
    a, b = sockpair
    fired = []

    def on_read(ev, evtype):
        fired.append(a.recv(10))
        assert ev.pending
        loop.break_loop()

    ev = gcore.read_event(a, on_read, persist=True, loop=loop)
    b.send(b"x")
    loop.run()
    assert fired == [b"x"]
    assert ev.pending
    ev.cancel()


def test_read_event_timeout(loop, sockpair):
    a, _ = sockpair
    seen = []
    ev = gcore.read_event(a, lambda ev, evtype: seen.append(evtype), timeout=0.01, loop=loop)
    loop.run()
    assert seen == [EV_TIMEOUT]
    assert not ev.pending


def test_read_event_data_beats_timeout(loop, sockpair):
    a, b = sockpair
    seen = []
    b.send(b"x")
    gcore.read_event(a, lambda ev, evtype: seen.append(evtype), timeout=5, loop=loop)
    loop.run()
    assert seen == [EV_READ]


def test_event_add_with_timeout(loop, sockpair):
    a, _ = sockpair
    seen = []
    ev = gcore.event(EV_READ, a, lambda ev, evtype: seen.append(evtype), loop=loop)
    ev.add(0.01)
    loop.run()
    assert seen == [EV_TIMEOUT]


def test_persistent_event_with_timeout_fires_each_period(loop, sockpair):
    a, _ = sockpair
    seen = []

    def on_timeout(ev, evtype):
        seen.append(evtype)
        if len(seen) == 3:
            ev.cancel()

    gcore.read_event(a, on_timeout, timeout=0.005, persist=True, loop=loop)
    loop.run()
    assert seen == [EV_TIMEOUT] * 3


# -- active events ------------------------------------------------------------


def test_active_event_runs_before_timer_zero(loop):
    order = []
    gcore.timer(0, order.append, "timer(0)", loop=loop)
    gcore.active_event(order.append, "active_event", loop=loop)
    loop.run()
    assert order == ["active_event", "timer(0)"]


def test_active_event_args_and_cancel(loop):
    order = []
    a1 = gcore.active_event(lambda *a, **kw: order.append((a, kw)), 1, loop=loop, k="v")
    a2 = gcore.active_event(order.append, "cancelled", loop=loop)
    assert a1.pending and a2.pending
    a2.cancel()
    assert not a2.pending
    loop.run()
    assert order == [((1,), {"k": "v"})]
    assert not a1.pending


# -- signals ------------------------------------------------------------------


@pytest.fixture
def usr1_handler():
    """A Python handler for SIGUSR1 (so a stray one cannot kill the test run)."""
    received = []
    previous = stdsignal.signal(stdsignal.SIGUSR1, lambda signum, frame: received.append(signum))
    yield received
    stdsignal.signal(stdsignal.SIGUSR1, previous)


def test_signal_delivered_with_os_kill_is_persistent(default_loop, usr1_handler):
    loop = default_loop   # signal events live on the default loop only
    seen = []

    def on_usr1(tag, key=None):
        seen.append((tag, key))
        if len(seen) == 2:
            sig.cancel()
        else:
            os.kill(os.getpid(), stdsignal.SIGUSR1)

    sig = gcore.signal(stdsignal.SIGUSR1, on_usr1, "usr1", loop=loop, key="k")
    assert sig.pending
    assert sig.fd == stdsignal.SIGUSR1
    assert sig.events == EV_SIGNAL | EV_PERSIST
    gcore.timer(0, os.kill, os.getpid(), stdsignal.SIGUSR1, loop=loop)
    loop.run()
    assert seen == [("usr1", "k"), ("usr1", "k")]
    assert not sig.pending
    assert usr1_handler == []   # libevent's handler took them, not Python's


def test_cancelled_signal_event_stops_and_restores_the_handler(default_loop, usr1_handler):
    loop = default_loop   # signal events live on the default loop only
    seen = []
    sig = gcore.signal(stdsignal.SIGUSR1, seen.append, "gcore", loop=loop)
    sig.cancel()
    os.kill(os.getpid(), stdsignal.SIGUSR1)
    deadline = time.monotonic() + 5
    while not usr1_handler and time.monotonic() < deadline:
        time.sleep(0.001)   # Python runs its signal handler between bytecodes
    assert usr1_handler == [stdsignal.SIGUSR1]
    assert loop.run(nonblock=True) == 1
    assert seen == []


def test_signal_event_via_event_class(loop, usr1_handler):
    seen = []
    ev = gcore.event(EV_SIGNAL, stdsignal.SIGUSR1, lambda ev, evtype: seen.append(evtype),
                     loop=loop)
    ev.add()
    os.kill(os.getpid(), stdsignal.SIGUSR1)
    loop.run()
    assert seen == [EV_SIGNAL]


# -- attributes, repr, context manager -----------------------------------------


def test_repr_shows_fd_events_and_pending(loop, sockpair):
    a, _ = sockpair
    ev = gcore.read_event(a, noop, persist=True, loop=loop)
    text = repr(ev)
    assert text.startswith("<gcore.read_event at ")
    assert f"fd={a.fileno()}" in text
    assert "EV_READ|EV_PERSIST" in text
    assert ev.events_str == "EV_READ|EV_PERSIST"
    assert "pending" in text
    assert str(ev) == text
    assert f"callback={noop!r}" in text
    ev.cancel()
    assert " pending" not in repr(ev)
    assert f"fd={a.fileno()}" in repr(ev)


def test_repr_of_timer_and_signal(default_loop, usr1_handler):
    loop = default_loop   # signal events live on the default loop only
    t = gcore.timer(10, print, "x", loop=loop)
    assert "pending" in repr(t)
    assert "callback=<built-in function print>" in repr(t)
    assert "args=('x',)" in repr(t)
    t.cancel()
    s = gcore.signal(stdsignal.SIGUSR1, print, loop=loop)
    assert f"signal={int(stdsignal.SIGUSR1)}" in repr(s)
    assert "EV_SIGNAL|EV_PERSIST" in repr(s)
    s.cancel()


def test_flags_say_where_the_event_is(loop, sockpair):
    a, _ = sockpair
    ev = gcore.event(EV_READ, a, lambda ev, evtype: None, loop=loop)
    assert "EVLIST_INSERTED" not in ev.flags_str
    ev.add(10)
    assert ev.flags & 0x02   # EVLIST_INSERTED
    assert "EVLIST_INSERTED" in ev.flags_str
    assert "EVLIST_TIMEOUT" in ev.flags_str
    ev.cancel()
    assert "EVLIST_INSERTED" not in ev.flags_str


def test_context_manager_cancels(loop, sockpair):
    a, _ = sockpair
    with gcore.read_event(a, lambda ev, evtype: None, loop=loop) as ev:
        assert ev.pending
        assert loop.ref_count == 1
    assert not ev.pending
    assert loop.ref_count == 0
    with gcore.timer(10, print, loop=loop) as t:
        assert t.pending
    assert not t.pending


def test_context_manager_cancels_on_error(loop):
    with pytest.raises(KeyError):
        with gcore.timer(10, print, loop=loop) as t:
            raise KeyError
    assert not t.pending


def test_callback_attribute(loop, sockpair):
    def cb(ev, evtype):
        pass

    ev = gcore.read_event(sockpair[0], cb, loop=loop)
    assert ev.callback is cb
    assert ev.arg is None
    ev.cancel()


def test_ref_attribute(loop):
    t = gcore.timer(10, print, loop=loop)
    assert t.ref
    assert loop.ref_count == 1
    t.ref = False
    assert loop.ref_count == 0
    t.ref = True
    assert loop.ref_count == 1
    t.cancel()
    assert loop.ref_count == 0


def test_events_use_the_default_loop_without_loop_argument(default_loop):
    t = gcore.timer(10, print)
    assert t.loop is default_loop
    assert default_loop.ref_count == 1
    t.cancel()


# -- bad input ------------------------------------------------------------------


def noop(*args):
    pass


@pytest.mark.parametrize("timeout", [-1, -0.001, -math.inf])
def test_negative_timeout(loop, sockpair, timeout):
    with pytest.raises(ValueError, match="non-negative"):
        gcore.timer(timeout, noop, loop=loop)
    with pytest.raises(ValueError, match="non-negative"):
        gcore.read_event(sockpair[0], noop, timeout=timeout, loop=loop)
    ev = gcore.event(EV_READ, sockpair[0], noop, loop=loop)
    with pytest.raises(ValueError, match="non-negative"):
        ev.add(timeout)
    assert not ev.pending
    assert loop.ref_count == 0


def test_nan_timeout(loop, sockpair):
    with pytest.raises(ValueError, match="NaN"):
        gcore.timer(math.nan, noop, loop=loop)
    with pytest.raises(ValueError, match="NaN"):
        gcore.event(EV_READ, sockpair[0], noop, loop=loop).add(math.nan)


@pytest.mark.parametrize("timeout", ["1", b"1", [], object()])
def test_non_number_timeout(loop, sockpair, timeout):
    with pytest.raises(TypeError, match="number of seconds"):
        gcore.timer(timeout, noop, loop=loop)
    with pytest.raises(TypeError, match="number of seconds"):
        gcore.write_event(sockpair[0], noop, timeout=timeout, loop=loop)


def test_timer_none_is_a_type_error(loop):
    with pytest.raises(TypeError):
        gcore.timer(None, noop, loop=loop)


def test_closed_fd(loop, closed_fd):
    # Refused whatever the back-end (poll and select would take it).
    with pytest.raises(OSError) as info:
        gcore.read_event(closed_fd, noop, loop=loop)
    assert info.value.errno == errno.EBADF
    with pytest.raises(OSError):
        gcore.write_event(closed_fd, noop, loop=loop)
    with pytest.raises(OSError):
        gcore.event(EV_READ, closed_fd, noop, loop=loop)
    assert loop.ref_count == 0


def test_fd_closed_before_add(loop):
    if loop.method != "epoll":
        pytest.skip("only epoll checks the fd in event_add()")
    r, w = os.pipe()
    ev = gcore.event(EV_READ, r, noop, loop=loop)
    os.close(r)
    os.close(w)
    with pytest.raises(OSError) as info:
        ev.add()
    assert info.value.errno == errno.EBADF
    assert not ev.pending
    assert loop.ref_count == 0


def test_closed_socket(loop, sockpair):
    a, _ = sockpair
    a.close()                      # fileno() is now -1
    with pytest.raises(ValueError, match="negative"):
        gcore.read_event(a, noop, loop=loop)


def test_fd_that_was_never_open(loop):
    fd = 1 << 20                  # far above any open descriptor
    with pytest.raises(OSError) as info:
        gcore.read_event(fd, noop, loop=loop)
    assert info.value.errno == errno.EBADF
    assert loop.ref_count == 0


def test_fd_too_large_is_not_truncated(loop):
    with pytest.raises(OverflowError):
        gcore.read_event(2**32, noop, loop=loop)      # would be fd 0 if truncated
    with pytest.raises(OverflowError):
        gcore.event(EV_READ, 2**32 + 1, noop, loop=loop)
    assert loop.ref_count == 0


def test_regular_file_is_refused(loop, tmp_path):
    if loop.method != "epoll":
        pytest.skip("only epoll refuses regular files")
    with open(tmp_path / "f", "wb") as f:
        with pytest.raises(OSError):
            gcore.read_event(f, noop, loop=loop)   # epoll cannot watch a regular file


class NoFileno:
    pass


class BadFileno:
    def fileno(self):
        return "three"


@pytest.mark.parametrize("handle", [NoFileno(), "3", 3.0, None])
def test_object_without_fileno(loop, handle):
    with pytest.raises(TypeError):
        gcore.read_event(handle, noop, loop=loop)
    with pytest.raises(TypeError):
        gcore.event(EV_WRITE, handle, noop, loop=loop)


def test_fileno_returning_garbage(loop):
    with pytest.raises(TypeError):
        gcore.read_event(BadFileno(), noop, loop=loop)


def test_negative_fd(loop):
    with pytest.raises(ValueError, match="negative"):
        gcore.read_event(-1, noop, loop=loop)
    with pytest.raises(ValueError, match="negative"):
        gcore.readwrite_event(-5, noop, loop=loop)
    with pytest.raises(ValueError, match="negative"):
        gcore.event(EV_READ, -1, noop, loop=loop)


@pytest.mark.parametrize("callback", [None, 42, "print"])
def test_non_callable_callback(default_loop, sockpair, callback):
    loop = default_loop   # signal events live on the default loop only
    a, _ = sockpair
    with pytest.raises(TypeError, match="callable"):
        gcore.read_event(a, callback, loop=loop)
    with pytest.raises(TypeError, match="callable"):
        gcore.event(EV_READ, a, callback, loop=loop)
    with pytest.raises(TypeError, match="callable"):
        gcore.timer(0, callback, loop=loop)
    with pytest.raises(TypeError, match="callable"):
        gcore.active_event(callback, loop=loop)
    with pytest.raises(TypeError, match="callable"):
        gcore.signal(stdsignal.SIGUSR1, callback, loop=loop)
    assert loop.ref_count == 0


@pytest.mark.parametrize("signum", [0, -1, 1000, stdsignal.NSIG])
def test_unknown_signal_number(default_loop, signum):
    loop = default_loop   # signal events live on the default loop only
    with pytest.raises(ValueError, match="signal number"):
        gcore.signal(signum, noop, loop=loop)
    with pytest.raises(ValueError, match="signal number"):
        gcore.event(EV_SIGNAL, signum, noop, loop=loop)


def test_signal_number_not_an_int(default_loop):
    loop = default_loop   # signal events live on the default loop only
    with pytest.raises(TypeError, match="signal number"):
        gcore.signal("SIGUSR1", noop, loop=loop)


def test_uncatchable_signal_is_an_oserror(default_loop):
    loop = default_loop   # signal events live on the default loop only
    with pytest.raises(OSError):
        gcore.signal(stdsignal.SIGKILL, noop, loop=loop)
    assert loop.ref_count == 0


def test_loop_argument_must_be_a_loop(sockpair):
    with pytest.raises(TypeError):
        gcore.timer(0, noop, loop="not a loop")
    with pytest.raises(TypeError):
        gcore.read_event(sockpair[0], noop, loop=object())


def test_signal_on_a_non_default_loop_is_refused(loop):
    with pytest.raises(ValueError, match="default loop"):
        gcore.signal(stdsignal.SIGUSR1, print, loop=loop)
