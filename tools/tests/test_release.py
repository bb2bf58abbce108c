"""tools/release.py: version, changelog, tag and ranges agree before a release."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import release

TOOLS = Path(__file__).resolve().parents[1]


@pytest.fixture
def tagged(monorepo):
    """The layers committed, ghub's changelog dated, and the tag ghub-v0.1.0 on it."""
    monorepo.layers()
    (monorepo.root / "packages/ghub/CHANGELOG.md").write_text("# ghub\n\n## 0.1.0 (2025-06-01)\n")
    monorepo.commit("release ghub 0.1.0")
    monorepo.git("tag", "-a", "ghub-v0.1.0", "-m", "gstack-ghub 0.1.0")
    return monorepo


def problems(root, name="ghub", untagged=False):
    return release.check(name, root, untagged=untagged).problems


def test_a_tagged_release_whose_parts_agree_passes(tagged):
    report = release.check("gstack-ghub", tagged.root)
    assert report.ok, report.problems
    assert "the tag ghub-v0.1.0 exists and packages/ghub is as tagged" in report.notes


def test_without_the_tag_it_fails_and_prints_the_git_tag_command(monorepo):
    monorepo.layers()
    monorepo.commit()
    head = monorepo.git("rev-parse", "--short", "HEAD").strip()
    (problem,) = problems(monorepo.root)
    assert "the tag ghub-v0.1.0 does not exist yet" in problem
    assert f"git tag -a ghub-v0.1.0 -m 'gstack-ghub 0.1.0' {head}" in problem
    assert problems(monorepo.root, untagged=True) == []


def test_sources_changed_since_the_tag_fail(tagged):
    tagged.write("packages/ghub/src/ghub/hub.py", "changed = True\n")
    (problem,) = problems(tagged.root)
    assert "packages/ghub differs from the tag ghub-v0.1.0" in problem
    tagged.write("packages/gsync/src/gsync/event.py", "changed = True\n")  # another package
    assert len(problems(tagged.root)) == 1


def test_the_changelog_heading_must_be_the_version(monorepo):
    monorepo.layers()
    (monorepo.root / "packages/ghub/CHANGELOG.md").write_text("# ghub\n\n## 0.0.9\n\n## 0.1.0\n")
    (problem,) = problems(monorepo.root, untagged=True)
    assert "the top heading is for 0.0.9, not 0.1.0" in problem
    (monorepo.root / "packages/ghub/CHANGELOG.md").write_text("# ghub\n\nno heading\n")
    (problem,) = problems(monorepo.root, untagged=True)
    assert "no '## 0.1.0' heading" in problem


@pytest.mark.parametrize("heading", ["## 0.1.0", "## [0.1.0] - 2025-06-01", "## v0.1.0 (June)"])
def test_the_heading_forms_that_name_the_version(heading):
    assert release.changelog_version(f"# x\n\n{heading}\n\n## 0.0.1\n")[0] == "0.1.0"


def test_unreleased_passes_before_tagging_only(monorepo):
    monorepo.layers()
    (monorepo.root / "packages/ghub/CHANGELOG.md").write_text("# ghub\n\n## 0.1.0 (unreleased)\n")
    assert problems(monorepo.root, untagged=True) == []
    monorepo.commit()
    monorepo.git("tag", "ghub-v0.1.0")
    (problem,) = problems(monorepo.root)
    assert "replace (unreleased) by the release date" in problem


def test_a_range_that_misses_the_repository_version_fails(monorepo):
    monorepo.add("gcore", version="0.2.0")
    monorepo.add("ghub", ["gstack-gcore>=0.1,<0.2"], build=["gstack-gcore>=0.2,<0.3"])
    found = problems(monorepo.root, untagged=True)
    assert len(found) == 1
    assert "[project] dependencies: 'gstack-gcore>=0.1,<0.2' does not admit gstack-gcore 0.2.0" \
        in found[0]
    (monorepo.root / "packages/gcore/pyproject.toml").write_text(
        (monorepo.root / "packages/gcore/pyproject.toml").read_text().replace("0.2.0", "0.1.5"))
    (monorepo.root / "packages/gcore/CHANGELOG.md").write_text("## 0.1.5\n")
    (found,) = problems(monorepo.root, untagged=True)
    assert "[build-system] requires: 'gstack-gcore>=0.2,<0.3' does not admit gstack-gcore 0.1.5" \
        in found


def test_the_module_version_must_agree(monorepo):
    monorepo.layers()
    (monorepo.root / "packages/ghub/src/ghub/__init__.py").write_text('__version__ = "0.0.1"\n')
    (problem,) = problems(monorepo.root, untagged=True)
    assert "__version__ = '0.0.1', not '0.1.0'" in problem


def test_the_command_line_exit_status(tagged):
    def run(*args):
        return subprocess.run([sys.executable, str(TOOLS / "release.py"), "--root",
                               str(tagged.root), *args], capture_output=True, text=True)

    done = run("ghub")
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1] == "release: ready (0 problems)"
    done = run("gsync")  # not tagged
    assert done.returncode == 1
    assert "git tag -a gsync-v0.1.0" in done.stdout
    assert run("gfoo").returncode == 1


def test_every_package_of_the_repository_is_ready_to_tag():
    for name in ("gcore", "ghub", "gsync", "gnet", "gserve", "gmonkey", "gstack"):
        assert release.check(name, untagged=True).problems == [], name
