"""patch_time, patch_os, patch_queue."""

import os
import queue

import pytest
from conftest import run_python
from greenlet import GreenletExit

import ghub
from gmonkey import _os, _queue


def test_time_sleep_is_cooperative():
    proc = run_python("""
        import gmonkey; gmonkey.patch_time()
        import time, ghub
        order = []
        def nap(n, s):
            time.sleep(s); order.append(n)
        jobs = [ghub.spawn(nap, n, 0.05 * (3 - n)) for n in range(3)]
        began = time.monotonic(); ghub.joinall(jobs)
        assert order == [2, 1, 0] and time.monotonic() - began < 0.5, order
        try:
            time.sleep(-1)
        except ValueError as exc:
            print("ValueError:", exc)
    """)
    assert "ValueError: sleep length must be non-negative" in proc.stdout


def test_waitpid_blocks_only_the_calling_greenlet(hub):
    fast = os.spawnlp(os.P_NOWAIT, "sleep", "sleep", "0.3")
    slow = os.spawnlp(os.P_NOWAIT, "sleep", "sleep", "0.8")
    done = []
    jobs = [ghub.spawn(lambda pid=pid: done.append(_os.waitpid(pid, 0)[0]))
            for pid in (slow, fast)]
    ghub.sleep(0)
    done.append("main ran")
    ghub.joinall(jobs)
    assert done == ["main ran", fast, slow]
    with pytest.raises(ChildProcessError):
        _os.waitpid(fast, 0)
    child = os.spawnlp(os.P_NOWAIT, "sh", "sh", "-c", "exit 7")
    pid, status = ghub.spawn(_os.wait).get()   # any child: the polling path
    assert pid == child and os.waitstatus_to_exitcode(status) == 7


def test_os_read_on_a_pipe_waits_in_the_hub(hub):
    r, w = os.pipe()
    try:
        reader = ghub.spawn(_os.read, r, 10)
        ghub.sleep(0.01)
        assert not reader.ready()            # it waits, and we still run
        assert _os.write(w, b"hello") == 5
        assert reader.get(timeout=5) == b"hello"
        os.set_blocking(r, False)
        with pytest.raises(BlockingIOError):
            _os.read(r, 10)                  # non-blocking keeps its EAGAIN
    finally:
        os.close(r)
        os.close(w)


def test_fork_reinitialises_the_loop_in_the_child():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import os, time, ghub
        pid = os.fork()
        if pid == 0:
            g = ghub.spawn(time.sleep, 0.01)
            g.join()
            os._exit(3 if g.successful() else 1)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
    """)
    assert proc.stdout == "child exit 3\n"


def test_simple_queue(hub):
    q = _queue.SimpleQueue()
    assert q.empty() and q.qsize() == 0
    with pytest.raises(queue.Empty):
        q.get(False)
    with pytest.raises(queue.Empty):
        q.get(timeout=0.01)
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    getters = [ghub.spawn(q.get) for _ in range(3)]
    ghub.sleep(0)
    for n in range(3):
        q.put(n)
    assert [g.get() for g in getters] == [0, 1, 2]
    q.put_nowait("x")
    assert q.qsize() == 1 and q.get_nowait() == "x"
    assert _queue.SimpleQueue[int] is not None


def test_simple_queue_item_handed_to_a_killed_getter_goes_to_the_next(hub):
    q = _queue.SimpleQueue()
    first, second = ghub.spawn(q.get), ghub.spawn(q.get)
    ghub.sleep(0)

    def put_then_kill():
        q.put("item")                   # handed to `first`; its wake-up is queued...
        first.throw(GreenletExit)       # ...but it dies before that wake-up runs

    hub.loop.run_callback(put_then_kill)
    assert second.get(timeout=5) == "item"
    assert q.empty()


def test_patch_queue_patches_the_c_module_too():
    run_python("""
        import gmonkey; gmonkey.patch_queue()
        import queue, _queue
        from gmonkey._queue import SimpleQueue
        assert queue.SimpleQueue is SimpleQueue and _queue.SimpleQueue is SimpleQueue
    """)


def test_os_write_to_a_read_only_descriptor_fails_at_once(hub):
    r, w = os.pipe()
    try:
        with pytest.raises(OSError) as info:
            _os.write(r, b"x")          # never writable: must not wait for it
        assert info.value.errno == 9    # EBADF, as unpatched
        with pytest.raises(OSError):
            _os.read(w, 1)
    finally:
        os.close(r)
        os.close(w)
