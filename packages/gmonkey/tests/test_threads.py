"""patch_thread: the greenlet ``_thread`` (in process) and ``threading`` on it (patched)."""

import pytest
from conftest import run_python
from greenlet import GreenletExit, getcurrent

import ghub
from gmonkey import _threads


def test_lock_contract(hub):
    lock = _threads.allocate_lock()
    assert type(lock) is _threads.LockType and not lock.locked()
    with pytest.raises(TypeError, match="cannot create"):
        _threads.LockType()
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        lock.release()
    assert lock.acquire() and lock.locked()
    assert lock.acquire(False) is False
    with pytest.raises(ValueError, match="non-blocking"):
        lock.acquire(False, 1)
    with pytest.raises(ValueError, match="non-negative"):
        lock.acquire(True, -2)
    with pytest.raises(OverflowError):
        lock.acquire(True, 1e300)
    assert lock.acquire(timeout=0.01) is False
    assert "locked" in repr(lock)
    lock.release()
    with lock:
        assert lock.locked()
    assert not lock.locked()


def test_lock_waiters_are_served_in_order_and_block_only_themselves(hub):
    lock = _threads.allocate_lock()
    order = []

    def worker(name):
        with lock:
            order.append(name)
            ghub.sleep(0.001)

    lock.acquire()
    jobs = [ghub.spawn(worker, n) for n in "abcd"]
    ghub.sleep(0)
    order.append("main")        # the workers wait, the main greenlet goes on
    lock.release()
    ghub.joinall(jobs)
    assert order == ["main", "a", "b", "c", "d"]


def test_a_waiter_killed_after_being_handed_the_lock_passes_it_on(hub):
    lock = _threads.allocate_lock()
    got = []
    lock.acquire()
    first = ghub.spawn(lambda: got.append(("first", lock.acquire())))
    second = ghub.spawn(lambda: got.append(("second", lock.acquire())))
    ghub.sleep(0)

    def release_then_kill():
        lock.release()                  # handed to `first`; its wake-up is queued...
        first.throw(GreenletExit)       # ...but it dies before that wake-up runs

    hub.loop.run_callback(release_then_kill)
    ghub.joinall([first, second])
    assert got == [("second", True)] and lock.locked()
    lock.release()


def test_lock_timeout_in_a_greenlet(hub):
    lock = _threads.allocate_lock()
    lock.acquire()
    job = ghub.spawn(lock.acquire, True, 0.02)
    assert job.get() is False
    assert not lock._links and lock._nwaiters == 0   # the timed-out waiter left the line
    lock.release()


def test_rlock(hub):
    rlock = _threads.RLock()
    assert rlock.acquire() and rlock.acquire()
    assert rlock._is_owned() and rlock._recursion_count() == 2
    other = ghub.spawn(rlock.acquire, False)
    assert other.get() is False
    with pytest.raises(RuntimeError):
        ghub.spawn(rlock.release).get()
    state = rlock._release_save()
    assert state[0] == 2 and not rlock._is_owned()   # (the rest of the state is opaque)
    rlock._acquire_restore(state)
    rlock.release()
    rlock.release()
    with pytest.raises(RuntimeError, match="un-acquired"):
        rlock.release()


def test_start_new_thread_and_get_ident(hub):
    seen = []
    lock = _threads.allocate_lock()
    lock.acquire()

    def run(a, b=None):
        seen.append((a, b, _threads.get_ident()))
        lock.release()

    ident = _threads.start_new_thread(run, (1,), {"b": 2})
    assert _threads.get_ident() == id(getcurrent()) != ident
    lock.acquire()
    assert seen == [(1, 2, ident)]
    with pytest.raises(TypeError, match="callable"):
        _threads.start_new_thread(1, ())
    with pytest.raises(TypeError, match="tuple"):
        _threads.start_new_thread(run, [1])


def test_threading_is_cooperative_and_bookkeeps_greenlets():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import threading, time, queue
        events = []
        def worker(n, started):
            started.wait()
            time.sleep(0.05)
            events.append((n, threading.current_thread().name))
        started = threading.Event()
        threads = [threading.Thread(target=worker, args=(n, started), name=f"w{n}")
                   for n in range(20)]
        for t in threads: t.start()
        assert threading.active_count() == 21 and set(threads) < set(threading.enumerate())
        began = time.monotonic()
        started.set()
        for t in threads: t.join()
        elapsed = time.monotonic() - began
        assert sorted(events) == [(n, f"w{n}") for n in range(20)], events
        assert elapsed < 0.9, elapsed             # 20 x 50 ms, concurrently
        assert not any(t.is_alive() for t in threads) and threading.active_count() == 1
        assert threading.current_thread() is threading.main_thread()
        assert threading.main_thread().ident == threading.get_ident()
        # Condition, Semaphore, Timer, Barrier, queue.Queue
        q = queue.Queue()
        threading.Timer(0.01, q.put, ("timer",)).start()
        assert q.get(timeout=5) == "timer"
        barrier = threading.Barrier(3)
        hits = []
        ts = [threading.Thread(target=lambda: hits.append(barrier.wait())) for _ in range(2)]
        for t in ts: t.start()
        hits.append(barrier.wait(timeout=5))
        for t in ts: t.join()
        assert sorted(hits) == [0, 1, 2]
        # A greenlet no Thread started is a dummy thread, forgotten when it is collected.
        import ghub, gc
        name = ghub.spawn(lambda: threading.current_thread().name).get()
        time.sleep(0.001)   # greenlet keeps the last dead greenlet until the next switches
        gc.collect()
        assert name.startswith("Dummy-") and len(threading._active) == 1, threading._active
        # join with a timeout, on a thread that outlives it
        t = threading.Thread(target=time.sleep, args=(0.2,)); t.start()
        t.join(0.01); assert t.is_alive()
        t.join(); assert not t.is_alive()
        print("threading ok")
    """)
    assert "threading ok" in proc.stdout


def test_non_daemon_threads_are_joined_at_exit_even_if_threading_came_first():
    proc = run_python("""
        import threading, logging
        import gmonkey; gmonkey.patch_all()
        import time
        def late():
            time.sleep(0.1)
            print("late thread done", flush=True)
        def daemon():
            time.sleep(30)
            print("daemon must not be waited for", flush=True)
        threading.Thread(target=late).start()
        threading.Thread(target=daemon, daemon=True).start()
        logging.getLogger().warning("logging works: %s", threading.current_thread().name)
        print("main done", flush=True)
    """, timeout=20)
    assert proc.stdout.splitlines() == ["main done", "late thread done"]
    assert "logging works: MainThread" in proc.stderr


def test_unhandled_exception_in_a_thread_uses_the_hooks():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import threading, _thread, time, sys
        t = threading.Thread(target=lambda: 1 / 0, name="boom"); t.start(); t.join()
        caught = []
        sys.unraisablehook = caught.append
        _thread.start_new_thread(lambda: [][1], ())
        time.sleep(0.01)
        assert caught and caught[0].exc_type is IndexError, caught
        print("hooks ok")
    """)
    assert "Exception in thread boom:" in proc.stderr and "ZeroDivisionError" in proc.stderr
    assert "hooks ok" in proc.stdout


def test_interrupt_main_from_a_thread_raises_in_the_main_greenlet():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import threading, _thread
        t = threading.Thread(target=_thread.interrupt_main)
        try:
            t.start(); t.join()
        except KeyboardInterrupt:
            print("interrupted")
        t.join()
    """)
    assert proc.stdout == "interrupted\n"


def test_a_thread_started_before_patching_ends_silently():
    # It stays an OS thread, in threading._active under its OS ident; when it
    # ended, threading deleted it under get_ident() (a greenlet's ident now):
    # "Exception ignored in thread started by ... KeyError".
    proc = run_python("""
        import threading, time, warnings
        go = threading.Event()
        def work():
            go.wait()
            time.sleep(0.02)
        t = threading.Thread(target=work, name="early"); t.start()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import gmonkey; gmonkey.patch_all()
        assert any("early" in str(w.message) for w in caught), caught
        native = t.ident
        assert threading._active.get(native) is t
        go.set()
        deadline = time.monotonic() + 10
        while threading._active.get(native) is t and time.monotonic() < deadline:
            time.sleep(0.01)
        assert threading._active.get(native) is None, "the thread is still registered"
        assert t not in threading.enumerate()
        print("ended", flush=True)
    """)
    assert proc.stdout.splitlines() == ["ended"]
    assert "Exception ignored" not in proc.stderr, proc.stderr
    assert "KeyError" not in proc.stderr, proc.stderr
