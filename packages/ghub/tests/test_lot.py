"""ghub.lot.Lot: the line of waiters (park, unpark, leave on timeout or kill, owed links)."""

import pytest

import ghub
from ghub.lot import Lot


def _unpark_from_hub(lot, arg=None, n=1):
    """Unpark ``n`` links from a loop callback (as an owner's notifier does)."""
    def notify():
        for _ in range(n):
            if lot:
                lot.unpark(arg)

    ghub.get_hub().loop.run_callback(notify)


def test_parked_greenlets_wake_in_the_order_they_parked():
    lot = Lot()
    order = []

    def waiter(name):
        assert lot.park() is None
        order.append(name)

    jobs = [ghub.spawn(waiter, name) for name in "abc"]
    ghub.sleep(0)
    assert len(lot) == 3
    _unpark_from_hub(lot, n=2)
    ghub.sleep(0)
    assert order == ["a", "b"] and len(lot) == 1
    _unpark_from_hub(lot)
    ghub.joinall(jobs)
    assert order == ["a", "b", "c"] and not lot


def test_a_timed_out_greenlet_leaves_the_line_and_gets_its_timeout():
    lot = Lot()
    got = []
    first = ghub.spawn(lambda: got.append(lot.park(0.01)))
    second = ghub.spawn(lambda: got.append(lot.park()))
    ghub.sleep(0)
    first.join()
    assert len(lot) == 1 and isinstance(got[0], ghub.Timeout)
    _unpark_from_hub(lot)          # goes to the second, not to the one that left
    second.join()
    assert got == [got[0], None] and not lot


def test_a_shared_timeout_is_the_callers_and_stays_pending():
    lot = Lot()
    t = ghub.Timeout.start_new(10)
    try:
        def wake():
            lot.unpark(None)
        ghub.get_hub().loop.run_callback(wake)
        assert lot.park(t) is None
        assert t.pending
    finally:
        t.cancel()


def test_a_killed_greenlet_leaves_the_line_and_the_next_one_is_woken():
    lot = Lot()
    woken = []

    def waiter(name):
        lot.park()
        woken.append(name)

    a = ghub.spawn(waiter, "a")
    b = ghub.spawn(waiter, "b")
    ghub.sleep(0)
    a.kill()
    assert len(lot) == 1
    _unpark_from_hub(lot)
    b.join()
    assert woken == ["b"]


def test_another_timeout_goes_on_and_leaves_the_line():
    lot = Lot()
    with pytest.raises(ghub.Timeout):
        with ghub.Timeout(0.01):
            lot.park(10)
    assert not lot


def test_owed_links_are_counted_and_removal_keeps_the_count():
    lot = Lot()
    calls = []
    a, b, c = (lambda s, n=n: calls.append(n) for n in "abc")
    lot.add(a)
    lot.add(b)
    lot.owe_all()
    lot.add(c)
    assert lot.owed() == 2
    assert lot.remove(a) is True and lot.owed() == 1
    assert lot.remove(a) is False
    lot.unpark("x")
    assert calls == ["b"] and lot.owed() == 0 and len(lot) == 1
    lot.clear()
    assert not lot and lot.owed() == 0


def test_an_error_in_a_link_goes_to_handle_error(monkeypatch):
    hub = ghub.get_hub()
    reported = []
    monkeypatch.setattr(hub, "handle_error", lambda ctx, t, v, tb: reported.append((ctx, t)))
    lot = Lot()

    def bad(source):
        raise KeyError(source)

    lot.add(bad)
    assert lot.unpark("src") is bad
    [(context, exc_type)] = reported
    assert exc_type is KeyError and str(context) == f"link {bad!r} of 'src'"


def test_first_shows_the_first_link_and_leaves_it():
    lot = Lot()
    with pytest.raises(IndexError):
        lot.first()
    lot.add(print)
    lot.add(repr)
    assert lot.first() is print and len(lot) == 2


def test_call_link_reports_an_error_with_the_link_and_its_argument(capsys):
    from ghub.lot import call_link

    calls = []
    call_link(calls.append, "x")
    assert calls == ["x"]

    def bad(arg):
        raise KeyError(arg)

    call_link(bad, "src")
    err = capsys.readouterr().err
    assert f"link {bad!r} of 'src' failed with KeyError" in err
