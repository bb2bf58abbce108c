"""ghub.local: greenlet-local storage with the threading.local API."""

import gc
import threading
import weakref

import pytest

from ghub import joinall, sleep, spawn
from ghub.local import local


def test_values_are_per_greenlet():
    data = local()
    data.x = "main"

    def child(value):
        missing = not hasattr(data, "x")
        data.x = value
        sleep(0)
        return missing, data.x

    a = spawn(child, "a")
    b = spawn(child, "b")
    assert a.get() == (True, "a")
    assert b.get() == (True, "b")
    assert data.x == "main"


def test_dict_and_delattr_are_per_greenlet():
    data = local()
    data.x = 1
    assert data.__dict__ == {"x": 1}
    assert spawn(lambda: data.__dict__).get() == {}
    del data.x
    assert data.__dict__ == {}
    with pytest.raises(AttributeError):
        del data.x
    with pytest.raises(AttributeError):
        data.__dict__ = {}


def test_missing_attribute_raises_attributeerror():
    data = local()
    with pytest.raises(AttributeError):
        data.nothing   # noqa: B018
    assert getattr(data, "nothing", "default") == "default"


def test_arguments_need_an_init():
    # As threading.local does.
    with pytest.raises(TypeError):
        threading.local(1)
    with pytest.raises(TypeError, match="Initialization arguments are not supported"):
        local(1)


class Counted(local):
    calls = []   # a class attribute: shared by every greenlet

    def __init__(self, color, size=1):
        self.calls.append(color)
        self.color = color
        self.size = size

    def describe(self):
        return f"{self.color}/{self.size}"

    @property
    def double(self):
        return self.size * 2


def test_subclass_init_runs_once_per_greenlet():
    Counted.calls = []
    data = Counted("red", size=3)
    assert Counted.calls == ["red"]   # once in the creating greenlet
    data.color = "blue"

    def child():
        assert data.color == "red"   # __init__ ran again, with the constructor's arguments
        data.size = 5
        return data.describe(), data.double

    assert spawn(child).get() == ("red/5", 10)
    assert Counted.calls == ["red", "red"]
    assert data.describe() == "blue/3" and data.double == 6
    assert spawn(lambda: data.size).get() == 3
    assert Counted.calls == ["red", "red", "red"]


def test_subclass_init_that_fails_is_retried():
    attempts = []

    class Flaky(local):
        def __init__(self):
            attempts.append(1)
            if len(attempts) == 2:
                raise ValueError("flaky")
            self.ok = True

    data = Flaky()

    def child():
        try:
            data.ok   # noqa: B018
        except ValueError:
            pass
        return data.ok

    assert spawn(child).get() is True
    assert len(attempts) == 3


def test_values_are_dropped_when_the_greenlet_is_collected():
    class Value:
        pass

    data = local()
    refs = []

    def child():
        value = Value()
        refs.append(weakref.ref(value))
        data.value = value

    g = spawn(child)
    g.join()
    sleep(0)   # (the hub, which woke us up from inside g's notification, lets go of g)
    assert refs[0]() is not None   # the greenlet object still exists
    del g
    gc.collect()
    assert refs[0]() is None


def test_values_are_per_thread_too():
    data = local()
    data.x = "main thread"
    seen = []

    def thread_main():
        seen.append(getattr(data, "x", None))
        data.x = "other thread"
        g = spawn(lambda: getattr(data, "x", None))
        joinall([g])
        seen.append((data.x, g.value))

    t = threading.Thread(target=thread_main)
    t.start()
    t.join(10)
    assert seen == [None, ("other thread", None)]
    assert data.x == "main thread"
