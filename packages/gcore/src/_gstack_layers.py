"""Each gstack layer checks, on import, that the layers under it are gstack's own.

The import names of gstack's layers (``gcore``, ``ghub``, ``gsync``, ``gnet``,
``gstack``...) are other projects' distribution names on the public package
index, so gstack distributes each layer as ``gstack-`` + its import name
(``gstack-gcore``...; the meta-package ``gstack`` as ``gstack-all``). A layer
can still meet another project's module of a lower layer's name: PyPI's
``gcore`` installed beside (or over) gstack-gcore, a folder named ``gcore``
earlier on ``sys.path``. It would then fail somewhere inside, with a message
about a missing name. Instead, each layer's ``__init__`` calls
``require(__name__)`` before importing the layers under it, and gets an
``ImportError`` that says which distribution owns the module it found and which
one it needs.

The check reads the installed metadata only (nothing of the lower layer is
imported): for each ``gstack-*`` requirement of the importing layer's
distribution, the module that ``import`` would find must be the file that the
required distribution installed (same path, same hash as its ``RECORD``). A
layer that is not installed as a distribution (run from a source tree) and an
editable install are not checked. Each layer is checked once per process.

The usual case (every layer in one site-packages, as pip installs them) reads
the ``.dist-info`` files beside the modules directly; ``importlib.metadata``,
which costs tens of milliseconds to import, is used only when that does not
settle it (another layout, or a problem to explain).

This module is a top-level one, shipped in gstack-gcore, so that a foreign
``gcore`` package cannot hide it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
from importlib import util

__all__ = ["distribution_name", "require"]

PREFIX = "gstack-"
META, META_DISTRIBUTION = "gstack", "gstack-all"

_checked: set[str] = set()


def distribution_name(name: str) -> str:
    """The distribution of gstack's layer imported as ``name``: ``gstack-<name>`` or gstack-all."""
    return META_DISTRIBUTION if name == META else PREFIX + name


def _layer(requirement: str) -> str | None:
    """The import name of the gstack layer that ``requirement`` names, unless it is for an extra."""
    if "extra" in requirement.partition(";")[2]:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""
    if name == META_DISTRIBUTION:
        return META
    return name[len(PREFIX) :] if name.startswith(PREFIX) else None


def _dist_info(site: str, distribution: str) -> str | None:
    """The ``.dist-info`` folder of ``distribution`` in the folder ``site``, if there is one."""
    stem = distribution.replace("-", "_") + "-"
    try:
        names = os.listdir(site)
    except OSError:
        return None
    found = [n for n in names if n.startswith(stem) and n.endswith(".dist-info")
             and "-" not in n[len(stem) : -len(".dist-info")]]
    return os.path.join(site, found[0]) if len(found) == 1 else None


def _hash_ok(origin: str, recorded: str) -> bool:
    mode, _, value = recorded.partition("=")
    with open(origin, "rb") as source:
        digest = hashlib.new(mode, source.read()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == value


def _fast_requires(importer: str) -> list[str] | None:
    """The Requires-Dist of ``importer``'s distribution, read beside it; None if not there."""
    module = sys.modules.get(importer)
    origin = getattr(module, "__file__", None)
    info = origin and _dist_info(os.path.dirname(os.path.dirname(origin)),
                                 distribution_name(importer))
    if not info:
        return None
    requires = []
    with open(os.path.join(info, "METADATA"), encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                break  # the end of the headers
            if line.startswith("Requires-Dist:"):
                requires.append(line.partition(":")[2].strip())
    return requires


def _fast_ok(name: str, origin: str) -> bool:
    """True if the gstack-<name> installed beside ``origin`` lists it, unchanged, in RECORD."""
    relative = f"{name}/{os.path.basename(origin)}"
    info = _dist_info(os.path.dirname(os.path.dirname(origin)), distribution_name(name))
    if info is None:
        return False
    with open(os.path.join(info, "RECORD"), encoding="utf-8") as file:
        for line in file:
            path, _, rest = line.partition(",")
            if path == relative:
                recorded = rest.partition(",")[0]
                return bool(recorded) and _hash_ok(origin, recorded)
    return False


def _same(path: str, located: os.PathLike[str] | str) -> bool:
    try:
        return os.path.samefile(path, located)
    except OSError:
        return False


def _installed(dist, name: str, origin: str) -> bool | None:
    """Whether ``dist`` installed the module ``name`` Python finds at ``origin``.

    True if it installed that very file, unchanged; False if it installed the
    module elsewhere (``origin`` shadows it) or its file was overwritten since;
    None if it lists no file of that module (an editable install).
    """
    relative = f"{name}/{os.path.basename(origin)}"  # gcore/__init__.py
    for file in dist.files or ():
        if file.as_posix() != relative:
            continue
        if not _same(origin, dist.locate_file(file)):
            return False
        return file.hash is None or _hash_ok(origin, f"{file.hash.mode}={file.hash.value}")
    return None


def _owners(origin: str) -> list[str]:
    """``name version`` of every installed distribution that lists the file ``origin``."""
    from importlib import metadata

    found = []
    for dist in metadata.distributions():
        if any(_same(origin, dist.locate_file(f)) for f in dist.files or () if f.suffix == ".py"):
            found.append(f"{dist.metadata['Name']} {dist.version}")
    return sorted(set(found))


def _check(importer: str, name: str, requirement: str) -> None:
    needed = distribution_name(name)
    spec = util.find_spec(name)  # a top-level name: finds it without importing it
    if spec is None or spec.origin in (None, "namespace"):
        raise ImportError(
            f"{importer} needs the layer {name} from the distribution {needed}, which is not"
            f" installed: pip install '{requirement}'", name=name)
    if _fast_ok(name, spec.origin):
        return

    from importlib import metadata

    try:
        ours = metadata.distribution(needed)
    except metadata.PackageNotFoundError:
        ours = None
    verdict = None if ours is None else _installed(ours, name, spec.origin)
    if verdict or (ours is not None and verdict is None):
        return  # gstack's file; or an editable install, whose RECORD lists no module files
    owners = _owners(spec.origin)
    found = f"{importer} needs the layer {name} from the distribution {needed} ({requirement})," \
            f" but the module {name} that Python finds, {spec.origin},"
    if owners:
        mine = f" (not to {needed} {ours.version})" if ours is not None else ""
        raise ImportError(
            f"{found} belongs to the distribution {' and '.join(owners)}{mine}: another project"
            f" of the same import name. Uninstall it (pip uninstall {owners[0].split()[0]}),"
            f" then pip install --force-reinstall '{requirement}'", name=name, path=spec.origin)
    fix = "rename it or take it off sys.path" if ours is not None else (
        f"take it off sys.path and pip install '{requirement}'")
    raise ImportError(
        f"{found} belongs to no installed distribution: a folder of that name earlier on"
        f" sys.path hides {needed}'s; {fix}", name=name, path=spec.origin)


def require(importer: str) -> None:
    """Check that the gstack layers under ``importer`` (an import name) are gstack's own.

    Raises ImportError naming the distribution that owns a lower layer's
    module and the one that is needed. Does nothing when ``importer`` is not
    installed as a distribution (a source tree).
    """
    if importer in _checked:
        return
    requires = _fast_requires(importer)
    if requires is None:
        from importlib import metadata

        try:
            requires = metadata.distribution(distribution_name(importer)).requires or []
        except metadata.PackageNotFoundError:
            _checked.add(importer)
            return
    for requirement in requires:
        name = _layer(requirement)
        if name is not None and name not in _checked:
            _check(importer, name, requirement)
            _checked.add(name)
    _checked.add(importer)
