"""patch_signal and patch_subprocess."""

from conftest import run_python


def test_a_handler_that_raises_interrupts_the_main_greenlets_wait():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import signal, time, ghub
        def handler(signum, frame):
            raise ZeroDivisionError("from the handler")
        signal.signal(signal.SIGALRM, handler)
        assert signal.getsignal(signal.SIGALRM) is handler
        ticker = ghub.spawn(lambda: [time.sleep(0.01) for _ in range(1000)])
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        began = time.monotonic()
        try:
            time.sleep(5)
        except ZeroDivisionError as exc:
            print("raised in main:", exc, round(time.monotonic() - began, 1) < 2)
        ticker.kill()
        assert signal.signal(signal.SIGALRM, signal.SIG_DFL) is handler
    """)
    assert proc.stdout == "raised in main: from the handler True\n"


def test_a_handler_may_block_and_pause_waits_for_it():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import signal, time, os
        ran = []
        def handler(signum, frame):
            time.sleep(0.01)          # would fail in the hub: it runs in a greenlet
            ran.append(signum)
        signal.signal(signal.SIGUSR1, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        signal.signal(signal.SIGALRM, lambda s, f: os.kill(os.getpid(), signal.SIGUSR1))
        signal.pause()
        time.sleep(0.05)
        print(ran == [signal.SIGUSR1])
    """)
    assert proc.stdout == "True\n"


def test_popen_pipes_and_waits_are_cooperative():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import subprocess, threading, time, io, sys
        script = "import time, sys; time.sleep(0.3); print(sys.argv[1])"
        results = []
        def run(n):
            p = subprocess.Popen([sys.executable, "-c", script, str(n)], stdout=subprocess.PIPE)
            assert isinstance(p.stdout, io.BufferedReader)
            results.append(p.stdout.read().strip())
            assert p.wait() == 0
        began = time.monotonic()
        threads = [threading.Thread(target=run, args=(n,)) for n in range(5)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert sorted(results) == [b"0", b"1", b"2", b"3", b"4"], results
        assert time.monotonic() - began < 1.2, time.monotonic() - began
        out = subprocess.run(["cat"], input="x" * 300000, capture_output=True, text=True,
                             timeout=10)
        assert out.stdout == "x" * 300000
        try:
            subprocess.run(["sleep", "5"], timeout=0.1)
        except subprocess.TimeoutExpired:
            print("timeout ok")
        print(subprocess.check_output(["echo", "hi"], text=True).strip())
    """)
    assert proc.stdout == "timeout ok\nhi\n"


def test_a_pipe_handed_on_to_another_child_stays_blocking():
    proc = run_python("""
        import gmonkey; gmonkey.patch_all()
        import os, subprocess, sys
        slow_print = "import time; time.sleep(0.2); print('x' * 10)"
        first = subprocess.Popen([sys.executable, "-c", slow_print], stdout=subprocess.PIPE)
        assert os.get_blocking(first.stdout.fileno())
        count = "import sys; print(len(sys.stdin.read()))"
        second = subprocess.Popen([sys.executable, "-c", count], stdin=first.stdout,
                                  stdout=subprocess.PIPE)
        first.stdout.close()
        print(second.communicate(timeout=20)[0].decode().strip(), first.wait(), second.wait())
    """)
    assert proc.stdout == "11 0 0\n"
