"""ghub.checks: the argument checks every layer uses."""

import math
from fractions import Fraction

import pytest

from ghub.checks import (
    TIMEOUT_MAX,
    count,
    delay,
    exception,
    function,
    items,
    lock_timeout,
    seconds,
    socket_timeout,
    timeout,
    wait_timeout,
)


class _Index:
    def __index__(self):
        return 3


def test_seconds_are_floats_or_integers():
    assert seconds(1.5) == 1.5
    assert seconds(2) == 2
    assert seconds(_Index()) == 3
    for bad in ("1", None, 1j, Fraction(1, 2)):
        with pytest.raises(TypeError, match="sleep length must be a number"):
            seconds(bad, "sleep length")
    with pytest.raises(ValueError, match="NaN"):
        seconds(math.nan)


def test_timeout_and_delay():
    assert timeout(None) is None
    assert timeout(0) == 0
    with pytest.raises(ValueError, match="timeout must be non-negative"):
        timeout(-1)
    assert delay(0.5) == 0.5
    with pytest.raises(TypeError, match="seconds must be a number, not None"):
        delay(None)
    with pytest.raises(ValueError, match="seconds must be non-negative"):
        delay(-0.5)


def test_socket_timeout_follows_settimeout():
    assert socket_timeout(None) is None
    assert socket_timeout(2) == 2.0 and type(socket_timeout(2)) is float
    assert socket_timeout(_Index()) == 3.0
    with pytest.raises(TypeError, match="'str' object cannot be interpreted as an integer"):
        socket_timeout("1")
    with pytest.raises(ValueError, match="Timeout value out of range"):
        socket_timeout(-1)
    with pytest.raises(ValueError, match="Invalid value NaN"):
        socket_timeout(math.nan)


def test_count_function_exception():
    assert count(3, "n") == 3
    assert count(_Index(), "n") == 3
    with pytest.raises(TypeError, match="n must be an integer, not float"):
        count(1.0, "n")
    function(len)
    with pytest.raises(TypeError, match="handler must be callable, not int"):
        function(1, "handler")
    exception(ValueError)
    exception(ValueError())
    with pytest.raises(TypeError, match="exception must be"):
        exception(1)


def test_wait_timeout_takes_real_numbers():
    assert wait_timeout(None) is None
    assert wait_timeout(0) == 0
    assert wait_timeout(1.5) == 1.5
    with pytest.raises(ValueError):
        wait_timeout(-1)
    with pytest.raises(ValueError):
        wait_timeout(float("nan"))
    with pytest.raises(TypeError):
        wait_timeout("1")
    with pytest.raises(TypeError):
        wait_timeout(object())
    assert wait_timeout(Fraction(1, 2)) == 0.5


def test_lock_timeout_follows_threading():
    assert lock_timeout(True, None) is None
    assert lock_timeout(True, -1) is None
    assert lock_timeout(False, -1) is None
    assert lock_timeout(True, 2) == 2
    assert lock_timeout(True, TIMEOUT_MAX) == TIMEOUT_MAX
    with pytest.raises(ValueError):
        lock_timeout(False, 1)
    with pytest.raises(ValueError):
        lock_timeout(True, -100)
    with pytest.raises(OverflowError):
        lock_timeout(True, 1e100)
    with pytest.raises(OverflowError):
        lock_timeout(True, TIMEOUT_MAX + 1)


class _Joinable:
    ready = successful = exception = rawlink = unlink = None


def test_items_names_the_bad_item():
    ok = _Joinable()
    attributes = ("ready", "successful", "exception", "rawlink", "unlink")
    assert items((ok, ok), "joinall() greenlets", "greenlet", attributes) == [ok, ok]
    assert items(iter([]), "joinall() greenlets", "greenlet", attributes) == []
    bad_item = r"^joinall\(\) greenlets\[1\] must be a greenlet, not int: 5$"
    with pytest.raises(TypeError, match=bad_item):
        items([ok, 5, None], "joinall() greenlets", "greenlet", attributes)
    with pytest.raises(TypeError, match=r"^joinall\(\) greenlets must be an iterable of greenlets,"
                                        r" not int$"):
        items(5, "joinall() greenlets", "greenlet", attributes)
    with pytest.raises(TypeError, match=r"\[0\] must be a greenlet, not str: 'xxx.*\.\.\.$"):
        items(["x" * 100], "joinall() greenlets", "greenlet", attributes)
    # Items of the exact type are not looked at.
    assert items([1, 2], "numbers", "thing", ("missing",), int) == [1, 2]
    with pytest.raises(TypeError, match=r"numbers\[1\] must be a thing, not bool"):
        items([1, True], "numbers", "thing", ("missing",), int)
