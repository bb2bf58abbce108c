"""gstack lays gsync out at the 0.13 reference's paths: the layer's objects themselves."""

import importlib
import queue as stdlib_queue

import pytest

import gsync.coros
import gsync.event
import gsync.pool
import gsync.queue

# The 0.13 reference's names in each module.
NAMES_0_13 = {
    "event": ["Event", "AsyncResult"],
    "queue": ["Queue", "PriorityQueue", "LifoQueue", "JoinableQueue", "Full", "Empty"],
    "coros": ["Semaphore", "BoundedSemaphore", "DummySemaphore", "RLock"],
    "pool": ["Group", "GreenletSet", "Pool"],
}
LAYER = {"event": gsync.event, "queue": gsync.queue, "coros": gsync.coros, "pool": gsync.pool}


@pytest.mark.parametrize("name", sorted(LAYER))
def test_module_reexports_every_gsync_name(name):
    module = importlib.import_module(f"gstack.{name}")
    layer = LAYER[name]
    assert module.__name__ == f"gstack.{name}"
    assert module.__all__ == layer.__all__
    assert layer.__all__, f"gsync.{name} exports nothing"
    for each in layer.__all__:
        assert getattr(module, each) is getattr(layer, each), f"gstack.{name}.{each}"


@pytest.mark.parametrize("name", sorted(NAMES_0_13))
def test_module_has_the_0_13_names(name):
    module = importlib.import_module(f"gstack.{name}")
    for each in NAMES_0_13[name]:
        assert each in module.__all__, f"gstack.{name}.{each}"


def test_queue_exceptions_are_the_stdlib_ones():
    import gstack.queue

    assert gstack.queue.Full is stdlib_queue.Full
    assert gstack.queue.Empty is stdlib_queue.Empty


def test_a_0_13_program_runs():
    # The reference's JoinableQueue example, written against gstack's paths.
    import gstack
    from gstack.event import AsyncResult
    from gstack.pool import Pool
    from gstack.queue import JoinableQueue

    done = []
    q = JoinableQueue()

    def worker():
        while True:
            item = q.get()
            try:
                done.append(item * 2)
            finally:
                q.task_done()

    workers = [gstack.spawn(worker) for _ in range(2)]
    for item in range(10):
        q.put(item)
    q.join()
    gstack.killall(workers)
    assert sorted(done) == [2 * n for n in range(10)]
    assert Pool(2).map(abs, [-1, -2, 3]) == [1, 2, 3]
    result = AsyncResult()
    gstack.spawn(lambda: 1 / 0).link(result)
    with pytest.raises(ZeroDivisionError):
        result.get()
