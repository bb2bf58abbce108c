"""The blocking detector (ghub.monitor): it names the greenlet that keeps the hub from running."""

import io
import time

import pytest

import ghub
from ghub import monitor


def blocker(seconds):
    time.sleep(seconds)   # the OS call: nothing else in this thread runs meanwhile


def test_a_greenlet_that_blocks_is_named_with_its_stack(hub):
    out = io.StringIO()
    mon = monitor.start_monitor(0.05, file=out)
    try:
        ran = []
        g = ghub.spawn(blocker, 0.4)
        other = ghub.spawn(ran.append, "other")
        ghub.sleep(0)          # the hub starts g, which blocks for 0.4 s
        g.join()
        other.join()
    finally:
        mon.stop()
    report = out.getvalue()
    assert mon.reports == 1, report          # once per stall, however long
    assert f"<Greenlet at {hex(id(g))}: blocker(0.4)> is blocking it" in report
    assert "has not run for" in report and "(threshold 0.05 s)" in report
    assert "in blocker" in report and "time.sleep(seconds)" in report
    assert ran == ["other"]


def test_a_stall_in_the_main_greenlet_names_it(hub, main_greenlet):
    out = io.StringIO()
    mon = monitor.start_monitor(0.05, file=out)
    try:
        ghub.sleep(0.01)       # the hub has run
        blocker(0.3)
        ghub.sleep(0)
    finally:
        mon.stop()
    assert mon.reports == 1
    report = out.getvalue()
    assert f"object at {hex(id(main_greenlet))} " in report
    assert "started main> is blocking it" in report and "in blocker" in report


def test_an_idle_or_busy_but_yielding_hub_is_not_reported(hub):
    out = io.StringIO()
    mon = monitor.start_monitor(0.05, file=out)
    try:
        ghub.sleep(0.3)        # idle: the loop waits, the heartbeat keeps beating
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:   # busy, yielding to the loop every 10 ms
            end = time.monotonic() + 0.01
            while time.monotonic() < end:
                pass
            ghub.sleep(0.001)
    finally:
        mon.stop()
    assert mon.reports == 0, out.getvalue()
    assert out.getvalue() == ""


def test_start_twice_gives_the_same_monitor_and_stop_is_idempotent(hub):
    mon = monitor.start_monitor(1.0, file=io.StringIO())
    try:
        assert monitor.start_monitor(0.5) is mon
        assert hub._monitor is mon and "watching" in repr(mon)
    finally:
        mon.stop()
    mon.stop()
    assert hub._monitor is None and "stopped" in repr(mon)
    again = monitor.start_monitor(1.0, file=io.StringIO())
    assert again is not mon
    again.stop()


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-1, ValueError), ("1", TypeError),
                                      (float("nan"), ValueError), (None, TypeError)])
def test_threshold_is_checked(bad, exc):
    with pytest.raises(exc):
        monitor.start_monitor(bad)


def test_the_environment_variable_turns_it_on_for_every_hub(run_python):
    proc = run_python("""
        import time, ghub
        def stuck():
            time.sleep(0.5)
        g = ghub.spawn(stuck)
        g.join()
        print("reports:", ghub.get_hub()._monitor.reports)
    """, env={monitor.ENV_VAR: "0.1"})
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip() == "reports: 1"
    assert "stuck()> is blocking it" in err and ", in stuck" in err


@pytest.mark.parametrize("value, expected", [("", None), ("0", None), (" 0.25 ", 0.25)])
def test_threshold_from_environment(monkeypatch, value, expected):
    monkeypatch.setenv(monitor.ENV_VAR, value)
    assert monitor.threshold_from_environment() == expected


def test_threshold_from_environment_rejects_what_is_not_a_number(monkeypatch):
    monkeypatch.setenv(monitor.ENV_VAR, "fast")
    with pytest.raises(ValueError, match="GSTACK_BLOCKING_THRESHOLD"):
        monitor.threshold_from_environment()
