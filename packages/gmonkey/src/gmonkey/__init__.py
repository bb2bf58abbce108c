"""gmonkey: make blocking stdlib (and third-party) code cooperative by patching the stdlib.

How it works
------------

Each ``patch_*`` function replaces names in a standard module with their
cooperative counterparts from gstack's layers: ``socket.socket`` becomes
``gnet.socket.socket``, ``time.sleep`` becomes ``ghub.sleep``,
``_thread.start_new_thread`` starts a greenlet, and so on. Code that looks
the names up at call time (``socket.socket(...)``, ``threading.Lock()``,
``urllib.request``, ``http.client``, ``requests``, ``redis``...) then runs
cooperatively without knowing it. The names come from the ``__implements__``
list of the module that stands in for the stdlib one, never from a table
kept here.

Patch first, import later: a module that did ``from socket import socket``
before patching keeps the original; gmonkey names such modules in a
:class:`MonkeyPatchWarning`. ``python -m gmonkey script.py`` patches before
the script imports anything.

Every replaced object is saved: :func:`get_original` returns it,
:func:`is_module_patched` and :func:`is_object_patched` tell what was done.
Patching is idempotent. It must happen in the main thread, and before any
other thread runs a hub (``RuntimeError`` otherwise).
"""

from __future__ import annotations

from _gstack_layers import require as _require_layers

_require_layers(__name__)  # the layers under this one are gstack's, or an ImportError says whose

import importlib
import sys

from gmonkey._patcher import (
    MonkeyPatchWarning,
    check_can_patch,
    get_original,
    is_module_patched,
    is_object_patched,
    patch_item,
    remove_item,
    warn_stale,
)

__version__ = "0.1.0"

__all__ = [
    "patch_all", "patch_socket", "patch_dns", "patch_ssl", "patch_time", "patch_select",
    "patch_thread", "patch_os", "patch_subprocess", "patch_signal", "patch_queue",
    "patch_module", "get_original", "is_module_patched", "is_object_patched",
    "MonkeyPatchWarning",
]

class _Session:
    """Collects what one public call replaced, to check once and warn once."""

    depth = 0
    replaced: dict = {}

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        if _Session.depth == 0:
            check_can_patch(self.name)
            _Session.replaced = {}
        _Session.depth += 1
        return self

    def __exit__(self, *exc_info):
        _Session.depth -= 1
        if _Session.depth == 0:
            replaced, _Session.replaced = _Session.replaced, {}
            if exc_info[0] is None:
                warn_stale(replaced, stacklevel=4)


def _set(module, name, value):
    original = module.__dict__.get(name)
    if original is value:
        return
    if not is_object_patched(module.__name__, name) and original is not None:
        _Session.replaced[f"{module.__name__}.{name}"] = original
    patch_item(module, name, value)


def _remove(module, name):
    if name in module.__dict__:
        if not is_object_patched(module.__name__, name):
            _Session.replaced[f"{module.__name__}.{name}"] = module.__dict__[name]
        remove_item(module, name)


def patch_module(target, source, items=None):
    """Replace, in the module named ``target``, each name of ``items`` with ``source``'s.

    ``items`` defaults to ``source.__implements__``. Returns the target module.
    Raises ``AttributeError`` if ``source`` lacks one of the names.
    """
    with _Session("patch_module"):
        module = importlib.import_module(target) if isinstance(target, str) else target
        names = source.__implements__ if items is None else items
        for name in names:
            _set(module, name, getattr(source, name))
        return module


# -- time, os, signal, queue: need only ghub -------------------------------------------------


def patch_time() -> None:
    """``time.sleep`` becomes ``ghub.sleep``: it blocks the calling greenlet only."""
    with _Session("patch_time"):
        import time

        import ghub

        _set(time, "sleep", ghub.sleep)


def patch_os() -> None:
    """``os.fork`` re-initialises the loop in the child; ``os.waitpid``/``wait*`` cooperate."""
    with _Session("patch_os"):
        from gmonkey import _os

        patch_module("os", _os)


def patch_signal() -> None:
    """Python signal handlers run as in the main thread; ``signal.pause`` cooperates.

    See ``gmonkey._signal``: a handler raising while greenlets wait raises in
    the main greenlet, and a handler may block.
    """
    with _Session("patch_signal"):
        import signal

        from gmonkey import _signal

        patch_module(signal, _signal)
        _signal.wrap_installed()


def patch_queue() -> None:
    """``queue.SimpleQueue`` (and ``_queue.SimpleQueue``) block the calling greenlet only."""
    with _Session("patch_queue"):
        import queue

        from gmonkey import _queue

        try:
            import _queue as c_queue
        except ImportError:
            c_queue = None
        if c_queue is not None:
            patch_module(c_queue, _queue)
        patch_module(queue, _queue)


# -- threads ----------------------------------------------------------------------------------


def patch_thread(threading: bool = True, _threading_local: bool = True) -> None:
    """Threads become greenlets: ``_thread`` and ``threading`` run on the hub.

    ``threading.Thread`` starts a greenlet; ``Lock``, ``RLock``,
    ``Condition``, ``Event``, ``Semaphore``, ``Barrier``, ``Timer``,
    ``Thread.join`` and ``queue.Queue`` block the calling greenlet only;
    ``threading.local`` is greenlet-local; ``get_ident`` tells greenlets apart;
    ``current_thread``, ``main_thread``, ``enumerate`` and the interpreter's
    join of non-daemon threads at exit work as ``threading`` documents.
    Patching after ``threading`` was imported works (its globals and its main
    thread are fixed up); threads already started stay OS threads (warned).
    ``threading=False`` patches ``_thread`` only; ``_threading_local=False``
    leaves the pure-Python ``_threading_local.local`` alone.
    """
    with _Session("patch_thread"):
        import _thread

        from gmonkey import _threading, _threads

        imported_before = "threading" in sys.modules
        patch_module(_thread, _threads)
        if threading:
            import threading as threading_module

            _threading.fit_threading(threading_module, imported_before)
        if _threading_local:
            import _threading_local as local_module

            _set(local_module, "local", _threads._local)
        # Stdlib modules that copy a _thread name at import (and use it on their own).
        for module_name, name, source in _THREAD_COPIES:
            module = sys.modules.get(module_name)
            if module is not None and module.__dict__.get(name) is get_original("_thread",
                                                                                source):
                _set(module, name, getattr(_threads, source))


# (module, its name for it, the _thread name it copied at import)
_THREAD_COPIES = [
    ("reprlib", "get_ident", "get_ident"),           # recursive_repr's guard
    ("functools", "RLock", "RLock"),                 # cached_property's lock
    ("tempfile", "_allocate_lock", "allocate_lock"),
    ("_strptime", "_thread_allocate_lock", "allocate_lock"),
    ("_pyio", "Lock", "allocate_lock"),
]


# -- sockets, dns, ssl, select: gnet ---------------------------------------------------------


def _gnet(name):
    try:
        return importlib.import_module(f"gnet.{name}")
    except ImportError as exc:
        raise ImportError(
            f"gmonkey needs gnet.{name} (install gnet>=0.1,<0.2): {exc}") from exc


def _dns_names(gsocket):
    """The resolver functions among gnet.socket's names: its ``__dns__`` list."""
    return list(gsocket.__dns__)


def patch_socket(dns: bool = True, aggressive: bool = True) -> None:
    """``socket.socket``, ``create_connection``, ``socketpair``, ``fromfd``... become gnet's.

    With ``dns=True`` the resolver functions (``getaddrinfo``,
    ``gethostbyname``...) are patched too (see :func:`patch_dns`).
    ``aggressive`` is accepted for the 0.13 signature; Python 3's ``socket``
    has nothing left to remove.
    """
    with _Session("patch_socket"):
        gsocket = _gnet("socket")
        resolvers = set(_dns_names(gsocket))
        patch_module("socket", gsocket,
                     [n for n in gsocket.__implements__ if n not in resolvers])
        if dns:
            patch_dns()


def patch_dns() -> None:
    """The resolver functions of ``socket`` (``getaddrinfo``, ``gethostbyname``...) cooperate.

    They resolve through libevent's evdns (``gnet.dns``): ``/etc/hosts``
    first, numeric addresses never reach DNS.
    """
    with _Session("patch_dns"):
        gsocket = _gnet("socket")
        patch_module("socket", gsocket, _dns_names(gsocket))


# The stdlib's ssl code calls super(SSLContext, SSLContext) and super(SSLSocket, self)
# through these module names: replaced by subclasses, those calls would find the
# subclass again (endless recursion, or SSLSocket's "no public constructor").
_SSL_KEPT_NAMES = ("SSLContext", "SSLSocket")


def patch_ssl() -> None:
    """TLS sockets become gnet's cooperative ``SSLSocket``.

    ``wrap_socket``, ``create_default_context``, ``get_server_certificate``
    and the context factories of ``http.client``/``urllib`` become gnet's.
    The names ``ssl.SSLContext`` and ``ssl.SSLSocket`` stay the stdlib's
    classes (the stdlib's own code needs them to be): instead every
    ``SSLContext`` — made before or after patching, by any library — wraps
    sockets as ``gnet.ssl.SSLSocket`` (``SSLContext.sslsocket_class``).
    """
    with _Session("patch_ssl"):
        gssl = _gnet("ssl")
        ssl = patch_module("ssl", gssl,
                           [n for n in gssl.__implements__ if n not in _SSL_KEPT_NAMES])
        context_class = ssl.SSLContext
        if vars(context_class).get("sslsocket_class") is not gssl.SSLSocket:
            patch_item(context_class, "sslsocket_class", gssl.SSLSocket, key="ssl.SSLContext")


def patch_select(aggressive: bool = True) -> None:
    """``select.select``, ``select.poll`` and ``selectors.DefaultSelector`` cooperate.

    With ``aggressive``, ``select.epoll``/``kqueue``/``devpoll`` and their
    selectors are removed, so that libraries that prefer them fall back to
    the cooperative ones. ``subprocess`` and ``socketserver``, which pick a
    selector class at import, are pointed at the cooperative one too.
    """
    with _Session("patch_select"):
        gselect = _gnet("select")
        select = patch_module("select", gselect)
        if aggressive:
            for name in ("epoll", "kqueue", "kevent", "devpoll"):
                _remove(select, name)
        import selectors

        patch_module(selectors, _gnet("selectors"))
        if aggressive:
            for name in ("EpollSelector", "KqueueSelector", "DevpollSelector"):
                _remove(selectors, name)
        best = selectors.DefaultSelector
        for module_name, attr in (("subprocess", "_PopenSelector"),
                                  ("socketserver", "_ServerSelector")):
            module = sys.modules.get(module_name)
            if module is not None and hasattr(module, attr):
                _set(module, attr, best)


# -- subprocess --------------------------------------------------------------------------------


def patch_subprocess() -> None:
    """``subprocess.Popen``'s pipes, ``communicate`` and ``wait`` block the caller only.

    Only the calling greenlet waits; the others run meanwhile.
    """
    with _Session("patch_subprocess"):
        import subprocess

        from gmonkey import _subprocess

        _set(subprocess, "io", _subprocess.cooperative_io())
        _set(subprocess, "Popen", _subprocess.Popen)
        if is_module_patched("selectors"):
            import selectors

            _set(subprocess, "_PopenSelector", selectors.DefaultSelector)


# -- all --------------------------------------------------------------------------------------


def patch_all(socket: bool = True, dns: bool = True, time: bool = True, select: bool = True,
              thread: bool = True, os: bool = True, ssl: bool = True, subprocess: bool = True,
              signal: bool = True, queue: bool = True, aggressive: bool = True) -> None:
    """Patch everything gmonkey knows (each flag turns one ``patch_*`` off).

    Idempotent: calling it again changes nothing. Raises ``TypeError`` for an
    unknown keyword, ``RuntimeError`` outside the main thread or when a hub
    already runs in another thread.
    """
    with _Session("patch_all"):
        if os:
            patch_os()
        if time:
            patch_time()
        if thread:
            patch_thread()
        if queue:
            patch_queue()
        if socket:
            patch_socket(dns=dns, aggressive=aggressive)
        elif dns:
            patch_dns()
        if select:
            patch_select(aggressive=aggressive)
        if ssl:
            patch_ssl()
        if subprocess:
            patch_subprocess()
        if signal:
            patch_signal()
