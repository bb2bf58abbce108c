"""Source lines for the frames of compiled modules, in tracebacks and debuggers.

How it works: Cython gives each frame of a compiled module the file name it
recorded at build time. gstack's builds run Cython from ``src/``, so that
name is the source's path under the import root (``gnet/socket.py``,
``gcore/loop.pxi``): the file installed beside the extension, not the build
folder's ``src/gnet/socket.py``, which names no installed file and which
:mod:`linecache` could resolve, along ``sys.path``, to someone else's.

That name is relative, and :mod:`traceback` asks :mod:`linecache` for it with
the frame's globals: linecache then asks the module's loader for the source,
and an extension module's loader has none, so no line would be shown.
:func:`register` puts a lazy :mod:`linecache` entry under each such name that
reads the installed file, so that a traceback through a compiled frame shows
that file's lines. ``linecache.clearcache()`` drops the entries (a traceback
then shows no source line, never another file's); calling :func:`register`
again restores them.

Every compiled layer (``gcore``, ``ghub``, ``gsync``, ``gnet``, ``gserve``)
registers itself when its package is imported.
"""

from __future__ import annotations

import linecache
import os
import sys
import tokenize
from importlib.machinery import EXTENSION_SUFFIXES

__all__ = ["register", "SOURCE_SUFFIXES"]

#: The suffixes of the files a compiled frame can name (Cython's sources).
SOURCE_SUFFIXES = (".py", ".pyx", ".pxi", ".pxd")


def _read(path: str) -> str | None:
    try:
        with tokenize.open(path) as file:
            return file.read()
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def register(package: str) -> list[str]:
    """Let :mod:`linecache` find the installed sources of package ``package``'s compiled modules.

    ``package`` is an imported package's name (``"gnet"``). Its folder is
    looked at: if it holds no extension module (a pure-Python build, whose
    frames name their ``.py`` by absolute path), nothing is registered.
    Otherwise each source file of the folder (``.py``, ``.pyx``, ``.pxi``,
    ``.pxd``) is registered under ``"<package>/<file name>"``, the name the
    compiled frames carry, unless linecache already holds that name. Returns
    the names registered.
    """
    folders = list(getattr(sys.modules[package], "__path__", None) or ())
    registered = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if not any(name.endswith(suffix) for name in names for suffix in EXTENSION_SUFFIXES):
            continue
        for name in sorted(names):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            key = f"{package.replace('.', '/')}/{name}"
            if key in linecache.cache:
                continue
            path = os.path.join(folder, name)
            linecache.cache[key] = (lambda path=path: _read(path),)   # lazy: read when asked
            registered.append(key)
    return registered
