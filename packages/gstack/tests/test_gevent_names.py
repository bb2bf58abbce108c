"""The names today's gevent-based libraries import, at gevent's paths under gstack (issue 14).

Each module's ``__all__`` must hold the names listed here, and every name in
``__all__`` must exist; the 0.13 reference's own names are checked by the
test_*_namespace.py files beside this one.
"""

import importlib
import sys

import pytest

import gstack

# gevent's module -> the names the issue lists (and 0.13's, for the modules it has).
EXPECTED = {
    "gstack": ["get_hub", "idle", "wait", "iwait", "signal_handler", "getswitchinterval",
               "setswitchinterval", "version_info", "spawn", "sleep", "joinall", "Timeout"],
    "gstack.lock": ["Semaphore", "BoundedSemaphore", "DummySemaphore", "RLock", "Lock"],
    "gstack.exceptions": ["LoopExit", "BlockingSwitchOutError", "InvalidSwitchError",
                          "ConcurrentObjectUseError"],
    "gstack.threadpool": ["ThreadPool"],
    "gstack.selectors": ["DefaultSelector"],
    "gstack.thread": ["start_new_thread", "allocate_lock", "get_ident", "LockType"],
    "gstack.util": ["wrap_errors", "lazy_property"],
    "gstack.queue": ["Queue", "PriorityQueue", "LifoQueue", "JoinableQueue", "Channel",
                     "SimpleQueue", "Full", "Empty"],
    "gstack.event": ["Event", "AsyncResult"],
    "gstack.hub": ["Hub", "get_hub", "Waiter", "LoopExit"],
    "gstack.greenlet": ["Greenlet", "joinall", "killall"],
}

# The attributes the issue lists on those classes, at their gevent paths.
ATTRIBUTES = {
    ("gstack.greenlet", "Greenlet"): ["name", "exc_info", "minimal_ident"],
    ("gstack.event", "AsyncResult"): ["result", "done", "exc_info", "cancel", "cancelled"],
    ("gstack.event", "Event"): ["rawlink", "unlink"],
    ("gstack.queue", "Queue"): ["peek", "peek_nowait"],
    ("gstack.hub", "Hub"): ["SYSTEM_ERROR", "NOT_ERROR", "handle_error", "print_exception",
                            "join"],
}


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_module_all_has_the_listed_names(module_name):
    module = importlib.import_module(module_name)
    missing = [name for name in EXPECTED[module_name] if name not in module.__all__]
    assert missing == [], f"{module_name}.__all__ lacks {missing}"
    absent = [name for name in module.__all__ if not hasattr(module, name)]
    assert absent == [], f"{module_name} lacks {absent}, named in its __all__"


@pytest.mark.parametrize("where", sorted(ATTRIBUTES))
def test_classes_have_the_listed_attributes(where):
    module_name, class_name = where
    cls = getattr(importlib.import_module(module_name), class_name)
    missing = [name for name in ATTRIBUTES[where] if not hasattr(cls, name)]
    assert missing == [], f"{module_name}.{class_name} lacks {missing}"


def test_the_hubs_loop_has_what_libraries_call():
    loop = gstack.get_hub().loop
    for name in ("run_callback", "timer", "io", "now", "update_now"):
        assert callable(getattr(loop, name)), name
    fired = []
    t = loop.timer(0)
    t.start(fired.append, True)
    gstack.sleep(0.01)
    assert fired == [True]


def test_the_new_queue_classes_through_gstack():
    from gstack import queue

    ch = queue.Channel()
    getter = gstack.spawn(ch.get)
    gstack.sleep(0)
    ch.put("x")
    assert getter.get(timeout=5) == "x"
    sq = queue.SimpleQueue()
    sq.put(1)
    assert sq.peek() == 1 and sq.get() == 1


def test_the_names_are_the_layers_objects():
    import ghub
    import gsync.coros
    import gsync.threadpool
    from gstack import exceptions, lock, threadpool

    assert gstack.get_hub is ghub.get_hub and gstack.idle is ghub.idle
    assert gstack.signal_handler is ghub.signal
    assert lock.RLock is gsync.coros.RLock and lock.Lock is gsync.coros.Lock
    assert exceptions.LoopExit is ghub.LoopExit
    assert issubclass(exceptions.ConcurrentObjectUseError, AssertionError)
    assert threadpool.ThreadPool is gsync.threadpool.ThreadPool


def test_version_info_matches_version():
    assert ".".join(map(str, gstack.version_info[:3])) == gstack.__version__
    assert gstack.version_info[3] == "final"


def test_switchinterval_is_the_interpreters():
    old = gstack.getswitchinterval()
    try:
        gstack.setswitchinterval(0.001)
        assert sys.getswitchinterval() == pytest.approx(0.001)
        assert gstack.getswitchinterval() == pytest.approx(0.001)
    finally:
        sys.setswitchinterval(old)


def test_iwait_through_the_namespace():
    a = gstack.spawn_later(0.02, lambda: "a")
    b = gstack.spawn(lambda: "b")
    assert [g.value for g in gstack.iwait([a, b])] == ["b", "a"]


def test_compat_serves_the_new_modules():
    # `import gevent.lock` etc. under the compatibility mode give these modules.
    import importlib.util

    for name in ("lock", "exceptions", "threadpool", "selectors", "thread"):
        assert importlib.util.find_spec(f"gstack.{name}") is not None, name
