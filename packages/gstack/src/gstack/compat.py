"""Serve ``import gevent`` from gstack, so that gevent-based packages run unmodified.

How it works
------------

:func:`install` puts one finder at the front of ``sys.meta_path``. From then
on ``import gevent`` gives the :mod:`gstack` module itself and ``import
gevent.X`` gives ``gstack.X`` (``gevent.monkey`` is ``gstack.monkey``,
``gevent.pool`` is ``gstack.pool``, ...): the very same module objects, so
``gevent.pool.Pool is gstack.pool.Pool`` and ``isinstance`` checks agree
between code written for either name. The finder answers before the
regular path finders, so an installed real gevent (a dependency pulled in by
a package's requirements, say) is never imported while the mode is on.

It never turns itself on: a program calls :func:`install` (first thing, before
it imports a gevent-based package), or is started with ``python -m gmonkey
--as-gevent script.py``, which installs this mode and patches the standard
library (gmonkey finds this function through the ``gmonkey.modes`` entry
point that the gstack distribution declares, so gmonkey, a lower layer,
never imports gstack).

Limits:

- only the modules gstack has are served: gevent's private modules
  (``gevent._socketcommon``, ``gevent._config``, ``gevent.libev``...) and
  the public ones gstack lacks raise ``ModuleNotFoundError`` naming the
  compatibility mode;
- ``gevent.__version__`` and ``gevent.version_info`` are gstack's;
- it refuses (``RuntimeError``) when the real gevent was imported already:
  two hubs in one process cannot share the thread's main greenlet;
- :func:`uninstall` removes the finder but cannot take back the module
  objects that were handed out.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys

__all__ = ["install", "uninstall", "installed"]

_PREFIX = "gevent"


class _GeventFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``gevent`` and ``gevent.*`` and loads them as gstack's modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _PREFIX and not fullname.startswith(_PREFIX + "."):
            return None
        target_name = "gstack" + fullname[len(_PREFIX):]
        try:
            found = importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: gstack's gevent compatibility mode serves "
                f"gevent.X from gstack.X, and gstack has no {target_name!r} (gevent's private "
                "modules are not provided)", name=fullname)
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec):
        return None   # a placeholder; exec_module puts gstack's module in its place

    def exec_module(self, module):
        name = module.__name__
        real = importlib.import_module("gstack" + name[len(_PREFIX):])
        # The import system returns what sys.modules holds after exec_module:
        # gstack's own module, its __spec__ and __name__ untouched.
        sys.modules[name] = real


_finder = None


def installed():
    """True while the compatibility mode is on."""
    return _finder is not None and _finder in sys.meta_path


def install():
    """Make ``import gevent`` and ``import gevent.X`` give gstack's modules. Idempotent.

    ``RuntimeError`` if the real gevent is already imported.
    """
    global _finder
    if installed():
        return
    real = sys.modules.get(_PREFIX)
    if real is not None and not getattr(real, "__name__", "").startswith("gstack"):
        raise RuntimeError(
            "gstack.compat.install(): the real gevent is already imported "
            f"({getattr(real, '__file__', real)!r}); install the compatibility mode "
            "before anything imports gevent (first thing in the program, or run it with "
            "python -m gmonkey --as-gevent)")
    _finder = _GeventFinder()
    sys.meta_path.insert(0, _finder)


def uninstall():
    """Remove the finder; modules already imported as ``gevent.*`` stay what they are."""
    global _finder
    if _finder is not None:
        try:
            sys.meta_path.remove(_finder)
        except ValueError:
            pass
        _finder = None
