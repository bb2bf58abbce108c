"""A program that uses the public API of every layer, for ``mypy --strict`` (``nox -s lint``).

It is never run: it is what a user's type checker sees of the installed
packages (their ``py.typed``, annotations and ``.pyi`` stubs). Each layer is
used directly and through the ``gstack`` meta-package; ``reveal_type`` is
avoided so that the check is "clean", and the ``assert_type`` calls fail the
check if a public name degrades to ``Any`` or to the wrong type.
"""

from __future__ import annotations

import selectors
import socket as stdsocket
from typing import Any, Literal, assert_type

import gcore
import ghub
import ghub.local
import ghub.util
import gmonkey
import gnet.asyncio
import gnet.dns
import gnet.fileobject
import gnet.os
import gnet.select
import gnet.socket
import gnet.ssl
import gnet.subprocess
import gserve.pywsgi
import gserve.server
import gstack
import gstack.event
import gstack.fileobject
import gstack.monkey
import gstack.os
import gstack.pool
import gstack.signal
import gstack.subprocess
import gstack.threading
import gsync
from ghub import Greenlet, Timeout
from gstack import queue, socket
from gsync.event import AsyncResult, Event
from gsync.pool import Group, Pool
from gsync.queue import Channel, JoinableQueue, Queue, SimpleQueue


def double(n: int) -> int:
    return 2 * n


def hub_layer() -> None:
    g = ghub.spawn(double, 21)
    assert_type(g, Greenlet[int])
    ghub.joinall([g], timeout=1.0, raise_error=True)
    assert_type(g.get(timeout=1), int)
    assert_type(g.value, int | None)
    assert_type(g.ready(), bool)
    later = ghub.spawn_later(0.5, double, 1)
    ghub.killall([later], block=True, timeout=1)
    ghub.sleep(0)
    with Timeout(0.5):
        ghub.sleep(0.1)
    assert_type(ghub.with_timeout(1.0, double, 2), int)
    assert_type(ghub.getcurrent(), Any)
    hub = ghub.get_hub()
    assert_type(hub.loop, gcore.Loop)
    g.name = "worker"
    assert_type(g.name, str)
    assert_type(g.minimal_ident, int)
    info = g.exc_info
    if info is not None:
        assert_type(info[1], BaseException)
    hub.SYSTEM_ERROR = object
    hub.NOT_ERROR = (ghub.GreenletExit, SystemExit)
    assert_type(hub.join(timeout=1.0), bool)
    hub.print_exception(None, KeyError, KeyError(), None)
    timer = hub.loop.timer(0.5, repeat=1.0)
    assert_type(timer, gcore.timer_watcher)
    timer.start(print, "tick")
    timer.stop()
    io = hub.loop.io(0, gcore.GEVENT_READ)
    assert_type(io, gcore.io_watcher)
    io.start(print, pass_events=True)
    io.close()
    hub.loop.run_callback(print, "now")
    hub.loop.update_now()
    assert_type(hub.loop.now(), float)


class Settings(ghub.local.local):
    def __init__(self, level: int) -> None:
        self.level = level

    @ghub.util.lazy_property
    def label(self) -> str:
        return f"level {self.level}"


def hub_helpers() -> None:
    settings = Settings(3)
    assert_type(settings.label, str)
    safe = ghub.util.wrap_errors(ValueError, int)
    assert_type(safe("x"), int | BaseException)


def sync_layer() -> None:
    q = Queue(maxsize=2)
    q.put("a")
    assert_type(q.get(timeout=1), Any)
    assert_type(q.qsize(), int)
    jq = JoinableQueue()
    jq.put(1)
    jq.task_done()
    jq.join()
    event = Event()
    event.set()
    assert_type(event.wait(timeout=1), bool)
    result = AsyncResult()
    result.set(3)
    assert_type(result.get(), Any)
    assert_type(result.result(timeout=1), Any)
    assert_type(result.done(), bool)
    assert_type(result.cancel(), bool)
    assert_type(result.cancelled(), bool)
    assert_type(len(result.exc_info), int)
    event.rawlink(print)
    event.unlink(print)
    assert_type(q.peek(timeout=1), Any)
    assert_type(q.peek_nowait(), Any)
    channel = Channel()
    assert_type(channel.balance, int)
    simple = SimpleQueue()
    simple.put(1)
    lock = gsync.Semaphore(2)
    with lock:
        pass
    assert_type(lock.acquire(timeout=1), bool)
    pool = Pool(10)
    assert_type(pool.spawn(double, 1), Greenlet[Any])
    pool.join()
    group = Group()
    group.spawn(double, 2)
    group.join(timeout=1)


def net_layer() -> None:
    a, b = gnet.socket.socketpair()
    assert_type(a, gnet.socket.socket)
    a.sendall(b"x")
    assert_type(b.recv(1), bytes)
    a.close()
    b.close()
    conn = gnet.socket.create_connection(("127.0.0.1", 80), timeout=1)
    assert_type(conn, gnet.socket.socket)
    assert isinstance(conn, stdsocket.socket)
    gnet.socket.wait_read(conn.fileno(), timeout=1)
    assert_type(gnet.socket.gethostbyname("localhost"), str)
    assert_type(gnet.socket.AF_INET, Literal[stdsocket.AddressFamily.AF_INET])
    assert_type(gnet.dns.resolve_ipv4("localhost"), tuple[int, list[bytes]])
    ready = gnet.select.select([conn], [], [], 0.1)
    assert_type(ready, tuple[list[Any], list[Any], list[Any]])
    context = gnet.ssl.create_default_context()
    assert_type(context, gnet.ssl.SSLContext)


async def answer(n: int) -> int:
    return await gnet.asyncio.to_greenlet(double, n)


def asyncio_on_the_hub() -> None:
    assert_type(gnet.asyncio.run(answer(21)), int)
    loop = gnet.asyncio.new_event_loop()
    assert_type(loop, gnet.asyncio.EventLoop)
    assert_type(loop.run_until_complete(answer(1)), int)
    assert_type(gnet.asyncio.wait(answer(2), timeout=1.0), int)
    loop.close()
    selector = gnet.asyncio.HubSelector()
    assert_type(selector.select(0.1), list[tuple[selectors.SelectorKey, int]])
    selector.close()


def processes_and_files() -> None:
    done = gnet.subprocess.run(["true"], capture_output=True, timeout=5)
    assert_type(done.returncode, int)
    assert_type(gnet.subprocess.check_output(["echo"], text=True), str)
    assert_type(gnet.subprocess.call(["true"]), int)
    proc = gnet.subprocess.Popen(["cat"], stdin=gnet.subprocess.PIPE)
    assert_type(proc.wait(timeout=1), int)
    assert_type(gstack.subprocess.Popen, type[gnet.subprocess.Popen])
    r, w = stdsocket.socketpair()
    assert_type(gnet.os.make_nonblocking(r.fileno()), bool)
    assert_type(gnet.os.nb_write(w.fileno(), b"x"), int)
    assert_type(gnet.os.nb_read(r.fileno(), 1), bytes)
    assert_type(gnet.os.tp_read(r.fileno(), 1), bytes)
    assert_type(gnet.os.waitpid(proc.pid, 0), tuple[int, int])
    assert_type(gstack.os.tp_write(w.fileno(), b"y"), int)
    f = gnet.fileobject.FileObjectThread(r.fileno(), "rb", closefd=False)
    assert_type(f, gnet.fileobject.FileObjectThread)
    f.close()
    posix = gstack.fileobject.FileObjectPosix(w.fileno(), "wb", closefd=False)
    assert_type(posix, gnet.fileobject.FileObjectPosix)
    assert_type(gstack.fileobject.FileObject, type[gnet.fileobject.FileObjectThread])
    assert_type(gnet.dns.set_resolver_kind("thread"), str)
    assert_type(gnet.dns.resolver_kind(), str)
    gcore.dns_shutdown(fail_requests=True)
    assert_type(gstack.threading.main_native_thread().name, str)
    gstack.signal.signal(15, gstack.signal.getsignal(15))


def serve_layer() -> None:
    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    server = gserve.pywsgi.WSGIServer(("127.0.0.1", 0), application)
    server.start()
    assert_type(server.server_port, int | None)
    server.stop(timeout=1)

    def handle(sock: gnet.socket.socket, address: tuple[str, int]) -> None:
        sock.sendall(b"hello")

    echo = gserve.server.StreamServer(("127.0.0.1", 0), handle)
    echo.start()
    echo.close()


def meta_package() -> None:
    gmonkey.patch_all()
    gstack.monkey.patch_all(thread=False)
    jobs = [gstack.spawn(socket.gethostbyname, host) for host in ["localhost"]]
    gstack.joinall(jobs, timeout=2)
    assert_type(jobs[0].value, str | None)
    sock = socket.socket()
    assert_type(sock, gnet.socket.socket)
    sock.close()
    q = queue.Queue()
    assert_type(q, Queue)
    assert_type(queue.Channel(), Channel)
    assert_type(queue.SimpleQueue(), SimpleQueue)
    assert_type(gstack.event.AsyncResult().done(), bool)
    assert_type(gstack.Greenlet(double, 1).name, str)
    with gstack.Timeout(1):
        gstack.sleep(0)
    assert_type(gstack.core.get_version(), str)
    assert_type(gstack.event.Event, type[Event])
    assert_type(gstack.pool.Pool, type[Pool])


