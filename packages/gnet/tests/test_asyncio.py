"""gnet.asyncio: asyncio on the hub, greenlets and coroutines waiting on each other."""

import asyncio
import contextvars
import os
import selectors
import signal
import socket as stdsocket
import sys
import threading

import pytest

import gcore
import ghub
import gnet.asyncio as gasyncio
import gnet.socket

# -- the selector ------------------------------------------------------------------


@pytest.fixture
def pair():
    a, b = stdsocket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


def test_selector_reports_readiness_through_the_hub(pair):
    a, b = pair
    sel = gasyncio.HubSelector()
    try:
        key = sel.register(a, selectors.EVENT_READ, "data")
        assert sel.get_key(a) is key and key.data == "data"
        assert sel.select(0) == []                  # nothing to read yet
        b.send(b"x")
        assert sel.select(None) == [(key, selectors.EVENT_READ)]
        a.recv(1)
        assert sel.select(0) == []
        key = sel.modify(a, selectors.EVENT_READ | selectors.EVENT_WRITE, "both")
        assert sel.select(None) == [(key, selectors.EVENT_WRITE)]   # writable at once
        key = sel.modify(a, selectors.EVENT_READ, "again")
        assert sel.select(0) == []                  # the write watcher went
        b.send(b"y")
        assert sel.select(1) == [(key, selectors.EVENT_READ)]
        assert sel.unregister(a) is key
        assert sel.select(0) == []                  # unregistered: nothing reported
        with pytest.raises(KeyError):
            sel.unregister(a)
        with pytest.raises(ValueError):
            sel.register(b, 0)
    finally:
        sel.close()
    assert sel.get_map() is None


def test_selector_select_times_out_and_lets_greenlets_run(pair):
    a, _ = pair
    order = []
    sel = gasyncio.HubSelector()
    sel.register(a, selectors.EVENT_READ)
    ghub.spawn(order.append, "greenlet")
    ghub.spawn_later(0.01, order.append, "later")
    assert sel.select(0.03) == []
    order.append("timed out")
    sel.close()
    assert order == ["greenlet", "later", "timed out"]


def test_selector_parked_select_is_woken_by_a_greenlet(pair):
    a, b = pair
    sel = gasyncio.HubSelector()
    key = sel.register(a, selectors.EVENT_READ)
    ghub.spawn_later(0.01, b.send, b"x")
    assert sel.select() == [(key, selectors.EVENT_READ)]
    ghub.spawn_later(0.01, sel.wakeup)
    a.recv(1)
    assert sel.select() == []   # woken with nothing ready
    sel.close()


def test_selector_stops_a_descriptor_firing_while_nobody_selects(pair):
    # Level-triggered: a readable descriptor fires on every iteration of the hub's
    # loop. While the loop's greenlet is busy elsewhere it is paused, not spun on.
    a, b = pair
    sel = gasyncio.HubSelector()
    key = sel.register(a, selectors.EVENT_READ)
    b.send(b"x")
    for _ in range(3):
        ghub.sleep(0.005)   # the hub polls several times; nobody calls select()
    read_event = sel._watchers[a.fileno()][0]
    assert not read_event.pending
    assert sel.select(0) == [(key, selectors.EVENT_READ)]
    assert read_event.pending   # armed again once handed out
    sel.close()
    assert not read_event.pending


def test_selector_refuses_the_hub():
    sel = gasyncio.HubSelector()
    errors = []

    def in_hub():
        try:
            sel.select(1)
        except ghub.BlockingSwitchOutError as exc:
            errors.append(exc)

    ghub.get_hub().loop.run_callback(in_hub)
    ghub.sleep(0)
    sel.close()
    assert len(errors) == 1


# -- the loop: streams, timers --------------------------------------------------------


async def _echo_server():
    async def handle(reader, writer):
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


class _Handoff:
    """One item at a time to a greenlet: a ghub Waiter switched from the hub (no gsync here)."""

    def __init__(self):
        self.waiter = ghub.Waiter()

    def put(self, item):
        ghub.get_hub().loop.run_callback(self.waiter.switch, item)

    def get(self):
        item = self.waiter.get()
        self.waiter.clear()
        return item


def test_streams_echo_in_ping_pong_with_a_greenlet():
    order = []
    handoff = _Handoff()

    async def main():
        server, port = await _echo_server()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        back = asyncio.Event()
        for i in range(3):
            writer.write(b"ping %d" % i)
            await writer.drain()
            order.append((await reader.readexactly(6)).decode())
            handoff.put((i, back))          # a greenlet takes it while we wait
            await back.wait()
            back.clear()
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()
        return "done"

    def greenlet():
        for _ in range(3):
            i, back = handoff.get()
            order.append(f"greenlet {i}")
            back.set()                       # wakes the loop parked in select()

    g = ghub.spawn(greenlet)
    assert gasyncio.run(main()) == "done"
    g.join()
    assert order == ["ping 0", "greenlet 0", "ping 1", "greenlet 1", "ping 2", "greenlet 2"]


def test_greenlets_run_while_the_loop_waits_and_not_while_it_works():
    order = []

    def ticker():
        for i in range(3):
            order.append(f"tick {i}")
            ghub.sleep(0.01)

    async def main():
        ghub.spawn(ticker)
        order.append("busy")         # no await: the ticker has not run yet
        await asyncio.sleep(0.005)
        order.append("slept")
        await asyncio.sleep(0.03)
        order.append("end")

    gasyncio.run(main())
    assert order == ["busy", "tick 0", "slept", "tick 1", "tick 2", "end"]


def test_call_later_call_at_and_call_soon_order():
    order = []

    async def main():
        loop = asyncio.get_running_loop()
        assert isinstance(loop, gasyncio.EventLoop)
        done = loop.create_future()
        loop.call_later(0.03, order.append, "later 0.03")
        loop.call_at(loop.time() + 0.01, order.append, "at 0.01")
        cancelled = loop.call_later(0.02, order.append, "cancelled")
        loop.call_later(0.04, done.set_result, None)
        loop.call_soon(order.append, "soon")
        ghub.spawn_later(0.02, order.append, "greenlet 0.02")   # the hub's own timer
        cancelled.cancel()
        order.append("scheduled")
        await done

    gasyncio.run(main())
    assert order == ["scheduled", "soon", "at 0.01", "greenlet 0.02", "later 0.03"]


def test_tasks_sleeping_wake_in_deadline_order():
    order = []

    async def sleeper(delay, name):
        await asyncio.sleep(delay)
        order.append(name)

    async def main():
        await asyncio.gather(sleeper(0.03, "c"), sleeper(0.01, "a"), sleeper(0.02, "b"),
                             sleeper(0, "zero"))

    gasyncio.run(main())
    assert order == ["zero", "a", "b", "c"]


def test_call_soon_threadsafe_from_another_thread_wakes_the_loop():
    async def main():
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        thread = threading.Thread(target=loop.call_soon_threadsafe,
                                  args=(future.set_result, "from the thread"))
        thread.start()
        try:
            return await asyncio.wait_for(future, 5)
        finally:
            thread.join()

    assert gasyncio.run(main()) == "from the thread"


def test_run_in_executor_and_low_level_sock_calls():
    async def main():
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, sum, [1, 2, 3]) == 6
        listener = stdsocket.create_server(("127.0.0.1", 0))
        listener.setblocking(False)
        client = stdsocket.socket()
        client.setblocking(False)
        with listener, client:
            accepting = asyncio.ensure_future(loop.sock_accept(listener))
            await loop.sock_connect(client, listener.getsockname())
            conn, _ = await accepting
            with conn:
                await loop.sock_sendall(client, b"hello")
                assert await loop.sock_recv(conn, 5) == b"hello"

    gasyncio.run(main())


def test_subprocess_output():
    async def main():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "print('child says hi')", stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        return proc.returncode, out

    assert gasyncio.run(main()) == (0, b"child says hi\n")


def test_two_greenlets_each_run_a_loop_at_once():
    order = []

    async def job(name):
        loops = [asyncio.get_running_loop()]
        for i in range(2):
            order.append(f"{name} {i}")
            await asyncio.sleep(0.01)
            loops.append(asyncio.get_running_loop())
        assert len(set(loops)) == 1
        return loops[0]

    jobs = [ghub.spawn(gasyncio.run, job(name)) for name in ("a", "b")]
    ghub.joinall(jobs, raise_error=True)
    assert jobs[0].value is not jobs[1].value
    assert jobs[0].value.is_closed() and jobs[1].value.is_closed()
    assert order == ["a 0", "b 0", "a 1", "b 1"]


def test_run_refuses_a_running_loop_and_a_non_coroutine():
    async def main():
        coro = asyncio.sleep(0)
        try:
            gasyncio.run(coro)
        finally:
            coro.close()

    with pytest.raises(RuntimeError):
        gasyncio.run(main())
    with pytest.raises((ValueError, TypeError)):
        gasyncio.run(42)


def test_a_gstack_timeout_ends_run_and_closes_its_loop():
    loops = []
    cancelled = []

    async def forever():
        loops.append(asyncio.get_running_loop())
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(ghub.Timeout):
        with ghub.Timeout(0.02):
            gasyncio.run(forever())
    assert cancelled == [True]
    assert loops[0].is_closed()


def test_policy_makes_asyncio_run_use_the_hub():
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(gasyncio.EventLoopPolicy())
    try:
        async def main():
            return type(asyncio.get_running_loop())

        assert asyncio.run(main()) is gasyncio.EventLoop
        loop = asyncio.new_event_loop()
        assert isinstance(loop, gasyncio.EventLoop)
        loop.close()
    finally:
        asyncio.set_event_loop_policy(previous)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signal handlers belong to the main thread")
def test_signal_handler_and_the_hub_wakeup_fd_put_back():
    before = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(before, warn_on_full_buffer=False)

    async def main():
        loop = asyncio.get_running_loop()
        got = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR1, got.set_result, "SIGUSR1")
        assert signal.set_wakeup_fd(signal.set_wakeup_fd(-1)) != before   # asyncio's
        ghub.spawn_later(0.01, os.kill, os.getpid(), signal.SIGUSR1)
        result = await asyncio.wait_for(got, 5)
        assert loop.remove_signal_handler(signal.SIGUSR1)
        return result

    assert gasyncio.run(main()) == "SIGUSR1"
    now = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(now, warn_on_full_buffer=False)
    assert now == before


# -- greenlet -> coroutine: wait() -------------------------------------------------------


async def _double_later(x, delay=0.01):
    await asyncio.sleep(delay)
    return 2 * x


async def _fail_later():
    await asyncio.sleep(0.005)
    raise ValueError("from the coroutine")


def test_wait_without_a_running_loop_runs_one():
    assert gasyncio.wait(_double_later(21)) == 42
    with pytest.raises(ValueError, match="from the coroutine"):
        gasyncio.wait(_fail_later())


def test_wait_without_a_loop_times_out():
    cancelled = []

    async def slow():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(ghub.Timeout):
        gasyncio.wait(slow(), timeout=0.01)
    assert cancelled == [True]


def test_wait_from_greenlets_on_the_running_loop():
    results = {}
    loops = set()

    async def work(i):
        loops.add(asyncio.get_running_loop())
        return await _double_later(i)

    def greenlet(i):
        results[i] = gasyncio.wait(work(i))

    async def main():
        jobs = [ghub.spawn(greenlet, i) for i in range(50)]
        await gasyncio.to_greenlet(ghub.joinall, jobs, raise_error=True)
        return asyncio.get_running_loop()

    loop = gasyncio.run(main())
    assert results == {i: 2 * i for i in range(50)}
    assert loops == {loop}   # every one ran on the main loop, none on a loop of its own


def test_wait_from_greenlets_runs_them_concurrently():
    in_flight, peak = [0], [0]

    async def work():
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0.01)
        in_flight[0] -= 1

    async def main():
        jobs = [ghub.spawn(gasyncio.wait, work()) for _ in range(20)]
        await gasyncio.to_greenlet(ghub.joinall, jobs, raise_error=True)

    gasyncio.run(main())
    assert peak[0] == 20


def test_wait_from_a_greenlet_raises_and_times_out():
    outcome = []
    cancelled = []

    async def slow():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    def greenlet():
        try:
            gasyncio.wait(_fail_later())
        except ValueError as exc:
            outcome.append(str(exc))
        try:
            gasyncio.wait(slow(), timeout=0.01)
        except ghub.Timeout:
            outcome.append("timeout")

    async def main():
        await gasyncio.to_greenlet(greenlet)
        await asyncio.sleep(0)   # (the cancelled coroutine finishes)

    gasyncio.run(main())
    assert outcome == ["from the coroutine", "timeout"]
    assert cancelled == [True]


def test_wait_on_a_task_and_a_future_of_the_running_loop():
    async def main():
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(_double_later(5))
        future = loop.create_future()
        loop.call_later(0.01, future.set_result, "future")
        values = await gasyncio.to_greenlet(
            lambda: (gasyncio.wait(task), gasyncio.wait(future)))
        return values

    assert gasyncio.run(main()) == (10, "future")


def test_wait_in_the_loop_itself_is_refused():
    async def main():
        with pytest.raises(RuntimeError, match="await it instead"):
            gasyncio.wait(_double_later(1))

    gasyncio.run(main())


def test_wait_validates_its_timeout():
    with pytest.raises(ValueError):
        gasyncio.wait(asyncio.sleep(0), timeout=-1)
    with pytest.raises(TypeError):
        gasyncio.wait(asyncio.sleep(0), timeout="1")


# -- coroutine -> greenlet: to_greenlet() -----------------------------------------------


def test_to_greenlet_returns_and_raises():
    def fail():
        ghub.sleep(0.001)
        raise KeyError("from the greenlet")

    async def main():
        value = await gasyncio.to_greenlet(lambda a, b=0: a + b, 40, b=2)
        with pytest.raises(KeyError, match="from the greenlet"):
            await gasyncio.to_greenlet(fail)
        return value

    assert gasyncio.run(main()) == 42


def test_to_greenlet_blocking_sockets_do_not_block_the_loop():
    order = []

    def echo_once(listener):
        conn, _ = listener.accept()
        with conn:
            conn.sendall(conn.recv(100))

    def client(port):
        with gnet.socket.create_connection(("127.0.0.1", port)) as sock:
            order.append("greenlet sends")
            sock.sendall(b"via gnet.socket")
            return sock.recv(100)

    async def ticker():
        for i in range(3):
            order.append(f"tick {i}")
            await asyncio.sleep(0.005)

    async def main():
        listener = gnet.socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        server = ghub.spawn(echo_once, listener)
        port = listener.getsockname()[1]
        ticks = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.012)    # two ticks, then the greenlet waits on a ghub.sleep
        reply = await gasyncio.to_greenlet(lambda: (ghub.sleep(0.01), client(port))[1])
        await ticks
        server.join()
        listener.close()
        return reply

    assert gasyncio.run(main()) == b"via gnet.socket"
    assert order == ["tick 0", "tick 1", "tick 2", "greenlet sends"]


def test_cancelling_the_coroutine_kills_the_greenlet():
    events = []

    def blocked():
        try:
            ghub.sleep(10)
        except ghub.GreenletExit:
            events.append("greenlet killed")
            raise

    async def main():
        task = asyncio.ensure_future(gasyncio.to_greenlet(blocked))
        await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await gasyncio.to_greenlet(ghub.sleep, 0)   # the kill is delivered from the hub
        events.append("cancelled")

    gasyncio.run(main())
    assert events == ["greenlet killed", "cancelled"]


def test_killing_the_greenlet_cancels_the_coroutine():
    async def main():
        started = []

        def body():
            started.append(ghub.getcurrent())
            ghub.sleep(10)

        task = asyncio.ensure_future(gasyncio.to_greenlet(body))
        while not started:
            await asyncio.sleep(0.001)
        started[0].kill(block=False)
        with pytest.raises(asyncio.CancelledError):
            await task

    gasyncio.run(main())


request_id = contextvars.ContextVar("request_id", default=None)


def test_to_greenlet_context_and_wait_back_on_the_same_loop():
    async def inner():
        return request_id.get(), asyncio.get_running_loop()

    def body():
        return gasyncio.wait(inner())

    async def other_loop():
        await asyncio.sleep(0.05)

    async def main():
        request_id.set("r-1")
        value, loop = await gasyncio.to_greenlet(body)
        return value, loop is asyncio.get_running_loop()

    # Another loop runs in another greenlet meanwhile: wait() must not pick it.
    other = ghub.spawn(gasyncio.run, other_loop())
    ghub.sleep(0)
    assert gasyncio.run(main()) == ("r-1", True)
    other.join()
    assert other.successful()


def test_a_future_set_by_a_greenlet_wakes_the_loop():
    async def main():
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        ghub.spawn_later(0.01, future.set_result, "set in a greenlet")
        return await future   # no timer in the loop: only the wake-up brings it back

    assert gasyncio.run(main()) == "set in a greenlet"


def test_the_loop_leaves_nothing_pending_in_the_hub():
    loop = gasyncio.new_event_loop()
    try:
        assert loop.run_until_complete(_double_later(3)) == 6
    finally:
        loop.close()
    hub_loop = ghub.get_hub().loop
    assert hub_loop.ref_count == 0
    assert isinstance(hub_loop, gcore.Loop)
