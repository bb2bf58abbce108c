"""Fitting ``threading`` onto greenlets: what ``patch_thread`` does after ``_thread``.

How it works
------------

``threading`` is pure Python on top of ``_thread``; once ``_thread``'s
functions are the greenlet ones (``gmonkey._threads``), a ``threading``
imported afterwards is cooperative as it stands: ``Thread.start`` spawns a
greenlet, ``Thread.join`` waits on the greenlet's sentinel lock,
``Condition``/``Event``/``Semaphore``/``Timer``/``Barrier`` wait on
cooperative locks, and ``threading._shutdown`` (called by the interpreter at
exit) joins the non-daemon greenlets by blocking the main greenlet, which
lets the hub run them to the end.

Four things still need fitting:

- a ``threading`` imported *before* patching copied ``_thread``'s functions
  into its globals (``_start_new_thread``, ``_allocate_lock``, ``get_ident``,
  ``Lock``, ``_CRLock``, ``local``...): they are replaced there too, and its
  main thread, recorded under the OS thread's ident with an OS-level
  sentinel lock, is moved to the main greenlet's ident and given a
  cooperative sentinel so that ``main_thread().join()`` from a greenlet
  blocks that greenlet only;
- ``current_thread()`` in a greenlet that no ``Thread`` started makes a
  ``_DummyThread`` and keeps it in ``threading._active`` forever, which is
  a leak with greenlets (and a wrong answer once a dead greenlet's ``id`` is
  reused): the replacement ``_DummyThread`` leaves ``_active`` when its
  greenlet is collected;
- a thread started before patching stays an OS thread, in ``_active``
  under its OS ident; when it ends, ``Thread._delete`` would look itself up
  under ``get_ident()`` (now a greenlet's ident) and fail with ``KeyError``:
  such threads get a ``_delete`` that uses their own ident;
- locks made before patching by ``logging`` (module lock and handlers) are
  swapped for cooperative ones when nobody holds them.
"""

from __future__ import annotations

import sys
import warnings
import weakref
from _thread import _excepthook as _native_excepthook
from _thread import get_ident as _native_get_ident

from greenlet import getcurrent

from gmonkey import _threads
from gmonkey._patcher import MonkeyPatchWarning, patch_item

__all__ = ["fit_threading"]

# threading's globals that hold _thread functions, and what replaces each.
_GLOBALS = {
    "_start_new_thread": _threads.start_new_thread,
    "_allocate_lock": _threads.allocate_lock,
    "_set_sentinel": _threads._set_sentinel,
    "get_ident": _threads.get_ident,
    "Lock": _threads.allocate_lock,
    "_CRLock": _threads.RLock,
    "local": _threads._local,
}
# ...and the one that holds a _thread function under another name (both names).
_HOOKS = ("excepthook", "__excepthook__")

_dummy_refs = {}   # ident -> weakref to the greenlet of a _DummyThread


def _root_greenlet():
    glet = getcurrent()
    while glet.parent is not None:
        glet = glet.parent
    return glet


def fit_threading(threading, imported_before):
    """Make the (imported) ``threading`` module consistent with the greenlet ``_thread``."""
    if getattr(threading, "_gmonkey_fitted", False):
        return
    native_main = _native_get_ident()
    main = threading._main_thread
    others = []
    if imported_before:
        for name, value in _GLOBALS.items():
            if name in vars(threading):
                patch_item(threading, name, value)
        for name in _HOOKS:
            if getattr(threading, name, None) is _native_excepthook:
                patch_item(threading, name, _threads._excepthook)
        others = [t for ident, t in list(threading._active.items())
                  if t is not main and not isinstance(t, threading._DummyThread)]
        # The dummy threads of OS threads are not threads of ours: forget them.
        for thread in others:
            # Such a thread stays in _active under its OS ident, but when it
            # ends, threading deletes it under get_ident(), now a greenlet's.
            thread._delete = _native_delete(threading, thread)
    root = _root_greenlet()
    new_ident = id(root)
    old_ident = main._ident
    if old_ident != new_ident:
        with threading._active_limbo_lock:
            if threading._active.get(old_ident) is main:
                del threading._active[old_ident]
            threading._active[new_ident] = main
        main._ident = new_ident
    if not isinstance(main._tstate_lock, _threads.LockType) and main._tstate_lock is not None:
        # An OS-level sentinel: joining it from a greenlet would block the whole thread.
        # (The OS one stays held; the interpreter drops it with the thread state.)
        native_lock = main._tstate_lock
        main._gmonkey_native_tstate_lock = native_lock
        main._tstate_lock = _threads._set_sentinel()
        main._tstate_lock.acquire()
        with threading._shutdown_locks_lock:
            if native_lock in threading._shutdown_locks:
                threading._shutdown_locks.discard(native_lock)
                threading._shutdown_locks.add(main._tstate_lock)
    main._gmonkey_native_ident = native_main
    patch_item(threading, "_DummyThread", _dummy_class(threading))
    _fit_logging()
    threading._gmonkey_fitted = True
    if others:
        warnings.warn(
            "gmonkey.patch_thread(): these threads were started before patching and stay "
            "OS threads, unknown to threading under their new idents (current_thread() in "
            "them gives a dummy thread; greenlet locks must not be shared with them): "
            + ", ".join(repr(t) for t in others),
            MonkeyPatchWarning, stacklevel=4)


def _native_delete(threading, thread):
    """``thread._delete`` for an OS thread started before patching: forget it by its ident."""
    active, lock = threading._active, threading._active_limbo_lock

    def _delete():
        with lock:
            if active.get(thread._ident) is thread:
                del active[thread._ident]

    return _delete


def _dummy_class(threading):
    base = threading._DummyThread
    if getattr(base, "_gmonkey", False):
        return base
    active = threading._active

    class _DummyThread(base):
        """A greenlet that no ``Thread`` started, seen by ``current_thread()``.

        It leaves ``threading._active`` when its greenlet is collected.
        """

        _gmonkey = True

        def __init__(self):
            super().__init__()
            ident = self._ident
            me = weakref.ref(self)

            def forget(_ref, ident=ident, me=me):
                _dummy_refs.pop(ident, None)
                if active.get(ident) is me():
                    active.pop(ident, None)

            _dummy_refs[ident] = weakref.ref(getcurrent(), forget)

    _DummyThread.__module__ = base.__module__
    _DummyThread.__qualname__ = base.__qualname__
    return _DummyThread


def _fit_logging():
    logging = sys.modules.get("logging")
    if logging is None:
        return
    lock = getattr(logging, "_lock", None)
    if lock is not None and not isinstance(lock, _threads.RLock) and _free(lock):
        logging._lock = _threads.RLock()
    for ref in list(getattr(logging, "_handlerList", ())):
        handler = ref()
        lock = getattr(handler, "lock", None)
        if lock is not None and not isinstance(lock, _threads.RLock) and _free(lock):
            handler.lock = _threads.RLock()


def _free(lock):
    owned = getattr(lock, "_is_owned", None)
    if owned is not None and owned():
        return False
    if lock.acquire(False):
        lock.release()
        return True
    return False
