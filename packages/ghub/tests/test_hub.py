"""ghub.hub: the hub and its loop, sleep, LoopExit, errors, signals, fork, kill, Waiter.

Covers the 0.13 reference's "Event loop" and "Cooperative multitasking"
sections and the hub-level functions of "gevent – basic utilities".
"""

import math
import os
import re
import signal
import sys
import threading
import time
from decimal import Decimal
from fractions import Fraction

import pytest
from greenlet import getcurrent, greenlet

import gcore
import ghub
from ghub import (
    BlockingSwitchOutError,
    GreenletExit,
    Hub,
    LoopExit,
    Waiter,
    get_hub,
    sleep,
    spawn,
    spawn_raw,
)
from ghub.hub import Wakeup


class Boom(Exception):
    pass


# -- the hub ---------------------------------------------------------------------------


def test_get_hub_is_the_threads_hub(hub):
    assert get_hub() is hub
    assert get_hub() is get_hub()
    assert isinstance(hub, Hub) and isinstance(hub, greenlet)
    assert hub.parent is getcurrent()
    assert isinstance(hub.loop, gcore.Loop)


def test_main_thread_hub_runs_the_default_loop():
    default = gcore.get_default_loop()
    saved = default.error_handler
    try:
        h = Hub()
        assert h.loop is default
        assert default.error_handler == h._handle_loop_error
    finally:
        default.error_handler = saved


def test_event_loop_starts_implicitly(hub):
    # No run() or dispatch() to call: the first blocking call starts the hub.
    assert not hub
    sleep(0.001)
    assert hub and not hub.dead


def test_a_dead_hub_is_replaced_on_the_same_loop(hub):
    sleep(0.001)
    hub.throw(GreenletExit)   # a killed hub stops its loop and ends
    assert hub.dead
    new = get_hub()
    assert new is not hub and new.loop is hub.loop
    assert hub.loop.error_handler == new._handle_loop_error
    sleep(0.001)
    assert new and not new.dead


def test_get_hub_follows_the_thread_state_at_once(hub):
    # get_hub() answers from a one-entry cache: replacing or deleting the
    # thread's hub (as the test fixtures do) must show at once.
    from ghub import hub as hubmod

    assert get_hub() is hub
    other = Hub(gcore.Loop())
    hubmod._state.hub = other
    try:
        assert get_hub() is other
        del hubmod._state.hub
        assert getattr(hubmod._state, "hub", None) is None
        fresh = get_hub()
        assert fresh is not other and fresh is not hub
        assert hubmod._state.hub is fresh
    finally:
        hubmod._state.hub = hub
    assert get_hub() is hub


def test_a_thread_never_gets_the_hub_of_a_thread_that_ended(hub):
    # Thread idents are reused once a thread ended: get_hub()'s cache must
    # not hand a later thread (with the same ident) the hub of an earlier one.
    seen = []

    def thread_main():
        h = get_hub()
        sleep(0.001)
        seen.append((threading.get_ident(), h, get_hub()))

    for _ in range(5):
        t = threading.Thread(target=thread_main)
        t.start()
        t.join(10)
        assert get_hub() is hub   # this thread's own, all along
    assert len(seen) == 5
    assert len({id(h) for _, h, _ in seen}) == 5 and all(h is again for _, h, again in seen)
    assert all(h.thread_ident == ident and h is not hub for ident, h, _ in seen)
    assert get_hub() is hub


def test_event_noxxx_disables_a_polling_method(run_python):
    # "on Linux setting EVENT_NOEPOLL=1 would avoid the default epoll mechanism"
    script = "import ghub; ghub.sleep(0.001); print(ghub.get_hub().loop.method)"
    default = run_python(script)
    out, err = default.communicate(timeout=30)
    assert default.returncode == 0, err
    method = out.strip()
    if len(gcore.supported_methods()) < 2:
        pytest.skip(f"libevent supports only {method!r} here: nothing to avoid")
    avoided = run_python(script, env={f"EVENT_NO{method.upper()}": "1"})
    out, err = avoided.communicate(timeout=30)
    assert avoided.returncode == 0, err
    assert out.strip() not in ("", method)


def test_loop_callbacks_run_in_the_hub_and_may_spawn(hub):
    # "the callbacks supplied to libevent API are run in the Hub greenlet and thus
    # cannot use synchronous gevent API. It is possible to use asynchronous API there"
    seen = []

    def callback():
        seen.append(getcurrent() is hub)
        seen.append(spawn(seen.append, "spawned from the hub"))

    gcore.timer(0.001, callback, loop=hub.loop)
    sleep(0.01)
    assert seen[0] is True
    assert seen[2] == "spawned from the hub"
    assert seen[1].successful()


def test_blocking_in_the_hub_raises(hub):
    errors = []

    def callback(block):
        try:
            block()
        except BlockingSwitchOutError as exc:
            errors.append(exc)

    hub.loop.run_callback(callback, lambda: sleep(0.01))
    hub.loop.run_callback(callback, sleep)
    hub.loop.run_callback(callback, lambda: Waiter().get())
    hub.loop.run_callback(callback, spawn(sleep, 0).join)
    sleep(0.001)
    assert len(errors) == 4
    assert all(isinstance(e, RuntimeError) for e in errors)
    assert "cannot block in the hub" in str(errors[0])
    assert hub.loop.ref_count == 0   # the timers armed by the failed calls were cancelled


def test_blocking_in_a_callback_is_reported(hub, capsys):
    gcore.timer(0, sleep, 1, loop=hub.loop)
    sleep(0.01)
    err = capsys.readouterr().err
    assert "BlockingSwitchOutError" in err
    assert re.search(r"<gcore\.timer .*> failed with BlockingSwitchOutError", err)


# -- cooperative multitasking ---------------------------------------------------------------


def test_a_greenlet_runs_only_when_the_current_one_yields():
    order = []
    spawn(order.append, "b")
    for i in range(3):   # CPU work, no yield: b cannot run
        order.append(i)
    assert order == [0, 1, 2]
    sleep(0)
    assert order == [0, 1, 2, "b"]


def test_sleep_zero_runs_the_ready_greenlets_first_in_order():
    order = []
    spawn(order.append, "a")
    spawn(order.append, "b")
    sleep(0)
    order.append("main")
    assert order == ["a", "b", "main"]


def test_sleep_zero_round_robin():
    order = []

    def worker(name):
        for i in range(3):
            order.append((name, i))
            sleep(0)

    a = spawn(worker, "a")
    b = spawn(worker, "b")
    ghub.joinall([a, b])
    assert order == [("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2)]


def test_sleep_wakes_up_in_deadline_order():
    order = []

    def sleeper(seconds):
        sleep(seconds)
        order.append(seconds)

    gs = [spawn(sleeper, s) for s in (0.03, 0.01, 0.02)]
    ghub.joinall(gs)
    assert order == [0.01, 0.02, 0.03]


def test_sleep_waits_at_least_the_duration():
    start = time.monotonic()
    sleep(0.05)
    assert time.monotonic() - start >= 0.045


class _Float(float):
    pass


class _Index:
    def __index__(self):
        return 0


def test_sleep_accepts_what_time_sleep_accepts():
    order = []
    spawn(order.append, "other")
    for seconds in (0.001, 0, False, _Float(0.001), _Index()):
        time.sleep(seconds)   # what time.sleep accepts...
        sleep(seconds)        # ...sleep accepts too
        order.append(type(seconds))
    assert order == ["other", float, int, bool, _Float, _Index]


@pytest.mark.parametrize("bad", ["x", "1", None, b"1", [1], 1j, Fraction(1, 1000),
                                 Decimal("0.001")])
def test_sleep_rejects_what_time_sleep_rejects(bad):
    with pytest.raises(TypeError):
        time.sleep(bad)
    with pytest.raises(TypeError, match="sleep length must be a number"):
        sleep(bad)


def test_sleep_negative_raises_like_time_sleep():
    with pytest.raises(ValueError) as expected:
        time.sleep(-1)
    with pytest.raises(ValueError) as got:
        sleep(-1)
    assert str(got.value) == str(expected.value) == "sleep length must be non-negative"
    with pytest.raises(ValueError):
        sleep(-0.5)


def test_sleep_nan_raises_valueerror():
    with pytest.raises(ValueError):
        sleep(math.nan)


def test_sleep_cancels_its_wakeup_when_interrupted(hub):
    def sleeper():
        sleep(10)

    g = spawn(sleeper)
    sleep(0)
    assert hub.loop.ref_count == 1   # g's timer
    g.kill()
    assert g.dead
    assert hub.loop.ref_count == 0


def test_idle_waits_for_the_next_loop_iteration():
    order = []

    def busy():
        for i in range(3):
            order.append(i)
            sleep(0)   # every sleep(0) of this iteration runs before the idle() returns

    spawn(busy)
    ghub.idle()
    order.append("main")
    assert order == [0, 1, 2, "main"]


def test_sleep_zero_does_not_wait_for_the_next_loop_iteration():
    order = []

    def busy():
        for i in range(3):
            order.append(i)
            sleep(0)

    g = spawn(busy)
    sleep(0)
    order.append("main")
    g.join()
    assert order == [0, "main", 1, 2]


# -- LoopExit -------------------------------------------------------------------------------


def test_waiting_for_nothing_raises_loop_exit(hub):
    with pytest.raises(LoopExit, match="this operation would block forever"):
        Waiter().get()
    sleep(0.001)   # the hub still works afterwards
    with pytest.raises(LoopExit):
        Waiter().get()


def test_joining_a_greenlet_that_waits_forever_raises_loop_exit():
    g = spawn(Waiter().get)
    with pytest.raises(LoopExit):
        g.join()
    assert not g.dead
    g.kill()
    assert g.dead and isinstance(g.value, GreenletExit)


def test_loop_exit_waits_for_pending_timers_first():
    g = spawn(sleep, 0.02)
    with pytest.raises(LoopExit):
        Waiter().get()
    assert g.dead   # the loop ran g's timer before it gave up


# -- errors -----------------------------------------------------------------------------------


def test_handle_error_prints_traceback_and_context(hub, capsys):
    try:
        {}["missing"]
    except KeyError:
        hub.handle_error("my context", *sys.exc_info())
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "KeyError: 'missing'" in err
    assert err.endswith("my context failed with KeyError\n\n")


def test_handle_error_without_context_prints_the_traceback_only(hub, capsys):
    hub.handle_error(None, Boom, Boom("x"), None)
    err = capsys.readouterr().err
    assert "Boom: x" in err
    assert "failed with" not in err


def test_a_failing_callback_is_reported_and_the_loop_goes_on(hub, capsys):
    ran = []
    hub.loop.run_callback(lambda: 1 / 0)
    hub.loop.run_callback(ran.append, "next")
    sleep(0)
    assert ran == ["next"]
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "failed with ZeroDivisionError" in err


def test_system_exit_in_a_greenlet_reaches_the_main_greenlet(capsys):
    g = spawn(sys.exit, 3)
    with pytest.raises(SystemExit) as info:
        sleep(5)
    assert info.value.code == 3
    assert g.dead and isinstance(g.exception, SystemExit)
    assert capsys.readouterr().err == ""


def test_system_exit_in_a_greenlet_interrupts_join():
    def worker():
        sleep(0)
        raise SystemExit("bye")

    other = spawn(sleep, 5)
    spawn(worker)
    with pytest.raises(SystemExit, match="bye"):
        other.join()
    other.kill()


def test_keyboard_interrupt_in_a_callback_reaches_the_main_greenlet(hub, capsys):
    def interrupt():
        raise KeyboardInterrupt

    hub.loop.run_callback(interrupt)
    with pytest.raises(KeyboardInterrupt):
        sleep(5)
    sleep(0)   # the hub goes on
    assert capsys.readouterr().err == ""   # one KeyboardInterrupt, where the program waits


def test_system_exit_in_a_timer_callback_reaches_the_main_greenlet(hub):
    gcore.timer(0.001, sys.exit, 7, loop=hub.loop)
    with pytest.raises(SystemExit) as info:
        sleep(5)
    assert info.value.code == 7


_INTERRUPT_SCRIPT = """
import sys, time
import ghub

def ready():
    print("ready", flush=True)

ghub.spawn(ready)
{body}
"""


def _interrupt(run_python, body):
    proc = run_python(_INTERRUPT_SCRIPT.format(body=body))
    assert proc.stdout.readline() == "ready\n"
    start = time.monotonic()
    time.sleep(0.05)   # let it go back to its wait in the loop
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=5)
    return proc.returncode, out, err, time.monotonic() - start


def test_ctrl_c_interrupts_sleep(run_python):
    rc, out, err, elapsed = _interrupt(run_python, """
try:
    ghub.sleep(30)
except KeyboardInterrupt:
    print("interrupted")
    sys.exit(0)
print("slept")
""")
    assert (rc, out) == (0, "interrupted\n"), err
    assert elapsed < 5


def test_ctrl_c_interrupts_join(run_python):
    rc, out, err, elapsed = _interrupt(run_python, """
g = ghub.spawn(ghub.sleep, 30)
g.join()
print("joined")
""")
    assert rc == -signal.SIGINT, err   # an uncaught KeyboardInterrupt
    assert out == ""
    assert "KeyboardInterrupt" in err
    assert elapsed < 5


def test_ctrl_c_interrupts_a_greenlet_waiting_on_a_waiter(run_python):
    rc, out, err, elapsed = _interrupt(run_python, """
keepalive = ghub.spawn(ghub.sleep, 30)
try:
    ghub.Waiter().get()
except KeyboardInterrupt:
    print("interrupted", keepalive.dead)
""")
    assert (rc, out) == (0, "interrupted False\n"), err


# -- spawn_raw, kill ------------------------------------------------------------------------------


def test_spawn_raw_runs_a_raw_greenlet():
    got = []
    g = spawn_raw(lambda *a, **k: got.append((a, k, getcurrent().parent)), 1, 2, x=3)
    assert type(g) is greenlet
    assert not got
    sleep(0)
    assert got == [((1, 2), {"x": 3}, get_hub())]
    assert g.dead

    g = spawn_raw(got.append, "positional only")
    sleep(0)
    assert got[-1] == "positional only"


def test_spawn_raw_error_is_printed(capsys):
    spawn_raw(lambda: 1 / 0)
    sleep(0)
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "failed with ZeroDivisionError" in err


def test_spawn_raw_rejects_a_non_callable():
    with pytest.raises(TypeError, match="must be callable"):
        spawn_raw(42)


def test_kill_a_raw_greenlet():
    events = []

    def victim():
        try:
            sleep(10)
        except GreenletExit:
            events.append("killed")
            raise

    g = spawn_raw(victim)
    sleep(0)
    ghub.kill(g)
    assert events == []   # asynchronous: the current greenlet is not unscheduled
    sleep(0)
    assert events == ["killed"] and g.dead


def test_kill_a_raw_greenlet_with_an_exception():
    events = []

    def victim():
        try:
            sleep(10)
        except Boom as exc:
            events.append(exc.args)

    g = spawn_raw(victim)
    sleep(0)
    ghub.kill(g, Boom("raw"))
    sleep(0)
    assert events == [("raw",)] and g.dead


def test_kill_the_main_greenlet(main_greenlet):
    # The MAIN greenlet has no kill() method: gevent.kill() is the way.
    assert not hasattr(main_greenlet, "kill")
    spawn(ghub.kill, main_greenlet, Boom("main"))
    with pytest.raises(Boom, match="main"):
        sleep(5)


def test_kill_a_dead_raw_greenlet_does_nothing(hub):
    g = spawn_raw(lambda: None)
    sleep(0)
    assert g.dead
    ghub.kill(g)
    assert hub.loop.pending_callbacks == 0


def test_kill_rejects_a_bad_exception():
    g = spawn_raw(lambda: None)
    with pytest.raises(TypeError, match="exception must be"):
        ghub.kill(g, 42)
    sleep(0)


# -- signal, fork, reinit, shutdown --------------------------------------------------------


@pytest.mark.default_loop
def test_signal_handler_runs_in_a_new_greenlet(hub, main_greenlet):
    waiter = Waiter()
    calls = []

    def handler(*args, **kwargs):
        current = getcurrent()
        calls.append((args, kwargs, isinstance(current, ghub.Greenlet),
                      current is not hub and current is not main_greenlet))
        sleep(0)   # a handler may block: it has its own greenlet
        hub.loop.run_callback(waiter.switch, "delivered")

    watcher = ghub.signal(signal.SIGUSR1, handler, 1, two=2)
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        with ghub.Timeout(5):
            assert waiter.get() == "delivered"
    finally:
        watcher.cancel()
    assert calls == [((1,), {"two": 2}, True, True)]


@pytest.mark.default_loop
def test_signal_watcher_does_not_keep_the_loop_alive():
    watcher = ghub.signal(signal.SIGUSR2, lambda: None)
    try:
        with pytest.raises(LoopExit):
            Waiter().get()
    finally:
        watcher.cancel()


@pytest.mark.default_loop
def test_signal_rejects_bad_input():
    with pytest.raises(TypeError, match="handler must be callable"):
        ghub.signal(signal.SIGUSR1, "handler")
    with pytest.raises(ValueError):
        ghub.signal(0, lambda: None)
    with pytest.raises(TypeError):
        ghub.signal("SIGUSR1", lambda: None)


def test_fork_reinitialises_the_loop_in_the_child():
    sleep(0.001)   # the hub is running
    pid = ghub.fork()
    if pid == 0:
        code = 1
        try:
            sleep(0.01)
            g = spawn(lambda: 42)
            if g.get() == 42:
                code = 0
        finally:
            os._exit(code)
    sleep(0.01)   # the parent's loop works too
    waited, status = os.waitpid(pid, 0)
    assert waited == pid
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_reinit_keeps_the_loop_working(hub):
    sleep(0.001)
    ghub.reinit()
    g = spawn(sleep, 0.001)
    g.join()
    assert g.successful()


def test_shutdown_runs_everything_to_the_end():
    done = []

    def worker(n):
        sleep(n / 1000)
        done.append(n)

    for n in (3, 1, 2):
        spawn(worker, n)
    ghub.shutdown()
    assert done == [1, 2, 3]


def test_shutdown_must_be_called_from_the_main_greenlet():
    g = spawn(ghub.shutdown)
    with pytest.raises(RuntimeError, match="main greenlet"):
        g.get()


# -- deferred wake-ups (Wakeup, the hub's ready queue) ---------------------------------------------


def _parked(hub, names, log):
    """Greenlets that each park on the hub (``hub.switch()``) and log what woke them, once."""

    def park(name):
        log.append(("parked", name))
        log.append((name, hub.switch()))

    glets = [spawn_raw(park, name) for name in names]
    sleep(0)
    assert log == [("parked", name) for name in names]
    log.clear()
    return glets


def test_wakeups_of_one_callback_run_after_it_in_order(hub):
    log = []
    glets = _parked(hub, "abc", log)

    def wake_all():
        for glet, name in zip(glets, "abc"):
            Wakeup(hub).wake(glet, name.upper())
        log.append("callback ended")

    hub.loop.run_callback(wake_all)
    sleep(0.01)
    assert log == ["callback ended", ("a", "A"), ("b", "B"), ("c", "C")]
    assert all(glet.dead for glet in glets)


def test_a_woken_greenlet_that_blocks_switches_straight_to_the_next(hub):
    # One switch per wake-up: hub -> a -> b -> c -> hub, not a -> hub -> b -> hub...
    log = []

    def park_twice(name):
        hub.switch()      # the wake-up under test
        log.append(name)
        hub.switch()      # blocks again: passes on to the next ready greenlet

    glets = [spawn_raw(park_twice, name) for name in "abc"]
    sleep(0)
    names = {glets[0]: "a", glets[1]: "b", glets[2]: "c", hub: "hub"}
    switches = []

    def trace(event, args):
        if event == "switch" and args[0] in names and args[1] in names:
            switches.append((names[args[0]], names[args[1]]))

    def wake_all():
        for glet in glets:
            Wakeup(hub).wake(glet, None)

    hub.loop.run_callback(wake_all)
    previous = greenlet.settrace(trace)
    try:
        sleep(0.01)
    finally:
        greenlet.settrace(previous)
    assert log == ["a", "b", "c"]
    assert switches == [("hub", "a"), ("a", "b"), ("b", "c"), ("c", "hub")]
    for glet in glets:   # (parked again: end them)
        hub.loop.run_callback(glet.throw, GreenletExit)
    sleep(0.01)
    assert all(glet.dead for glet in glets)


def test_a_cancelled_wakeup_is_skipped(hub):
    log = []
    glets = _parked(hub, "ab", log)

    def wake_then_cancel():
        first, second = Wakeup(hub), Wakeup(hub)
        first.wake(glets[0], 1)
        second.wake(glets[1], 2)
        second.cancel()      # b's wait ended another way
        assert not second.queued and second.greenlet is None

    hub.loop.run_callback(wake_then_cancel)
    sleep(0.01)
    assert log == [("a", 1)]
    assert not glets[1].dead
    hub.loop.run_callback(glets[1].switch, "by hand")
    sleep(0.01)
    assert log == [("a", 1), ("b", "by hand")]


def test_a_wakeup_queued_twice_delivers_once_with_the_last_value(hub):
    log = []
    (glet,) = _parked(hub, "a", log)

    def wake_twice():
        wakeup = Wakeup(hub)
        wakeup.wake(glet, "first")
        wakeup.wake(glet, "second")

    hub.loop.run_callback(wake_twice)
    sleep(0.01)
    assert log == [("a", "second")]


def test_an_error_of_a_woken_greenlet_is_reported_and_the_rest_still_run(hub, capsys):
    log = []

    def fail():
        hub.switch()
        raise Boom("woken and failed")

    failing = spawn_raw(fail)
    sleep(0)
    glets = _parked(hub, "bc", log)

    def wake_all():
        for glet in [failing, *glets]:
            Wakeup(hub).wake(glet, "v")

    hub.loop.run_callback(wake_all)
    sleep(0.01)
    assert log == [("b", "v"), ("c", "v")]
    err = capsys.readouterr().err
    assert "Boom: woken and failed" in err


# -- the Waiter ---------------------------------------------------------------------------------


def test_waiter_keeps_a_value_switched_before_get():
    w = Waiter()
    assert not w.ready()
    w.switch(5)
    assert w.ready() and w.successful()
    assert w.get() == 5
    assert w.get() == 5
    assert "value=5" in repr(w)


def test_waiter_keeps_an_exception_thrown_before_get():
    w = Waiter()
    w.throw(Boom, Boom("kept"), None)
    assert w.ready() and not w.successful()
    assert isinstance(w.exception, Boom)
    assert w.exc_info[0] is Boom
    with pytest.raises(Boom, match="kept"):
        w.get()
    w.clear()
    assert not w.ready()


def test_waiter_get_blocks_until_switched_from_the_hub(hub):
    w = Waiter()
    hub.loop.run_callback(w.switch, "value")
    assert w.get() == "value"
    assert not w.ready()   # the value went straight to the waiting greenlet

    gcore.timer(0.001, w.throw, Boom("thrown"), loop=hub.loop)
    with pytest.raises(Boom, match="thrown"):
        w.get()


def test_waiter_switch_args(hub):
    w = Waiter()
    hub.loop.run_callback(w.switch_args, 1, 2)
    assert w.get() == (1, 2)


def test_waiter_allows_one_waiting_greenlet():
    w = Waiter()
    g = spawn(w.get)
    sleep(0)
    with pytest.raises(RuntimeError, match="already has a waiting greenlet"):
        w.get()
    get_hub().loop.run_callback(w.switch, "for g")
    assert g.get() == "for g"


def test_waiter_switch_outside_the_hub_with_a_waiter_raises():
    w = Waiter()
    g = spawn(w.get)
    sleep(0)
    with pytest.raises(RuntimeError, match="from the hub"):
        w.switch(1)
    with pytest.raises(RuntimeError, match="from the hub"):
        w.throw(Boom)
    g.kill()


def test_waiter_as_a_link():
    w = Waiter()
    g = spawn(lambda: "result")
    g.rawlink(w)
    assert w.get() == "result"

    w = Waiter()
    g = spawn(lambda: 1 / 0)
    g.rawlink(w)
    with pytest.raises(ZeroDivisionError):
        w.get()


# -- context and threads --------------------------------------------------------------------


def test_exc_info_does_not_leak_between_greenlets():
    seen = []

    def in_except():
        try:
            raise Boom("mine")
        except Boom:
            sleep(0)
            seen.append(("own", sys.exc_info()[0]))

    def outside():
        seen.append(("other", sys.exc_info()))

    a = spawn(in_except)
    b = spawn(outside)
    try:
        raise KeyError("main's")
    except KeyError:
        sleep(0)   # a and b run while main is inside its except block
        assert sys.exc_info()[0] is KeyError
        ghub.joinall([a, b])
        assert sys.exc_info()[0] is KeyError
    assert seen == [("other", (None, None, None)), ("own", Boom)]


def test_two_threads_each_run_their_own_hub_concurrently(hub):
    results = {}
    flags = {"a": False, "b": False}
    errors = []

    def thread_main(name, other):
        try:
            h = get_hub()
            assert h is not hub and h.parent is getcurrent()
            seen_other = False
            gs = [spawn(sleep, 0.001) for _ in range(3)]
            for _ in range(2000):   # poll the other thread's progress, 1 ms at a time
                flags[name] = True
                if flags[other]:
                    seen_other = True
                    break
                sleep(0.001)
            ghub.joinall(gs)
            results[name] = (h, h.loop, seen_other, all(g.successful() for g in gs))
        except BaseException as exc:   # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=thread_main, args=("a", "b")),
               threading.Thread(target=thread_main, args=("b", "a"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors, errors
    (ha, la, sa, oka), (hb, lb, sb, okb) = results["a"], results["b"]
    assert ha is not hb and la is not lb
    assert not la.default and not lb.default
    assert ha.thread_ident != hb.thread_ident
    assert sa and sb and oka and okb


@pytest.mark.default_loop
def test_exception_from_a_python_signal_handler_reaches_the_blocked_main_greenlet():
    class HandlerError(Exception):
        pass

    def handler(signum, frame):
        raise HandlerError(signum)

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(HandlerError):
            with ghub.Timeout(10):
                sleep(5)   # the loop's poll is woken by the signal's wake-up fd
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_threadpool_is_made_once_from_threadpool_class(monkeypatch):
    made = []

    class FakePool:
        def __init__(self, size, hub):
            made.append((size, hub))

    hub = ghub.get_hub()
    monkeypatch.setattr(hub, "_threadpool", None, raising=False)
    monkeypatch.setattr(type(hub), "threadpool_class", FakePool)
    monkeypatch.setattr(type(hub), "threadpool_size", 3)
    pool = hub.threadpool
    assert hub.threadpool is pool
    assert made == [(3, hub)]


def test_threadpool_without_a_class_says_what_to_do(monkeypatch):
    hub = ghub.get_hub()
    monkeypatch.setattr(hub, "_threadpool", None, raising=False)
    monkeypatch.setattr(type(hub), "threadpool_class", None)
    with pytest.raises(RuntimeError, match="import gsync"):
        hub.threadpool  # noqa: B018  (the property raises)


# -- the hub's customization points: SYSTEM_ERROR, NOT_ERROR, handle_error, join -------


def test_system_error_and_not_error_defaults():
    assert Hub.SYSTEM_ERROR == (KeyboardInterrupt, SystemExit, SystemError)
    assert Hub.NOT_ERROR == (GreenletExit, SystemExit)


def test_system_error_in_a_greenlet_is_raised_in_the_main_greenlet_instead_of_printed(capsys):
    def fail():
        raise SystemError("internal")

    spawn(fail)
    with pytest.raises(SystemError, match="internal"):
        sleep(5)
    assert "SystemError" not in capsys.readouterr().err   # (the issue: "instead of printing")


def test_system_error_set_to_object_on_the_instance_propagates_every_error(hub, capsys):
    hub.SYSTEM_ERROR = object   # what test harnesses do

    def fail():
        raise Boom("to main")

    spawn(fail)
    with pytest.raises(Boom, match="to main"):
        sleep(5)
    # Raised instead of printed, and the hub goes on.
    assert "Boom" not in capsys.readouterr().err
    sleep(0)
    assert Hub.SYSTEM_ERROR == (KeyboardInterrupt, SystemExit, SystemError)


def test_system_error_set_on_a_subclass_and_not_error_silences(capsys):
    class QuietHub(Hub):
        SYSTEM_ERROR = (Boom,)
        NOT_ERROR = (Boom,)

    h = QuietHub(gcore.Loop())
    errors = []

    def run():
        try:
            h.handle_error("ctx", Boom, Boom("x"), None)
        except Boom as exc:   # (called from the main greenlet: raised at once)
            errors.append(exc)

    run()
    assert len(errors) == 1
    assert capsys.readouterr().err == ""
    h.throw(GreenletExit)


def test_handle_error_replaced_on_the_instance_gets_loop_callback_errors(hub):
    seen = []
    hub.handle_error = lambda context, t, v, tb: seen.append((context, t))

    def bad():
        raise Boom

    cb = hub.loop.run_callback(bad)
    sleep(0)
    assert seen == [(cb, Boom)]


def test_print_exception_overridden_by_a_subclass(capsys):
    printed = []

    class MyHub(Hub):
        def print_exception(self, context, type, value, tb):
            printed.append((str(context), type))

    h = MyHub(gcore.Loop())
    h.handle_error("somewhere", Boom, Boom(), None)
    assert printed == [("somewhere", Boom)]
    assert capsys.readouterr().err == ""
    h.throw(GreenletExit)


def test_hub_join_waits_for_everything_and_returns_true(hub):
    done = []
    spawn(lambda: (sleep(0.01), done.append(1)))
    gcore.timer(0.02, done.append, 2, loop=hub.loop)
    assert hub.join() is True
    assert done == [1, 2]
    assert hub.join() is True   # nothing left: at once


def test_hub_join_timeout_returns_false_and_leaves_the_rest(hub):
    g = spawn(sleep, 0.2)
    assert hub.join(timeout=0.01) is False
    assert not g.dead
    assert hub.join(timeout=5) is True
    assert g.dead


def test_hub_join_checks_where_it_is_called_from_and_its_timeout(hub):
    with pytest.raises(ValueError):
        hub.join(-1)
    g = spawn(hub.join)
    g.join()
    assert isinstance(g.exception, RuntimeError)
    assert "main greenlet" in str(g.exception)


def test_hub_join_of_a_dead_hub_is_true():
    h = Hub(gcore.Loop())
    h.throw(GreenletExit)
    assert h.dead and h.join() is True


def test_hub_loop_has_what_libraries_call(hub):
    loop = hub.loop
    calls = []
    loop.run_callback(calls.append, "callback")
    t = loop.timer(0.001)
    t.start(calls.append, "timer")
    a, b = __import__("socket").socketpair()
    try:
        io = loop.io(a.fileno(), 1)
        io.start(lambda: (calls.append(a.recv(5)), io.stop()))
        b.send(b"io")
        before = loop.now()
        loop.update_now()
        assert loop.now() >= before
        sleep(0.05)
    finally:
        io.stop()
        a.close()
        b.close()
    assert calls[0] == "callback" and sorted(calls[1:], key=str) == [b"io", "timer"]


# -- a thread's hub ends with its thread ----------------------------------------------


def _open_fds():
    return len(os.listdir("/proc/self/fd"))


def _assert_threads_leave_no_loop(work, n):
    """Run ``work`` in ``n`` threads one after the other (after two to warm up):
    no ``gcore.Loop`` and none of its descriptors may be left afterwards."""
    import gc

    def run_threads(count):
        for _ in range(count):
            t = threading.Thread(target=work)
            t.start()
            t.join(10)
            assert not t.is_alive()

    run_threads(2)   # warm up (imports, the first thread's leftovers)
    gc.collect()
    start = _open_fds()
    loops_before = sum(1 for o in gc.get_objects() if type(o) is gcore.Loop)
    run_threads(n)
    gc.collect()
    # Each leaked loop held 4 descriptors (epoll, its wake-up pair...): none may be left.
    assert _open_fds() - start <= 1
    assert sum(1 for o in gc.get_objects() if type(o) is gcore.Loop) - loops_before <= 0


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
                    reason="counts descriptors through /proc/self/fd (Linux)")
def test_threads_running_hubs_do_not_leak_their_loops():
    results = []

    def work():
        h = get_hub()
        g = spawn(sleep, 0.001)
        sleep(0)
        g.join()
        results.append(g.successful() and h.loop.ref_count == 0)

    _assert_threads_leave_no_loop(work, 20)
    assert results == [True] * 22


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
                    reason="counts descriptors through /proc/self/fd (Linux)")
def test_timers_still_armed_when_a_thread_ends_do_not_keep_its_loop():
    # A timer or a spawn_later armed in a thread that ends holds itself until
    # it fires, which it never will: the ending hub cancels it, so that the
    # loop and its descriptors go with the thread.
    fired = []

    def work():
        h = get_hub()
        ghub.spawn_later(3600, fired.append, "spawn_later")
        gcore.timer(3600, fired.append, "timer", loop=h.loop)
        sleep(0.001)

    _assert_threads_leave_no_loop(work, 10)
    assert fired == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
                    reason="counts descriptors through /proc/self/fd (Linux)")
def test_a_threads_hub_is_stopped_when_the_thread_ends_without_gc():
    import weakref

    refs = []

    def work():
        h = get_hub()
        sleep(0.001)
        refs.append(weakref.ref(h))
        refs.append(h.loop)

    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    hub_ref, loop = refs
    # Stopped in its thread as it ended: dead, its run() returned.
    hub = hub_ref()
    assert hub is None or hub.dead
    assert loop.error_handler is None   # the hub <-> loop cycle is broken


def test_print_exception_replaced_on_the_instance(hub, monkeypatch, capsys):
    printed = []
    monkeypatch.setattr(hub, "print_exception",
                        lambda context, t, v, tb: printed.append((context, t)))

    def fail():
        raise Boom

    g = spawn(fail)
    g.join()
    assert printed == [(g, Boom)]
    assert capsys.readouterr().err == ""
