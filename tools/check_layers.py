#!/usr/bin/env python3
"""Check that every layer under packages/ imports only the layers below it.

Usage: check_layers.py [REPO_ROOT]   (default: the current directory)
Exit 0 when the layering holds, 1 with one line per offending import otherwise.

It finds the packages through tools/packages.py, so it also reports a package
that the ALLOWED table does not know, and a declared dependency ([project]
dependencies, [build-system] requires) on a layer above or beside the
declaring one. Layers are named by their import names (the folders under
packages/); tools/packages.py maps their distribution names (gstack-ghub).
"""
import ast
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import packages as repo_packages  # noqa: E402  (tools/packages.py)

# Each layer, and the layers it may import. The order is the architecture.
ALLOWED = {
    "gcore": set(),
    "ghub": {"gcore"},
    "gsync": {"gcore", "ghub"},
    "gnet": {"gcore", "ghub", "gsync"},
    "gserve": {"gcore", "ghub", "gsync", "gnet"},
    "gmonkey": {"gcore", "ghub", "gsync", "gnet"},
    "gstack": {"gcore", "ghub", "gsync", "gnet", "gserve", "gmonkey"},
}
CYTHON_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+c?import|c?import\s+([\w.]+))", re.M)


def imported_roots(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py":
        try:
            tree = ast.parse(text, str(path))
        except SyntaxError as exc:
            yield exc.lineno or 0, f"<syntax error: {exc.msg}>"
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield node.lineno, node.module.split(".")[0]
    else:  # .pyx / .pxd / .pxi
        for match in CYTHON_IMPORT.finditer(text):
            name = match.group(1) or match.group(2)
            yield text.count("\n", 0, match.start()) + 1, name.split(".")[0]


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    if not (root / "packages").is_dir():
        print(f"no packages/ folder under {root}")
        return 1
    try:
        found = repo_packages.discover(root)
    except repo_packages.PackageError as exc:
        print(f"cannot read the packages: {exc}")
        return 1
    problems = []
    for name, package in sorted(found.items()):
        if name not in ALLOWED:
            problems.append(
                f"{package.path.relative_to(root)}: package {name} is not a layer of the"
                " architecture (add it to ALLOWED in tools/check_layers.py and to the"
                " README's table of layers)"
            )
            continue
        for table, deps in (("depends on", package.local_deps),
                            ("builds with", package.build_deps)):
            for dep in deps:
                if dep in ALLOWED and dep not in ALLOWED[name]:
                    problems.append(
                        f"{package.path.relative_to(root)}/pyproject.toml: {name} {table}"
                        f" {dep} ({package.distribution} on"
                        f" {repo_packages.distribution_name(dep)}),"
                        " a layer above or beside it"
                    )
    folders = {layer: root / "packages" / layer for layer in ALLOWED}  # even without pyproject
    folders.update((name, package.path) for name, package in found.items())
    for layer, allowed in ALLOWED.items():
        folder = folders[layer]
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            inside = path.relative_to(folder).parts  # not the clone's own path
            if path.suffix not in {".py", ".pyx", ".pxd", ".pxi"} or "build" in inside:
                continue
            for lineno, name in imported_roots(path):
                if name in ALLOWED and name != layer and name not in allowed:
                    problems.append(
                        f"{path.relative_to(root)}:{lineno}: {layer} imports {name},"
                        " a layer above or beside it"
                    )
    for line in problems:
        print(line)
    present = [layer for layer in ALLOWED if folders[layer].is_dir()]
    print(f"layering: {len(problems)} upward or sideways imports in {len(present)} layers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
