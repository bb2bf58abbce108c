"""gcore.Loop: running, breaking, liveness, queued callbacks and the error hook."""

import sys
import time
import types

import pytest

import gcore
from gcore import EV_READ, EV_TIMEOUT

# -- running ------------------------------------------------------------------


def test_run_returns_1_when_nothing_is_registered(loop):
    assert loop.run() == 1
    assert loop.run(once=True) == 1
    assert loop.run(nonblock=True) == 1


def test_run_returns_0_after_running_events(loop):
    fired = []
    gcore.timer(0, fired.append, 1, loop=loop)
    assert loop.run() == 0
    assert fired == [1]
    assert loop.run() == 1


def test_run_once_runs_one_batch(loop):
    fired = []
    gcore.timer(0, fired.append, "first", loop=loop)
    late = gcore.timer(10, fired.append, "late", loop=loop)
    assert loop.run(once=True) == 0
    assert fired == ["first"]
    assert late.pending
    late.cancel()


def test_run_nonblock_does_not_wait(loop):
    fired = []
    t = gcore.timer(10, fired.append, "late", loop=loop)
    gcore.active_event(fired.append, "now", loop=loop)
    assert loop.run(nonblock=True) == 0
    assert fired == ["now"]
    assert t.pending
    assert loop.run(nonblock=True) == 0   # still something registered
    assert fired == ["now"]
    t.cancel()


def test_break_loop(loop):
    order = []

    def first():
        order.append("first")
        loop.break_loop()

    gcore.timer(0, first, loop=loop)
    second = gcore.timer(0.01, order.append, "second", loop=loop)
    assert loop.run() == 0
    assert order == ["first"]
    assert second.pending
    assert loop.run() == 0            # a new run() continues where it stopped
    assert order == ["first", "second"]


def test_break_loop_defers_the_rest_of_the_callbacks(loop):
    order = []

    def breaker():
        order.append("break")
        loop.break_loop()

    loop.run_callback(order.append, 1)
    loop.run_callback(breaker)
    loop.run_callback(order.append, 2)
    loop.run()
    assert order == [1, "break"]
    assert loop.pending_callbacks == 1
    loop.run()
    assert order == [1, "break", 2]


def test_run_from_inside_a_callback_is_reported(loop, sockpair):
    with pytest.raises(BlockingIOError):
        sockpair[0].recv(1)        # leaves errno == EAGAIN behind
    errors = []
    loop.error_handler = lambda *info: errors.append(info[1])
    gcore.timer(0, loop.run, loop=loop)
    later = gcore.timer(10, print, loop=loop)    # so that the nested run() has work
    with later:
        loop.run(once=True)
    assert errors == [OSError]     # not a stale errno's subclass (EAGAIN, ...)


def test_now_is_the_cached_wall_clock(loop):
    before = time.time()
    loop.update_time()
    now = loop.now()
    assert isinstance(now, float)
    assert before - 1 <= now <= time.time() + 1


def test_method(loop):
    assert loop.method in gcore.supported_methods()


def test_avoid_a_method():
    lp = gcore.Loop(avoid=("epoll",))
    assert lp.method != "epoll"
    assert lp.method in gcore.supported_methods()


def test_precise_timer_loop_runs_timers():
    lp = gcore.Loop(precise_timer=True)
    fired = []
    gcore.timer(0.001, fired.append, 1, loop=lp)
    lp.run()
    assert fired == [1]


def test_loop_repr(loop):
    text = repr(loop)
    assert text.startswith("<gcore.Loop at ")
    assert f"method={loop.method}" in text
    assert "ref_count=0" in text
    assert "default" not in text
    assert not loop.default


def test_loop_reinit_without_fork(loop, sockpair):
    a, b = sockpair
    seen = []
    gcore.read_event(a, lambda ev, evtype: seen.append(evtype), loop=loop)
    loop.reinit()                    # re-adds the pending events to a new back-end
    b.send(b"x")
    loop.run()
    assert seen == [EV_READ]


# -- liveness -------------------------------------------------------------------


def test_unreferenced_events_do_not_keep_run_alive(loop, sockpair):
    fired = []
    t = gcore.timer(0, fired.append, "unref", loop=loop, ref=False)
    ev = gcore.read_event(sockpair[0], lambda *a: None, loop=loop, ref=False)
    assert t.pending and ev.pending
    assert loop.ref_count == 0
    assert loop.run() == 1
    assert fired == []
    t.cancel()
    ev.cancel()


def test_unreferenced_event_fires_while_the_loop_waits(loop):
    order = []
    unref = gcore.timer(0, order.append, "unref", loop=loop, ref=False)
    gcore.timer(0.02, order.append, "ref", loop=loop)
    loop.run()
    assert order == ["unref", "ref"]
    assert not unref.pending


def test_run_returns_with_unreferenced_events_still_pending(loop):
    order = []
    later = gcore.timer(10, order.append, "never", loop=loop, ref=False)
    gcore.timer(0, order.append, "ref", loop=loop)
    assert loop.run() == 0
    assert order == ["ref"]
    assert later.pending
    later.cancel()


def test_loop_ref_keeps_run_alive_until_unref(loop):
    order = []

    def release():
        order.append("unref")
        loop.unref()

    loop.ref()
    assert loop.ref_count == 1
    gcore.timer(0.01, release, loop=loop, ref=False)
    assert loop.run() == 0
    assert order == ["unref"]
    assert loop.ref_count == 0


def test_cancel_events_cancels_every_pending_gcore_event(loop, sockpair):
    # What ghub calls on the loop of a thread that ended: gcore's events go,
    # the loop's own machinery (callbacks, run_callback_threadsafe) stays.
    fired = []
    t = gcore.timer(3600, fired.append, "timer", loop=loop)
    ev = gcore.read_event(sockpair[0], lambda *a: fired.append("read"), loop=loop, ref=False)
    persistent = gcore.event(EV_READ | gcore.EV_PERSIST, sockpair[0],
                             lambda *a: fired.append("persistent"), loop=loop)
    persistent.add()
    done = gcore.timer(0, fired.append, "done", loop=loop)
    done.cancel()
    assert loop.ref_count == 2
    assert loop._cancel_events() == 3
    assert not (t.pending or ev.pending or persistent.pending)
    assert loop.ref_count == 0
    assert loop._cancel_events() == 0
    loop.run_callback(fired.append, "callback")
    sockpair[1].send(b"x")
    loop.run()
    assert fired == ["callback"]


def test_unref_without_ref(loop):
    with pytest.raises(ValueError):
        loop.unref()
    assert loop.ref_count == 0


# -- run_callback -------------------------------------------------------------------


def test_run_callback_order(loop):
    order = []
    for i in range(5):
        loop.run_callback(order.append, i)
    assert loop.pending_callbacks == 5
    assert loop.run() == 0
    assert order == [0, 1, 2, 3, 4]
    assert loop.pending_callbacks == 0


def test_run_callback_before_timer_zero(loop):
    order = []
    gcore.timer(0, order.append, "timer", loop=loop)
    loop.run_callback(order.append, "callback")
    loop.run()
    assert order == ["callback", "timer"]


def test_run_callback_cancel(loop):
    order = []
    loop.run_callback(order.append, 1)
    cb = loop.run_callback(order.append, 2)
    loop.run_callback(order.append, 3)
    assert cb.pending
    cb.cancel()
    assert not cb.pending
    assert cb.func is None and cb.args is None
    loop.run()
    assert order == [1, 3]


def test_run_callback_cancelled_from_an_earlier_callback(loop):
    order = []
    loop.run_callback(lambda: later.cancel())
    later = loop.run_callback(order.append, "later")
    loop.run_callback(order.append, "kept")
    loop.run()
    assert order == ["kept"]


def test_callback_object(loop):
    cb = loop.run_callback(print, "x")
    assert isinstance(cb, gcore.callback)
    assert cb.func is print
    assert cb.args == ("x",)
    assert "pending" in repr(cb)
    cb.stop()           # the 0.13-style alias of cancel()
    assert "done" in repr(cb)
    assert loop.run() == 0
    cb.cancel()         # no-op once done


def test_run_callback_queued_from_a_callback_runs_in_order(loop):
    order = []

    def first():
        order.append("first")
        loop.run_callback(order.append, "queued by first")

    loop.run_callback(first)
    loop.run_callback(order.append, "second")
    loop.run()
    assert order == ["first", "second", "queued by first"]


def test_callback_batch_lets_io_run_between_batches(loop, sockpair):
    a, b = sockpair
    order = []
    loop.callback_batch = 3
    b.send(b"x")
    gcore.read_event(a, lambda ev, evtype: order.append("io"), loop=loop)

    def spin(i):
        order.append(i)
        if i < 5:
            loop.run_callback(spin, i + 1)

    loop.run_callback(spin, 0)
    loop.run()
    assert order.index("io") < order.index(5)
    assert [x for x in order if x != "io"] == [0, 1, 2, 3, 4, 5]


def test_run_callback_keeps_run_alive(loop):
    order = []
    loop.run_callback(order.append, 1)
    assert loop.ref_count == 0 and loop.pending_callbacks == 1
    assert loop.run() == 0
    assert order == [1]


# -- errors ---------------------------------------------------------------------


def fail():
    return 1 / 0


def test_error_in_callback_is_printed_and_the_loop_goes_on(loop, capsys):
    order = []
    bad = gcore.timer(0, fail, loop=loop)
    gcore.timer(0.01, order.append, "next", loop=loop)
    assert loop.run() == 0
    assert order == ["next"]
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "ZeroDivisionError: division by zero" in err
    assert err.rstrip().endswith(f"{bad!r} failed with ZeroDivisionError")


def test_error_in_io_callback_is_printed(loop, sockpair, capfd):
    a, b = sockpair
    order = []

    def on_read(ev, evtype):
        raise ValueError("bad read")

    ev = gcore.read_event(a, on_read, loop=loop)
    b.send(b"x")
    gcore.timer(0.01, order.append, "next", loop=loop)
    loop.run()
    assert order == ["next"]
    err = capfd.readouterr().err
    assert "ValueError: bad read" in err
    assert f"{ev!r} failed with ValueError" in err


def test_error_in_run_callback_is_printed_and_the_rest_run(loop, capsys):
    order = []
    cb = loop.run_callback(fail)
    loop.run_callback(order.append, "next")
    loop.run()
    assert order == ["next"]
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err
    assert f"{cb!r} failed with ZeroDivisionError" in err


def test_custom_error_handler(loop, capsys):
    calls = []
    loop.error_handler = lambda *info: calls.append(info)
    bad = gcore.timer(0, fail, loop=loop)
    gcore.timer(0.01, calls.append, "next", loop=loop)
    loop.run()
    assert len(calls) == 2
    context, type_, value, tb = calls[0]
    assert context is bad
    assert type_ is ZeroDivisionError
    assert isinstance(value, ZeroDivisionError)
    assert isinstance(tb, types.TracebackType)
    assert calls[1] == "next"
    assert capsys.readouterr().err == ""


def test_error_handler_gets_the_event_of_an_io_callback(loop, sockpair):
    a, b = sockpair
    contexts = []
    loop.error_handler = lambda context, *info: contexts.append((context, info[0]))
    ev = gcore.read_event(a, lambda ev, evtype: fail(), loop=loop)
    b.send(b"x")
    loop.run()
    assert contexts == [(ev, ZeroDivisionError)]


def test_handle_error_can_be_overridden_in_a_subclass(capsys):
    class MyLoop(gcore.Loop):
        def __init__(self):
            super().__init__()
            self.errors = []

        def handle_error(self, context, type, value, tb):
            self.errors.append(type)

    lp = MyLoop()
    gcore.timer(0, fail, loop=lp)
    lp.run()
    assert lp.errors == [ZeroDivisionError]
    assert capsys.readouterr().err == ""


def test_error_in_the_error_handler_is_printed(loop, capsys):
    order = []

    def broken_handler(context, type_, value, tb):
        raise RuntimeError("handler broke")

    loop.error_handler = broken_handler
    gcore.timer(0, fail, loop=loop)
    gcore.timer(0.01, order.append, "next", loop=loop)
    loop.run()
    assert order == ["next"]
    err = capsys.readouterr().err
    assert "gcore: error in the error handler" in err
    assert "RuntimeError: handler broke" in err
    assert "ZeroDivisionError" in err


@pytest.mark.parametrize("exc_type", [SystemExit, KeyboardInterrupt])
def test_system_exit_in_callback_stops_run_and_is_reraised(loop, capsys, exc_type):
    order = []

    def stop():
        order.append("stop")
        raise exc_type(3)

    gcore.timer(0, stop, loop=loop)
    later = gcore.timer(0.01, order.append, "later", loop=loop)
    with pytest.raises(exc_type) as info:
        loop.run()
    assert info.value.args == (3,)
    assert order == ["stop"]
    assert later.pending
    assert capsys.readouterr().err == ""     # not printed: raised
    assert loop.run() == 0                    # the loop is usable again
    assert order == ["stop", "later"]


def test_system_exit_in_run_callback_stops_the_batch(loop):
    order = []

    def stop():
        raise SystemExit("bye")

    loop.run_callback(order.append, 1)
    loop.run_callback(stop)
    loop.run_callback(order.append, 2)
    with pytest.raises(SystemExit, match="bye"):
        loop.run()
    assert order == [1]
    loop.run()
    assert order == [1, 2]


def test_system_exit_raised_by_error_handler_stops_run(loop):
    def handler(context, type_, value, tb):
        raise SystemExit("from handler")

    loop.error_handler = handler
    gcore.timer(0, fail, loop=loop)
    later = gcore.timer(10, print, loop=loop)
    with pytest.raises(SystemExit, match="from handler"):
        loop.run()
    later.cancel()


def test_error_handler_may_swallow_system_exit(loop):
    seen = []
    loop.error_handler = lambda context, type_, value, tb: seen.append(type_)

    def stop():
        sys.exit(1)

    gcore.timer(0, stop, loop=loop)
    gcore.timer(0.01, seen.append, "next", loop=loop)
    assert loop.run() == 0
    assert seen == [SystemExit, "next"]


def test_timeout_callback_error_reports_evtype(loop, sockpair):
    seen = []

    def on_timeout(ev, evtype):
        seen.append(evtype)
        raise LookupError

    loop.error_handler = lambda context, t, v, tb: seen.append(t)
    gcore.read_event(sockpair[0], on_timeout, timeout=0, loop=loop)
    loop.run()
    assert seen == [EV_TIMEOUT, LookupError]


def test_subclass_that_skips_loop_init_fails_cleanly():
    class Forgetful(gcore.Loop):
        def __init__(self):
            pass    # does not call Loop.__init__: no event_base

    lp = Forgetful()
    assert "uninitialised" in repr(lp)
    for call in (lp.run, lp.break_loop, lp.now, lp.update_time, lp.reinit,
                 lambda: lp.method, lambda: lp.run_callback(print),
                 lambda: gcore.timer(0, print, loop=lp)):
        with pytest.raises(RuntimeError, match="did not call Loop.__init__"):
            call()


def test_loop_init_twice():
    lp = gcore.Loop()
    with pytest.raises(RuntimeError):
        lp.__init__()
