"""tools/packages.py: the packages, their two names, their order, and what a change touches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import packages as repo

TOOLS = Path(__file__).resolve().parents[1]


def names(packages):
    return [p.name for p in packages]


def test_import_and_distribution_names_map_both_ways():
    assert repo.distribution_name("ghub") == "gstack-ghub"
    assert repo.distribution_name("gstack") == "gstack-all"
    assert repo.import_name("gstack-ghub") == "ghub"
    assert repo.import_name("Gstack_GHub") == "ghub"  # PEP 503 normal form
    assert repo.import_name("gstack-all") == "gstack"
    assert repo.import_name("gcore") is None  # PyPI's gcore: another project
    assert repo.import_name("greenlet") is None
    assert repo.import_name("gstack-gstack") is None  # the meta-package is gstack-all


def test_packages_are_keyed_by_import_name_and_found_by_either(monorepo):
    monorepo.layers()
    found = repo.discover(monorepo.root)
    assert set(found) == {"gcore", "ghub", "gsync", "gnet", "gserve", "gmonkey", "gstack"}
    assert found["gstack"].distribution == "gstack-all"
    assert found["gsync"].local_deps == ("gcore", "ghub")
    assert found["gsync"].build_deps == ("gcore", "ghub")
    assert found["gnet"].build_deps == ()
    assert repo.lookup("gstack-gsync", found) is found["gsync"]
    assert repo.lookup("gsync", found) is found["gsync"]
    with pytest.raises(repo.PackageError, match="no package named gfoo"):
        repo.lookup("gfoo", found)


def test_the_order_puts_each_layer_after_what_it_needs(monorepo):
    monorepo.layers()
    order = names(repo.order(repo.discover(monorepo.root)))
    assert order.index("gcore") < order.index("ghub") < order.index("gsync") < order.index("gnet")
    assert order[-1] == "gstack"
    assert names(repo.closure("gstack-gnet", repo.discover(monorepo.root))) == [
        "gcore", "ghub", "gsync", "gnet"]


def test_a_distribution_name_off_the_rule_is_an_error(monorepo):
    monorepo.add("gcore", distribution="gcore")
    with pytest.raises(repo.PackageError, match="must be named 'gstack-gcore', not 'gcore'"):
        repo.discover(monorepo.root)


def test_requiring_a_layer_by_its_import_name_is_an_error(monorepo):
    monorepo.add("gcore")
    monorepo.add("ghub", ["gcore>=0.1,<0.2"])
    with pytest.raises(repo.PackageError, match="another project's.*distributed as gstack-gcore"):
        repo.discover(monorepo.root)


def test_a_build_requirement_the_layer_does_not_run_with_is_an_error(monorepo):
    monorepo.add("gcore")
    monorepo.add("ghub", build=["gstack-gcore>=0.1,<0.2"])
    with pytest.raises(repo.PackageError, match="requires gstack-gcore, which .* do not bring"):
        repo.discover(monorepo.root)


def test_a_cycle_is_named(monorepo):
    monorepo.add("gcore", ["gstack-ghub"])
    monorepo.add("ghub", ["gstack-gcore"])
    with pytest.raises(repo.PackageError, match="gcore -> ghub -> gcore"):
        repo.order(repo.discover(monorepo.root))


def test_compiles_python_only_for_compiled_py_modules(monorepo):
    monorepo.layers()
    monorepo.write("packages/gcore/src/gcore/_gcore.pyx")
    (monorepo.root / "packages/gcore/pyproject.toml").write_text(
        (monorepo.root / "packages/gcore/pyproject.toml").read_text()
        + '\n[tool.gstack]\ncompiled = ["gcore._gcore"]\n')
    found = repo.discover(monorepo.root)
    assert found["gcore"].compiled == ("gcore._gcore",)
    assert not found["gcore"].compiles_python  # a .pyx: no pure-Python build
    assert found["ghub"].compiles_python
    assert not found["gnet"].compiles_python


def test_a_lower_layer_change_tests_it_and_every_layer_above(monorepo):
    monorepo.layers()
    found = repo.discover(monorepo.root)
    layers, sessions = repo.affected(["packages/gcore/src/gcore/__init__.py"], found)
    assert names(layers) == names(repo.order(found))
    layers, sessions = repo.affected(["packages/gsync/src/gsync/event.py"], found)
    assert set(names(layers)) == {"gsync", "gnet", "gserve", "gmonkey", "gstack"}
    assert sessions[: len(layers)] == [f"tests-{n}" for n in names(layers)]
    assert set(sessions[len(layers) :]) == {"pure", "integration", "lint"}  # gsync compiles


def test_a_top_layer_change_tests_that_layer_and_the_meta_package(monorepo):
    monorepo.layers()
    found = repo.discover(monorepo.root)
    layers, sessions = repo.affected(["packages/gmonkey/tests/test_x.py"], found)
    assert names(layers) == ["gmonkey", "gstack"]
    assert sessions == ["tests-gmonkey", "tests-gstack", "integration", "lint"]  # none compiles
    assert repo.affected(["packages/gstack/README.md"], found)[1] == [
        "tests-gstack", "integration", "lint"]


def test_shared_tooling_runs_everything(monorepo):
    monorepo.layers()
    found = repo.discover(monorepo.root)
    for shared in ("noxfile.py", "tools/packages.py", ".ci/run", "ruff.toml", "packages/x.txt"):
        layers, sessions = repo.affected(["packages/ghub/setup.py", shared], found)
        assert sessions == repo.ALL, shared
        assert names(layers) == names(repo.order(found))


def test_files_outside_the_layers_ask_for_their_sessions(monorepo):
    monorepo.layers()
    found = repo.discover(monorepo.root)
    assert repo.affected(["docs/index.md", "README.md"], found) == ([], ["lint"])
    assert repo.affected(["examples/echo.py"], found) == ([], ["integration", "lint"])
    assert repo.affected(["integration-tests/test_x.py"], found) == ([], ["integration", "lint"])
    assert repo.affected([], found) == ([], ["lint"])


def test_changed_files_since_the_merge_base_with_the_work_tree(monorepo):
    monorepo.layers()
    monorepo.commit("base")
    base = monorepo.git("rev-parse", "HEAD").strip()
    monorepo.write("packages/gnet/src/gnet/socket.py")  # new, not even added
    monorepo.write("packages/gsync/src/gsync/event.py", "changed\n")  # not committed
    assert repo.changed_files(base, monorepo.root) == [
        "packages/gnet/src/gnet/socket.py", "packages/gsync/src/gsync/event.py"]
    monorepo.commit("on top")
    monorepo.write("docs/x.md")
    assert repo.changed_files(base, monorepo.root)[-1] == "packages/gsync/src/gsync/event.py"
    assert "docs/x.md" in repo.changed_files(base, monorepo.root)
    with pytest.raises(repo.PackageError, match="merge-base"):
        repo.changed_files("no-such-revision", monorepo.root)


def test_the_changed_command_prints_layers_or_sessions(monorepo):
    monorepo.layers()
    monorepo.commit("base")
    monorepo.write("packages/gnet/src/gnet/socket.py")

    def run(*args):
        done = subprocess.run([sys.executable, str(TOOLS / "packages.py"), "--root",
                               str(monorepo.root), "changed", "--base", "HEAD", *args],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert run() == ["gnet", "gmonkey", "gserve", "gstack"]
    assert run("--sessions") == [
        "tests-gnet", "tests-gmonkey", "tests-gserve", "tests-gstack", "integration", "lint"]
    monorepo.write("noxfile.py")
    assert run("--sessions") == ["ALL"]


def test_the_repository_itself_follows_the_rule():
    found = repo.discover()
    assert {p.name: p.distribution for p in found.values()} == {
        "gcore": "gstack-gcore", "ghub": "gstack-ghub", "gsync": "gstack-gsync",
        "gnet": "gstack-gnet", "gserve": "gstack-gserve", "gmonkey": "gstack-gmonkey",
        "gstack": "gstack-all"}
    for package in found.values():  # each compiled module has its source
        for module in package.compiled:
            assert package.module_source(module).is_file(), module
