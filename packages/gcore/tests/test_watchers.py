"""gevent's watcher API on the loop: Loop.timer(), Loop.io(), Loop.update_now().

What libraries written for today's gevent call on ``get_hub().loop``: a
watcher is made inactive, started with a callback, stopped, started again.
``io`` takes gevent's event bits (1 read, 2 write), not libevent's.
"""

import pytest

import gcore


def test_timer_watcher_is_made_inactive_and_fires_once_started(loop):
    calls = []
    t = loop.timer(0.001)
    assert isinstance(t, gcore.timer_watcher) and not t.active
    assert loop.ref_count == 0
    t.start(calls.append, "a")
    assert t.active and t.args == ("a",) and loop.ref_count == 1
    loop.run()
    assert calls == ["a"]
    assert not t.active and loop.ref_count == 0


def test_timer_watcher_repeats_until_stopped(loop):
    calls = []
    t = loop.timer(0.001, repeat=0.001)

    def tick():
        calls.append(len(calls))
        if len(calls) == 3:
            t.stop()

    t.start(tick)
    loop.run()
    assert calls == [0, 1, 2]
    assert not t.active and t.args == ()


def test_timer_watcher_can_be_stopped_and_started_again(loop):
    calls = []
    t = loop.timer(0.001)
    t.start(calls.append, 1)
    t.stop()
    loop.run()
    assert calls == []
    t.start(calls.append, 2, update=True)
    loop.run()
    t.again(calls.append, 3)
    loop.run()
    assert calls == [2, 3]


def test_timer_watcher_ref_false_does_not_keep_the_loop_running(loop):
    calls = []
    t = loop.timer(10, ref=False)
    t.start(calls.append, "never")
    assert t.active and loop.ref_count == 0
    assert loop.run() == 1   # nothing that counts: run() returns at once
    t.close()
    assert calls == [] and not t.active and t.closed
    with pytest.raises(ValueError, match="closed"):
        t.start(calls.append, "again")


def test_timer_watcher_rejects_bad_seconds_and_callbacks(loop):
    with pytest.raises(ValueError):
        loop.timer(-1)
    with pytest.raises(ValueError):
        loop.timer(1, repeat=-1)
    with pytest.raises(TypeError):
        loop.timer("soon")
    t = loop.timer(1)
    with pytest.raises(TypeError, match="callback must be callable, not int"):
        t.start(42)
    assert not t.active


def test_timer_watcher_as_context_manager_stops(loop):
    calls = []
    with loop.timer(0.001) as t:
        t.start(calls.append, 1)
        assert t.active
    assert not t.active
    loop.run()
    assert calls == []


def test_io_watcher_reads_with_gevents_event_bits(loop, sockpair):
    a, b = sockpair
    got = []
    w = loop.io(a.fileno(), 1)
    assert isinstance(w, gcore.io_watcher) and w.events == gcore.GEVENT_READ == 1
    assert w.fd == a.fileno() and not w.active

    def on_read():
        got.append(a.recv(10))
        if len(got) == 2:
            w.stop()
        else:
            b.send(b"two")

    w.start(on_read)
    b.send(b"one")
    loop.run()
    assert got == [b"one", b"two"]   # persistent until stopped
    assert not w.active and loop.ref_count == 0


def test_io_watcher_pass_events_reports_gevents_bits(loop, sockpair):
    a, _ = sockpair
    seen = []
    w = loop.io(a, 3)   # an object with fileno(); read and write

    def ready(events, tag):
        seen.append((events, tag))
        w.stop()

    w.start(ready, "x", pass_events=True)
    loop.run()
    assert seen == [(gcore.GEVENT_WRITE, "x")]   # writable, nothing to read


def test_io_watcher_rejects_libevent_bits_and_bad_fds(loop, sockpair, closed_fd):
    a, _ = sockpair
    with pytest.raises(ValueError, match="gevent's values"):
        loop.io(a, gcore.EV_READ | gcore.EV_WRITE)   # 6: libevent's, not gevent's
    with pytest.raises(ValueError, match="gevent's values"):
        loop.io(a, 0)
    with pytest.raises(OSError):
        loop.io(closed_fd, 1)
    with pytest.raises(TypeError):
        loop.io("a", 1)


def test_update_now_refreshes_the_cached_time(loop):
    import time

    seen = []

    def later():
        before = loop.now()
        deadline = time.monotonic() + 0.02
        while time.monotonic() < deadline:   # (the cached time stays put meanwhile)
            pass
        seen.append(loop.now() - before)
        loop.update_now()
        seen.append(loop.now() - before)

    loop.timer(0).start(later)
    loop.run()
    assert seen[0] == 0
    assert seen[1] >= 0.015
