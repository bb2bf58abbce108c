"""The bookkeeping under every ``patch_*``: saved originals, checks, warnings.

Every change gmonkey makes to a module goes through :func:`patch_item` or
:func:`remove_item`, which save the original the first time (and only the
first time, so patching twice never saves a cooperative object as an
"original"). :func:`get_original` gives back what was there before;
:func:`is_module_patched` and :func:`is_object_patched` read the same record.

:func:`check_can_patch` refuses the two situations that cannot end well:
patching from a thread other than the main one, and patching while a hub
(an event loop) already runs in another thread. :func:`warn_stale` looks
through the modules already imported for references to the originals just
replaced (``from socket import socket`` done before patching) and names them
in one :class:`MonkeyPatchWarning`: those keep blocking.
"""

from __future__ import annotations

import gc
import importlib
import sys
import warnings
from _thread import get_ident as _native_get_ident

__all__ = [
    "MonkeyPatchWarning", "patch_item", "remove_item", "get_original", "is_module_patched",
    "is_object_patched", "check_can_patch", "warn_stale", "native_main_ident",
]


class MonkeyPatchWarning(RuntimeWarning):
    """Something was imported or started before patching and may keep blocking."""


_MISSING = object()
# module name -> {attribute name: original value, or _MISSING if there was none}
_saved: dict[str, dict[str, object]] = {}

# Our own layers hold originals on purpose (they build the cooperative versions on them).
_OWN = ("gcore", "ghub", "gsync", "gnet", "gserve", "gmonkey", "gstack", "greenlet")


def patch_item(module, name, value, key=None):
    """Set ``module.name = value``, saving the original the first time.

    ``module`` may also be a class, recorded under ``key`` ("ssl.SSLContext").
    """
    saved = _saved.setdefault(key or module.__name__, {})
    if name not in saved:
        saved[name] = vars(module).get(name, _MISSING)
    setattr(module, name, value)


def remove_item(module, name):
    """Delete ``module.name`` (if present), saving the original the first time."""
    saved = _saved.setdefault(module.__name__, {})
    if name not in saved:
        saved[name] = module.__dict__.get(name, _MISSING)
    if name in module.__dict__:
        delattr(module, name)


def get_original(module_name, item_name):
    """The value ``module_name.item_name`` had before gmonkey patched it.

    ``item_name`` may be a list or tuple of names: a tuple of values comes
    back. An item that was never patched is read from the module as it is
    (importing it if needed). Raises ``AttributeError`` if the module has no
    such item and never had one, ``ImportError`` if the module does not exist.
    """
    if isinstance(item_name, (list, tuple)):
        return tuple(get_original(module_name, name) for name in item_name)
    if not isinstance(module_name, str) or not isinstance(item_name, str):
        raise TypeError("get_original() takes a module name and an item name (str)")
    saved = _saved.get(module_name, {})
    if item_name in saved:
        value = saved[item_name]
        if value is _MISSING:
            raise AttributeError(f"module {module_name!r} had no attribute {item_name!r}")
        return value
    return getattr(importlib.import_module(module_name), item_name)


def is_module_patched(name):
    """True if gmonkey changed anything in the module called ``name``."""
    return bool(_saved.get(name))


def is_object_patched(module_name, item_name):
    """True if gmonkey replaced or removed ``module_name.item_name``."""
    return item_name in _saved.get(module_name, {})


def saved_items(module_name):
    """{name: original} of what was patched in ``module_name`` (removed items included)."""
    return {k: v for k, v in _saved.get(module_name, {}).items() if v is not _MISSING}


# -- checks --------------------------------------------------------------------------------


def native_main_ident():
    """The OS-level ident of the main thread."""
    threading = sys.modules.get("threading")
    if threading is not None:
        main = threading.main_thread()
        ident = getattr(main, "_gmonkey_native_ident", None)
        if ident is not None:
            return ident
        if not is_object_patched("_thread", "get_ident"):
            return main.ident
    from ghub import hub as _hub

    return _hub._MAIN_IDENT


def check_can_patch(what):
    """Raise ``RuntimeError`` unless patching is safe now (main thread, no other hub)."""
    me = _native_get_ident()
    if me != native_main_ident():
        raise RuntimeError(
            f"gmonkey.{what}() must be called from the main thread: it changes modules that "
            "every thread shares. Call it first thing in the program (or run the program "
            "with `python -m gmonkey script.py`).")
    from ghub.hub import Hub

    alive = sys._current_frames()
    busy = []
    for obj in gc.get_objects():
        if type(obj) is Hub or isinstance(obj, Hub):
            ident = getattr(obj, "thread_ident", None)
            if ident != me and ident in alive and not obj.dead:
                busy.append(obj)
    if busy:
        raise RuntimeError(
            f"gmonkey.{what}(): a hub already runs in another thread ({busy[0]!r}); its loop "
            "and greenlets were made with the unpatched modules. Patch before any thread "
            "starts an event loop.")


def warn_stale(replaced, skip_modules=(), stacklevel=3):
    """Warn about modules that kept a reference to an original that was just replaced.

    ``replaced``: {"module.name": original}. Modules in ``skip_modules``, the
    patched modules themselves and gstack's own layers are not reported.
    """
    by_id = {id(v): k for k, v in replaced.items()
             if not isinstance(v, (int, str, bytes, type(sys)))}
    if not by_id:
        return
    skip = set(skip_modules) | {k.rsplit(".", 1)[0] for k in replaced}
    stale = []
    for mod_name, module in list(sys.modules.items()):
        if module is None or mod_name in skip or mod_name.split(".")[0] in _OWN:
            continue
        # Extension modules (posix, _socket, _thread...) are where the originals live.
        if not str(getattr(module, "__file__", None) or "").endswith(".py"):
            continue
        try:
            namespace = vars(module)
        except TypeError:
            continue
        for attr, value in list(namespace.items()):
            original = by_id.get(id(value))
            if original is not None and replaced[original] is value:
                stale.append(f"{mod_name}.{attr} (is the original {original})")
    if stale:
        warnings.warn(
            "gmonkey: these modules were imported before patching and keep references to the "
            "blocking originals, which will block the whole thread when used: "
            + ", ".join(sorted(stale)) + ". Patch earlier (before importing them), e.g. run "
            "the program with `python -m gmonkey`.",
            MonkeyPatchWarning, stacklevel=stacklevel)
