"""The linkable base (rawlink/unlink/notification order)."""

import pytest
from greenlet import getcurrent

import ghub
from gsync.coros import Semaphore
from gsync.event import AsyncResult, Event


def test_links_called_in_the_hub_in_link_order():
    event = Event()
    calls = []
    hub = ghub.get_hub()
    for name in "abcde":
        event.rawlink(lambda source, name=name: calls.append((name, source, getcurrent() is hub)))
    event.set()
    assert calls == []  # queued, not called by set()
    ghub.sleep(0)
    assert [name for name, _, _ in calls] == list("abcde")
    assert all(source is event and in_hub for _, source, in_hub in calls)


def test_link_is_called_once():
    # One-shot links: AsyncResult and Semaphore (an Event's stay: test_event.py).
    result = AsyncResult()
    calls = []
    result.rawlink(calls.append)
    result.set(1)
    ghub.sleep(0)
    assert calls == [result] and not result._links
    sem = Semaphore(0)
    sem.rawlink(calls.append)
    sem.release()
    ghub.sleep(0)
    sem.acquire()
    sem.release()
    ghub.sleep(0)
    assert calls == [result, sem] and not sem._links


def test_rawlink_on_a_ready_object_is_called_soon():
    result = AsyncResult()
    result.set(5)
    calls = []
    result.rawlink(calls.append)
    assert calls == []
    ghub.sleep(0)
    assert calls == [result]


def test_unlink_before_notification():
    event = Event()
    calls = []
    first = lambda source: calls.append("first")  # noqa: E731
    second = lambda source: calls.append("second")  # noqa: E731
    event.rawlink(first)
    event.rawlink(second)
    event.set()
    event.unlink(first)
    ghub.sleep(0)
    assert calls == ["second"]


def test_unlink_unknown_callback_is_a_no_op():
    event = Event()
    event.unlink(print)
    event.rawlink(print)
    event.unlink(print)
    event.unlink(print)
    assert not event._links and not event._rawlinks


def test_a_link_may_unlink_a_later_one():
    event = Event()
    calls = []

    def later(source):
        calls.append("later")

    def first(source):
        calls.append("first")
        event.unlink(later)

    event.rawlink(first)
    event.rawlink(later)
    event.set()
    ghub.sleep(0)
    assert calls == ["first"]


def test_rawlink_rejects_non_callable():
    for obj in (Event(), AsyncResult(), Semaphore()):
        with pytest.raises(TypeError, match="callable"):
            obj.rawlink(42)


def test_error_in_a_link_goes_to_handle_error_and_later_links_still_run(monkeypatch):
    hub = ghub.get_hub()
    reported = []
    monkeypatch.setattr(hub, "handle_error", lambda ctx, t, v, tb: reported.append((ctx, t)))
    event = Event()
    calls = []

    def bad(source):
        raise KeyError("boom")

    event.rawlink(bad)
    event.rawlink(calls.append)
    event.set()
    ghub.sleep(0)
    assert calls == [event]
    assert len(reported) == 1
    context, exc_type = reported[0]
    assert exc_type is KeyError
    # The same context as a Greenlet's failing link: "link <bad> of <event>".
    assert context.link is bad and context.source is event
    assert str(context) == f"link {bad!r} of {event!r}"


def test_semaphore_links_stop_when_no_permit_is_left():
    sem = Semaphore(0)
    calls = []

    def take(source):
        calls.append("take")
        assert source.acquire(blocking=False)

    sem.rawlink(take)
    sem.rawlink(take)
    sem.release()
    ghub.sleep(0)
    assert calls == ["take"]
    assert len(sem._links) == 1
    sem.release()
    ghub.sleep(0)
    assert calls == ["take", "take"]


def test_owed_links_survive_set_then_clear_but_new_ones_do_not():
    event = Event()
    calls = []
    event.rawlink(lambda s: calls.append("old"))
    event.set()
    event.clear()
    event.rawlink(lambda s: calls.append("new"))
    ghub.sleep(0)
    assert calls == ["old"]
    assert len(event._rawlinks) == 2   # an Event's links stay registered


def test_unlinking_an_owed_link_keeps_the_count_right():
    event = Event()
    calls = []
    a = lambda s: calls.append("a")  # noqa: E731
    b = lambda s: calls.append("b")  # noqa: E731
    c = lambda s: calls.append("c")  # noqa: E731
    event.rawlink(a)
    event.rawlink(b)
    event.set()
    event.clear()
    event.unlink(a)
    event.rawlink(c)  # linked after clear(): not owed
    ghub.sleep(0)
    assert calls == ["b"]
