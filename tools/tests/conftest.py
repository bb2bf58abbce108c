"""Fixtures for the tests of tools/: a throwaway monorepo, made of pyproject.toml files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/


def dist(name: str) -> str:
    return "gstack-all" if name == "gstack" else f"gstack-{name}"


class Repo:
    """A monorepo in a temporary folder: packages/<name>/ with pyproject.toml and src/<name>/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "packages").mkdir(parents=True)

    def add(self, name: str, deps=(), version="0.1.0", build=(), distribution=None,
            changelog=None, compiled=()) -> Path:
        folder = self.root / "packages" / name
        (folder / "src" / name).mkdir(parents=True)
        (folder / "src" / name / "__init__.py").write_text(f'__version__ = "{version}"\n')
        requires = ", ".join(f'"{r}"' for r in ("setuptools>=68", *build))
        lines = [
            "[build-system]", f"requires = [{requires}]", "",
            "[project]", f'name = "{distribution or dist(name)}"', f'version = "{version}"',
            f"dependencies = [{', '.join(repr(d) for d in deps)}]",
        ]
        if compiled:
            lines += ["", "[tool.gstack]", f"compiled = [{', '.join(map(repr, compiled))}]"]
        (folder / "pyproject.toml").write_text("\n".join(lines) + "\n")
        heading = f"## {version}" if changelog is None else changelog
        (folder / "CHANGELOG.md").write_text(f"# {name} changelog\n\n{heading}\n\n- a change\n")
        return folder

    def layers(self) -> None:
        """The project's shape: gcore <- ghub <- gsync <- gnet <- gserve, gmonkey <- gstack."""
        self.add("gcore")
        self.add("ghub", ["gstack-gcore>=0.1,<0.2", "greenlet>=3"],
                 build=["gstack-gcore>=0.1,<0.2"], compiled=["ghub.hub"])
        self.add("gsync", ["gstack-ghub>=0.1,<0.2", "gstack-gcore>=0.1,<0.2"],
                 build=["gstack-gcore>=0.1,<0.2", "gstack-ghub>=0.1,<0.2"],
                 compiled=["gsync.event"])
        (self.root / "packages/ghub/src/ghub/hub.py").write_text("")
        (self.root / "packages/gsync/src/gsync/event.py").write_text("")
        self.add("gnet", ["gstack-gsync>=0.1,<0.2"])
        self.add("gserve", ["gstack-gnet>=0.1,<0.2"])
        self.add("gmonkey", ["gstack-gnet>=0.1,<0.2"])
        self.add("gstack", [f"{dist(n)}>=0.1,<0.2" for n in ("gserve", "gmonkey")])

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.root), *args], check=True,
                              capture_output=True, text=True).stdout

    def commit(self, message="a commit") -> None:
        if not (self.root / ".git").is_dir():
            self.git("init", "-q", "-b", "main")
            self.git("config", "user.email", "t@example.invalid")
            self.git("config", "user.name", "t")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def write(self, relative: str, text: str = "x\n") -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def monorepo(tmp_path) -> Repo:
    return Repo(tmp_path / "repo")
