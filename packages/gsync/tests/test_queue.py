"""gsync.queue: queues, channels, JoinableQueue; the stdlib's rules; no item lost or doubled."""

import queue as stdlib_queue
import random
import time

import pytest

import gcore
import ghub
from ghub import GreenletExit
from gsync.queue import Empty, Full, JoinableQueue, LifoQueue, PriorityQueue, Queue

QUEUE_SIZE = 5


class Interrupt(Exception):
    """Thrown into a waiting greenlet by a test."""


def settle():
    """Let every greenlet that is ready run until it blocks again."""
    for _ in range(3):
        ghub.sleep(0)


# -- construction --------------------------------------------------------------


def test_full_and_empty_are_the_stdlib_exceptions():
    assert Full is stdlib_queue.Full
    assert Empty is stdlib_queue.Empty


@pytest.mark.parametrize("maxsize", [None, -1, -100])
def test_unbounded(maxsize):
    q = Queue(maxsize)
    assert q.maxsize is None
    for i in range(1000):
        q.put_nowait(i)
    assert not q.full()
    assert q.qsize() == 1000
    assert [q.get_nowait() for _ in range(1000)] == list(range(1000))


def test_default_is_unbounded():
    assert Queue().maxsize is None
    assert not Queue().full()


def test_bad_maxsize():
    with pytest.raises(TypeError):
        Queue("3")
    with pytest.raises(TypeError):
        Queue(2.5)


def test_repr_mentions_the_state():
    q = Queue(3)
    q.put(1)
    text = repr(q)
    assert "maxsize=3" in text and "getters=0" in text


# -- the stdlib's rules (CPython's test_queue, behaviour by behaviour) -----------


@pytest.mark.parametrize("cls, order", [
    (Queue, [111, 333, 222]),
    (LifoQueue, [222, 333, 111]),
    (PriorityQueue, [111, 222, 333]),
])
def test_basic_order_and_bounds(cls, order):
    q = cls(QUEUE_SIZE)
    for _ in range(2):  # the same instance works twice
        assert q.empty() and not q.full()
        q.put(111)
        q.put(333)
        q.put(222)
        assert [q.get(), q.get(), q.get()] == order
        for i in range(QUEUE_SIZE - 1):
            q.put(i)
            assert q.qsize()
        assert not q.full()
        q.put("last" if cls is not PriorityQueue else QUEUE_SIZE * 2)
        assert q.full() and not q.empty()
        with pytest.raises(Full):
            q.put(99, block=False)
        with pytest.raises(Full):
            q.put(99, timeout=0.01)
        for _ in range(QUEUE_SIZE):
            q.get()
        assert not q.qsize()
        with pytest.raises(Empty):
            q.get(block=False)
        with pytest.raises(Empty):
            q.get(timeout=0.01)


def test_blocking_put_is_released_by_get():
    q = Queue(1)
    q.put("a")
    log = []

    def putter():
        log.append("put starts")
        q.put("b")
        log.append("put returned")

    g = ghub.spawn(putter)
    settle()
    assert log == ["put starts"]
    assert q.get() == "a"
    log.append("got a")
    g.join()
    assert log == ["put starts", "got a", "put returned"]
    assert q.get_nowait() == "b"


def test_blocking_put_with_timeout_is_released_by_get():
    q = Queue(1)
    q.put("a")
    g = ghub.spawn(q.put, "b", True, 10)
    settle()
    assert not g.ready()
    assert q.get() == "a"
    g.get(timeout=5)
    assert q.get_nowait() == "b"


def test_blocking_get_is_released_by_put():
    q = Queue()
    g = ghub.spawn(q.get)
    settle()
    assert not g.ready()
    q.put("empty")
    assert g.get(timeout=5) == "empty"


def test_blocking_get_with_timeout_is_released_by_put():
    q = Queue()
    g = ghub.spawn(q.get, True, 10)
    settle()
    q.put("x")
    assert g.get(timeout=5) == "x"


def test_nowait():
    q = Queue(QUEUE_SIZE)
    for _ in range(QUEUE_SIZE):
        q.put_nowait(1)
    with pytest.raises(Full):
        q.put_nowait(1)
    for _ in range(QUEUE_SIZE):
        q.get_nowait()
    with pytest.raises(Empty):
        q.get_nowait()


def test_negative_timeout_raises_value_error():
    q = Queue(QUEUE_SIZE)
    with pytest.raises(ValueError):
        q.put(1, timeout=-1)
    with pytest.raises(ValueError):
        q.get(1, timeout=-1)


def test_non_blocking_calls_ignore_the_timeout():
    q = Queue(1)
    q.put(1, block=False, timeout=-5)
    with pytest.raises(Full):
        q.put(2, block=False, timeout=-5)
    assert q.get(block=False, timeout=-5) == 1


def test_shrinking_queue():
    q = Queue(3)
    q.put(1)
    q.put(2)
    q.put(3)
    with pytest.raises(Full):
        q.put_nowait(4)
    assert q.qsize() == 3
    q.maxsize = 2
    with pytest.raises(Full):
        q.put_nowait(4)


def test_growing_maxsize_wakes_putters():
    q = Queue(1)
    q.put(1)
    g = ghub.spawn(q.put, 2)
    settle()
    assert not g.ready()
    q.maxsize = 2
    g.join(timeout=5)
    assert g.successful() and q.qsize() == 2


def test_task_done_too_many_times():
    q = JoinableQueue()
    with pytest.raises(ValueError, match="task_done\\(\\) called too many times"):
        q.task_done()


def _summing_worker(q, total):
    while True:
        x = q.get()
        if x < 0:
            q.task_done()
            return
        total[0] += x
        q.task_done()


def test_queue_join_with_workers_twice():
    # CPython's queue_join_test, done twice on the same queue.
    q = JoinableQueue()
    for _ in range(2):
        total = [0]
        workers = [ghub.spawn(_summing_worker, q, total) for _ in range(2)]
        for i in range(100):
            q.put(i)
        q.join()
        assert total[0] == sum(range(100))
        for _ in workers:
            q.put(-1)
        q.join()  # join twice
        ghub.joinall(workers)
        assert all(w.successful() for w in workers)
    with pytest.raises(ValueError):
        q.task_done()


class FailingQueueError(Exception):
    pass


class FailingQueue(Queue):
    """A queue whose storage fails on demand (CPython's FailingQueue test)."""

    fail_next_put = False
    fail_next_get = False

    def _put(self, item):
        if self.fail_next_put:
            self.fail_next_put = False
            raise FailingQueueError("put failed")
        Queue._put(self, item)

    def _get(self):
        if self.fail_next_get:
            self.fail_next_get = False
            raise FailingQueueError("get failed")
        return Queue._get(self)


def test_failing_storage_leaves_the_queue_consistent():
    q = FailingQueue(QUEUE_SIZE)
    for i in range(QUEUE_SIZE - 1):
        q.put(i)
    q.fail_next_put = True
    with pytest.raises(FailingQueueError):
        q.put("oops", block=False)
    assert q.qsize() == QUEUE_SIZE - 1
    q.put("last")
    assert q.full()
    # A blocked putter whose put then fails: the exception is its own.
    q.fail_next_put = True
    g = ghub.spawn(q.put, "blocked")
    settle()
    assert q.get() == 0
    g.join()
    assert isinstance(g.exception, FailingQueueError)
    assert q.qsize() == QUEUE_SIZE - 1
    q.fail_next_get = True
    with pytest.raises(FailingQueueError):
        q.get()
    assert q.qsize() == QUEUE_SIZE - 1
    assert [q.get() for _ in range(QUEUE_SIZE - 1)] == [1, 2, 3, "last"]
    assert q.empty()


# -- the 0.13 reference's behaviour ----------------------------------------------


def test_channel_empty_and_full_are_both_true():
    q = Queue(0)
    assert q.maxsize == 0
    assert q.empty() and q.full()
    assert q.qsize() == 0


def test_channel_put_blocks_until_a_get_takes_the_item():
    q = Queue(0)
    log = []

    def putter():
        log.append("putting")
        q.put("item")
        log.append("put returned")

    g = ghub.spawn(putter)
    settle()
    assert log == ["putting"]
    assert q.qsize() == 0 and q.empty() and q.full()
    log.append("getting")
    assert q.get() == "item"
    log.append("got")
    g.join()
    assert log == ["putting", "getting", "got", "put returned"]


def test_channel_get_blocks_until_a_put():
    q = Queue(0)
    log = []

    def getter():
        log.append(("got", q.get()))

    g = ghub.spawn(getter)
    settle()
    assert log == []
    q.put("x")  # blocks until the getter took it
    log.append("put returned")
    g.join()
    assert log == [("got", "x"), "put returned"]


def test_channel_keeps_fifo_order_of_putters_and_getters():
    q = Queue(0)
    got = []
    putters = [ghub.spawn(q.put, i) for i in range(5)]
    getters = [ghub.spawn(lambda n=n: got.append((n, q.get()))) for n in range(5)]
    ghub.joinall(putters + getters, timeout=5)
    assert got == [(n, n) for n in range(5)]
    assert all(p.successful() for p in putters)


def test_channel_put_timeout_raises_full_when_nobody_takes():
    q = Queue(0)
    with pytest.raises(Full):
        q.put(1, timeout=0.01)
    assert not q._putters


def test_channel_get_timeout_raises_empty():
    q = Queue(0)
    with pytest.raises(Empty):
        q.get(timeout=0.01)
    assert not q._getters


def test_channel_put_nowait_from_a_greenlet_raises_full_even_with_a_getter():
    q = Queue(0)
    g = ghub.spawn(q.get)
    settle()
    with pytest.raises(Full):
        q.put_nowait(1)
    q.put(2)
    assert g.get() == 2


def test_channel_put_nowait_from_the_hub_hands_the_item_to_a_getter():
    q = Queue(0)
    g = ghub.spawn(q.get)
    settle()
    outcome = []

    def in_hub():
        try:
            q.put_nowait("from hub")
        except Full:
            outcome.append("full")
        else:
            outcome.append("delivered")

    ghub.get_hub().loop.run_callback(in_hub)
    assert g.get(timeout=5) == "from hub"
    assert outcome == ["delivered"]


def test_channel_put_nowait_from_the_hub_without_getter_raises_full():
    q = Queue(0)
    outcome = []

    def in_hub():
        try:
            q.put_nowait(1)
        except Full:
            outcome.append("full")

    ghub.get_hub().loop.run_callback(in_hub)
    ghub.sleep(0)
    assert outcome == ["full"]


def test_channel_get_nowait_takes_from_a_waiting_putter():
    q = Queue(0)
    with pytest.raises(Empty):
        q.get_nowait()
    g = ghub.spawn(q.put, "x")
    settle()
    assert q.get_nowait() == "x"
    g.join()
    assert g.successful()


def test_iteration_stops_at_stop_iteration():
    q = Queue()
    for item in (1, 2, 3, StopIteration):
        q.put(item)
    assert list(q) == [1, 2, 3]


def test_iteration_blocks_for_items():
    q = Queue()

    def producer():
        for i in range(3):
            ghub.sleep(0)
            q.put(i)
        q.put(StopIteration)

    ghub.spawn(producer)
    assert list(q) == [0, 1, 2]


def test_joinable_queue_worker_example():
    # The 0.13 reference's example of waiting for enqueued tasks.
    done = []

    def do_work(item):
        ghub.sleep(0)
        done.append(item)

    def worker():
        while True:
            item = q.get()
            try:
                do_work(item)
            finally:
                q.task_done()

    q = JoinableQueue()
    workers = [ghub.spawn(worker) for _ in range(3)]
    for item in range(20):
        q.put(item)
    q.join()  # block until all tasks are done
    assert sorted(done) == list(range(20))
    assert q.unfinished_tasks == 0
    ghub.killall(workers)


def test_joinable_queue_join_returns_at_once_when_nothing_is_unfinished():
    # 0.13.1's fix (issue #45): no need for the loop to run at all.
    q = JoinableQueue()
    hub = ghub.get_hub()
    before = hub.loop.pending_callbacks
    assert q.join() is True
    q.put(1)
    q.get()
    q.task_done()
    assert q.join() is True
    assert hub.loop.pending_callbacks == before


def test_joinable_queue_join_timeout():
    q = JoinableQueue()
    q.put(1)
    assert q.join(timeout=0.01) is False
    q.get()
    q.task_done()
    assert q.join(timeout=0.01) is True


def test_joinable_queue_wakes_every_joiner():
    q = JoinableQueue()
    q.put("task")
    joiners = [ghub.spawn(q.join) for _ in range(3)]
    settle()
    assert not any(j.ready() for j in joiners)
    q.get()
    q.task_done()
    ghub.joinall(joiners, timeout=5)
    assert [j.value for j in joiners] == [True] * 3


def test_joinable_channel_counts_the_item_when_taken():
    q = JoinableQueue(0)
    putter = ghub.spawn(q.put, "x")
    settle()
    assert q.unfinished_tasks == 0  # nothing is in the queue yet
    assert q.get() == "x"
    assert q.unfinished_tasks == 1
    q.task_done()  # before the putter even returned: no ValueError
    putter.join()
    assert putter.successful()
    assert q.join() is True


def test_priority_queue_orders_tuples():
    q = PriorityQueue()
    for item in [(3, "c"), (1, "a"), (2, "b")]:
        q.put(item)
    assert [q.get() for _ in range(3)] == [(1, "a"), (2, "b"), (3, "c")]


# -- waiting lines ---------------------------------------------------------------


def test_getters_are_served_in_the_order_they_waited():
    q = Queue()
    got = []
    getters = [ghub.spawn(lambda n=n: got.append((n, q.get()))) for n in range(5)]
    settle()
    for item in "abcde":
        q.put(item)
    ghub.joinall(getters)
    assert got == list(zip(range(5), "abcde"))


def test_putters_are_served_in_the_order_they_waited():
    q = Queue(1)
    q.put("first")
    putters = [ghub.spawn(q.put, n) for n in range(5)]
    settle()
    assert [q.get() for _ in range(6)] == ["first", 0, 1, 2, 3, 4]
    ghub.joinall(putters)


def test_put_and_get_without_waiters_do_not_touch_the_hub():
    hub = ghub.get_hub()
    before = hub.loop.pending_callbacks
    for cls in (Queue, LifoQueue, PriorityQueue, JoinableQueue):
        q = cls(10)
        for i in range(10):
            q.put(i)
        for _ in range(10):
            q.get()
    assert hub.loop.pending_callbacks == before


def test_put_from_the_hub_wakes_a_getter():
    q = Queue()
    g = ghub.spawn(q.get)
    settle()
    ghub.get_hub().loop.run_callback(q.put_nowait, "cb")
    assert g.get(timeout=5) == "cb"


def test_blocking_get_in_the_hub_is_an_error():
    q = Queue()
    errors = []

    def in_hub():
        try:
            q.get()
        except ghub.BlockingSwitchOutError as exc:
            errors.append(exc)

    ghub.get_hub().loop.run_callback(in_hub)
    ghub.sleep(0)
    assert len(errors) == 1
    assert not q._getters


def test_get_forever_raises_loop_exit():
    with pytest.raises(ghub.LoopExit):
        Queue().get()


# -- no item lost or doubled when a waiter is interrupted mid-handoff -------------


def _blocking_sleep(seconds):
    """Block the whole thread (not just this greenlet), so that timers fall due together."""
    time.sleep(seconds)


def test_getter_timing_out_as_an_item_arrives_leaves_the_item_in_the_queue():
    # The put (from a timer) queues the wake-up; the getter's own timeout,
    # due in the same loop iteration, fires before the wake-up runs.
    q = Queue()
    hub = ghub.get_hub()
    getter = ghub.spawn(q.get, True, 0.2)
    settle()
    gcore.timer(0.01, q.put_nowait, "x", loop=hub.loop)
    _blocking_sleep(0.3)
    getter.join()
    assert isinstance(getter.exception, Empty)
    assert not q._getters
    assert q.qsize() == 1
    assert q.get_nowait() == "x"


def test_getter_timing_out_mid_handoff_the_next_getter_gets_the_item():
    q = Queue()
    hub = ghub.get_hub()
    first = ghub.spawn(q.get, True, 0.2)
    second = ghub.spawn(q.get)
    settle()
    gcore.timer(0.01, q.put_nowait, "x", loop=hub.loop)
    _blocking_sleep(0.3)
    ghub.joinall([first, second], timeout=5)
    assert isinstance(first.exception, Empty)
    assert second.value == "x"
    assert q.empty()


def test_getter_killed_before_its_wakeup_leaves_the_item():
    q = Queue()
    first = ghub.spawn(q.get)
    second = ghub.spawn(q.get)
    settle()
    first.kill(block=False)  # queued before the put's wake-up
    q.put("x")
    ghub.joinall([first, second], timeout=5)
    assert isinstance(first.value, GreenletExit)
    assert second.value == "x"
    assert q.empty()


def test_getter_killed_mid_handoff_without_other_getter():
    q = Queue()
    getter = ghub.spawn(q.get)
    settle()
    getter.kill(block=False)
    q.put("x")
    getter.join()
    assert isinstance(getter.value, GreenletExit)
    assert q.get_nowait() == "x"
    assert not q._getters


def test_putter_killed_before_its_wakeup_puts_nothing():
    q = Queue(1)
    q.put("a")
    first = ghub.spawn(q.put, "b")
    second = ghub.spawn(q.put, "c")
    settle()
    first.kill(block=False)
    assert q.get() == "a"  # room: queues the first putter's wake-up, after the kill
    ghub.joinall([first, second], timeout=5)
    assert isinstance(first.value, GreenletExit)
    assert second.successful()
    assert q.get_nowait() == "c"
    assert q.empty()


def test_putter_timing_out_as_room_appears_puts_nothing():
    q = Queue(1)
    q.put("a")
    hub = ghub.get_hub()
    putter = ghub.spawn(q.put, "b", True, 0.2)
    settle()
    gcore.timer(0.01, q.get_nowait, loop=hub.loop)
    _blocking_sleep(0.3)
    putter.join()
    assert isinstance(putter.exception, Full)
    assert not q._putters
    assert q.empty()


def test_channel_putter_killed_after_its_item_was_taken_still_delivered_once():
    q = Queue(0)
    putter = ghub.spawn(q.put, "x")
    settle()
    hub = ghub.get_hub()
    hub.loop.run_callback(putter.throw, Interrupt())  # lands before the wake-up
    assert q.get_nowait() == "x"
    putter.join()
    assert isinstance(putter.exception, Interrupt)
    assert q.empty() and not q._putters
    with pytest.raises(Empty):
        q.get_nowait()


def test_channel_putter_whose_timeout_fires_after_the_take_returns_normally():
    # The getter (a timer callback) takes the item; the putter's own timeout,
    # due in the same iteration, fires before the putter's wake-up: put()
    # must report success, since the item was delivered.
    q = Queue(0)
    hub = ghub.get_hub()
    taken = []
    putter = ghub.spawn(q.put, "x", True, 0.2)
    settle()
    gcore.timer(0.01, lambda: taken.append(q.get_nowait()), loop=hub.loop)
    _blocking_sleep(0.3)
    putter.join()
    assert taken == ["x"]
    assert putter.successful(), putter.exception


def test_channel_getter_timing_out_as_a_putter_arrives():
    q = Queue(0)
    hub = ghub.get_hub()
    getter = ghub.spawn(q.get, True, 0.2)
    settle()
    putter = []

    def start_putter():
        putter.append(ghub.spawn(q.put, "x", True, 1))

    gcore.timer(0.01, start_putter, loop=hub.loop)
    _blocking_sleep(0.3)
    getter.join()
    assert isinstance(getter.exception, Empty)
    ghub.sleep(0)
    # The putter still holds its item: the next get takes it, exactly once.
    assert q.get(timeout=5) == "x"
    putter[0].join()
    assert putter[0].successful()


@pytest.mark.parametrize("maxsize", [None, 3, 0])
def test_stress_interrupted_waiters_never_lose_nor_double_an_item(maxsize):
    rng = random.Random(4)
    q = Queue(maxsize)
    received = []
    put_ok = set()
    put_failed = set()  # put() raised Full: the item must never be received
    put_killed = set()  # killed or interrupted: delivered at most once

    def pause():
        if rng.random() < 0.3:
            try:
                ghub.sleep(0)
            except Interrupt:
                pass

    def consumer():
        while True:
            try:
                item = q.get(timeout=rng.choice([None, 0, 0.001, 0.005]))
            except (Empty, Interrupt):
                pass
            else:
                received.append(item)
            pause()

    def producer(base):
        for i in range(base, base + 200):
            try:
                q.put(i, timeout=rng.choice([None, 0, 0.001, 0.005]))
            except Full:
                put_failed.add(i)
            except Interrupt:
                put_killed.add(i)
            else:
                put_ok.add(i)
            pause()

    consumers = [ghub.spawn(consumer) for _ in range(4)]
    producers = [ghub.spawn(producer, base) for base in range(0, 1000, 200)]
    # Interrupt greenlets at random moments, while they wait or not.
    for _ in range(300):
        victim = rng.choice(consumers + producers)
        if not victim.dead:
            ghub.get_hub().loop.run_callback(_interrupt_if_waiting, victim)
        ghub.sleep(rng.choice([0, 0, 0.001]))
    ghub.joinall(producers, timeout=30)
    assert all(p.ready() for p in producers)
    # Drain what is left.
    deadline = time.monotonic() + 10
    while q.qsize() and time.monotonic() < deadline:
        ghub.sleep(0.001)
    settle()
    ghub.killall(consumers)
    assert q.qsize() == 0
    assert len(received) == len(set(received)), "an item was delivered twice"
    received_set = set(received)
    assert put_ok <= received_set, "an item whose put() returned was lost"
    assert not (put_failed & received_set), "an item whose put() raised Full was delivered"
    assert received_set <= put_ok | put_killed
    assert len(put_ok) > 100


def _interrupt_if_waiting(greenlet):
    # Runs in the hub: the greenlet, if it started and is alive, is blocked somewhere.
    if greenlet and not greenlet.dead:
        greenlet.throw(Interrupt())


# -- peek -------------------------------------------------------------------------------


def test_peek_returns_the_next_item_and_leaves_it():
    q = Queue()
    q.put(1)
    q.put(2)
    assert q.peek() == 1 and q.peek_nowait() == 1
    assert q.qsize() == 2 and q.get() == 1
    lifo = LifoQueue()
    lifo.put(1)
    lifo.put(2)
    assert lifo.peek() == 2 == lifo.get()
    prio = PriorityQueue()
    for item in (3, 1, 2):
        prio.put(item)
    assert prio.peek() == 1 == prio.get()


def test_peek_on_an_empty_queue():
    q = Queue()
    with pytest.raises(Empty):
        q.peek_nowait()
    with pytest.raises(Empty):
        q.peek(block=False)
    with pytest.raises(Empty):
        q.peek(timeout=0.01)
    with pytest.raises(ValueError):
        q.peek(timeout=-1)


def test_peek_blocks_until_an_item_then_getters_in_line_still_get_it():
    q = Queue()
    seen = []
    peeker = ghub.spawn(lambda: seen.append(("peek", q.peek())))
    getter = ghub.spawn(lambda: seen.append(("get", q.get())))
    settle()
    assert seen == []
    q.put("x")
    ghub.joinall([peeker, getter], timeout=5)
    assert seen == [("peek", "x"), ("get", "x")]
    assert q.empty()


def test_peek_on_a_channel_shows_the_first_putters_item():
    q = Queue(0)
    with pytest.raises(Empty):
        q.peek_nowait()
    putter = ghub.spawn(q.put, "offered")
    settle()
    assert q.peek() == "offered"
    assert not putter.dead   # still waiting for a get()
    assert q.get() == "offered"
    putter.join(timeout=5)
    assert putter.successful()


# -- Channel and SimpleQueue -------------------------------------------------------


def test_channel_is_a_queue_of_zero():
    from gsync.queue import Channel

    ch = Channel()
    assert isinstance(ch, Queue)
    assert ch.maxsize == 0 and ch.empty() and ch.full() and ch.qsize() == 0
    assert ch.balance == 0
    putters = [ghub.spawn(ch.put, i) for i in range(3)]
    settle()
    assert ch.balance == 3
    assert [ch.get() for _ in range(3)] == [0, 1, 2]
    ghub.joinall(putters, timeout=5)
    assert all(p.successful() for p in putters)
    getter = ghub.spawn(ch.get)
    settle()
    assert ch.balance == -1
    ch.put("last")
    assert getter.get(timeout=5) == "last"


def test_channel_rejects_another_maxsize():
    from gsync.queue import Channel

    with pytest.raises(ValueError, match="maxsize must be 1"):
        Channel(5)
    ch = Channel(1)
    with pytest.raises(ValueError, match="cannot change"):
        ch.maxsize = 3
    with pytest.raises(Full):
        ch.put("x", timeout=0.01)


def test_simple_queue_is_unbounded_fifo():
    from gsync.queue import SimpleQueue

    q = SimpleQueue()
    for i in range(1000):
        q.put(i, block=True, timeout=None)   # never blocks
    assert q.qsize() == 1000 and not q.full() and q.maxsize is None
    assert [q.get() for _ in range(1000)] == list(range(1000))
    assert q.empty()
    with pytest.raises(Empty):
        q.get(timeout=0.01)
    with pytest.raises(Empty):
        q.get_nowait()
    with pytest.raises(ValueError, match="unbounded"):
        q.maxsize = 3
    with pytest.raises(TypeError):
        SimpleQueue(5)
    getter = ghub.spawn(q.get)
    settle()
    q.put_nowait("woken")
    assert getter.get(timeout=5) == "woken"
