"""Loop.run_callback_threadsafe: other threads wake a loop and run callbacks in its thread."""

import os
import sys
import threading
import time

import pytest

import gcore


def test_callback_runs_in_the_loop_thread_in_order(loop):
    ran = []
    loop_thread = threading.get_ident()

    def record(i):
        ran.append((i, threading.get_ident()))
        if i == 99:
            loop.unref()

    def sender():
        for i in range(100):
            loop.run_callback_threadsafe(record, i)

    loop.ref()   # the loop waits for the sender's last callback
    t = threading.Thread(target=sender)
    t.start()
    loop.run()
    t.join()
    assert [i for i, _ in ran] == list(range(100))
    assert {ident for _, ident in ran} == {loop_thread}


def test_a_blocked_poll_wakes_up_at_once(loop):
    """The loop sleeps in its poll with a 30 s timer pending; a send wakes it."""
    woken = []
    far = gcore.timer(30, lambda: None, loop=loop)

    def woke(sent_at):
        woken.append(time.monotonic() - sent_at)
        far.cancel()

    def sender():
        time.sleep(0.2)
        loop.run_callback_threadsafe(woke, time.monotonic())

    t = threading.Thread(target=sender)
    t.start()
    loop.run()
    t.join()
    assert len(woken) == 1
    assert woken[0] < 1.0, f"the wake-up took {woken[0]:.3f} s"


def test_a_send_alone_does_not_keep_the_loop_running(loop):
    loop.run_callback_threadsafe(lambda: None)
    assert loop.run() == 1   # nothing counts: run() returns at once
    # The callback is still delivered once the loop runs with something pending.
    ran = []
    loop.run_callback_threadsafe(ran.append, 1)
    loop.ref()
    gcore.timer(0.05, loop.unref, loop=loop)
    loop.run()
    assert ran == [1]


def test_errors_go_to_the_error_handler(loop):
    seen = []
    loop.error_handler = lambda context, t, v, tb: seen.append(t)
    loop.ref()

    def sender():
        loop.run_callback_threadsafe(lambda: 1 / 0)
        loop.run_callback_threadsafe(loop.unref)

    t = threading.Thread(target=sender)
    t.start()
    loop.run()
    t.join()
    assert seen == [ZeroDivisionError]


def test_cancelled_before_it_runs(loop):
    ran = []
    cb = loop.run_callback_threadsafe(ran.append, 1)
    cb.cancel()
    loop.run_callback_threadsafe(ran.append, 2)
    loop.ref()
    loop.run_callback_threadsafe(loop.unref)
    loop.run()
    assert ran == [2]


def test_not_callable(loop):
    with pytest.raises(TypeError, match="callable"):
        loop.run_callback_threadsafe(42)


def test_many_threads_many_loops():
    """Eight loops, each woken by four sender threads with 500 callbacks each."""
    errors = []

    def owner():
        try:
            loop = gcore.Loop()
            count = [0]

            def tick():
                count[0] += 1
                if count[0] == 2000:
                    loop.unref()

            loop.ref()
            senders = [threading.Thread(
                target=lambda: [loop.run_callback_threadsafe(tick) for _ in range(500)])
                for _ in range(4)]
            for s in senders:
                s.start()
            loop.run()
            for s in senders:
                s.join()
            assert count[0] == 2000
        except BaseException as exc:
            errors.append(exc)

    owners = [threading.Thread(target=owner) for _ in range(8)]
    for o in owners:
        o.start()
    for o in owners:
        o.join(30)
    assert not any(o.is_alive() for o in owners)
    assert not errors, errors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_reinit_gives_the_child_its_own_wakeup(loop):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # pragma: no cover - the child
        code = 1
        try:
            loop.reinit()
            ran = []
            loop.ref()

            def sender():
                loop.run_callback_threadsafe(ran.append, 1)
                loop.run_callback_threadsafe(loop.unref)

            threading.Thread(target=sender).start()
            loop.run()
            code = 0 if ran == [1] else 2
        finally:
            os.write(w, bytes([code]))
            os._exit(code)
    os.close(w)
    try:
        result = os.read(r, 1)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    assert result == b"\x00"
    # The parent's loop still wakes through its own descriptor.
    ran = []
    loop.ref()
    threading.Thread(target=lambda: (loop.run_callback_threadsafe(ran.append, 1),
                                     loop.run_callback_threadsafe(loop.unref))).start()
    loop.run()
    assert ran == [1]
    assert sys.exc_info() == (None, None, None)
