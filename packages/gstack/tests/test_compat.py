"""gstack.compat: `import gevent` served from gstack, opt-in only (each case in a subprocess)."""

import subprocess
import sys
import textwrap


def run(code, *args, expect=0):
    proc = subprocess.run([sys.executable, *args] if args else [sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == expect, proc.stdout + proc.stderr
    return proc


def test_import_gevent_gives_gstacks_modules():
    run(textwrap.dedent("""
        import gstack, gstack.compat
        gstack.compat.install()
        import gevent, gevent.pool, gevent.monkey
        from gevent import queue, event
        from gevent.pool import Pool
        assert gevent is gstack
        assert gevent.pool is gstack.pool and Pool is gstack.pool.Pool
        assert gevent.monkey is gstack.monkey
        assert queue is gstack.queue and event is gstack.event
        assert gstack.pool.__name__ == "gstack.pool"   # the module is not renamed
        assert gevent.spawn(lambda: 7).get() == 7
        gstack.compat.install()   # idempotent
        assert gstack.compat.installed()
    """))


def test_it_never_activates_by_itself():
    run(textwrap.dedent("""
        import sys, gstack, gstack.compat
        assert not gstack.compat.installed()
        assert not any(type(f).__name__ == "_GeventFinder" for f in sys.meta_path)
        assert "gevent" not in sys.modules
    """))


def test_refuses_when_the_real_gevent_is_imported():
    proc = run(textwrap.dedent("""
        import sys, types
        sys.modules["gevent"] = types.ModuleType("gevent")   # stands for the real one
        import gstack.compat
        try:
            gstack.compat.install()
        except RuntimeError as exc:
            print(exc)
        else:
            raise SystemExit("installed over the real gevent")
        assert not gstack.compat.installed()
    """))
    assert "already imported" in proc.stdout


def test_modules_gstack_lacks_say_so():
    proc = run(textwrap.dedent("""
        import gstack.compat
        gstack.compat.install()
        try:
            import gevent._socketcommon
        except ModuleNotFoundError as exc:
            print(exc)
        else:
            raise SystemExit("a private gevent module was served")
    """))
    assert "compatibility mode" in proc.stdout and "gevent._socketcommon" in proc.stdout


def test_uninstall():
    run(textwrap.dedent("""
        import sys, gstack.compat
        gstack.compat.install()
        gstack.compat.uninstall()
        assert not gstack.compat.installed()
        try:
            import gevent.pool
        except ModuleNotFoundError:
            pass
        else:
            assert "gstack" not in gevent.pool.__name__
    """))


def test_python_m_gmonkey_as_gevent(tmp_path):
    script = tmp_path / "uses_gevent.py"
    script.write_text(textwrap.dedent("""
        import socket, sys
        import gevent
        from gevent import monkey
        monkey.patch_all()              # what gevent programs do: harmless when patched already
        import gstack
        assert gevent is gstack
        assert monkey.is_module_patched("socket")
        jobs = [gevent.spawn(lambda i=i: i * 2) for i in range(3)]
        gevent.joinall(jobs)
        print("ok", [j.value for j in jobs], sys.argv[1:])
    """))
    proc = run(None, "-m", "gmonkey", "--as-gevent", str(script), "a", "b")
    assert proc.stdout.strip() == "ok [0, 2, 4] ['a', 'b']"


def test_python_m_gstack_monkey_runs_the_script(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text("import gmonkey, sys\n"
                      "assert gmonkey.is_module_patched('socket')\n"
                      "print('ran', sys.argv[1:])\n")
    proc = run(None, "-m", "gstack.monkey", str(script), "x")
    assert proc.stdout.strip() == "ran ['x']"
