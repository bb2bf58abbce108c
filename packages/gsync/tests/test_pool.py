"""gsync.pool: Group (GreenletSet) and Pool, with the multiprocessing.pool-like methods."""

import itertools

import pytest

import ghub
from ghub import Greenlet, GreenletExit, LinkedFailed
from gsync.event import Event
from gsync.pool import GreenletSet, Group, Pool


def settle():
    for _ in range(3):
        ghub.sleep(0)


class Boom(Exception):
    pass


def fail_when(event, error):
    event.wait()
    raise error


# -- Group: membership -----------------------------------------------------------


def test_greenletset_is_group():
    # 0.13: GreenletSet was renamed Group; the old name stays as an alias.
    assert GreenletSet is Group


def test_group_membership_and_order():
    group = Group()
    gate = Event()
    greenlets = [group.spawn(gate.wait) for _ in range(3)]
    assert len(group) == 3
    assert all(g in group for g in greenlets)
    assert list(group) == greenlets
    group.discard(greenlets[1])
    assert greenlets[1] not in group and len(group) == 2
    group.discard(greenlets[1])  # no error
    gate.set()
    group.join()
    assert len(group) == 0


def test_group_from_greenlets():
    greenlets = [ghub.spawn(ghub.sleep, 0) for _ in range(2)]
    group = Group(greenlets)
    assert list(group) == greenlets
    group.join()
    assert len(group) == 0
    with pytest.raises(TypeError):
        Group([], [])


def test_group_rejects_raw_greenlets():
    import greenlet

    with pytest.raises(TypeError, match="rawlink"):
        Group().add(greenlet.greenlet(lambda: None))


def test_dead_greenlet_leaves_the_group():
    group = Group()
    g = group.spawn(lambda: 1)
    assert g in group
    g.join()
    ghub.sleep(0)
    assert g not in group


def test_greenlet_added_dead_leaves_soon():
    g = ghub.spawn(lambda: 1)
    g.join()
    group = Group()
    group.add(g)
    assert group.join(timeout=5) is True
    assert len(group) == 0


def test_group_full_and_wait_available():
    group = Group()
    assert group.full() is False
    assert group.wait_available() is None


def test_group_spawn_later():
    group = Group()
    log = []
    g = group.spawn_later(0.01, log.append, "late")
    h = group.spawn(log.append, "now")
    group.join()
    assert log == ["now", "late"]
    assert g.dead and h.dead


def _ok():
    return 5


def _fails():
    raise ZeroDivisionError


@pytest.mark.parametrize("method, function, expected", [
    ("spawn_link", _ok, ghub.LinkedCompleted),
    ("spawn_link", _fails, LinkedFailed),
    ("spawn_link_value", _ok, ghub.LinkedCompleted),
    ("spawn_link_value", _fails, None),
    ("spawn_link_exception", _ok, None),
    ("spawn_link_exception", _fails, LinkedFailed),
])
def test_group_spawn_link_methods_link_only_what_they_say(method, function, expected):
    # Each method links the new greenlet to the spawner for some outcomes only:
    # the spawner gets exactly the LinkedExited of its link, or nothing.
    group = Group()
    caught = []

    def spawner():
        try:
            g = getattr(group, method)(function)
            ghub.sleep(0.05)
            caught.append(None)
        except ghub.LinkedExited as exc:
            caught.append((type(exc), exc.source is g))

    ghub.spawn(spawner).join()
    assert caught == [None if expected is None else (expected, True)]


# -- Group: join -------------------------------------------------------------------


def test_join_waits_for_everybody():
    group = Group()
    done = []
    for n in range(3):
        group.spawn(lambda n=n: (ghub.sleep(0.001 * n), done.append(n)))
    assert group.join() is True
    assert sorted(done) == [0, 1, 2]


def test_join_empty_group_returns_at_once():
    assert Group().join() is True
    assert Group().join(raise_error=True) is True


def test_join_timeout_returns_false():
    group = Group()
    gate = Event()
    group.spawn(gate.wait)
    assert group.join(timeout=0.01) is False
    assert group.join(timeout=0.01, raise_error=True) is False
    gate.set()
    assert group.join() is True


def test_join_waits_for_greenlets_added_meanwhile():
    group = Group()
    log = []

    def first():
        ghub.sleep(0)
        group.spawn(second)
        log.append("first")

    def second():
        ghub.sleep(0.01)
        log.append("second")

    group.spawn(first)
    group.join()
    assert log == ["first", "second"]


def test_join_without_raise_error_ignores_failures():
    group = Group()
    group.spawn(lambda: 1 / 0)
    group.spawn(lambda: 5)
    assert group.join() is True


def test_join_raise_error_raises_the_first_error():
    # 0.13.1's fix (issue #36): it used to raise TypeError.
    group = Group()
    first, second = Event(), Event()
    slow = group.spawn(fail_when, second, Boom("second"))
    fast = group.spawn(fail_when, first, Boom("first"))
    group.spawn(ghub.sleep, 0)

    def trigger():
        first.set()
        ghub.sleep(0.01)
        second.set()

    ghub.spawn(trigger)
    with pytest.raises(Boom, match="first"):
        group.join(raise_error=True)
    assert fast.dead
    assert not slow.dead  # raised as soon as the first failed
    group.join()
    assert not group._error_waiters


def test_join_raise_error_returns_true_when_all_succeed():
    group = Group()
    for n in range(3):
        group.spawn(ghub.sleep, 0.001 * n)
    assert group.join(raise_error=True) is True


def test_join_raise_error_ignores_killed_greenlets():
    group = Group()
    gate = Event()
    victim = group.spawn(gate.wait)
    ghub.spawn(victim.kill)
    assert group.join(raise_error=True) is True
    assert isinstance(victim.value, GreenletExit)


# -- Group: kill -----------------------------------------------------------------


def test_kill_kills_and_waits():
    group = Group()
    gate = Event()
    greenlets = [group.spawn(gate.wait) for _ in range(3)]
    settle()
    group.kill()
    assert len(group) == 0
    assert all(isinstance(g.value, GreenletExit) for g in greenlets)


def test_kill_not_started_greenlets_never_run():
    group = Group()
    ran = []
    greenlets = [group.spawn(ran.append, n) for n in range(3)]
    group.kill()
    assert ran == []
    assert all(g.dead for g in greenlets)
    assert len(group) == 0


def test_kill_with_exception_and_no_block():
    group = Group()
    gate = Event()
    g = group.spawn(gate.wait)
    settle()
    group.kill(Boom, block=False)
    assert not g.dead
    group.join()
    assert isinstance(g.exception, Boom)


def test_kill_timeout_with_a_stubborn_greenlet():
    group = Group()
    stop = Event()

    def stubborn():
        while not stop.is_set():
            try:
                stop.wait()
            except GreenletExit:
                pass

    g = group.spawn(stubborn)
    settle()
    group.kill(timeout=0.02)
    assert not g.dead
    stop.set()
    group.join()
    assert g.dead


def test_killall_is_kill():
    assert Group.killall is Group.kill


def test_killone():
    group = Group()
    gate = Event()
    a = group.spawn(gate.wait)
    b = group.spawn(gate.wait)
    settle()
    group.killone(a)
    assert a.dead and not b.dead
    assert a not in group
    group.killone(ghub.spawn(ghub.sleep, 0))  # not a member: nothing
    gate.set()
    group.join()


# -- Pool ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, -1])
def test_pool_bad_size_raises_value_error(size):
    # 0.13.1: Pool(0) raises ValueError.
    with pytest.raises(ValueError):
        Pool(size)


def test_pool_size_type():
    with pytest.raises(TypeError):
        Pool("2")
    with pytest.raises(TypeError):
        Pool(1.5)


def test_pool_free_count_full_and_wait_available():
    pool = Pool(2)
    gate = Event()
    assert pool.free_count() == 2 and not pool.full()
    a = pool.spawn(gate.wait)
    assert pool.free_count() == 1 and not pool.full()
    pool.spawn(gate.wait)
    assert pool.free_count() == 0 and pool.full()
    waiter = ghub.spawn(pool.wait_available)
    settle()
    assert not waiter.ready()
    a.kill()
    waiter.join(timeout=5)
    assert waiter.ready()
    assert pool.free_count() == 1
    gate.set()
    pool.join()
    assert pool.free_count() == 2


def test_unbounded_pool():
    pool = Pool()
    gate = Event()
    for _ in range(100):
        pool.spawn(gate.wait)
    assert len(pool) == 100
    assert not pool.full() and pool.free_count() == 1
    gate.set()
    pool.join()


def test_pool_spawn_blocks_until_a_slot_is_free():
    # 0.13: Pool.spawn() blocks while the pool is full.
    pool = Pool(1)
    gate = Event()
    log = []
    pool.spawn(lambda: (gate.wait(), log.append("first done")))

    def spawner():
        log.append("spawning")
        pool.spawn(log.append, "second runs")
        log.append("spawned")

    s = ghub.spawn(spawner)
    settle()
    assert log == ["spawning"]
    gate.set()
    s.join()
    pool.join()
    assert log == ["spawning", "first done", "spawned", "second runs"]


def test_pool_blocked_spawners_resume_in_order():
    pool = Pool(1)
    gate = Event()
    resumed = []
    ran = []
    pool.spawn(gate.wait)

    def spawner(n):
        pool.spawn(lambda: (ran.append(n), ghub.sleep(0)))
        resumed.append(n)

    spawners = [ghub.spawn(spawner, n) for n in range(5)]
    settle()
    assert resumed == []
    gate.set()
    ghub.joinall(spawners, timeout=5)
    pool.join()
    assert resumed == list(range(5))
    assert ran == list(range(5))


def test_pool_never_runs_more_than_size():
    pool = Pool(3)
    running = [0]
    peak = [0]

    def task():
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        ghub.sleep(0.001)
        running[0] -= 1

    for _ in range(20):
        pool.spawn(task)
    pool.join()
    assert peak[0] == 3


def test_pool_slot_freed_when_a_greenlet_fails_or_is_killed():
    pool = Pool(1)
    pool.spawn(lambda: 1 / 0).join()
    g = pool.spawn(ghub.sleep, 10)
    g.kill()
    pool.spawn(lambda: 5).join()
    pool.join()
    assert pool.free_count() == 1


def test_pool_add_takes_a_slot_and_discard_gives_it_back_once():
    pool = Pool(2)
    gate = Event()
    g = Greenlet(gate.wait)
    pool.add(g)
    assert pool.free_count() == 1
    pool.add(g)  # already a member: no second slot
    assert pool.free_count() == 1
    pool.discard(g)
    pool.discard(g)
    assert pool.free_count() == 2
    pool.start(g)
    assert pool.free_count() == 1
    gate.set()
    pool.join()
    assert pool.free_count() == 2


def test_pool_add_rejects_non_greenlets_without_leaking_a_slot():
    pool = Pool(1)
    with pytest.raises(TypeError):
        pool.add(object())
    assert pool.free_count() == 1


def test_pool_greenlet_class():
    class Mine(Greenlet):
        pass

    pool = Pool(2, greenlet_class=Mine)
    g = pool.spawn(lambda: 1)
    assert isinstance(g, Mine)
    pool.join()


# -- multiprocessing.pool-like methods --------------------------------------------


@pytest.mark.parametrize("make", [Group, lambda: Pool(2), Pool])
def test_apply(make):
    group = make()
    assert group.apply(lambda a, b=0: a + b, (1,), {"b": 2}) == 3
    assert group.apply(lambda: "x") == "x"
    with pytest.raises(ZeroDivisionError):
        group.apply(lambda: 1 / 0)


def test_apply_from_inside_a_full_pool_does_not_deadlock():
    pool = Pool(1)
    g = pool.spawn(lambda: pool.apply(lambda: "inner"))
    assert g.get(timeout=5) == "inner"


def test_apply_async_and_callback():
    pool = Pool(2)
    results = []
    g = pool.apply_async(lambda x: x * 2, (21,), callback=results.append)
    assert g.get() == 42
    pool.join()
    ghub.sleep(0)
    assert results == [42]


def test_apply_async_on_a_full_pool_does_not_block():
    pool = Pool(1)
    gate = Event()
    pool.spawn(gate.wait)
    results = []
    g = pool.apply_async(lambda: "later", callback=results.append)
    assert g not in pool
    settle()
    assert not g.ready()
    gate.set()
    assert g.get(timeout=5) == "later"
    assert results == ["later"]


@pytest.mark.parametrize("make", [Group, lambda: Pool(3)])
def test_map(make):
    group = make()
    assert group.map(lambda x: x * x, range(10)) == [x * x for x in range(10)]
    assert group.map(str, []) == []


def test_map_raises_the_first_error_in_input_order():
    pool = Pool(4)

    def f(x):
        ghub.sleep(0.001 * (5 - x))
        if x in (2, 4):
            raise Boom(x)
        return x

    with pytest.raises(Boom) as info:
        pool.map(f, range(5))
    assert info.value.args == (2,)
    pool.join()


def test_map_async():
    pool = Pool(2)
    results = []
    g = pool.map_async(lambda x: x + 1, [1, 2, 3], callback=results.append)
    assert g.get() == [2, 3, 4]
    ghub.sleep(0)
    assert results == [[2, 3, 4]]


@pytest.mark.parametrize("make", [Group, lambda: Pool(2)])
def test_imap_keeps_input_order(make):
    group = make()

    def f(x):
        ghub.sleep(0.001 * (x % 3))
        return x * 10

    assert list(group.imap(f, range(10))) == [x * 10 for x in range(10)]


def test_imap_several_iterables():
    pool = Pool(2)
    assert list(pool.imap(lambda a, b: a + b, [1, 2, 3], [10, 20, 30])) == [11, 22, 33]
    assert sorted(pool.imap_unordered(pow, [2, 3], [2, 2])) == [4, 9]


def test_imap_on_an_infinite_generator_with_a_small_pool_reads_lazily():
    pool = Pool(2)
    pulled = []

    def numbers():
        for n in itertools.count():
            pulled.append(n)
            yield n

    results = pool.imap(lambda x: x * x, numbers())
    got = []
    for value in results:
        got.append(value)
        assert len(pulled) <= len(got) + 2, "imap read its input ahead of the pool"
        if len(got) == 50:
            break
    assert got == [n * n for n in range(50)]
    assert len(pulled) <= 52
    pool.join()


def test_imap_unordered_on_an_infinite_generator_reads_lazily():
    pool = Pool(2)
    pulled = []

    def numbers():
        for n in itertools.count():
            pulled.append(n)
            yield n

    got = []
    for value in pool.imap_unordered(lambda x: x, numbers()):
        got.append(value)
        assert len(pulled) <= len(got) + 2
        if len(got) == 30:
            break
    assert sorted(got) == list(range(30))
    pool.join()


def test_imap_with_maxsize_on_an_unbounded_group():
    group = Group()
    pulled = []

    def numbers():
        for n in itertools.count():
            pulled.append(n)
            yield n

    it = group.imap(lambda x: x, numbers(), maxsize=5)
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    assert len(pulled) <= 3 + 5
    group.join()


def test_imap_maxsize_validation():
    with pytest.raises(ValueError):
        Pool(2).imap(str, [1], maxsize=0)
    with pytest.raises(TypeError):
        Group().imap(str, [1], maxsize="3")
    with pytest.raises(TypeError):
        Group().imap(42, [1])
    with pytest.raises(TypeError):
        Group().imap(str)


def test_imap_unordered_yields_in_completion_order():
    pool = Pool(3)
    gates = [Event() for _ in range(3)]

    def release_in_order():
        for n in (2, 0, 1):
            gates[n].set()
            ghub.sleep(0.001)

    ghub.spawn(release_in_order)
    result = list(pool.imap_unordered(lambda n: (gates[n].wait(), n)[1], range(3)))
    assert result == [2, 0, 1]


def test_imap_raises_a_failure_at_its_place_and_goes_on():
    pool = Pool(2)

    def f(x):
        if x == 1:
            raise Boom(x)
        return x

    it = pool.imap(f, range(4))
    assert next(it) == 0
    with pytest.raises(Boom):
        next(it)
    assert list(it) == [2, 3]
    pool.join()


def test_imap_input_errors_reach_the_consumer():
    pool = Pool(2)

    def bad():
        yield 1
        raise Boom("input")

    it = pool.imap(lambda x: x, bad())
    with pytest.raises(Boom, match="input"):
        list(it)
    pool.join()


def test_imap_empty_input():
    assert list(Pool(2).imap(str, [])) == []
    assert list(Group().imap_unordered(str, [])) == []


def test_map_cb_calls_back_with_the_results():
    got = []
    assert Pool(2).map_cb(lambda x: x * 2, [1, 2, 3], callback=got.append) == [2, 4, 6]
    assert got == [[2, 4, 6]]
    assert Pool(2).map_cb(str, [1]) == ["1"]
