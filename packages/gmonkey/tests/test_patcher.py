"""The patching framework: originals, idempotence, checks and warnings."""

import select
import socket
import time

import pytest
from conftest import run_python

import gmonkey


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="sockets"):
        gmonkey.patch_all(sockets=False)
    assert not gmonkey.is_module_patched("socket")


def test_get_original_of_unpatched_items_reads_the_module():
    assert gmonkey.get_original("socket", "socket") is socket.socket
    assert gmonkey.get_original("time", ["sleep", "monotonic"]) == (time.sleep, time.monotonic)
    with pytest.raises(AttributeError):
        gmonkey.get_original("socket", "no_such_thing")
    with pytest.raises(ImportError):
        gmonkey.get_original("no_such_module_here", "x")
    with pytest.raises(TypeError):
        gmonkey.get_original(socket, "socket")
    assert not gmonkey.is_object_patched("select", "select") and select.select


def test_patch_all_replaces_saves_and_is_idempotent():
    run_python("""
        import socket, select, time, threading, _thread, queue, subprocess, signal, os, ssl
        orig_socket, orig_sleep, orig_epoll = socket.socket, time.sleep, select.epoll
        import gmonkey, ghub, gnet.socket, gnet.select, gnet.ssl
        gmonkey.patch_all()
        snapshot = {name: dict(vars(mod)) for name, mod in
                    [("socket", socket), ("select", select), ("threading", threading)]}
        gmonkey.patch_all()
        gmonkey.patch_socket(); gmonkey.patch_thread()
        for name, mod in [("socket", socket), ("select", select), ("threading", threading)]:
            assert dict(vars(mod)) == snapshot[name], name
        assert socket.socket is gnet.socket.socket
        assert socket.socketpair is gnet.socket.socketpair
        assert socket.getaddrinfo is gnet.socket.getaddrinfo
        assert time.sleep is ghub.sleep
        assert select.select is gnet.select.select and not hasattr(select, "epoll")
        # ssl: the stdlib's classes stay (its code needs their names); they make gnet sockets.
        assert ssl.SSLContext.sslsocket_class is gnet.ssl.SSLSocket
        assert ssl.create_default_context is gnet.ssl.create_default_context
        assert gmonkey.is_object_patched("ssl.SSLContext", "sslsocket_class")
        ctx = ssl.create_default_context()   # no RecursionError in its property setters
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
        assert gmonkey.get_original("socket", "socket") is orig_socket
        assert gmonkey.get_original("time", "sleep") is orig_sleep
        assert gmonkey.get_original("select", "epoll") is orig_epoll
        assert gmonkey.is_module_patched("socket") and gmonkey.is_module_patched("_thread")
        assert gmonkey.is_object_patched("socket", "create_connection")
        assert not gmonkey.is_object_patched("socket", "AF_INET")
        assert not gmonkey.is_module_patched("json")
        print("ok")
    """)


def test_flags_turn_parts_off():
    proc = run_python("""
        import gmonkey, socket, time, select
        gmonkey.patch_all(socket=False, dns=False, select=False, aggressive=False, thread=False)
        assert not gmonkey.is_module_patched("socket")
        assert not gmonkey.is_module_patched("_thread")
        assert hasattr(select, "epoll") and not gmonkey.is_module_patched("select")
        assert gmonkey.is_object_patched("time", "sleep")
        gmonkey.patch_socket(dns=False)
        assert gmonkey.is_object_patched("socket", "socket")
        assert not gmonkey.is_object_patched("socket", "getaddrinfo")
        gmonkey.patch_dns()
        assert gmonkey.is_object_patched("socket", "getaddrinfo")
        print("flags ok")
    """)
    assert "flags ok" in proc.stdout


def test_patching_from_another_thread_is_refused():
    proc = run_python("""
        import threading, gmonkey
        errors = []
        def patch():
            try:
                gmonkey.patch_all()
            except RuntimeError as exc:
                errors.append(str(exc))
        t = threading.Thread(target=patch); t.start(); t.join()
        print(errors[0])
        assert not gmonkey.is_module_patched("socket")
    """)
    assert "must be called from the main thread" in proc.stdout


def test_patching_while_a_hub_runs_in_another_thread_is_refused():
    proc = run_python("""
        import threading, ghub, gmonkey
        started, stop = threading.Event(), threading.Event()
        def loop():
            ghub.spawn(lambda: None)
            ghub.sleep(0)
            started.set()
            stop.wait()
        t = threading.Thread(target=loop); t.start(); started.wait()
        try:
            gmonkey.patch_all()
        except RuntimeError as exc:
            print(exc)
        stop.set(); t.join()
    """)
    assert "a hub already runs in another thread" in proc.stdout


def test_stale_references_are_named_in_a_warning(tmp_path):
    (tmp_path / "early.py").write_text("from socket import socket, create_connection\n"
                                       "from time import sleep\n")
    proc = run_python("""
        import warnings, early, gmonkey
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gmonkey.patch_all()
        assert len(caught) == 1, caught
        w = caught[0]
        assert issubclass(w.category, gmonkey.MonkeyPatchWarning)
        assert w.filename == "<string>", w.filename
        print(w.message)
        gmonkey.patch_all()   # nothing new replaced: no second warning
    """, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert "early.socket (is the original socket.socket)" in proc.stdout
    assert "early.sleep (is the original time.sleep)" in proc.stdout
    assert "early.create_connection" in proc.stdout


def test_patch_all_after_threading_and_ssl_were_imported_warns_of_nothing():
    proc = run_python("""
        import warnings
        warnings.simplefilter("error")
        import threading, ssl, logging, queue, subprocess, http.client, urllib.request
        import gmonkey
        gmonkey.patch_all()
        import socket, gnet.ssl
        assert ssl.SSLContext.sslsocket_class is gnet.ssl.SSLSocket
        assert http.client.socket.socket is socket.socket
        print("quiet")
    """)
    assert "quiet" in proc.stdout
