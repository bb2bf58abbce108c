"""gnet.subprocess: the stdlib's Popen API, blocking the calling greenlet only."""

import subprocess as stdsubprocess
import sys
import time

import pytest

import ghub
from gnet import subprocess

PY = sys.executable


def test_names_and_types():
    assert issubclass(subprocess.Popen, stdsubprocess.Popen)
    assert subprocess.PIPE is stdsubprocess.PIPE
    assert subprocess.CalledProcessError is stdsubprocess.CalledProcessError
    assert subprocess.TimeoutExpired is stdsubprocess.TimeoutExpired
    assert [n for n in subprocess.__all__ if not hasattr(subprocess, n)] == []


def test_communicate_with_pipes_is_cooperative():
    ticks = []

    def ticker():
        while True:
            ticks.append(time.monotonic())
            ghub.sleep(0.02)

    t = ghub.spawn(ticker)
    p = subprocess.Popen([PY, "-c", "import sys, time; data = sys.stdin.read(); "
                          "time.sleep(0.3); print(data.upper()); "
                          "print('err', file=sys.stderr)"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, err = p.communicate("hello" * 20000)    # more than a pipe holds
    t.kill()
    assert out == "HELLO" * 20000 + "\n" and err == "err\n"
    assert p.returncode == 0
    assert len(ticks) >= 5, ticks                # the hub ran all along


def test_several_processes_run_at_once():
    start = time.monotonic()
    jobs = [ghub.spawn(subprocess.check_output, [PY, "-c", f"import time; time.sleep(0.5); "
                                                 f"print({i})"]) for i in range(4)]
    ghub.joinall(jobs, timeout=30, raise_error=True)
    elapsed = time.monotonic() - start
    assert [j.value for j in jobs] == [b"0\n", b"1\n", b"2\n", b"3\n"]
    assert elapsed < 4 * 0.5 + 0.5, f"one after the other ({elapsed:.2f} s)"


def test_wait_and_poll():
    p = subprocess.Popen([PY, "-c", "import time; time.sleep(0.2); raise SystemExit(3)"])
    assert p.poll() is None
    waiter = ghub.spawn(p.wait)
    other = ghub.spawn(p.wait)                   # two greenlets may wait for one process
    ghub.sleep(0)
    assert not waiter.ready()
    assert waiter.get(timeout=30) == 3 and other.get(timeout=30) == 3
    assert p.poll() == 3 and p.returncode == 3


def test_wait_timeout_raises_timeout_expired():
    p = subprocess.Popen([PY, "-c", "import time; time.sleep(30)"])
    try:
        start = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired) as info:
            p.wait(timeout=0.2)
        assert 0.15 < time.monotonic() - start < 5
        assert info.value.timeout == 0.2
        assert p.returncode is None
    finally:
        p.kill()
        assert p.wait(timeout=30) == -9


def test_communicate_timeout_keeps_what_was_read():
    p = subprocess.Popen([PY, "-u", "-c", "import time; print('early'); time.sleep(30)"],
                         stdout=subprocess.PIPE)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            p.communicate(timeout=1)
    finally:
        p.kill()
    out, _ = p.communicate(timeout=30)            # the stdlib's retry after a timeout
    assert out == b"early\n"


def test_run_call_check_call_check_output():
    done = subprocess.run([PY, "-c", "print('x')"], capture_output=True, text=True, timeout=30)
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.stdout == "x\n" and done.returncode == 0
    assert subprocess.call([PY, "-c", "raise SystemExit(2)"]) == 2
    assert subprocess.check_call([PY, "-c", "pass"]) == 0
    with pytest.raises(subprocess.CalledProcessError) as info:
        subprocess.check_call([PY, "-c", "raise SystemExit(4)"])
    assert info.value.returncode == 4
    assert subprocess.check_output([PY, "-c", "print('y')"], text=True) == "y\n"
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([PY, "-c", "import time; time.sleep(30)"], timeout=0.3)
    assert subprocess.getoutput("echo hi") == "hi"
    assert subprocess.getstatusoutput("exit 3") == (3, "")


def test_pipe_objects_keep_their_types_and_read_cooperatively():
    p = subprocess.Popen([PY, "-c", "import time; time.sleep(0.3); print('late')"],
                         stdout=subprocess.PIPE)
    reader = ghub.spawn(p.stdout.read)
    ghub.sleep(0.05)
    assert not reader.ready()
    assert reader.get(timeout=30) == b"late\n"
    assert type(p.stdout.raw) is subprocess.CooperativeFileIO
    p.stdout.close()
    assert p.wait(timeout=30) == 0


def test_misuse_is_the_stdlibs_error():
    with pytest.raises(FileNotFoundError):
        subprocess.Popen(["/nonexistent/program"])
    with pytest.raises(ValueError):
        subprocess.run([PY, "-c", "pass"], input=b"x", stdin=subprocess.PIPE)
