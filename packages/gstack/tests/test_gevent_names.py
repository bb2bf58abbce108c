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
}


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_module_all_has_the_listed_names(module_name):
    module = importlib.import_module(module_name)
    missing = [name for name in EXPECTED[module_name] if name not in module.__all__]
    assert missing == [], f"{module_name}.__all__ lacks {missing}"
    absent = [name for name in module.__all__ if not hasattr(module, name)]
    assert absent == [], f"{module_name} lacks {absent}, named in its __all__"


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
