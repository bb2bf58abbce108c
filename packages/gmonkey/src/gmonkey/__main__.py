"""``python -m gmonkey [options] script.py args...`` (or ``-m module args...``).

Runs a script or a module with the standard library patched
(:func:`gmonkey.patch_all`) before the program imports anything, so that
unmodified programs run cooperatively. ``sys.argv`` and ``sys.path[0]`` are
set as ``python script.py`` / ``python -m module`` set them; the program runs
as ``__main__``, and its exit status is the process's.

Options (before the script): ``--no-socket``, ``--no-dns``, ``--no-time``,
``--no-select``, ``--no-thread``, ``--no-os``, ``--no-ssl``,
``--no-subprocess``, ``--no-signal``, ``--no-queue``, ``--no-aggressive``
turn one part of :func:`~gmonkey.patch_all` off.

``--as-gevent`` also makes ``import gevent`` and ``import gevent.X`` give
gstack's modules, so that programs and packages written for gevent run
unmodified (``gstack.compat``). gmonkey sits below gstack and does not import
it: the mode is found through the ``gmonkey.modes`` entry point named
``as-gevent``, which the gstack distribution (gstack-all) declares; without
it installed, ``--as-gevent`` stops with an error saying so.
"""

from __future__ import annotations

import os
import runpy
import sys

import gmonkey

_FLAGS = ("socket", "dns", "time", "select", "thread", "os", "ssl", "subprocess", "signal",
          "queue", "aggressive")
_USAGE = f"""\
usage: python -m gmonkey [--as-gevent] [--no-FLAG ...] script.py [args ...]
       python -m gmonkey [--as-gevent] [--no-FLAG ...] -m module [args ...]

Run a Python script or module with gmonkey.patch_all() applied first.
FLAG is one of: {", ".join(_FLAGS)}.
--as-gevent: `import gevent` gives gstack's modules (needs gstack installed).
"""
_MODES_GROUP = "gmonkey.modes"


def _parse(argv):
    """(patch_all keyword arguments, modes, "script" or "module", target, its arguments)."""
    flags = {}
    modes = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            raise SystemExit(0)
        if arg == "-m":
            if i + 1 >= len(argv):
                raise _usage_error("-m needs a module name")
            return flags, modes, "module", argv[i + 1], argv[i + 2:]
        if arg.startswith("-m") and len(arg) > 2:
            return flags, modes, "module", arg[2:], argv[i + 1:]
        if arg == "--as-gevent":
            modes.append("as-gevent")
            i += 1
            continue
        if arg.startswith("--no-"):
            name = arg[5:]
            if name not in _FLAGS:
                raise _usage_error(f"unknown option {arg!r}")
            flags[name] = False
            i += 1
            continue
        if arg == "--":
            i += 1
            break
        if arg.startswith("-"):
            raise _usage_error(f"unknown option {arg!r}")
        break
    if i >= len(argv):
        raise _usage_error("no script or module to run")
    return flags, modes, "script", argv[i], argv[i + 1:]


def _usage_error(message):
    sys.stderr.write(_USAGE + f"\nerror: {message}\n")
    return SystemExit(2)


def _install_mode(name):
    """Call the ``gmonkey.modes`` entry point ``name`` (declared by a layer above gmonkey)."""
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group=_MODES_GROUP) if ep.name == name]
    if not found:
        sys.stderr.write(f"python -m gmonkey: --{name} needs the gstack distribution "
                         f"(gstack-all), which declares the {_MODES_GROUP!r} entry point "
                         f"{name!r}; it is not installed\n")
        raise SystemExit(2)
    try:
        found[0].load()()
    except RuntimeError as exc:
        sys.stderr.write(f"python -m gmonkey: --{name}: {exc}\n")
        raise SystemExit(2) from None


def main(argv=None):
    """Patch, then run the program the command line names."""
    flags, modes, kind, target, args = _parse(sys.argv[1:] if argv is None else argv)
    for mode in modes:
        _install_mode(mode)
    gmonkey.patch_all(**flags)
    if kind == "module":
        # As `python -m`: argv[0] becomes the module's file; sys.path[0] stays the cwd.
        sys.argv = [target, *args]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
        return
    if not os.path.exists(target):
        sys.stderr.write(f"python -m gmonkey: can't open file {target!r}: "
                         "[Errno 2] No such file or directory\n")
        raise SystemExit(2)
    sys.argv = [target, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(target))
    runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
