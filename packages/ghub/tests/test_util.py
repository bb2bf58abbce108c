"""ghub.util.wrap_errors, and ghub's public names."""

import pytest

import ghub
from ghub import spawn
from ghub.util import wrap_errors


def parse(text):
    """Parse an int."""
    return int(text)


def test_wrap_errors_returns_the_errors_of_the_given_types():
    safe = wrap_errors(ValueError, parse)
    assert safe("12") == 12
    error = safe("x")
    assert isinstance(error, ValueError)


def test_wrap_errors_lets_other_errors_through():
    safe = wrap_errors(KeyError, parse)
    with pytest.raises(ValueError):
        safe("x")
    safe = wrap_errors((KeyError, ValueError), parse)
    assert isinstance(safe("x"), ValueError)


def test_wrap_errors_looks_like_the_function():
    safe = wrap_errors(ValueError, parse)
    assert str(safe) == str(parse) and repr(safe) == repr(parse)
    assert safe.__name__ == "parse"


def test_wrap_errors_as_a_greenlet_function(capsys):
    g = spawn(wrap_errors(ValueError, parse), "x")
    assert isinstance(g.get(), ValueError)
    assert g.successful()
    assert capsys.readouterr().err == ""


def test_wrap_errors_rejects_bad_arguments():
    with pytest.raises(TypeError):
        wrap_errors(ValueError, 42)
    with pytest.raises(TypeError):
        wrap_errors("ValueError", parse)


def test_ghub_exports():
    for name in ghub.__all__:
        assert getattr(ghub, name) is not None, name
    for name in ("Greenlet", "GreenletExit", "spawn", "spawn_later", "spawn_raw", "spawn_link",
                 "spawn_link_value", "spawn_link_exception", "joinall", "killall", "Timeout",
                 "with_timeout", "getcurrent", "sleep", "kill", "signal", "fork", "shutdown",
                 "reinit"):
        assert name in ghub.__all__, name
    assert ghub.local.local.__module__ == "ghub.local"
    assert ghub.util.wrap_errors is wrap_errors   # ghub.local is the module


def test_lazy_property_computes_once_and_stores():
    from ghub.util import lazy_property

    calls = []

    class Thing:
        @lazy_property
        def value(self):
            """The doc."""
            calls.append(1)
            return 42

    thing = Thing()
    assert thing.value == 42 and thing.value == 42
    assert calls == [1] and thing.__dict__["value"] == 42
    assert Thing.value.__doc__ == "The doc."
