"""gevent's ``gevent.threading``: ``threading``'s ``_thread`` layer on greenlets.

The objects ``gmonkey.patch_thread`` puts into ``threading`` (and that
``threading`` builds on): ``Lock`` and ``_allocate_lock`` (a cooperative
lock), ``_start_new_thread`` (starts a greenlet), ``get_ident`` and
``_get_ident`` (the current greenlet's ident), ``local`` (greenlet-local
storage), ``_sleep`` (``ghub.sleep``), ``_DummyThread`` (what
``current_thread()`` gives in a greenlet no ``Thread`` started; it leaves
``threading._active`` when its greenlet is collected), and
``main_native_thread()``. They come from ``gmonkey._threads`` and
``gmonkey._threading``: this module only lays them out at gevent's names.
"""

import threading as _threading

from ghub import sleep as _sleep  # noqa: F401  (in __all__)
from gmonkey._threading import _dummy_class
from gmonkey._threads import _local as local  # noqa: F401  (in __all__)
from gmonkey._threads import allocate_lock as _allocate_lock
from gmonkey._threads import get_ident
from gmonkey._threads import start_new_thread as _start_new_thread  # noqa: F401  (in __all__)

__implements__ = ["local", "_start_new_thread", "_allocate_lock", "Lock", "_get_ident",
                  "_sleep", "_DummyThread", "get_ident"]
__extensions__ = ["main_native_thread"]
__all__ = __implements__ + __extensions__

Lock = _allocate_lock
_get_ident = get_ident
_DummyThread = _dummy_class(_threading)


def main_native_thread() -> _threading.Thread:
    """The ``threading.Thread`` of the process's main OS thread (patched or not).

    Under ``patch_thread`` it is also the main greenlet's ``Thread``.
    """
    return _threading.main_thread()
