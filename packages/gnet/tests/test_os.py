"""gnet.os: descriptors read and written without blocking the hub, children reaped cooperatively."""

import os
import subprocess
import sys
import time
import warnings

import pytest

import ghub
from gnet import os as gos


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def test_all_names_exist():
    assert [n for n in gos.__all__ if not hasattr(gos, n)] == []
    for name in ("fork", "waitpid", "tp_read", "tp_write", "make_nonblocking", "nb_read",
                 "nb_write", "fork_and_watch"):
        assert name in gos.__all__, name


def test_make_nonblocking(pipe):
    r, _w = pipe
    assert os.get_blocking(r)
    assert gos.make_nonblocking(r) is True
    assert not os.get_blocking(r)
    assert gos.make_nonblocking(r) is False   # nothing changed the second time
    with pytest.raises(OSError):
        gos.make_nonblocking(10_000)


def test_nb_read_waits_in_the_hub(pipe):
    r, w = pipe
    gos.make_nonblocking(r)
    reader = ghub.spawn(gos.nb_read, r, 100)
    ghub.sleep(0.02)
    assert not reader.ready()                # waiting, and this greenlet still runs
    assert gos.nb_write(w, b"hello") == 5
    assert reader.get(timeout=5) == b"hello"
    os.close(w)
    assert gos.nb_read(r, 100) == b""        # end of file


def test_nb_write_waits_while_the_pipe_is_full(pipe):
    r, w = pipe
    gos.make_nonblocking(w)
    chunk = b"x" * 65536
    written = 0
    while True:                              # fill the pipe
        try:
            written += os.write(w, chunk)
        except BlockingIOError:
            break
    writer = ghub.spawn(gos.nb_write, w, b"tail")
    ghub.sleep(0.02)
    assert not writer.ready()
    drained = 0
    while drained < written:
        drained += len(os.read(r, 65536))
    assert writer.get(timeout=5) == 4
    assert os.read(r, 10) == b"tail"


def test_tp_read_and_tp_write_run_in_the_pool(pipe):
    r, w = pipe                              # blocking descriptors
    reader = ghub.spawn(gos.tp_read, r, 10)
    ticks = []
    for _ in range(3):
        ghub.sleep(0.01)
        ticks.append(reader.ready())
    assert ticks == [False, False, False]    # the hub ran while a pool thread blocked
    assert gos.tp_write(w, b"abc") == 3
    assert reader.get(timeout=5) == b"abc"
    with pytest.raises(OSError):
        gos.tp_read(10_000, 1)               # the error comes back to the caller


def test_read_and_write_wait_for_a_blocking_pipe(pipe):
    r, w = pipe
    reader = ghub.spawn(gos.read, r, 10)
    ghub.sleep(0.01)
    assert not reader.ready()
    assert gos.write(w, b"data") == 4
    assert reader.get(timeout=5) == b"data"
    assert os.get_blocking(r)                # left in blocking mode


def test_waitpid_reaps_without_blocking_the_hub():
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.4)"])
    fast = subprocess.Popen([sys.executable, "-c", "pass"])
    order = []
    jobs = [ghub.spawn(lambda p=p: order.append(gos.waitpid(p.pid, 0)[0])) for p in (slow, fast)]
    ghub.sleep(0)
    order.append("main")
    ghub.joinall(jobs, timeout=30, raise_error=True)
    assert order == ["main", fast.pid, slow.pid]
    slow.returncode = fast.returncode = 0    # reaped here: keep Popen from asking again
    with pytest.raises(ChildProcessError):
        gos.waitpid(fast.pid, 0)


def test_fork_and_watch_calls_back_in_the_parent():
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # 3.12+: fork with threads
        pid = gos.fork_and_watch(seen.append)
    if pid == 0:                              # the child: its loop was re-initialised
        ghub.sleep(0.01)
        os._exit(7)
    deadline = time.monotonic() + 20
    while not seen and time.monotonic() < deadline:
        ghub.sleep(0.01)
    assert len(seen) == 1
    watch = seen[0]
    assert watch.pid == pid and watch.rpid == pid
    assert os.waitstatus_to_exitcode(watch.rstatus) == 7
    with pytest.raises(TypeError, match="callback must be callable"):
        gos.fork_and_watch(42)
