"""gstack lays ghub out at the 0.13 reference's names: the layer's objects themselves."""

import ghub
import ghub.greenlet
import ghub.hub
import ghub.local
import ghub.timeout
import ghub.util
import gstack

# What the 0.13 reference's ``gevent`` package exports at its top level.
TOP_LEVEL_0_13 = [
    "Greenlet", "GreenletExit", "spawn", "spawn_later", "spawn_raw", "spawn_link",
    "spawn_link_value", "spawn_link_exception", "joinall", "killall", "Timeout",
    "with_timeout", "getcurrent", "sleep", "kill", "signal", "fork", "shutdown", "core",
    "reinit",
]


def test_top_level_has_the_0_13_names():
    for name in TOP_LEVEL_0_13:
        assert name in gstack.__all__, name
        assert hasattr(gstack, name), name


def test_top_level_names_are_ghubs_objects():
    for name in TOP_LEVEL_0_13:
        if name in ("core", "signal"):
            continue
        assert getattr(gstack, name) is getattr(ghub, name), name


def test_top_level_signal_is_the_module_and_the_0_13_function(monkeypatch):
    # gstack.signal is today's gevent.signal module; calling it is 0.13's gevent.signal().
    import types

    import gstack.signal

    assert isinstance(gstack.signal, types.ModuleType)
    assert gstack.signal.__name__ == "gstack.signal"
    calls = []
    monkeypatch.setattr(gstack.signal, "_signal_handler",
                        lambda *args, **kwargs: calls.append((args, kwargs)) or "handle")
    assert gstack.signal(10, print, 1, end="") == "handle"
    assert calls == [((10, print, 1), {"end": ""})]
    assert gstack.signal_handler is ghub.signal


def test_submodules_are_importable_attributes():
    import gstack.greenlet
    import gstack.hub
    import gstack.local
    import gstack.timeout
    import gstack.util

    assert gstack.hub is gstack.__dict__["hub"]
    for name, layer in [("hub", ghub.hub), ("greenlet", ghub.greenlet),
                        ("timeout", ghub.timeout), ("local", ghub.local), ("util", ghub.util)]:
        module = getattr(gstack, name)
        assert module.__name__ == f"gstack.{name}"
        assert module.__all__ == layer.__all__, name
        assert layer.__all__, f"ghub.{name} exports nothing"
        for each in layer.__all__:
            assert getattr(module, each) is getattr(layer, each), f"gstack.{name}.{each}"


def test_0_13_module_level_names():
    assert gstack.hub.get_hub is ghub.get_hub
    assert gstack.hub.Waiter is ghub.Waiter
    assert gstack.greenlet.LinkedExited is ghub.LinkedExited
    assert gstack.timeout.with_timeout is ghub.with_timeout
    assert gstack.local.local is ghub.local.local
    assert gstack.util.wrap_errors is ghub.util.wrap_errors


def test_a_0_13_program_runs():
    # The reference's example, with work that needs no network.
    def job(n):
        gstack.sleep(0.001 * n)
        return n * n

    jobs = [gstack.spawn(job, n) for n in range(3)]
    gstack.joinall(jobs, timeout=2)
    assert [j.value for j in jobs] == [0, 1, 4]
    with gstack.Timeout(0.01, False):
        gstack.sleep(1)
    g = gstack.spawn(gstack.sleep, 1)
    gstack.kill(g)
    g.join()
    assert isinstance(g.value, gstack.GreenletExit)
