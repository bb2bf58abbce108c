#!/usr/bin/env python3
"""The checks before one package of the monorepo is released (``nox -s release -- PACKAGE``).

A release of the layer ``ghub`` at version ``V`` (``[project] version`` of
``packages/ghub/pyproject.toml``) needs:

- the top ``## `` heading of ``packages/ghub/CHANGELOG.md`` to be that version
  (``## 0.1.0``, ``## 0.1.0 (2025-06-01)``, ``## [0.1.0] - ...``), not marked
  ``unreleased``, and the package's ``__version__`` (if its ``__init__.py``
  sets one) to be the same;
- every range it puts on a lower layer, in ``[project] dependencies`` and in
  ``[build-system] requires``, to admit the version of that layer in the
  repository (so that what is released installs, and builds, with what is
  released beside it);
- the git tag ``ghub-v<V>`` (the layer's import name, ``-v``, the version) to
  exist, with the package's folder the same at the tag as in the work tree (so
  that the artifacts built are the tagged sources).

When the tag does not exist yet, the check fails and prints the ``git tag``
command that makes it; tag only once everything else passes. ``--untagged``
runs every check but the tag's, and lets ``unreleased`` stand in the
changelog's heading: the check to run (in CI, on a branch) before tagging.

Usage: ``python tools/release.py PACKAGE [--untagged]`` (an import or a
distribution name). Exit status 0 when the release may go on, 1 otherwise.
Needs the ``packaging`` distribution (nox's release session installs it).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

sys.path.insert(0, str(Path(__file__).resolve().parent))
import packages as repo  # noqa: E402  (tools/packages.py)

__all__ = ["Report", "changelog_version", "check", "range_problems", "tag_name"]

# "## 0.1.0", "## 0.1.0 (unreleased)", "## [0.1.0] - 2025-06-01", "## v0.1.0"
_HEADING = re.compile(r"^##\s+\[?v?([0-9][^\s\]]*)\]?(.*)$")
_VERSION_LINE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.M)


@dataclass
class Report:
    """What the checks found: ``problems`` stop the release; ``notes`` are for the reader."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def tag_name(package: repo.Package) -> str:
    """The release tag of ``package``: ``<import name>-v<version>`` (``ghub-v0.1.0``)."""
    return f"{package.name}-v{package.version}"


def changelog_version(text: str) -> tuple[str, str] | None:
    """The version of the first ``## `` heading of a changelog, and the rest of that line."""
    for line in text.splitlines():
        if line.startswith("## "):
            match = _HEADING.match(line.strip())
            return (match.group(1), match.group(2).strip()) if match else ("", line.strip())
    return None


def range_problems(package: repo.Package, packages: dict[str, repo.Package]) -> list[str]:
    """The ranges ``package`` puts on the repo's layers that miss the repo's versions."""
    problems = []
    for table, requirements in (("[project] dependencies", package.requires),
                                ("[build-system] requires", package.build_requires)):
        for text in requirements:
            try:
                requirement = Requirement(text)
            except InvalidRequirement as exc:
                problems.append(f"{table}: cannot read {text!r}: {exc}")
                continue
            name = repo.import_name(requirement.name)
            if name not in packages or name == package.name:
                continue
            version = packages[name].version
            try:
                admitted = requirement.specifier.contains(Version(version), prereleases=True)
            except InvalidVersion:
                problems.append(f"{packages[name].distribution} has no valid version ({version!r})")
                continue
            if not admitted:
                problems.append(
                    f"{table}: {text!r} does not admit {packages[name].distribution}"
                    f" {version}, the version in the repository"
                )
    return problems


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def check(name: str, root: Path | str = repo.ROOT, untagged: bool = False) -> Report:
    """Every release check of the package ``name`` in the repo at ``root``."""
    root = Path(root).resolve()
    report = Report()
    try:
        packages = repo.discover(root)
        package = repo.lookup(name, packages)
    except repo.PackageError as exc:
        report.problems.append(str(exc))
        return report
    where = package.path.relative_to(root)
    try:
        version = Version(package.version)
    except InvalidVersion:
        report.problems.append(f"{where}/pyproject.toml: [project] version {package.version!r}"
                               " is not a valid version")
        return report
    report.notes.append(f"{package.distribution} {version} ({where})")

    changelog = package.path / "CHANGELOG.md"
    heading = changelog_version(changelog.read_text()) if changelog.is_file() else None
    if heading is None:
        report.problems.append(f"{where}/CHANGELOG.md: no '## {version}' heading")
    else:
        found, rest = heading
        if found != package.version:
            report.problems.append(
                f"{where}/CHANGELOG.md: the top heading is for {found or '?'!s}, not"
                f" {package.version} (pyproject.toml): add '## {package.version}' on top")
        elif "unreleased" in rest.lower():
            if untagged:
                report.notes.append(f"CHANGELOG.md: {package.version} is still marked {rest}")
            else:
                report.problems.append(
                    f"{where}/CHANGELOG.md: '## {package.version} {rest}': replace"
                    f" {rest} by the release date before tagging")
    init = package.path / "src" / package.name / "__init__.py"
    declared = _VERSION_LINE.search(init.read_text()) if init.is_file() else None
    if declared and declared.group(1) != package.version:
        report.problems.append(f"{init.relative_to(root)}: __version__ = {declared.group(1)!r},"
                               f" not {package.version!r} (pyproject.toml)")

    report.problems += [f"{where}/pyproject.toml: {p}" for p in range_problems(package, packages)]

    tag = tag_name(package)
    if untagged:
        report.notes.append(f"the tag {tag} is not checked (--untagged)")
    elif _git(root, "rev-parse", "-q", "--verify", f"refs/tags/{tag}").returncode != 0:
        head = _git(root, "rev-parse", "--short", "HEAD").stdout.strip() or "HEAD"
        report.problems.append(
            f"the tag {tag} does not exist yet. Once the other checks pass (--untagged) and"
            f" the release commit is in, tag it and run this again:\n"
            f"    git tag -a {tag} -m '{package.distribution} {version}' {head}\n"
            f"    git push origin {tag}")
    else:
        diff = _git(root, "diff", "--quiet", tag, "--", str(where))
        if diff.returncode == 1:
            report.problems.append(f"{where} differs from the tag {tag}: the release is built"
                                   f" from the tagged sources (git diff {tag} -- {where})")
        elif diff.returncode != 0:
            report.problems.append(f"git diff {tag}: {diff.stderr.strip()}")
        else:
            report.notes.append(f"the tag {tag} exists and {where} is as tagged")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", help="an import name (ghub) or distribution name")
    parser.add_argument("--untagged", action="store_true",
                        help="every check but the tag's (before tagging)")
    parser.add_argument("--root", default=repo.ROOT, type=Path, help="repo root")
    args = parser.parse_args(argv)
    report = check(args.package, args.root, args.untagged)
    for note in report.notes:
        print(f"release: {note}")
    for problem in report.problems:
        print(f"release: PROBLEM: {problem}")
    print(f"release: {'ready' if report.ok else 'not ready'} ({len(report.problems)} problems)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
