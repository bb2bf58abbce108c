"""The typing stub ``_gcore.pyi`` ships beside the extension and names what it exports.

A cheap, dependency-free check (``python -m mypy.stubtest gcore._gcore
--ignore-disjoint-bases`` checks the signatures too): the stub's ``__all__``
is the extension's, every public name is in the stub, and every public
attribute of each class is declared in the stub and exists at run time.
"""

import ast
import pathlib

import pytest

import gcore
from gcore import _gcore

STUB = pathlib.Path(_gcore.__file__).with_name("_gcore.pyi")


@pytest.fixture(scope="module")
def stub():
    assert STUB.exists(), f"{STUB} is missing (is *.pyi in the package data?)"
    return ast.parse(STUB.read_text(), filename=str(STUB))


def top_level(tree):
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
    return names


def class_members(classes, name):
    """Public members declared for ``name`` in the stub, with those of its stub bases."""
    node = classes[name]
    members = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            members.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.add(item.target.id)
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes:
            members |= class_members(classes, base.id)
    return {m for m in members if not m.startswith("_")}


def test_stub_all_is_the_extensions(stub):
    names = top_level(stub)
    assert ast.literal_eval(names["__all__"].value) == _gcore.__all__
    assert gcore.__all__ == _gcore.__all__


def test_every_public_name_is_in_the_stub(stub):
    names = top_level(stub)
    missing = [n for n in _gcore.__all__ if n not in names]
    assert missing == []


def test_stub_declares_each_class_attribute_that_exists(stub):
    names = top_level(stub)
    classes = {n: node for n, node in names.items() if isinstance(node, ast.ClassDef)}
    for name in _gcore.__all__:
        runtime = getattr(_gcore, name)
        if not isinstance(runtime, type):
            assert name not in classes, f"{name} is a class in the stub only"
            continue
        assert name in classes, f"{name} is not a class in the stub"
        in_runtime = {m for m in dir(runtime) if not m.startswith("_")}
        in_stub = class_members(classes, name)
        assert in_runtime - in_stub == set(), f"{name}: not in the stub"
        assert in_stub - in_runtime == set(), f"{name}: in the stub only"
