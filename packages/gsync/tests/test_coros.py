"""gsync.coros: semaphores and locks, held to threading's rules (CPython's lock_tests)."""

import gc
import re
import time
import weakref

import pytest

import gcore
import ghub
from ghub import GreenletExit, Timeout
from ghub.checks import TIMEOUT_MAX
from gsync.coros import BoundedSemaphore, DummySemaphore, Lock, RLock, Semaphore


def settle():
    for _ in range(3):
        ghub.sleep(0)


LOCK_TYPES = [Lock, RLock, Semaphore, BoundedSemaphore]


# -- what every lock does (CPython's BaseLockTests) ------------------------------


@pytest.mark.parametrize("locktype", LOCK_TYPES)
def test_acquire_release(locktype):
    lock = locktype()
    assert lock.acquire() is True
    lock.release()
    assert lock.acquire(False) is True
    lock.release()


@pytest.mark.parametrize("locktype", LOCK_TYPES)
def test_try_acquire_contended(locktype):
    lock = locktype()
    lock.acquire()
    g = ghub.spawn(lock.acquire, False)
    assert g.get() is False
    lock.release()


@pytest.mark.parametrize("locktype", LOCK_TYPES)
def test_acquire_contended(locktype):
    lock = locktype()
    lock.acquire()
    finished = []

    def f(n):
        lock.acquire()
        finished.append(n)
        lock.release()

    greenlets = [ghub.spawn(f, n) for n in range(5)]
    settle()
    assert finished == []
    lock.release()
    ghub.joinall(greenlets, timeout=5)
    assert finished == list(range(5))  # in the order they blocked


@pytest.mark.parametrize("locktype", LOCK_TYPES)
def test_with(locktype):
    lock = locktype()
    with lock:
        if locktype is not RLock:
            assert not lock.acquire(False)
    assert lock.acquire(False)
    lock.release()
    with pytest.raises(TypeError):
        with lock:
            raise TypeError
    # released despite the exception
    g = ghub.spawn(lambda: lock.acquire(False))
    assert g.get() is True


@pytest.mark.parametrize("locktype", LOCK_TYPES)
def test_timeout_arguments(locktype):
    lock = locktype()
    with pytest.raises(ValueError):
        lock.acquire(False, 1)
    with pytest.raises(ValueError):
        lock.acquire(timeout=-100)
    with pytest.raises(OverflowError):
        lock.acquire(timeout=1e100)
    with pytest.raises(OverflowError):
        lock.acquire(timeout=TIMEOUT_MAX + 1)
    assert lock.acquire(timeout=TIMEOUT_MAX) is True
    lock.release()
    assert lock.acquire(timeout=-1) is True  # -1: no limit, as for threading
    lock.release()
    start = time.monotonic()
    assert lock.acquire(timeout=5) is True
    assert time.monotonic() - start < 5
    g = ghub.spawn(lambda: (lock.acquire(timeout=0.05), time.monotonic()))
    start = time.monotonic()
    acquired, end = g.get()
    assert acquired is False
    assert end - start >= 0.04
    lock.release()


@pytest.mark.parametrize("locktype", LOCK_TYPES)
def test_weakref(locktype):
    lock = locktype()
    ref = weakref.ref(lock)
    assert ref() is lock
    del lock
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("locktype", [Lock, RLock])
def test_lock_repr(locktype):
    lock = locktype()
    assert re.match(r"<unlocked .* object (.*)?at .*>", repr(lock))
    lock.acquire()
    assert re.match(r"<locked .* object (.*)?at .*>", repr(lock))
    lock.release()


# -- Lock (CPython's LockTests) ------------------------------------------------


def test_lock_reacquire_blocks_until_released():
    lock = Lock()
    phase = []

    def f():
        lock.acquire()
        phase.append(1)
        lock.acquire()
        phase.append(2)

    g = ghub.spawn(f)
    settle()
    assert phase == [1]
    lock.release()
    g.join(timeout=5)
    assert phase == [1, 2]


def test_lock_released_by_another_greenlet():
    lock = Lock()
    lock.acquire()
    ghub.spawn(lock.release).join()
    assert lock.acquire(False)
    lock.release()


def test_lock_state_after_timeout():
    lock = Lock()
    lock.acquire()
    assert lock.acquire(timeout=0.01) is False
    lock.release()
    assert not lock.locked()
    assert lock.acquire(blocking=False)


def test_lock_release_unlocked_raises_runtime_error():
    lock = Lock()
    with pytest.raises(RuntimeError):
        lock.release()
    lock.acquire()
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


def test_lock_at_fork_reinit():
    lock = Lock()
    lock.acquire()
    lock._at_fork_reinit()
    assert not lock.locked()
    assert lock.acquire(False)


# -- RLock (CPython's RLockTests) ------------------------------------------------


def test_rlock_reacquire():
    lock = RLock()
    lock.acquire()
    lock.acquire()
    lock.release()
    lock.acquire()
    lock.release()
    lock.release()
    assert not lock.locked()


def test_rlock_release_unacquired():
    lock = RLock()
    with pytest.raises(RuntimeError):
        lock.release()
    lock.acquire()
    lock.acquire()
    lock.release()
    lock.acquire()
    lock.release()
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()


def test_rlock_release_save_unacquired():
    lock = RLock()
    with pytest.raises(RuntimeError):
        lock._release_save()
    lock.acquire()
    lock.release()
    with pytest.raises(RuntimeError):
        lock._release_save()


def test_rlock_release_save_and_acquire_restore():
    lock = RLock()
    lock.acquire()
    lock.acquire()
    state = lock._release_save()
    assert not lock.locked() and lock._recursion_count() == 0
    other = ghub.spawn(lambda: (lock.acquire(False), lock.release()))
    other.join()
    assert other.value == (True, None)
    lock._acquire_restore(state)
    assert lock._recursion_count() == 2
    lock.release()
    lock.release()
    assert not lock.locked()


def test_rlock_recursion_count():
    lock = RLock()
    assert lock._recursion_count() == 0
    lock.acquire()
    assert lock._recursion_count() == 1
    lock.acquire()
    lock.acquire()
    assert lock._recursion_count() == 3
    lock.release()
    assert lock._recursion_count() == 2
    lock.release()
    lock.release()
    assert lock._recursion_count() == 0
    phase = []
    go_on = Lock()
    go_on.acquire()

    def f():
        lock.acquire()
        phase.append("acquired")
        go_on.acquire()
        lock.release()
        phase.append("released")

    g = ghub.spawn(f)
    settle()
    assert phase == ["acquired"]
    assert lock._recursion_count() == 0  # not ours
    go_on.release()
    g.join()
    assert phase == ["acquired", "released"]
    assert lock._recursion_count() == 0


def test_rlock_release_by_another_greenlet_raises():
    lock = RLock()
    holder = ghub.spawn(lock.acquire)
    holder.join()
    assert lock.locked()
    with pytest.raises(RuntimeError):
        lock.release()


def test_rlock_is_owned():
    lock = RLock()
    assert not lock._is_owned()
    lock.acquire()
    assert lock._is_owned()
    lock.acquire()
    assert lock._is_owned()
    assert ghub.spawn(lock._is_owned).get() is False
    lock.release()
    assert lock._is_owned()
    lock.release()
    assert not lock._is_owned()


def test_rlock_waiters_get_it_in_order_and_timeout():
    lock = RLock()
    lock.acquire()
    order = []

    def f(n):
        with lock:
            order.append(n)

    greenlets = [ghub.spawn(f, n) for n in range(3)]
    late = ghub.spawn(lock.acquire, True, 0.01)
    assert late.get() is False
    lock.release()
    ghub.joinall(greenlets)
    assert order == [0, 1, 2]


def test_rlock_at_fork_reinit():
    lock = RLock()
    lock.acquire()
    lock.acquire()
    lock._at_fork_reinit()
    assert not lock.locked()
    assert lock._recursion_count() == 0
    assert ghub.spawn(lock.acquire, False).get() is True


# -- Semaphore (CPython's BaseSemaphoreTests) ------------------------------------


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_constructor(semtype):
    with pytest.raises(ValueError):
        semtype(value=-1)
    with pytest.raises(ValueError):
        semtype(-(2**62))
    with pytest.raises(TypeError):
        semtype("3")
    assert semtype().counter == 1
    assert semtype(value=3).counter == 3


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_acquire(semtype):
    sem = semtype(2)
    sem.acquire()
    sem.acquire()
    assert sem.locked()
    sem.release()
    sem.release()
    assert sem.counter == 2


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_acquire_contended_phases(semtype):
    sem_value = 7
    sem = semtype(sem_value)
    sem.acquire()
    results1, results2, acquired = [], [], []
    phase = [0]

    def func():
        acquired.append(sem.acquire())
        results1.append(phase[0])
        acquired.append(sem.acquire())
        results2.append(phase[0])

    greenlets = [ghub.spawn(func) for _ in range(10)]
    settle()
    count1 = sem_value - 1
    assert results1 + results2 == [0] * count1
    phase[0] = 1
    for _ in range(sem_value):
        sem.release()
    settle()
    count2 = sem_value
    assert sorted(results1 + results2) == [0] * count1 + [1] * count2
    phase[0] = 2
    count3 = sem_value - 1
    for _ in range(count3):
        sem.release()
    settle()
    assert sorted(results1 + results2) == [0] * count1 + [1] * count2 + [2] * count3
    assert not sem.acquire(False)
    sem.release()
    ghub.joinall(greenlets, timeout=5)
    assert acquired == [True] * 20


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_multirelease(semtype):
    sem = semtype(7)
    sem.acquire()
    results = []

    def func():
        sem.acquire()
        results.append(1)
        sem.acquire()
        results.append(2)

    greenlets = [ghub.spawn(func) for _ in range(10)]
    settle()
    assert len(results) == 6
    sem.release(7)
    settle()
    assert len(results) == 13
    sem.release(6)
    settle()
    assert len(results) == 19
    assert not sem.acquire(False)
    sem.release()
    ghub.joinall(greenlets)
    assert len(results) == 20


def test_semaphore_release_n_validation():
    sem = Semaphore(0)
    with pytest.raises(ValueError):
        sem.release(0)
    with pytest.raises(TypeError):
        sem.release(1.5)
    sem.release(3)
    assert sem.counter == 3


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_try_acquire(semtype):
    sem = semtype(2)
    assert sem.acquire(False)
    assert sem.acquire(False)
    assert not sem.acquire(False)
    sem.release()
    assert sem.acquire(False)


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_try_acquire_contended(semtype):
    sem = semtype(4)
    sem.acquire()
    results = []

    def f():
        results.append(sem.acquire(False))
        results.append(sem.acquire(False))

    ghub.joinall([ghub.spawn(f) for _ in range(5)])
    assert sorted(results) == [False] * 7 + [True] * 3


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_acquire_timeout(semtype):
    # 0.13.1's fix (issue #39): False on timeout, never an AssertionError.
    sem = semtype(2)
    with pytest.raises(ValueError):
        sem.acquire(False, timeout=1.0)
    assert sem.acquire(timeout=0.005)
    assert sem.acquire(timeout=0.005)
    assert sem.acquire(timeout=0.005) is False
    sem.release()
    assert sem.acquire(timeout=0.005)
    start = time.monotonic()
    assert sem.acquire(timeout=0.05) is False
    assert time.monotonic() - start >= 0.04
    assert not sem._links and sem._nwaiters == 0


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_default_value(semtype):
    sem = semtype()
    sem.acquire()
    finished = []

    def f():
        sem.acquire()
        sem.release()
        finished.append(True)

    g = ghub.spawn(f)
    settle()
    assert not finished
    sem.release()
    g.join()
    assert finished == [True]


@pytest.mark.parametrize("semtype", [Semaphore, BoundedSemaphore])
def test_semaphore_with(semtype):
    sem = semtype(2)

    def use(err=None):
        with sem:
            assert sem.acquire(False)
            sem.release()
            with sem:
                assert not sem.acquire(False)
                if err:
                    raise err

    use()
    assert sem.acquire(False)
    sem.release()
    with pytest.raises(TypeError):
        use(TypeError)
    assert sem.acquire(False)
    sem.release()


def test_semaphore_release_unacquired_is_allowed():
    sem = Semaphore(1)
    sem.release()
    sem.acquire()
    sem.acquire()
    assert sem.counter == 0


def test_bounded_semaphore_release_unacquired_raises_value_error():
    sem = BoundedSemaphore()
    with pytest.raises(ValueError):
        sem.release()
    sem.acquire()
    sem.release()
    with pytest.raises(ValueError):
        sem.release()
    sem2 = BoundedSemaphore(3)
    sem2.acquire()
    with pytest.raises(ValueError):
        sem2.release(2)
    assert sem2.counter == 2


def test_semaphore_repr():
    sem = Semaphore(3)
    assert re.match(r"<\w+\.Semaphore at .*: value=3>", repr(sem))
    sem.acquire()
    assert re.match(r"<\w+\.Semaphore at .*: value=2>", repr(sem))
    bounded = BoundedSemaphore(3)
    bounded.acquire()
    assert re.match(r"<\w+\.BoundedSemaphore at .*: value=2/3>", repr(bounded))


# -- gsync's own rules -----------------------------------------------------------


def test_semaphore_waiters_are_served_in_order():
    sem = Semaphore(0)
    order = []
    greenlets = [ghub.spawn(lambda n=n: (sem.acquire(), order.append(n))) for n in range(5)]
    settle()
    for _ in range(5):
        sem.release()
    ghub.joinall(greenlets)
    assert order == list(range(5))


def test_a_released_permit_goes_to_the_waiter_not_to_a_newcomer():
    lock = Lock()
    lock.acquire()
    order = []

    def waiter():
        with lock:
            order.append("waiter")

    g = ghub.spawn(waiter)
    settle()
    lock.release()
    # The waiter has not run yet, but the lock is promised to it.
    assert lock.locked()
    assert lock.acquire(False) is False
    assert lock.acquire() is True  # queues behind the waiter
    order.append("main")
    lock.release()
    g.join()
    assert order == ["waiter", "main"]


def test_releasing_and_reacquiring_in_a_loop_does_not_starve_a_waiter():
    lock = Lock()
    turns = []

    def hog():
        for _ in range(5):
            with lock:
                turns.append("hog")
                ghub.sleep(0)  # block while holding the lock

    def other():
        with lock:
            turns.append("other")

    h = ghub.spawn(hog)
    ghub.sleep(0)
    o = ghub.spawn(other)
    ghub.joinall([h, o])
    assert "other" in turns
    assert turns.index("other") <= 2


def test_acquire_timing_out_as_a_permit_is_released_keeps_the_permit():
    # The release (a timer) queues the wake-up; the acquirer's timeout, due
    # in the same loop iteration, fires first: the permit must stay.
    sem = Semaphore(0)
    hub = ghub.get_hub()
    acquirer = ghub.spawn(sem.acquire, True, 0.2)
    settle()
    gcore.timer(0.01, sem.release, loop=hub.loop)
    time.sleep(0.3)  # block the thread: both timers fall due together
    assert acquirer.get() is False
    assert sem.counter == 1 and sem._nwaiters == 0 and not sem._links
    assert sem.acquire(False)


def test_acquire_timing_out_mid_handoff_next_waiter_gets_the_permit():
    sem = Semaphore(0)
    hub = ghub.get_hub()
    first = ghub.spawn(sem.acquire, True, 0.2)
    second = ghub.spawn(sem.acquire)
    settle()
    gcore.timer(0.01, sem.release, loop=hub.loop)
    time.sleep(0.3)
    ghub.joinall([first, second], timeout=5)
    assert first.value is False
    assert second.value is True
    assert sem.counter == 0


def test_acquirer_killed_before_its_wakeup_keeps_the_permit():
    sem = Semaphore(0)
    first = ghub.spawn(sem.acquire)
    second = ghub.spawn(sem.acquire)
    settle()
    first.kill(block=False)
    sem.release()
    ghub.joinall([first, second], timeout=5)
    assert isinstance(first.value, GreenletExit)
    assert second.value is True
    assert sem.counter == 0 and sem._nwaiters == 0


def test_acquire_interrupted_by_outer_timeout_propagates():
    sem = Semaphore(0)
    with pytest.raises(Timeout):
        with Timeout(0.01):
            sem.acquire(timeout=10)
    assert sem._nwaiters == 0 and not sem._links


def test_semaphore_wait_does_not_take_a_permit():
    sem = Semaphore(0)
    waiters = [ghub.spawn(sem.wait) for _ in range(3)]
    settle()
    sem.release()
    ghub.joinall(waiters)
    assert [w.value for w in waiters] == [1, 1, 1]
    assert sem.counter == 1
    assert sem.wait() == 1
    sem.acquire()
    assert sem.wait(0.01) == 0


def test_semaphore_rawlink_called_when_a_permit_is_free():
    sem = Semaphore(0)
    calls = []
    sem.rawlink(calls.append)
    ghub.sleep(0)
    assert calls == []
    sem.release()
    ghub.sleep(0)
    assert calls == [sem]


def test_semaphore_acquire_forever_raises_loop_exit():
    with pytest.raises(ghub.LoopExit):
        Semaphore(0).acquire()


def test_dummy_semaphore():
    sem = DummySemaphore()
    for _ in range(100):
        assert sem.acquire() is True
    assert sem.acquire(False) is True
    assert not sem.locked()
    sem.release()
    assert sem.wait() == 1
    with sem:
        pass
    with pytest.raises(ValueError):
        sem.acquire(False, 5)
    calls = []
    sem.rawlink(calls.append)
    ghub.sleep(0)
    assert calls == [sem]
    sem.rawlink(calls.append)
    sem.unlink(calls.append)
    ghub.sleep(0)
    assert calls == [sem]


def test_threading_names_are_implemented_here():
    import threading

    import gsync.coros

    for name in gsync.coros.THREADING_NAMES:
        assert hasattr(threading, name), name
        assert name in gsync.coros.__all__, name
        assert callable(getattr(gsync.coros, name)), name
