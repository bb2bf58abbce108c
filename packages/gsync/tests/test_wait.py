"""gsync.wait: wait and iwait over greenlets and events, in readiness order."""

import ghub
from gsync import AsyncResult, Event
from gsync.wait import iwait, wait


def test_iwait_yields_in_the_order_objects_become_ready():
    slow = ghub.spawn_later(0.03, lambda: "slow")
    fast = ghub.spawn_later(0.01, lambda: "fast")
    event = Event()
    ghub.spawn_later(0.02, event.set)
    assert list(iwait([slow, fast, event])) == [fast, event, slow]


def test_iwait_count_and_already_ready_objects():
    done = AsyncResult()
    done.set(1)
    later = ghub.spawn_later(0.05, lambda: None)
    assert list(iwait([later, done], count=1)) == [done]
    later.kill()


def test_wait_timeout_returns_what_is_ready():
    quick = ghub.spawn(lambda: None)
    never = Event()
    assert wait([never, quick], timeout=0.05) == [quick]
    # The link to `never` was removed when the iteration ended.
    never.set()
    ghub.sleep(0)


def test_wait_without_objects_returns_when_nothing_is_left():
    finished = []
    ghub.spawn_later(0.01, finished.append, 1)
    assert wait() is True
    assert finished == [1]


def test_wait_without_objects_times_out():
    g = ghub.spawn_later(1, lambda: None)
    assert wait(timeout=0.02) is False
    g.kill()
