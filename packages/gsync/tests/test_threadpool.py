"""gsync.threadpool: blocking calls in OS threads, results back in the hub without polling."""

import threading
import time

import pytest

import ghub
from ghub import GreenletExit, Timeout, get_hub
from gsync import AsyncResult
from gsync.threadpool import ThreadPool


@pytest.fixture
def pool():
    p = ThreadPool(4)
    yield p
    p.kill()


def test_spawn_runs_in_another_thread_and_returns_the_value(pool):
    hub_thread = threading.get_ident()
    result = pool.spawn(lambda x, y=0: (x + y, threading.get_ident()), 2, y=3)
    assert isinstance(result, AsyncResult)
    value, thread = result.get(timeout=5)
    assert value == 5
    assert thread != hub_thread


def test_exceptions_come_back_to_get(pool):
    def fail():
        raise KeyError("nope")

    result = pool.spawn(fail)
    with pytest.raises(KeyError, match="nope"):
        result.get(timeout=5)
    assert not result.successful()
    assert isinstance(result.exception, KeyError)
    # A BaseException too: it belongs to the task, not to the worker thread.
    result = pool.spawn(lambda: (_ for _ in ()).throw(SystemExit(3)))
    with pytest.raises(SystemExit):
        result.get(timeout=5)
    assert pool.apply(lambda: "still working") == "still working"


def test_apply_map_imap_imap_unordered(pool):
    assert pool.apply(pow, (2, 10)) == 1024
    assert pool.apply(dict, kwds={"a": 1}) == {"a": 1}
    assert pool.map(lambda x: x * x, range(20)) == [x * x for x in range(20)]

    def slow_first(x):
        time.sleep(0.3 if x == 0 else 0.0)
        return x

    assert list(pool.imap(slow_first, range(6))) == list(range(6))
    unordered = list(pool.imap_unordered(slow_first, range(6)))
    assert sorted(unordered) == list(range(6))
    assert unordered[-1] == 0   # the slow one finished last
    assert list(pool.imap(pow, [2, 3], [2, 2])) == [4, 9]


def test_imap_raises_the_first_error_in_order(pool):
    def maybe_fail(x):
        if x == 3:
            raise ValueError(x)
        return x

    seen = []
    with pytest.raises(ValueError):
        for value in pool.imap(maybe_fail, range(6)):
            seen.append(value)
    assert seen == [0, 1, 2]
    pool.join(5)


def test_a_full_pool_makes_spawn_wait():
    pool = ThreadPool(2)
    try:
        gate = threading.Event()
        first = [pool.spawn(gate.wait, 10) for _ in range(2)]
        assert pool.free_count() == 0
        order = []

        def third():
            order.append("spawning")
            r = pool.spawn(lambda: "third")
            order.append("spawned")
            return r.get()

        g = ghub.spawn(third)
        ghub.sleep(0.1)
        assert order == ["spawning"], "spawn did not wait for a free thread"
        gate.set()
        assert g.get(timeout=5) == "third"
        assert order == ["spawning", "spawned"]
        assert all(r.get(timeout=5) is True for r in first)
        assert pool.size <= 2
    finally:
        pool.kill()


def test_join_waits_for_every_task(pool):
    done = []
    for i in range(8):
        pool.spawn(lambda i=i: (time.sleep(0.02), done.append(i)))
    assert pool.join(timeout=10) is True
    assert sorted(done) == list(range(8))
    assert len(pool) == 0


def test_join_timeout(pool):
    gate = threading.Event()
    r = pool.spawn(gate.wait, 10)
    assert pool.join(timeout=0.05) is False
    gate.set()
    assert r.get(timeout=5) is True


def test_kill_lets_running_tasks_finish_and_fails_queued_ones():
    pool = ThreadPool(1)
    gate = threading.Event()
    running = pool.spawn(gate.wait, 10)
    ghub.sleep(0.05)
    queued = []
    # The pool is full (one permit): queue the second task from a greenlet.
    g = ghub.spawn(lambda: queued.append(pool.spawn(lambda: "never")))
    ghub.sleep(0.05)
    assert queued == [] and not g.dead
    gate.set()
    assert running.get(timeout=5) is True
    g.join(5)
    pool.kill()
    # The queued task may have started before kill(): either outcome is a delivered result.
    second = queued[0]
    second.wait(5)
    assert second.ready()
    if not second.successful():
        assert isinstance(second.exception, GreenletExit)
    # The pool still works afterwards (with new threads).
    assert pool.apply(lambda: 42) == 42
    pool.kill()


def test_kill_right_after_spawn_delivers_every_result():
    pool = ThreadPool(3)
    results = [pool.spawn(lambda i=i: i) for i in range(3)]
    pool.kill()   # the tasks may or may not have been picked up yet
    for i, r in enumerate(results):
        r.wait(5)
        assert r.ready()
        if r.successful():
            assert r.value == i
        else:
            assert isinstance(r.exception, GreenletExit)
    assert len(pool) == 0


def test_the_hub_stays_responsive_while_ten_threads_block():
    """Ten pool threads each block for a second; timers in the hub fire on time meanwhile."""
    pool = ThreadPool(10)
    try:
        results = [pool.spawn(time.sleep, 1.0) for _ in range(10)]
        lateness = []
        start = time.monotonic()
        for i in range(1, 9):
            ghub.sleep(0.1)
            lateness.append(time.monotonic() - (start + 0.1 * i))
        assert max(lateness) < 0.08, f"timers fired late: {lateness}"
        for r in results:
            r.get(timeout=5)
        elapsed = time.monotonic() - start
        assert elapsed < 1.8, f"the ten sleeps did not run in parallel ({elapsed:.2f} s)"
    finally:
        pool.kill()


def test_waiting_for_a_result_is_not_loop_exit(pool):
    # Nothing else is armed in the loop: the pool's ref keeps the hub waiting.
    assert pool.apply(time.sleep, (0.2,)) is None


def test_the_hubs_own_pool():
    hub = get_hub()
    p = hub.threadpool
    assert isinstance(p, ThreadPool)
    assert hub.threadpool is p
    assert p.maxsize == type(hub).threadpool_size
    assert p.apply(lambda: "hub pool") == "hub pool"


def test_many_hubs_in_many_threads_each_with_a_pool():
    errors, outcomes = [], {}

    def thread_main(n):
        try:
            hub = get_hub()
            assert hub.threadpool.hub is hub
            values = hub.threadpool.map(lambda x: x * n, range(50))
            assert hub.threadpool.apply(threading.get_ident) != threading.get_ident()
            outcomes[n] = sum(values)
            hub.threadpool.kill()
        except BaseException as exc:   # reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors
    assert outcomes == {n: n * sum(range(50)) for n in range(8)}


def test_timeout_on_a_result(pool):
    gate = threading.Event()
    r = pool.spawn(gate.wait, 10)
    with pytest.raises(Timeout):
        r.get(timeout=0.05)
    gate.set()
    assert r.get(timeout=5) is True


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), ("3", TypeError),
                                        (2.0, TypeError), (True, TypeError)])
def test_bad_maxsize(bad, error):
    with pytest.raises(error):
        ThreadPool(bad)


def test_spawn_needs_a_callable(pool):
    with pytest.raises(TypeError, match="callable"):
        pool.spawn(42)
