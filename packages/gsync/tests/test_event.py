"""gsync.event: Event and AsyncResult; the 0.13 reference's examples, threading.Event's rules."""

import re
import time
import weakref

import pytest

import ghub
from ghub import Timeout
from gsync.event import AsyncResult, Event

# -- Event ---------------------------------------------------------------------


def test_event_flag():
    event = Event()
    assert not event.is_set()
    assert not event.isSet()
    assert not event.ready()
    event.set()
    assert event.is_set() and event.isSet() and event.ready()
    event.set()
    assert event.is_set()
    event.clear()
    assert not event.is_set()
    event.clear()
    assert not event.is_set()


def test_event_wait_returns_the_flag():
    event = Event()
    event.set()
    assert event.wait() is True
    assert event.wait(0) is True
    event.clear()
    assert event.wait(0) is False
    assert event.wait(0.01) is False


def test_event_wakes_every_waiter_in_order():
    event = Event()
    woken = []

    def waiter(i):
        woken.append((i, event.wait()))

    for i in range(5):
        ghub.spawn(waiter, i)
    ghub.sleep(0)
    assert woken == []
    event.set()
    assert woken == []  # set() never blocks nor switches
    ghub.sleep(0)
    assert woken == [(i, True) for i in range(5)]


def test_event_wait_twice_after_set():
    # threading's test_notify: each waiter waits twice, both return True.
    event = Event()
    results1, results2 = [], []

    def f():
        results1.append(event.wait())
        results2.append(event.wait())

    greenlets = [ghub.spawn(f) for _ in range(5)]
    ghub.sleep(0)
    assert results1 == []
    event.set()
    ghub.joinall(greenlets)
    assert results1 == [True] * 5
    assert results2 == [True] * 5


def test_set_then_clear_still_wakes_every_waiter():
    # 0.11's fix and CPython's gh-57711: wait() returns True although the flag was cleared.
    event = Event()
    results = []
    greenlets = [ghub.spawn(lambda: results.append(event.wait(10))) for _ in range(5)]
    ghub.sleep(0)
    event.set()
    event.clear()
    ghub.joinall(greenlets, timeout=5)
    assert results == [True] * 5


def test_wait_started_after_set_then_clear_blocks():
    event = Event()
    results = []
    early = ghub.spawn(lambda: results.append(("early", event.wait())))
    ghub.sleep(0)
    event.set()
    event.clear()
    late = ghub.spawn(lambda: results.append(("late", event.wait(0.05))))
    ghub.joinall([early, late])
    assert results == [("early", True), ("late", False)]


def test_event_wait_timeout_returns_false_and_unlinks():
    event = Event()

    def f():
        immediate = event.wait(0.0)
        start = time.monotonic()
        later = event.wait(0.05)
        return immediate, later, time.monotonic() - start

    greenlets = [ghub.spawn(f) for _ in range(3)]
    ghub.joinall(greenlets)
    for g in greenlets:
        immediate, later, elapsed = g.value
        assert immediate is False and later is False
        assert elapsed >= 0.04
    assert not event._links


def test_event_wait_interrupted_by_outer_timeout_propagates():
    event = Event()
    with pytest.raises(Timeout) as info:
        with Timeout(0.01) as outer:
            event.wait(5)
    assert info.value is outer
    assert not event._links


def test_event_wait_killed_unlinks():
    event = Event()
    g = ghub.spawn(event.wait)
    ghub.sleep(0)
    assert len(event._links) == 1
    g.kill()
    assert not event._links
    assert isinstance(g.value, ghub.GreenletExit)


def test_event_set_with_no_waiter_does_not_touch_the_hub():
    event = Event()
    hub = ghub.get_hub()
    before = hub.loop.pending_callbacks
    for _ in range(100):
        event.set()
        event.clear()
    assert hub.loop.pending_callbacks == before


def test_event_set_from_the_hub():
    event = Event()
    results = []
    g = ghub.spawn(lambda: results.append(event.wait()))
    ghub.sleep(0)
    ghub.get_hub().loop.run_callback(event.set)
    g.join()
    assert results == [True]


def test_event_wait_bad_timeout():
    event = Event()
    with pytest.raises(ValueError):
        event.wait(-1)
    with pytest.raises(TypeError):
        event.wait("1")


def test_event_repr():
    event = Event()
    assert re.match(r"<\w+\.Event at .*: unset>", repr(event))
    event.set()
    assert re.match(r"<\w+\.Event at .*: set>", repr(event))


def test_event_weakref():
    event = Event()
    ref = weakref.ref(event)
    assert ref() is event
    del event
    assert ref() is None


def test_event_wait_forever_raises_loop_exit():
    with pytest.raises(ghub.LoopExit):
        Event().wait()


# -- AsyncResult ---------------------------------------------------------------


def test_asyncresult_set_get_example():
    # The 0.13 reference's first example.
    result = AsyncResult()
    result.set(100)
    assert result.get() == 100


def test_asyncresult_set_exception_example():
    result = AsyncResult()
    result.set_exception(RuntimeError("failure"))
    with pytest.raises(RuntimeError, match="failure"):
        result.get()


def test_asyncresult_as_link_target_example():
    # gevent.spawn(lambda : 1/0).link(result); result.get() raises ZeroDivisionError
    result = AsyncResult()
    ghub.spawn(lambda: 1 / 0).link(result)
    with pytest.raises(ZeroDivisionError):
        result.get()


def test_asyncresult_as_link_target_value():
    result = AsyncResult()
    ghub.spawn(lambda: "done").link(result)
    assert result.get() == "done"
    assert result.successful()


def test_asyncresult_state():
    result = AsyncResult()
    assert not result.ready()
    assert not result.successful()
    assert result.value is None and result.exception is None
    result.set(7)
    assert result.ready() and result.successful()
    assert result.value == 7 and result.exception is None
    failed = AsyncResult()
    error = KeyError("k")
    failed.set_exception(error)
    assert failed.ready() and not failed.successful()
    assert failed.exception is error and failed.value is None


def test_asyncresult_set_exception_class_and_bad_input():
    result = AsyncResult()
    result.set_exception(KeyError)
    assert isinstance(result.exception, KeyError)
    with pytest.raises(TypeError):
        AsyncResult().set_exception("not an exception")


def test_asyncresult_wakes_every_getter():
    result = AsyncResult()
    got = []
    greenlets = [ghub.spawn(lambda i=i: got.append((i, result.get()))) for i in range(4)]
    ghub.sleep(0)
    assert got == []
    result.set("v")
    ghub.joinall(greenlets)
    assert got == [(i, "v") for i in range(4)]


def test_asyncresult_getters_receive_the_exception():
    result = AsyncResult()
    errors = []

    def getter():
        try:
            result.get()
        except ValueError as exc:
            errors.append(exc)

    greenlets = [ghub.spawn(getter) for _ in range(3)]
    ghub.sleep(0)
    error = ValueError("bad")
    result.set_exception(error)
    ghub.joinall(greenlets)
    assert errors == [error] * 3


def test_asyncresult_get_nowait_and_non_blocking_get_raise_timeout():
    result = AsyncResult()
    with pytest.raises(Timeout):
        result.get_nowait()
    with pytest.raises(Timeout):
        result.get(block=False)
    result.set(1)
    assert result.get_nowait() == 1


def test_asyncresult_get_timeout_raises_timeout_and_unlinks():
    result = AsyncResult()
    with pytest.raises(Timeout):
        result.get(timeout=0.01)
    assert not result._links


def test_asyncresult_wait_returns_value():
    # 0.13: AsyncResult.wait() returns the value instead of None.
    result = AsyncResult()
    ghub.spawn_later(0.01, result.set, 42)
    assert result.wait() == 42
    assert result.wait() == 42


def test_asyncresult_wait_timeout_returns_none_and_never_raises():
    result = AsyncResult()
    assert result.wait(0.01) is None
    result.set_exception(KeyError("x"))
    assert result.wait() is None


def test_asyncresult_repr():
    result = AsyncResult()
    assert "unset" in repr(result)
    result.set(3)
    assert "value=3" in repr(result)


def test_threading_names_are_implemented_here():
    import threading

    import gsync.event

    assert gsync.event.THREADING_NAMES == ("Event",)
    for name in gsync.event.THREADING_NAMES:
        assert hasattr(threading, name)
        assert name in gsync.event.__all__


# -- Event.rawlink: registered until unlink(), called on every set() (0.13) ------------


def test_event_rawlink_is_called_on_every_set_until_unlinked():
    event = Event()
    calls = []
    event.rawlink(calls.append)
    for _ in range(3):
        event.set()
        ghub.sleep(0)
        event.clear()
    assert calls == [event, event, event]
    event.unlink(calls.append)
    event.set()
    ghub.sleep(0)
    assert calls == [event, event, event]
    assert event._rawlinks == []


def test_event_rawlink_runs_in_the_hub_once_per_set_call():
    event = Event()
    hub = ghub.get_hub()
    seen = []
    event.rawlink(lambda e: seen.append(ghub.getcurrent() is hub))
    event.set()
    event.set()   # (0.13: every set() notifies, also when already set)
    ghub.sleep(0)
    assert seen == [True, True]


def test_event_rawlink_while_set_is_called_soon_and_alone():
    event = Event()
    calls = []
    event.rawlink(lambda e: calls.append("first"))
    event.set()
    ghub.sleep(0)
    event.rawlink(lambda e: calls.append("second"))
    assert calls == ["first"]
    ghub.sleep(0)
    assert calls == ["first", "second"]   # the new link only, not every link again


def test_event_waiters_stay_one_shot_beside_rawlinks():
    event = Event()
    woken = []

    def waiter():
        woken.append(event.wait())

    g = ghub.spawn(waiter)
    ghub.sleep(0)
    assert len(event._links) == 1 and event._rawlinks == []
    event.set()
    g.join()
    event.clear()
    event.set()
    ghub.sleep(0)
    assert woken == [True] and not event._links


def test_event_unlinked_before_its_turn_is_skipped():
    event = Event()
    calls = []
    a = lambda e: calls.append("a")  # noqa: E731
    b = lambda e: (calls.append("b"), event.unlink(a))  # noqa: E731
    event.rawlink(b)
    event.rawlink(a)
    event.set()
    ghub.sleep(0)
    assert calls == ["b"]


def test_iwait_yields_an_event_once_although_its_link_is_called_again():
    from gsync.wait import iwait

    event = Event()
    other = AsyncResult()

    def later():
        event.set()
        event.clear()
        event.set()
        ghub.sleep(0.01)
        other.set(1)

    ghub.spawn(later)
    assert list(iwait([event, other], timeout=5)) == [event, other]
    assert event._rawlinks == [] and not other._links


# -- AsyncResult: concurrent.futures.Future's protocol, as gevent has it ---------------


def test_async_result_futures_protocol():
    result = AsyncResult()
    assert not result.done() and not result.cancelled()
    assert result.cancel() is False and not result.cancelled()
    with pytest.raises(Timeout):
        result.result(timeout=0.01)
    ghub.spawn_later(0.01, result.set_result, 42)
    assert result.result() == 42
    assert result.done() and not result.cancelled()
    assert result.exc_info == ()


def test_async_result_exc_info_and_result_raising():
    result = AsyncResult()
    try:
        raise KeyError("k")
    except KeyError as exc:
        error = exc
    result.set_exception(error)
    typ, value, tb = result.exc_info
    assert typ is KeyError and value is error and tb is error.__traceback__
    with pytest.raises(KeyError):
        result.result()
    assert result.exc_info[2] is tb   # the failure's, not grown by the re-raise
    assert result.done()


def test_async_result_set_exception_with_exc_info_and_bad_exc_info():
    result = AsyncResult()
    try:
        raise ValueError("v")
    except ValueError:
        import sys

        info = sys.exc_info()
    result.set_exception(ValueError("other"), info)
    assert result.exc_info[2] is info[2]
    with pytest.raises(TypeError, match="exc_info must be a"):
        AsyncResult().set_exception(ValueError(), ("only", "two"))


def test_async_result_as_a_link_keeps_the_greenlets_exc_info():
    def fail():
        raise KeyError("from the greenlet")

    result = AsyncResult()
    g = ghub.Greenlet(fail)
    g.link(result)
    g.start()
    with pytest.raises(KeyError):
        result.get(timeout=5)
    assert result.exc_info[2] is g.exc_info[2]
    ghub.sleep(0)
