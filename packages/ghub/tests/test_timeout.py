"""ghub.timeout: Timeout and with_timeout, as the 0.13 reference's "Timeouts" section shows."""

import math

import pytest

import ghub
from ghub import Timeout, sleep, spawn, with_timeout


class Boom(Exception):
    pass


def test_timeout_raises_itself_reference_example():
    # >>> Timeout(0.1).start()
    # >>> gevent.sleep(0.2)
    # Traceback (most recent call last):
    #  ...
    # Timeout: 0.1 seconds
    timeout = Timeout(0.1)
    timeout.start()
    with pytest.raises(Timeout) as info:
        ghub.sleep(0.2)
    assert info.value is timeout
    assert str(info.value) == "0.1 seconds"
    assert not timeout.pending


def test_timeout_try_finally_pattern():
    events = []
    timeout = Timeout(0.01, Boom)
    timeout.start()
    try:
        events.append("started")
        sleep(5)   # the exception is raised here, 0.01 s after start()
        events.append("not reached")
    except Boom:
        events.append("Boom")
    finally:
        timeout.cancel()
    assert events == ["started", "Boom"]


def test_timeout_with_an_exception_instance():
    error = Boom("custom")
    with pytest.raises(Boom) as info:
        with Timeout(0.01, error):
            sleep(5)
    assert info.value is error


def test_timeout_is_not_an_exception():
    # "except Exception" in the interrupted code does not swallow it.
    assert issubclass(Timeout, BaseException) and not issubclass(Timeout, Exception)
    caught = []
    with pytest.raises(Timeout):
        with Timeout(0.01):
            try:
                sleep(5)
            except Exception as exc:   # noqa: BLE001 - the point of the test
                caught.append(exc)
    assert caught == []


def test_with_block_starts_and_cancels():
    with Timeout(5) as timeout:
        assert timeout.pending
        sleep(0)
    assert not timeout.pending


def test_silent_timeout_reference_example():
    # data = None
    # with Timeout(5, False):
    #     data = mysock.makefile().readline()
    # if data is None: ...  # 5 seconds passed without reading a line
    def readline(delay):
        sleep(delay)
        return "a line"

    data = None
    with Timeout(0.01, False):
        data = readline(5)
    assert data is None   # the timeout passed: the code after the block runs

    data = None
    with Timeout(5, False):
        data = readline(0)
    assert data == "a line"


def test_silent_timeout_does_not_swallow_other_exceptions():
    with pytest.raises(Boom):
        with Timeout(5, False):
            raise Boom


def test_silent_timeout_does_not_swallow_another_timeout():
    outer = Timeout(0.01)
    outer.start()
    try:
        with pytest.raises(Timeout) as info:
            with Timeout(5, False):
                sleep(1)
        assert info.value is outer
    finally:
        outer.cancel()


def test_timeout_none_never_fires():
    with Timeout(None) as timeout:
        assert not timeout.pending
        sleep(0.01)
    assert str(timeout) == ""
    Timeout.start_new(None).cancel()


def test_telling_timeouts_apart_reference_example():
    # timeout = Timeout(1)
    # timeout.start()
    # try:
    #     ...
    # except Timeout, t:
    #     if t is not timeout:
    #         raise # not my timeout
    outer = Timeout(0.01)
    outer.start()
    seen = []
    try:
        timeout = Timeout(1)
        timeout.start()
        try:
            sleep(5)
        except Timeout as t:
            seen.append(t is timeout)
            if t is not timeout:
                with pytest.raises(Timeout):
                    raise   # not my timeout
        finally:
            timeout.cancel()
    finally:
        outer.cancel()
    assert seen == [False]


def test_pending_start_cancel():
    timeout = Timeout(5)
    assert not timeout.pending
    timeout.start()
    assert timeout.pending
    with pytest.raises(RuntimeError, match="already started"):
        timeout.start()
    timeout.cancel()
    assert not timeout.pending
    timeout.cancel()   # not pending: nothing to do
    timeout.start()   # can be started again once cancelled
    assert timeout.pending
    timeout.cancel()


def test_start_new():
    timeout = Timeout.start_new(5)
    assert isinstance(timeout, Timeout) and timeout.pending and timeout.seconds == 5
    timeout.cancel()

    existing = Timeout(5)
    assert Timeout.start_new(existing) is existing
    assert existing.pending
    assert Timeout.start_new(existing) is existing   # already pending: left as is
    existing.cancel()

    with pytest.raises(Boom):
        with Timeout.start_new(0.01, Boom):
            sleep(5)


def test_str_and_repr():
    assert str(Timeout(0.1)) == "0.1 seconds"
    assert str(Timeout(1)) == "1 second"
    assert str(Timeout(2, False)) == "2 seconds (silent)"
    assert str(Timeout(3, Boom("x"))) == "3 seconds (x)"
    assert str(Timeout()) == ""
    assert "seconds=0.5" in repr(Timeout(0.5))
    timeout = Timeout.start_new(5)
    assert repr(timeout).endswith(" pending>")
    timeout.cancel()


def test_copy_and_pickle_keep_the_attributes():
    import copy
    import pickle

    t = Timeout(3, False)
    t.note = "mine"
    for other in (copy.copy(t), pickle.loads(pickle.dumps(t))):
        assert type(other) is Timeout and other is not t
        assert (other.seconds, other.exception, other.timer, other.note) == (3, False, None, "mine")
        assert not other.pending
    t.start()
    try:
        assert copy.copy(t).timer is t.timer   # (a shallow copy shares the timer)
    finally:
        t.cancel()


def test_timeout_fires_only_in_the_greenlet_that_started_it():
    def worker():
        with Timeout(0.01, False):
            sleep(5)
        return "worker timed out"

    g = spawn(worker)
    sleep(0.05)   # main is not interrupted
    assert g.get() == "worker timed out"


def test_a_timeout_that_expires_while_the_greenlet_is_dead_does_nothing(hub):
    # A greenlet that starts a timeout and ends without cancelling it.
    def forgetful():
        Timeout(0.001).start()

    g = spawn(forgetful)
    g.join()
    sleep(0.01)   # the timer fires into a dead greenlet: ignored
    assert g.successful()


@pytest.mark.parametrize("seconds", [-1, -0.001])
def test_negative_seconds_raise_valueerror(seconds):
    with pytest.raises(ValueError, match="non-negative"):
        Timeout(seconds)


def test_bad_seconds_raise():
    with pytest.raises(TypeError):
        Timeout("1")
    with pytest.raises(TypeError):
        Timeout([1])
    with pytest.raises(ValueError):
        Timeout(math.nan)


def test_bad_exception_raises_typeerror():
    with pytest.raises(TypeError, match="exception must be"):
        Timeout(1, "message")
    with pytest.raises(TypeError):
        Timeout(1, int)


# -- with_timeout ------------------------------------------------------------------------


def test_with_timeout_returns_the_result():
    assert with_timeout(5, lambda a, b=0: a + b, 1, b=2) == 3


def test_with_timeout_raises_timeout():
    with pytest.raises(Timeout):
        with_timeout(0.01, sleep, 5)


def test_with_timeout_returns_timeout_value():
    def f(*args, **kwargs):
        sleep(5)

    sentinel = object()
    assert with_timeout(0.01, f, 1, timeout_value=sentinel) is sentinel
    assert with_timeout(0.01, f, timeout_value=None) is None


def test_with_timeout_does_not_pass_timeout_value_on():
    def f(**kwargs):
        return kwargs

    assert with_timeout(5, f, x=1, timeout_value="flag") == {"x": 1}


def test_with_timeout_does_not_swallow_another_timeout():
    outer = Timeout(0.01)
    outer.start()
    try:
        with pytest.raises(Timeout) as info:
            with_timeout(5, sleep, 1, timeout_value="mine")
        assert info.value is outer
    finally:
        outer.cancel()


def test_with_timeout_cancels_its_timer(hub):
    with_timeout(5, lambda: None)
    assert hub.loop.ref_count == 0
