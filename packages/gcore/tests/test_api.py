"""gcore's module-level 0.13 API on the default loop, versions, back-ends and Ctrl-C."""

import os
import re
import signal as stdsignal
import threading
import time

import gcore

# -- the default loop and the 0.13 functions --------------------------------------


def test_default_loop_is_one_loop(default_loop):
    assert gcore.get_default_loop() is default_loop
    assert default_loop.default
    assert "default" in repr(default_loop)
    assert gcore.init() is None
    assert gcore.get_default_loop() is default_loop


def test_dispatch_returns_1_when_nothing_is_registered(default_loop):
    assert gcore.dispatch() == 1


def test_dispatch_returns_0_after_running(default_loop):
    fired = []
    gcore.timer(0.01, fired.append, 2)
    gcore.timer(0, fired.append, 1)
    assert gcore.dispatch() == 0
    assert fired == [1, 2]
    assert gcore.dispatch() == 1


def test_loop_returns_1_when_nothing_is_registered(default_loop):
    assert gcore.loop() == 1
    assert gcore.loop(nonblock=True) == 1


def test_loop_runs_a_single_pass(default_loop):
    fired = []
    gcore.timer(0, fired.append, "now")
    later = gcore.timer(10, fired.append, "later")
    assert gcore.loop() == 0
    assert fired == ["now"]
    assert gcore.loop(nonblock=True) == 0
    assert fired == ["now"]
    later.cancel()
    assert gcore.loop() == 1


def test_module_level_read_event(default_loop, sockpair):
    a, b = sockpair
    seen = []
    ev = gcore.read_event(a, lambda ev, evtype: seen.append(a.recv(10)))
    assert ev.loop is default_loop
    b.send(b"hi")
    assert gcore.dispatch() == 0
    assert seen == [b"hi"]


def test_module_reinit_keeps_the_default_loop_working(default_loop):
    gcore.reinit()
    fired = []
    gcore.timer(0, fired.append, 1)
    gcore.dispatch()
    assert fired == [1]


# -- versions and back-ends ----------------------------------------------------


def test_versions_look_like_libevent_2_1():
    assert re.fullmatch(r"2\.1\.\d+(-\w+)?", gcore.get_version())
    assert re.fullmatch(r"2\.1\.\d+(-\w+)?", gcore.get_header_version())


def test_get_method_is_supported(default_loop):
    methods = gcore.supported_methods()
    assert methods and all(isinstance(m, str) for m in methods)
    assert gcore.get_method() in methods
    assert gcore.get_method() == default_loop.method


def test_event_noepoll_is_honoured(run_python):
    code = "import gcore; print(gcore.get_method()); print(gcore.Loop().method)"
    result = run_python(code, env={"EVENT_NOEPOLL": "1"})
    assert result.returncode == 0, result.stderr
    default_method, loop_method = result.stdout.split()
    assert default_method != "epoll"
    assert loop_method != "epoll"
    assert default_method in gcore.supported_methods()


def test_without_environment_epoll_is_preferred(run_python):
    if "epoll" not in gcore.supported_methods():
        return
    env = {k: None for k in os.environ if k.startswith("EVENT_NO")}
    result = run_python("import gcore; print(gcore.get_method())", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "epoll"


def test_import_in_a_fresh_interpreter(run_python):
    result = run_python(
        "import gcore, sys\n"
        "assert set(gcore.__all__) <= set(dir(gcore)), set(gcore.__all__) - set(dir(gcore))\n"
        "assert gcore.dispatch() == 1\n"
        "print('ok')\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert result.stderr == ""


# -- Ctrl-C ------------------------------------------------------------------------


CTRL_C_CHILD = """
import signal
import gcore
# Python leaves SIGINT ignored if it started so (a background job of a shell):
# take the usual handler whatever the parent did.
signal.signal(signal.SIGINT, signal.default_int_handler)
gcore.timer(60, print, "the timer should not fire")
gcore.timer(0, print, "ready", flush=True)
gcore.dispatch()
print("dispatch returned", flush=True)
"""


def test_ctrl_c_interrupts_dispatch(popen_python):
    proc = popen_python(CTRL_C_CHILD)
    assert proc.stdout.readline() == "ready\n"
    time.sleep(0.2)             # let the child block in the poll
    start = time.monotonic()
    proc.send_signal(stdsignal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - start < 5
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in err
    assert "failed with KeyboardInterrupt" not in err    # raised, not reported
    assert out == ""


def test_python_signal_handler_runs_while_dispatch_blocks(default_loop):
    """A Python-level handler runs promptly though the main thread is in the poll."""
    handled = []
    blocker = gcore.timer(60, handled.append, "the timer should not fire")

    def handler(signum, frame):
        handled.append(signum)
        blocker.cancel()        # lets dispatch() return

    previous = stdsignal.signal(stdsignal.SIGUSR2, handler)
    try:
        killer = threading.Timer(0.1, os.kill, (os.getpid(), stdsignal.SIGUSR2))
        killer.start()
        start = time.monotonic()
        assert gcore.dispatch() == 0
        killer.join()
    finally:
        stdsignal.signal(stdsignal.SIGUSR2, previous)
    assert handled == [stdsignal.SIGUSR2]
    assert time.monotonic() - start < 10
