"""One loop per thread, running at the same time; reinit() in a forked child."""

import os
import socket
import threading
import warnings

import gcore
from gcore import EV_READ

# -- threads ------------------------------------------------------------------------


def run_in_threads(*targets, timeout=20):
    """Run each target in its own thread; re-raise the first error; fail on a hang."""
    errors = []

    def wrap(target):
        try:
            target()
        except BaseException as exc:   # reported in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(t,), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread's loop is stuck"
    if errors:
        raise errors[0]


def test_two_loops_in_two_threads_ping_pong():
    """Each thread blocks in its own loop's poll while the other one works.

    If the poll held the GIL, the first thread to block would stop the other
    and the exchange would hang.
    """
    rounds = 200
    left, right = socket.socketpair()
    logs = {"left": [], "right": []}
    loops = {}

    def player(name, sock, serve):
        lp = gcore.Loop()
        loops[name] = lp
        log = logs[name]

        def on_read(ev, evtype):
            n = int(sock.recv(16))
            log.append(n)
            if n + 1 < rounds:
                sock.send(b"%d" % (n + 1))
            if n + 2 >= rounds:
                ev.cancel()

        gcore.read_event(sock, on_read, persist=True, loop=lp)
        if serve:
            gcore.timer(0.01, sock.send, b"0", loop=lp)
        assert lp.run() == 0
        assert lp.ref_count == 0

    try:
        run_in_threads(lambda: player("left", left, True), lambda: player("right", right, False))
    finally:
        left.close()
        right.close()
    assert logs["right"] == list(range(0, rounds, 2))
    assert logs["left"] == list(range(1, rounds, 2))
    assert loops["left"] is not loops["right"]


def test_two_loops_with_timers_run_at_the_same_time():
    """Both threads' timers are due while both loops run: each fires in its own order."""
    barrier = threading.Barrier(2, timeout=10)
    results = {}

    def worker(name):
        lp = gcore.Loop()
        fired = []
        for delay in (0.03, 0.01, 0.02):
            gcore.timer(delay, fired.append, (name, delay), loop=lp)
        # Both loops start (and so overlap) before either timer can fire.
        gcore.timer(0, barrier.wait, loop=lp)
        lp.run()
        results[name] = fired

    run_in_threads(lambda: worker("a"), lambda: worker("b"))
    assert results == {
        "a": [("a", 0.01), ("a", 0.02), ("a", 0.03)],
        "b": [("b", 0.01), ("b", 0.02), ("b", 0.03)],
    }


def test_blocked_loop_does_not_block_another_thread():
    """A loop waiting in its poll (no timeout) lets the main thread run a loop of its own."""
    r, w = socket.socketpair()
    waiting_seen = []

    def waiter():
        lp = gcore.Loop()
        gcore.read_event(r, lambda ev, evtype: waiting_seen.append(r.recv(10)), loop=lp)
        lp.run()

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    try:
        lp = gcore.Loop()
        order = []
        for i in range(5):
            gcore.timer(0.002 * i, order.append, i, loop=lp)
        lp.run()
        assert order == [0, 1, 2, 3, 4]
        assert waiting_seen == []          # still blocked in its poll
        w.send(b"wake")
        thread.join(10)
        assert not thread.is_alive()
        assert waiting_seen == [b"wake"]
    finally:
        r.close()
        w.close()


def test_loop_in_a_thread_has_no_wakeup_fd():
    seen = []

    def body():
        lp = gcore.Loop(default=True)       # not the main thread: no set_wakeup_fd
        gcore.timer(0, seen.append, "timer", loop=lp)
        seen.append(lp.run())
        seen.append(lp.run())

    run_in_threads(body)
    assert seen == ["timer", 0, 1]


# -- fork ----------------------------------------------------------------------------


def fork():
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() in a process with threads (pytest's
        # faulthandler watchdog is one); the child here only runs gcore.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def wait_child(pid):
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), f"child ended with status {status:#x}"
    return os.WEXITSTATUS(status)


def test_reinit_after_fork_in_the_child(loop, pipe):
    r, w = pipe
    parent_seen = []
    # An event registered before the fork: the child shares the back-end (the
    # epoll fd) with the parent until it calls reinit().
    parent_ev = gcore.read_event(r, lambda ev, evtype: parent_seen.append(evtype), loop=loop)
    pid = fork()
    if pid == 0:
        code = 1
        try:
            loop.reinit()        # first: before it, a change would reach the parent's epoll
            parent_ev.cancel()
            order = []

            def on_read(ev, evtype):
                order.append(("read", evtype, os.read(r, 10)))

            gcore.timer(0.01, os.write, w, b"child", loop=loop)
            gcore.timer(0, order.append, "timer", loop=loop)
            gcore.read_event(r, on_read, loop=loop)
            loop.run()
            if order == ["timer", ("read", EV_READ, b"child")] and loop.ref_count == 0:
                code = 0
            else:
                os.write(2, f"child saw {order!r}\n".encode())
        finally:
            os._exit(code)
    assert wait_child(pid) == 0
    # The child's cancel() and reads did not touch the parent's registration.
    assert parent_ev.pending
    os.write(w, b"parent")
    loop.run()
    assert parent_seen == [EV_READ]


def test_module_reinit_after_fork_in_the_child(default_loop, pipe):
    r, w = pipe
    pid = fork()
    if pid == 0:
        code = 1
        try:
            gcore.reinit()
            order = []
            gcore.read_event(r, lambda ev, evtype: order.append(os.read(r, 10)))
            gcore.timer(0, os.write, w, b"x")
            if gcore.dispatch() == 0 and order == [b"x"]:
                code = 0
        finally:
            os._exit(code)
    assert wait_child(pid) == 0
