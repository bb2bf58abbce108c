"""ghub.greenlet: Greenlet, spawn*, join/get/kill, links, joinall/killall, contexts.

The 0.13 reference's "Lightweight pseudothreads" and "Greenlet objects" /
"Spawn helpers" sections, example by example.
"""

import contextvars
import gc
import re
import weakref

import pytest
from greenlet import getcurrent, greenlet

import ghub
from ghub import (
    Greenlet,
    GreenletExit,
    LinkedCompleted,
    LinkedExited,
    LinkedFailed,
    LinkedKilled,
    Timeout,
    get_hub,
    joinall,
    killall,
    sleep,
    spawn,
)


class Boom(Exception):
    pass


class MyNoopGreenlet(Greenlet):
    # The reference's subclassing example, word for word (gevent -> ghub).

    def __init__(self, seconds):
        Greenlet.__init__(self)
        self.seconds = seconds

    def _run(self):
        ghub.sleep(self.seconds)

    def __str__(self):
        return "MyNoopGreenlet(%s)" % self.seconds  # noqa: UP031


def myfunction(*args, **kwargs):
    return args, kwargs


# -- creating and starting ---------------------------------------------------------------------


def test_greenlet_constructor_and_start():
    g = Greenlet(myfunction, "arg1", "arg2", kwarg1=1)
    assert isinstance(g, greenlet)
    assert not g.started and not g.ready()
    g.start()
    assert g.started and not g.ready()
    g.join()
    assert g.value == (("arg1", "arg2"), {"kwarg1": 1})
    assert g.ready() and g.successful() and g.dead


def test_spawn_classmethod_is_a_shortcut():
    g = Greenlet.spawn(myfunction, "arg1", "arg2", kwarg1=1)
    assert type(g) is Greenlet and g.started
    assert g.get() == (("arg1", "arg2"), {"kwarg1": 1})
    assert ghub.spawn(myfunction, 1).get() == ((1,), {})


def test_start_schedules_the_greenlet_after_the_current_one_yields():
    order = []
    g = spawn(order.append, "g")
    order.append("after spawn")
    assert not g and not g.dead
    sleep(0)
    assert order == ["after spawn", "g"]


def test_start_twice_is_harmless():
    calls = []
    g = Greenlet(calls.append, 1)
    g.start()
    g.start()
    g.join()
    g.start()
    sleep(0)
    assert calls == [1]


def test_greenlet_runs_with_the_hub_as_parent(hub):
    g = spawn(getcurrent)
    assert g.parent is hub
    assert g.get() is g


def test_start_later_and_spawn_later():
    order = []
    late = Greenlet(order.append, "late")
    late.start_later(0.02)
    assert late.started
    ghub.spawn_later(0.01, order.append, "soon")
    Greenlet.spawn_later(0, order.append, "now")
    joinall([late])
    assert order == ["now", "soon", "late"]


def test_spawn_later_rejects_bad_seconds():
    with pytest.raises(TypeError):
        ghub.spawn_later("x", myfunction)
    with pytest.raises(ValueError):
        ghub.spawn_later(-1, myfunction)
    with pytest.raises(TypeError):
        Greenlet(myfunction).start_later(None)


def test_spawn_rejects_a_non_callable_at_once():
    # Every spawn*() function words it the same way, whatever the bad value.
    for bad, kind in ((42, "int"), (None, "NoneType"), ("f", "str")):
        for helper in (spawn, ghub.spawn_link, ghub.spawn_link_value, ghub.spawn_link_exception,
                       ghub.spawn_raw, lambda f: ghub.spawn_later(1, f)):
            with pytest.raises(TypeError, match=f"^function must be callable, not {kind}$"):
                helper(bad)
    with pytest.raises(TypeError, match="must be callable"):
        Greenlet("not a function")
    for helper in (ghub.spawn, ghub.spawn_link, ghub.spawn_link_value,
                   ghub.spawn_link_exception):
        with pytest.raises(TypeError, match="must be callable"):
            helper(None)
    with pytest.raises(TypeError, match="must be callable"):
        ghub.spawn_later(1, None)


def test_joinall_and_killall_name_a_bad_item():
    g = spawn(lambda: None)
    bad_item = r"^joinall\(\) greenlets\[1\] must be a greenlet, not int: 5$"
    with pytest.raises(TypeError, match=bad_item):
        joinall([g, 5])
    with pytest.raises(TypeError, match=r"^joinall\(\) greenlets must be an iterable of greenlets"):
        joinall(g)
    with pytest.raises(TypeError, match=r"^killall\(\) greenlets\[0\] must be a greenlet, not str"):
        ghub.killall(["x", g])
    assert not g.dead   # nothing was done before the check failed
    joinall([g])
    assert g.dead


def test_value_and_exception_properties(capsys):
    ok = spawn(lambda: 42)
    bad = spawn(lambda: 1 / 0)
    assert ok.value is None and ok.exception is None
    assert not ok.successful()
    joinall([ok, bad])
    assert ok.value == 42 and ok.exception is None and ok.successful()
    assert bad.value is None and isinstance(bad.exception, ZeroDivisionError)
    assert bad.ready() and not bad.successful()
    assert "failed with ZeroDivisionError" in capsys.readouterr().err


# -- errors -------------------------------------------------------------------------------------


def test_unhandled_error_prints_traceback_and_signature(capsys):
    # >>> gevent.spawn(lambda : 1/0)
    # >>> gevent.sleep(1)
    g = ghub.spawn(lambda: 1 / 0)
    ghub.sleep(0.01)
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: division by zero" in err
    assert re.search(r"<Greenlet at 0x[0-9a-f]+: <function .*<lambda> at 0x[0-9a-f]+>\(\)> "
                     r"failed with ZeroDivisionError\n\n$", err), err
    assert isinstance(g.exception, ZeroDivisionError)


def test_failure_line_shows_function_and_arguments(capsys):
    def divide(a, b, *, rounding=None):
        return a / b

    spawn(divide, 1, 0, rounding="up").join()
    err = capsys.readouterr().err
    assert re.search(r"<Greenlet at 0x[0-9a-f]+: test_failure_line_shows_function_and_arguments"
                     r"\.<locals>\.divide\(1, 0, rounding='up'\)> failed with ZeroDivisionError",
                     err), err


def test_subclass_str_names_the_greenlet_in_error_reports(capsys):
    class Named(Greenlet):
        def _run(self):
            raise Boom

        def __str__(self):
            return "Named()"

    Named.spawn().join()
    assert capsys.readouterr().err.endswith("Named() failed with Boom\n\n")


def test_greenlet_exit_ends_a_greenlet_silently_and_is_returned_by_get(capsys):
    class MyExit(GreenletExit):
        pass

    def quit():
        raise MyExit("bye")

    g = spawn(quit)
    result = g.get()
    assert isinstance(result, MyExit) and result.args == ("bye",)
    assert g.successful() and g.value is result and g.exception is None
    assert capsys.readouterr().err == ""


def test_repr_while_alive_and_after():
    g = Greenlet(myfunction, 1, "two", x=[3])
    assert re.fullmatch(r"<Greenlet at 0x[0-9a-f]+: myfunction\(1, 'two', x=\[3\]\)>", repr(g))
    assert str(g) == repr(g)
    g.start()
    g.join()
    sleep(0)   # (the links, join's included, see the function; then it is dropped)
    assert re.fullmatch(r"<Greenlet at 0x[0-9a-f]+>", repr(g))
    assert g.args == () and g.kwargs == {}


def test_repr_truncates_long_arguments():
    g = Greenlet(myfunction, "x" * 1000)
    assert len(repr(g)) < 120


def test_a_finished_greenlet_drops_its_function_and_arguments():
    class Payload:
        pass

    payload = Payload()
    ref = weakref.ref(payload)
    g = spawn(lambda p: None, payload)
    del payload
    g.join()
    sleep(0)
    gc.collect()
    assert ref() is None


# -- join and get ------------------------------------------------------------------------------


def test_join_returns_none():
    g = spawn(lambda: 5)
    assert g.join() is None
    assert g.join() is None   # when already dead, too


def test_join_with_a_timeout_returns_silently():
    g = spawn(sleep, 5)
    assert g.join(timeout=0.01) is None
    assert not g.ready()
    g.kill()


def test_join_rejects_a_bad_timeout():
    g = spawn(lambda: None)
    with pytest.raises(TypeError):
        g.join(timeout="x")
    with pytest.raises(ValueError):
        g.join(timeout=-1)
    with pytest.raises(TypeError):
        g.get(timeout="x")
    g.join()


def test_get_returns_the_value_or_raises_the_exception(capsys):
    assert spawn(lambda: "v").get() == "v"
    g = spawn(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        g.get()
    with pytest.raises(ZeroDivisionError):
        g.get(block=False)   # ready: no blocking needed
    capsys.readouterr()


def test_get_non_blocking_raises_timeout_when_not_ready():
    g = spawn(lambda: "late")
    with pytest.raises(Timeout):
        g.get(block=False)
    assert g.get() == "late"


def test_get_with_a_timeout_raises_timeout():
    g = spawn(sleep, 5)
    with pytest.raises(Timeout) as info:
        g.get(timeout=0.01)
    assert info.value.seconds == 0.01
    assert not g.ready()
    g.kill()


def test_join_is_interrupted_by_an_outer_timeout():
    g = spawn(sleep, 5)
    with pytest.raises(Timeout):
        with Timeout(0.01):
            g.join(timeout=1)
    g.kill()


def test_many_greenlets_join_one():
    target = spawn(sleep, 0.01)
    joiners = [spawn(target.join) for _ in range(5)]
    joinall(joiners)
    assert target.ready()
    assert all(j.successful() for j in joiners)


# -- kill -----------------------------------------------------------------------------------------


def test_kill_a_started_greenlet_reference_example(capsys):
    # >>> g = MyNoopGreenlet(4)
    # >>> g.start()
    # >>> g.kill()
    # >>> g.dead
    # True
    g = MyNoopGreenlet(4)
    g.start()
    g.kill()
    assert g.dead is True
    assert isinstance(g.get(), GreenletExit)
    assert capsys.readouterr().err == ""


def test_kill_resumes_a_sleeping_greenlet_with_greenlet_exit(capsys):
    events = []

    def sleeper():
        try:
            sleep(4)
        except GreenletExit:
            events.append("GreenletExit")
            raise
        events.append("continued")

    g = spawn(sleeper)
    sleep(0)
    g.kill()
    assert events == ["GreenletExit"]
    assert g.dead and g.successful() and isinstance(g.value, GreenletExit)
    assert capsys.readouterr().err == ""


def test_kill_with_an_exception_reference_example(capsys):
    # >>> g = MyNoopGreenlet.spawn(5) # spawn() creates a Greenlet and starts it
    # >>> g.kill(Exception("A time to kill"))
    # Traceback (most recent call last):
    #  ...
    # Exception: A time to kill
    # MyNoopGreenlet(5) failed with Exception
    g = MyNoopGreenlet.spawn(5)
    assert g.kill(Exception("A time to kill")) is None
    err = capsys.readouterr().err
    assert "Exception: A time to kill\n" in err
    assert err.endswith("MyNoopGreenlet(5) failed with Exception\n\n")
    assert g.dead and str(g.exception) == "A time to kill"


def test_kill_a_running_greenlet_with_an_exception_prints_its_traceback(capsys):
    g = MyNoopGreenlet.spawn(5)
    sleep(0)   # g is in its sleep
    g.kill(Exception("A time to kill"))
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "in _run" in err and "Exception: A time to kill\n" in err
    assert err.endswith("MyNoopGreenlet(5) failed with Exception\n\n")
    with pytest.raises(Exception, match="A time to kill"):
        g.get()


def test_kill_an_unstarted_greenlet(capsys):
    ran = []
    g = Greenlet(ran.append, "ran")
    g.kill()
    assert g.dead is True and not g.started
    assert isinstance(g.value, GreenletExit)
    g.start()   # too late: it never runs
    sleep(0.01)
    assert ran == []

    g = Greenlet(ran.append, "ran")
    g.kill(Boom("never started"))
    assert g.dead and isinstance(g.exception, Boom)
    sleep(0.01)
    assert ran == []
    assert capsys.readouterr().err == ""   # nothing printed


def test_kill_a_scheduled_greenlet_before_it_runs(capsys):
    ran = []
    g = spawn(ran.append, "ran")
    g.kill()
    assert g.dead
    sleep(0.01)
    assert ran == []
    assert capsys.readouterr().err == ""

    g = Greenlet(ran.append, "ran")
    g.start_later(0.001)
    g.kill()
    sleep(0.01)
    assert ran == [] and g.dead


def test_kill_blocks_by_default():
    # 0.13.0: "block is now True by default"
    events = []

    def slow_death():
        try:
            sleep(5)
        finally:
            sleep(0.01)   # cleanup that blocks
            events.append("cleaned up")

    g = spawn(slow_death)
    sleep(0)
    g.kill()
    assert events == ["cleaned up"] and g.dead


def test_kill_non_blocking_returns_at_once():
    g = spawn(sleep, 5)
    sleep(0)
    g.kill(block=False)
    assert not g.dead
    g.join()
    assert g.dead and isinstance(g.value, GreenletExit)


def test_kill_with_a_timeout_when_the_greenlet_ignores_it():
    events = []

    def stubborn():
        try:
            sleep(5)
        except GreenletExit:
            events.append("ignored")
        sleep(0.05)
        events.append("done")

    g = spawn(stubborn)
    sleep(0)
    assert g.kill(timeout=0.01) is None   # returns, does not raise
    assert events == ["ignored"] and not g.dead
    g.join()
    assert events == ["ignored", "done"]


def test_kill_a_dead_greenlet_does_nothing(hub):
    g = spawn(lambda: 1)
    g.join()
    g.kill()
    g.kill(Boom)
    assert g.value == 1 and g.successful()
    assert hub.loop.pending_callbacks == 0


def test_kill_rejects_bad_arguments():
    g = spawn(sleep, 1)
    with pytest.raises(TypeError, match="exception must be"):
        g.kill("boom")
    with pytest.raises(TypeError):
        g.kill(timeout="x")
    with pytest.raises(ValueError):
        g.kill(timeout=-1)
    assert not g.dead
    g.kill()


def test_kill_from_inside_the_greenlet():
    after = []

    def suicide():
        getcurrent().kill()
        after.append("not reached")

    g = spawn(suicide)
    g.join()
    assert after == [] and isinstance(g.value, GreenletExit)


def test_kill_from_the_hub_does_not_block(hub):
    g = spawn(sleep, 5)
    sleep(0)
    hub.loop.run_callback(g.kill)
    g.join()
    assert isinstance(g.value, GreenletExit)


def test_module_kill_on_a_greenlet_is_asynchronous():
    g = spawn(sleep, 5)
    sleep(0)
    ghub.kill(g, Boom)
    assert not g.dead
    with pytest.raises(Boom):
        g.get()


# -- links --------------------------------------------------------------------------------


def test_link_callable_runs_in_its_own_greenlet(hub, main_greenlet):
    calls = []

    def receiver(source):
        current = getcurrent()
        calls.append((source, current is not hub and current is not main_greenlet))
        sleep(0)   # it may block: it has its own greenlet
        calls.append("after sleep")

    g = spawn(lambda: 1)
    g.link(receiver)
    g.join()
    sleep(0.01)
    assert calls == [(g, True), "after sleep"]


def test_link_greenlet_receives_linked_completed():
    g = spawn(myfunction, 1)

    def receiver():
        try:
            sleep(5)
        except LinkedExited as exc:
            return exc

    r = spawn(receiver)
    g.link(r)
    exc = r.get()
    assert type(exc) is LinkedCompleted and exc.source is g
    assert "completed successfully" in str(exc)


def test_link_greenlet_receives_linked_failed(capsys):
    g = spawn(lambda: 1 / 0)

    def receiver():
        try:
            sleep(5)
        except LinkedExited as exc:
            return exc

    r = spawn(receiver)
    g.link(r)
    exc = r.get()
    assert type(exc) is LinkedFailed
    assert str(exc).endswith("failed with ZeroDivisionError")
    assert "<lambda>" in str(exc)   # the greenlet's repr still has its function
    capsys.readouterr()


def test_link_greenlet_receives_linked_killed():
    g = spawn(sleep, 5)

    def receiver():
        try:
            sleep(5)
        except LinkedExited as exc:
            return exc

    r = spawn(receiver)
    g.link(r)
    sleep(0)
    g.kill()
    exc = r.get()
    assert type(exc) is LinkedKilled and isinstance(exc, LinkedCompleted)
    assert str(exc).endswith("returned GreenletExit")


def test_link_defaults_to_the_current_greenlet():
    g = spawn(lambda: None)
    g.link()
    with pytest.raises(LinkedCompleted) as info:
        sleep(5)
    assert info.value.source is g


def test_link_to_a_dead_greenlet_notifies_asynchronously():
    calls = []
    g = spawn(lambda: 1)
    g.join()
    g.link(calls.append)
    g.rawlink(calls.append)
    assert calls == []   # not now
    sleep(0)
    assert calls == [g, g]


def test_link_current_to_a_dead_greenlet_raises_at_once():
    g = spawn(lambda: 1)
    g.join()
    with pytest.raises(LinkedCompleted):
        g.link()


def test_link_value_and_link_exception(capsys):
    calls = []
    ok = spawn(lambda: "ok")
    bad = spawn(lambda: 1 / 0)
    for g in (ok, bad):
        g.link_value(lambda s: calls.append(("value", s)))
        g.link_exception(lambda s: calls.append(("exception", s)))
    joinall([ok, bad])
    sleep(0.01)
    assert sorted(calls, key=lambda c: c[0]) == [("exception", bad), ("value", ok)]
    capsys.readouterr()


def test_link_value_to_the_current_greenlet_on_a_dead_one():
    ok = spawn(lambda: "ok")
    ok.join()
    ok.link_exception()   # not a failure: nothing happens
    with pytest.raises(LinkedCompleted):
        ok.link_value()


def test_link_exception_to_a_greenlet(capsys):
    bad = spawn(lambda: 1 / 0)
    bad.link_exception()
    with pytest.raises(LinkedFailed):
        sleep(5)
    good = spawn(lambda: None)
    good.link_exception()
    sleep(0.01)   # not raised: good did not fail
    capsys.readouterr()


def test_rawlink_runs_in_the_hub_in_order(hub):
    calls = []
    g = spawn(lambda: None)
    for i in range(3):
        g.rawlink(lambda source, i=i: calls.append((i, source, getcurrent() is hub)))
    g.join()
    sleep(0)
    assert calls == [(0, g, True), (1, g, True), (2, g, True)]


def test_rawlink_rejects_a_non_callable():
    g = spawn(lambda: None)
    with pytest.raises(TypeError):
        g.rawlink("callback")
    with pytest.raises(TypeError):
        g.link(42)
    g.join()


def test_unlink():
    calls = []

    def receiver(source):
        calls.append(source)

    g = spawn(lambda: None)
    g.link(receiver)
    g.rawlink(receiver)
    g.link_value(receiver)
    g.unlink(receiver)
    g.link()
    g.unlink()   # the current greenlet
    g.unlink(lambda s: None)   # never linked: no error
    g.join()
    sleep(0.01)
    assert calls == []


def test_a_failing_link_is_reported(capsys):
    def bad_link(source):
        raise Boom("in link")

    g = spawn(lambda: None)
    g.rawlink(bad_link)
    ran = []
    g.rawlink(ran.append)
    g.join()
    sleep(0)
    assert ran == [g]   # the next links still run
    err = capsys.readouterr().err
    assert "Boom: in link" in err
    assert re.search(r"link .*bad_link.* of <Greenlet .*> failed with Boom", err), err


def test_spawn_link_helpers(capsys):
    g = ghub.spawn_link(lambda: None)
    with pytest.raises(LinkedCompleted) as info:
        sleep(5)
    assert info.value.source is g

    ghub.spawn_link_value(lambda: 1 / 0)
    ghub.spawn_link_exception(lambda: None)
    sleep(0.01)   # neither notifies

    ghub.spawn_link_exception(lambda: 1 / 0)
    with pytest.raises(LinkedFailed):
        sleep(5)
    g = Greenlet.spawn_link_value(lambda: 2)
    with pytest.raises(LinkedCompleted):
        sleep(5)
    assert g.value == 2
    capsys.readouterr()


def test_link_a_greenlet_that_never_ran(capsys):
    # A LinkedExited thrown into a receiver that has not run yet ends it.
    source = spawn(lambda: None)
    receiver = Greenlet(sleep, 5)
    receiver.start()
    source.link(receiver)
    receiver.join()
    assert isinstance(receiver.exception, LinkedCompleted)
    assert "failed with LinkedCompleted" in capsys.readouterr().err


# -- joinall, killall ----------------------------------------------------------------------------


def test_joinall_waits_for_every_greenlet():
    gs = [spawn(sleep, n / 1000) for n in (3, 1, 2)]
    assert joinall(gs) is None
    assert all(g.successful() for g in gs)
    joinall([])


def test_joinall_timeout_returns_silently():
    fast = spawn(lambda: 1)
    slow = spawn(sleep, 5)
    assert joinall([fast, slow], timeout=0.01) is None
    assert fast.ready() and not slow.ready()
    slow.kill()


def test_joinall_raise_error_raises_the_first_failure_at_once(capsys):
    def fail():
        sleep(0.001)
        raise Boom("first")

    slow = spawn(sleep, 5)
    bad = spawn(fail)
    with pytest.raises(Boom, match="first"):
        joinall([slow, bad], raise_error=True)
    assert not slow.ready()
    with pytest.raises(Boom, match="first"):
        joinall([slow, bad], raise_error=True)   # already failed: at once
    slow.kill()
    capsys.readouterr()


def test_joinall_without_raise_error_ignores_failures(capsys):
    gs = [spawn(lambda: 1 / 0), spawn(lambda: 2)]
    joinall(gs)
    assert [g.ready() for g in gs] == [True, True]
    capsys.readouterr()


def test_joinall_rejects_a_bad_timeout():
    with pytest.raises(TypeError):
        joinall([], timeout="x")


def test_killall():
    gs = [spawn(sleep, 5) for _ in range(3)]
    sleep(0)
    assert killall(gs) is None
    assert all(g.dead and isinstance(g.value, GreenletExit) for g in gs)


def test_killall_with_an_exception_and_not_started_greenlets(capsys):
    running = spawn(sleep, 5)
    sleep(0)
    unstarted = Greenlet(sleep, 5)
    killall([running, unstarted], Boom)
    assert isinstance(running.exception, Boom)
    assert isinstance(unstarted.exception, Boom) and unstarted.dead
    err = capsys.readouterr().err
    assert err.count("failed with Boom") == 1   # the one that ran


def test_killall_raw_greenlets():
    events = []

    def raw():
        try:
            sleep(5)
        except GreenletExit:
            events.append("killed")

    gs = [ghub.spawn_raw(raw) for _ in range(2)]
    sleep(0)
    killall(gs)
    assert events == ["killed", "killed"] and all(g.dead for g in gs)


def test_killall_non_blocking():
    gs = [spawn(sleep, 5) for _ in range(2)]
    sleep(0)
    killall(gs, block=False)
    assert not any(g.dead for g in gs)
    joinall(gs)
    assert all(g.dead for g in gs)


def test_killall_timeout_with_greenlets_that_ignore_it():
    def stubborn():
        try:
            sleep(5)
        except GreenletExit:
            pass
        sleep(0.05)

    gs = [spawn(stubborn) for _ in range(2)]
    sleep(0)
    assert killall(gs, timeout=0.01) is None
    assert not any(g.dead for g in gs)
    joinall(gs)


def test_killall_rejects_bad_arguments():
    with pytest.raises(TypeError):
        killall([], exception="x")
    with pytest.raises(TypeError):
        killall([], timeout="x")


# -- context ------------------------------------------------------------------------------


var = contextvars.ContextVar("var", default="unset")


def test_each_greenlet_runs_in_a_copy_of_its_spawners_context():
    var.set("main")

    def child(value):
        seen = var.get()
        var.set(value)
        sleep(0)
        return seen, var.get()

    a = spawn(child, "a")
    var.set("changed after spawning a")
    b = spawn(child, "b")
    assert a.get() == ("main", "a")
    assert b.get() == ("changed after spawning a", "b")
    assert var.get() == "changed after spawning a"   # the children's changes stay theirs


def test_grandchildren_inherit_their_parents_context():
    var.set("main")

    def parent():
        var.set("parent")
        return spawn(var.get).get()

    assert spawn(parent).get() == "parent"


def test_link_receivers_run_in_the_linkers_context():
    var.set("linker")
    seen = []
    g = spawn(lambda: None)
    g.link(lambda source: seen.append(var.get()))
    var.set("changed")
    g.join()
    sleep(0)
    assert seen == ["linker"]


def test_spawn_raw_runs_in_a_copy_of_the_context():
    var.set("main")

    def raw():
        seen.append(var.get())
        var.set("raw")

    seen = []
    ghub.spawn_raw(raw)
    sleep(0)
    assert seen == ["main"] and var.get() == "main"


def test_the_started_property():
    g = Greenlet(lambda: None)
    assert not g.started
    g.start()
    assert g.started
    g.join()
    assert g.started

    switched = Greenlet(lambda: None)
    get_hub().loop.run_callback(switched.switch)   # switched into without start()
    assert not switched.started
    sleep(0)
    assert switched.started and switched.dead


# -- name, minimal_ident, exc_info (today's gevent's names) ----------------------------


def test_name_defaults_to_greenlet_and_its_minimal_ident():
    g = Greenlet(sleep, 0)
    assert re.fullmatch(r"<Greenlet at 0x[0-9a-f]+: .*>", repr(g))   # 0.13's, until asked
    assert g.name == f"Greenlet-{g.minimal_ident}"
    assert repr(g).startswith(f'<Greenlet "{g.name}" at 0x')


def test_name_is_settable_and_shown_in_the_failure_line(capsys):
    def fail():
        raise Boom

    g = Greenlet(fail)
    g.name = "worker"
    assert g.name == "worker"
    g.start()
    g.join()
    err = capsys.readouterr().err
    # The 0.13 failure line: str() of the greenlet, which shows the name once set.
    assert re.search(r'<Greenlet "worker" at 0x[0-9a-f]+: .*fail\(\)> failed with Boom\n\n$',
                     err), err
    with pytest.raises(TypeError, match="name must be a str, not int"):
        g.name = 5


def test_minimal_ident_is_small_unique_among_live_greenlets_and_reused():
    hub = get_hub()
    assert len(hub.ident_registry) == 0   # (a fresh hub per test)
    gs = [Greenlet(sleep, 0) for _ in range(5)]
    assert [g.minimal_ident for g in gs] == [1, 2, 3, 4, 5]
    assert gs[2].minimal_ident == 3   # stable
    del gs[2]
    gc.collect()
    newcomer = Greenlet(sleep, 0)
    assert newcomer.minimal_ident == 3   # the smallest free number
    assert Greenlet(sleep, 0).minimal_ident == 6
    assert len(hub.ident_registry) == 5   # (that last one is gone already)


def test_exc_info_of_a_failed_greenlet():
    def fail():
        raise Boom("x")

    g = spawn(fail)
    assert g.exc_info is None   # not run yet
    g.join()
    typ, value, tb = g.exc_info
    assert typ is Boom and value is g.exception
    assert _frame_names(tb)[-1] == "fail"
    with pytest.raises(Boom):
        g.get()
    # get() re-raised it (the exception's traceback grew); exc_info keeps the failure's.
    assert "get" in _frame_names(value.__traceback__)
    assert "get" not in _frame_names(g.exc_info[2])
    assert _frame_names(g.exc_info[2])[-1] == "fail"


def _frame_names(tb):
    names = []
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name.rpartition(".")[2])   # (compiled: qualified)
        tb = tb.tb_next
    return names


def test_exc_info_is_none_on_success_and_on_greenletexit():
    ok = spawn(lambda: 1)
    killed = spawn(sleep, 5)
    sleep(0)
    killed.kill()
    ok.join()
    assert ok.exc_info is None and killed.exc_info is None
    assert killed.successful()


def test_exc_info_of_a_greenlet_killed_with_an_error_before_it_ran(capsys):
    g = Greenlet(sleep, 0)
    g.kill(Boom("early"))
    typ, value, _ = g.exc_info
    assert typ is Boom and str(value) == "early"
    assert capsys.readouterr().err == ""   # never started: not reported
