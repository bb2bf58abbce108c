"""gstack's sessions: `nox` runs what CI runs (tests-*, pure, integration, lint, docs, tools).

    nox -l                          list the sessions
    nox -s tests-gcore              one layer's tests (tests-<package>)
    nox -s tests-ghub -- -k sleep   arguments after -- go to pytest
    nox -s integration | lint | docs | build | tools
    nox -s pure                     the compiled layers' tests on pure-Python builds of them
    nox -s install-ghub             ghub installed alone from its sdist and its wheel, tested
    nox -s release -- ghub          the release checks, then ghub's sdist and wheel into dist/
    nox -s bench -- [--runs N] [CASE...]   benchmarks beside gevent (never run by CI)
    nox --force-python 3.12         the sessions on another interpreter

Packages are found, and ordered by their dependencies, by tools/packages.py;
sessions name them by their import names (tests-ghub), pip by their
distribution names (gstack-ghub). A test session installs its package and the
layers under it from wheels, never from the source tree. Each wheel is built
once per state of its sources: it is kept in
.wheelhouse/<interpreter>-<package>-<source hash>/ and reused by every later
session and run (docs/development.md says more). A layer that compiles some of
its .py modules ([tool.gstack] compiled) is built compiled for every session
but `pure`, which tests its pure-Python build (kept apart, in
.wheelhouse/<interpreter>-<package>-pure-<source hash>/).

The project's own packages never come from an index: every build and install
runs pip with --no-index, the project's wheels (a compiled layer's build needs
the layers under it: [build-system] requires) and a folder of the third-party
wheels, downloaded once (.wheelhouse/<interpreter>-thirdparty-<hash>/).
"""

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))
import packages as repo  # noqa: E402  (tools/packages.py)

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"  # --force-python overrides
PACKAGES = {package.name: package for package in repo.order()}  # dependencies first
WHEELHOUSE = ROOT / ".wheelhouse"
INTEGRATION = ROOT / "integration-tests"
TEST_TOOLS = ["pytest", "pytest-timeout"]
LINT_TOOLS = ["ruff==0.17.6", "tomli; python_version < '3.11'"]
TYPING_TOOLS = ["mypy==2.4.1"]   # mypy --strict over tools/typecheck_public_api.py
TYPECHECKED = ROOT / "tools" / "typecheck_public_api.py"
BENCH_TOOLS = ["gunicorn", "packaging"]   # the gunicorn_* cases (its gevent worker needs packaging)
# Sphinx and MyST, pinned so that a new release cannot break a build whose warnings are errors.
DOCS_TOOLS = [
    "sphinx==9.0.4; python_version >= '3.11'", "myst-parser==5.2.0; python_version >= '3.11'",
    "sphinx==8.1.3; python_version < '3.11'", "myst-parser==4.0.1; python_version < '3.11'",
]
DOCS = ROOT / "docs"
LINT_PATHS = ["packages", "tools", "noxfile.py", "integration-tests", "examples", "benchmarks",
              "docs"]

# integration (CPython's suites under gmonkey, real clients) takes about 3-4 minutes.
nox.options.sessions = [f"tests-{name}" for name in PACKAGES] + [
    "pure", "integration", "lint", "docs", "tools"]
nox.options.error_on_missing_interpreters = True

# The interpreter's ABI and platform, which key the wheelhouse.
_TAG = (
    "import sys, sysconfig;"
    "print(sys.implementation.cache_tag + sys.abiflags, sysconfig.get_platform(), sep='-')"
)
# Import a package where the tests will: from the virtualenv, not from packages/.
_WHERE = "import importlib, sys; print('testing', importlib.import_module(sys.argv[1]).__file__)"


def clean_copy(package, folder):
    """Copy `package`'s sources (no tests, no stale build/, .so, ...) into `folder`."""
    source = folder / package.path.name
    for relative in repo.source_files(package):
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(package.path / relative, source / relative)
    return source


def interpreter_tag(session):
    """The session interpreter's cache tag, ABI flags and platform: cpython-311-linux-x86_64."""
    return session.run("python", "-c", _TAG, silent=True).strip()


def _replace(out, home, prefix, pattern):
    """Move the finished folder `out` to `home`; drop the older `prefix`+`pattern` folders."""
    for old in WHEELHOUSE.glob(prefix + "*"):
        if re.fullmatch(pattern, old.name[len(prefix) :]):
            shutil.rmtree(old, ignore_errors=True)
    os.replace(out, home)


def thirdparty(session, tag):
    """The folder of third-party wheels that every build and install here takes (no index).

    Everything the packages require that is not one of them (greenlet, the
    build requirements, the test extras, pytest), downloaded once by pip for
    the interpreter `tag`, and again only when that list changes.
    """
    wanted = {TEST_TOOLS[0], TEST_TOOLS[1], "wheel"}
    for package in PACKAGES.values():
        for requirement in (*package.requires, *package.extra_requires, *package.build_requires):
            if repo.import_name(repo.requirement_name(requirement)) is None:
                wanted.add(requirement)
    wanted = sorted(wanted)
    key = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:16]
    prefix = f"{tag}-thirdparty-"
    home = WHEELHOUSE / (prefix + key)
    if not home.is_dir():
        WHEELHOUSE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=WHEELHOUSE, prefix=".download-") as tmp:
            out = Path(tmp, "wheels")
            session.log(f"downloading the third-party requirements into {home.relative_to(ROOT)}")
            session.run("python", "-m", "pip", "download", "--quiet", "--dest", str(out), *wanted)
            _replace(out, home, prefix, "[0-9a-f]{16}")
    return home


def no_index(*folders):
    """pip's options: no index, the wheels (and sdists) of `folders` only."""
    options = ["--no-index"]
    for folder in dict.fromkeys(map(str, folders)):
        options += ["--find-links", folder]
    return options


def build_env(package, pure=False, folders=()):
    """The environment of a build of `package`: its mode, and pip's sources for its build env."""
    env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": " ".join(dict.fromkeys(map(str, folders)))}
    if package.compiles_python:
        env["GSTACK_PURE_PYTHON"] = "1" if pure else "0"  # 0: compiled, or the build fails
    return env


def wheel(session, package, tag, pure=False):
    """The wheel of `package` for the interpreter `tag`, built if not built yet.

    `pure`: the pure-Python wheel of a package that compiles some of its modules.
    The build is pip's, isolated, from a clean copy of the sources, with no
    index: the lower layers it builds against come from their own wheels here.
    """
    pure = pure and package.compiles_python
    prefix = f"{tag}-{package.name}-" + ("pure-" if pure else "")
    home = WHEELHOUSE / (prefix + repo.source_hash(package.name, PACKAGES))
    if not list(home.glob("*.whl")):
        lower = [wheel(session, PACKAGES[dep], tag, pure).parent for dep in package.build_deps]
        third = thirdparty(session, tag)
        WHEELHOUSE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=WHEELHOUSE, prefix=".build-") as tmp:
            source, out = clean_copy(package, Path(tmp)), Path(tmp, "wheel")
            session.log(f"building the {package.name} wheel into {home.relative_to(ROOT)}")
            session.run("python", "-m", "pip", "wheel", "--no-deps", *no_index(*lower, third),
                        "--wheel-dir", out, source, env=build_env(package, pure))
            _replace(out, home, prefix, "[0-9a-f]{16}")
    (built,) = home.glob("*.whl")
    return built


def build_artifacts(session, package, outdir, folders, wheel=True):
    """`package`'s sdist, and its wheel built from that sdist (`python -m build`), into `outdir`.

    From a clean copy of its sources, as from a fresh clone; the build
    environments take what they need from `folders` only (no index).
    `wheel=False`: the sdist only. Returns {"sdist": path, "wheel": path}.
    """
    with tempfile.TemporaryDirectory(prefix="gstack-build-") as tmp:
        source = clean_copy(package, Path(tmp))
        session.run("python", "-m", "build", *([] if wheel else ["--sdist"]),
                    "--outdir", str(outdir), str(source), env=build_env(package, folders=folders))
    stem = package.distribution.replace("-", "_")
    kinds = {"sdist": ".tar.gz", "wheel": "-*.whl"} if wheel else {"sdist": ".tar.gz"}
    return {kind: max(outdir.glob(f"{stem}-{package.version}{suffix}"))
            for kind, suffix in kinds.items()}


def install(session, names, test_extra=None, pure=False):
    """Install the packages `names` and the layers under them from wheels, plus pytest.

    The package named `test_extra` (a name, or a list of names) comes with its
    `test` extra if it declares one ([project.optional-dependencies] test =
    [...]). `pure`: pure-Python builds of the packages that compile some of
    their modules.
    """
    tag = interpreter_tag(session)
    needed = {p.name for name in names for p in repo.closure(name, PACKAGES)}
    wheels = {name: wheel(session, p, tag, pure) for name, p in PACKAGES.items() if name in needed}
    requirements = [str(path) for path in wheels.values()]  # files: pip asks no index for them
    extras = [test_extra] if isinstance(test_extra, str) else list(test_extra or ())
    for name in extras:
        if name in wheels and "test" in PACKAGES[name].extras:
            requirements[list(wheels).index(name)] += "[test]"
    session.install(*TEST_TOOLS, *requirements)
    # A reused virtualenv may hold an older build of the same version: replace it.
    session.install("--force-reinstall", "--no-deps", *map(str, wheels.values()))


def test_files(folder):
    return sorted(folder.rglob("test_*.py")) + sorted(folder.rglob("*_test.py"))


def pytest_args(session, default):
    """posargs with paths made absolute (pytest runs elsewhere); `default` if none is a path."""
    args, paths = [], False
    for arg in session.posargs:
        path = arg.split("::")[0]
        if not arg.startswith("-") and (ROOT / path).exists():
            arg, paths = str(ROOT / arg), True
        args.append(arg)
    return args if paths else [*args, str(default)]


def run_pytest(session, config, rootdir, tests):
    """pytest on `tests`, from an empty folder so that nothing imports the source tree."""
    config = ["-c", str(config)] if config else []
    args = pytest_args(session, tests)
    with tempfile.TemporaryDirectory(prefix="gstack-pytest-") as cwd, session.chdir(cwd):
        session.run(
            "pytest", *config, "--rootdir", str(rootdir), "-p", "no:cacheprovider", *args,
            success_codes=[0, 5] if session.posargs else [0],  # -k may select nothing
        )


def make_tests(package):
    @nox.session(name=f"tests-{package.name}", python=PYTHON)
    def tests(session):
        if not test_files(package.tests):
            session.skip(f"{package.tests.relative_to(ROOT)}/ has no test files yet")
        install(session, [package.name], test_extra=package.name)
        session.env["GSTACK_PURE_PYTHON"] = "0"  # (tests of the build mode check it is compiled)
        with tempfile.TemporaryDirectory(prefix="gstack-import-") as cwd, session.chdir(cwd):
            session.run("python", "-c", _WHERE, package.name)
        run_pytest(session, package.path / "pyproject.toml", package.path, package.tests)

    tests.__doc__ = f"Test {package.name} ({package.path.relative_to(ROOT)}) from its wheel."
    return tests


for _package in PACKAGES.values():
    make_tests(_package)


@nox.session(python=PYTHON)
def pure(session):
    """The tests of each layer that compiles some of its modules, on its pure-Python build.

    The compiled build is what the tests-* sessions test; this one runs the
    same .py modules interpreted (GSTACK_PURE_PYTHON=1), as a pure wheel does.
    """
    packages = [p for p in PACKAGES.values() if p.compiles_python and test_files(p.tests)]
    if not packages:
        session.skip("no package compiles its .py modules")
    names = [p.name for p in packages]
    install(session, names, test_extra=names, pure=True)
    session.env["GSTACK_PURE_PYTHON"] = "1"  # (tests of the build mode check it is pure)
    for package in packages:
        run_pytest(session, package.path / "pyproject.toml", package.path, package.tests)


@nox.session(python=PYTHON)
def integration(session):
    """Run integration-tests/ against every package, installed from wheels."""
    if not test_files(INTEGRATION):
        session.skip("integration-tests/ has no test files yet: nothing to run")
    install(session, list(PACKAGES))
    if (INTEGRATION / "requirements.txt").is_file():
        session.install("-r", str(INTEGRATION / "requirements.txt"))
    configs = [INTEGRATION / name for name in ("pytest.ini", "pyproject.toml", "tox.ini")]
    config = next((c for c in configs if c.is_file()), None)
    run_pytest(session, config, INTEGRATION, INTEGRATION)


@nox.session(python=PYTHON)
def demo(session):
    """Install everything and serve examples/webchat: http://127.0.0.1:8000, a backdoor on :5001.

    The README's first command (./demo) runs this session. Arguments after --
    go to examples/webchat (--port, --backdoor-port, --server...); Ctrl-C stops it.
    """
    install(session, list(PACKAGES))
    with tempfile.TemporaryDirectory(prefix="gstack-demo-") as cwd, session.chdir(cwd):
        session.run("python", str(ROOT / "examples" / "webchat"), *session.posargs)


@nox.session(python=PYTHON)
def lint(session):
    """ruff, the layering check, and mypy --strict on a program using the public API."""
    session.install(*LINT_TOOLS)
    session.run("ruff", "check", *[p for p in LINT_PATHS if (ROOT / p).exists()])
    session.run("python", str(ROOT / "tools" / "check_layers.py"), str(ROOT))
    # The public API as a user's type checker sees it: every layer installed (its
    # py.typed, .py and .pyi files), and a program that uses each, clean under --strict.
    install(session, list(PACKAGES))
    session.install(*TYPING_TOOLS)
    with tempfile.TemporaryDirectory(prefix="gstack-mypy-") as cwd, session.chdir(cwd):
        session.run("mypy", "--strict", "--no-incremental", str(TYPECHECKED))


@nox.session(python=PYTHON)
def docs(session):
    """Build docs/ with Sphinx (warnings are errors), then run every example in it as a doctest.

    The API pages are generated from the docstrings of the packages installed
    here from the wheelhouse (compiled modules included), not from packages/*/src.
    The HTML lands in docs/_build/html. nox -s docs -- -b linkcheck ...: other
    sphinx-build arguments instead of the two builds.
    """
    install(session, list(PACKAGES))
    # The layers' optional parts (gserve's gunicorn workers...), so that every public module
    # imports and gets its API page; the test extras are the tests' business.
    optional = [requirement for package in PACKAGES.values()
                for extra, requirements in repo.optional_dependencies(package).items()
                if extra != "test" for requirement in requirements]
    session.install(*DOCS_TOOLS, *optional)
    out = DOCS / "_build"
    with tempfile.TemporaryDirectory(prefix="gstack-docs-") as cwd, session.chdir(cwd):
        common = ["-W", "--keep-going", "-q", "-d", str(out / "doctrees")]
        builds = [session.posargs] if session.posargs else [["-b", "html"], ["-b", "doctest"]]
        for args in builds:
            builder = args[args.index("-b") + 1] if "-b" in args else "html"
            session.run("sphinx-build", *common, *args, str(DOCS), str(out / builder))


@nox.session(python=PYTHON)
def build(session):
    """sdist and wheel of every package, with `python -m build`, into dist/.

    Each wheel is built from its sdist, under build isolation, with no index:
    the lower layers a compiled layer builds against come from dist/ itself.
    """
    session.install("build")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir()
    third = thirdparty(session, interpreter_tag(session))
    for package in PACKAGES.values():  # dependencies first
        build_artifacts(session, package, dist, [dist, third])


# Run in a fresh environment by install-<layer>: the gstack distributions there
# must be exactly those expected, and each compiled module an extension.
_INSTALLED = """
import importlib.machinery, importlib.metadata, importlib.util, json, re, sys
expected, compiled = json.loads(sys.argv[1]), json.loads(sys.argv[2])
found = sorted({re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower()
                for d in importlib.metadata.distributions()} & set(json.loads(sys.argv[3])))
print("gstack distributions installed:", " ".join(found))
assert found == sorted(expected), f"expected exactly {sorted(expected)}"
for name in compiled:
    origin = importlib.util.find_spec(name).origin
    assert origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), f"{name}: {origin}"
    print("compiled:", name, "->", origin.rpartition("/")[2])
"""


def make_install(package):
    @nox.session(name=f"install-{package.name}", python=PYTHON, default=False)
    def install_alone(session):
        layers = repo.closure(package.name, PACKAGES)
        session.install("build")
        tag = interpreter_tag(session)
        third = thirdparty(session, tag)
        lower = [wheel(session, p, tag).parent for p in layers[:-1]]
        own = wheel(session, package, tag)
        with tempfile.TemporaryDirectory(prefix=f"gstack-install-{package.name}-") as tmp:
            sdist = build_artifacts(session, package, Path(tmp, "dist"), [*lower, third],
                                    wheel=False)["sdist"]
            for kind, artifact in (("sdist", sdist), ("wheel", own)):
                session.log(f"{package.distribution} alone, from its {kind} {artifact.name}")
                env = Path(tmp, f"venv-{kind}")
                session.run("python", "-m", "venv", str(env))
                python = str(env / "bin" / "python")
                extra = "[test]" if "test" in package.extras else ""
                # GSTACK_PURE_PYTHON unset: a compiled layer's sdist builds compiled or fails.
                session.run(python, "-m", "pip", "install", "--no-cache-dir", "--quiet",
                            *no_index(*lower, third), f"{artifact}{extra}", *TEST_TOOLS,
                            external=True, env={"GSTACK_PURE_PYTHON": None})
                ours = [p.distribution for p in PACKAGES.values()]
                session.run(python, "-c", _INSTALLED, json.dumps([p.distribution for p in layers]),
                            json.dumps(package.compiled), json.dumps(ours), external=True)
                if not test_files(package.tests):
                    session.log(f"{package.tests.relative_to(ROOT)}/ has no test files yet")
                    continue
                mode = "0" if package.compiles_python else None  # test_build: compiled
                with tempfile.TemporaryDirectory(prefix="gstack-pytest-") as cwd:
                    with session.chdir(cwd):
                        session.run(python, "-m", "pytest",
                                    "-c", str(package.path / "pyproject.toml"),
                                    "--rootdir", str(package.path), "-p", "no:cacheprovider",
                                    *pytest_args(session, package.tests), external=True,
                                    env={"GSTACK_PURE_PYTHON": mode},
                                    success_codes=[0, 5] if session.posargs else [0])

    install_alone.__doc__ = (f"Install {package.distribution} alone from its sdist, then its wheel,"
                             " into fresh environments (no index); check and test it.")
    return install_alone


for _package in PACKAGES.values():
    make_install(_package)


@nox.session(python=PYTHON, default=False)
def release(session):
    """nox -s release -- PACKAGE [--untagged]: check a release of PACKAGE, then build it into dist/.

    tools/release.py checks that pyproject.toml's version, the top heading of
    the CHANGELOG.md and the tag <package>-v<version> agree, and that the
    ranges on lower layers admit the repository's versions. Without the tag
    it fails and prints the `git tag` command to run; --untagged checks the
    rest before tagging. Then the package's sdist and wheel go to dist/.
    """
    args = [a for a in session.posargs if a != "--untagged"]
    if len(args) != 1:
        session.error("usage: nox -s release -- PACKAGE [--untagged]")
    package = repo.lookup(args[0], PACKAGES)
    session.install("packaging", "build", "tomli; python_version < '3.11'")
    session.run("python", str(ROOT / "tools" / "release.py"), package.name,
                *(["--untagged"] if "--untagged" in session.posargs else []))
    tag = interpreter_tag(session)
    lower = [wheel(session, p, tag).parent for p in repo.closure(package.name, PACKAGES)[:-1]]
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    stem = package.distribution.replace("-", "_")
    for old in [*dist.glob(f"{stem}-*.tar.gz"), *dist.glob(f"{stem}-*.whl")]:
        old.unlink()
    built = build_artifacts(session, package, dist, [*lower, thirdparty(session, tag)])
    for kind, path in built.items():
        session.log(f"{kind}: {path.relative_to(ROOT)}")


TOOLS_TESTS = ROOT / "tools" / "tests"


@nox.session(python=PYTHON)
def tools(session):
    """The tests of tools/ (packages.py: discovery, names, what changed; release.py)."""
    session.install(*TEST_TOOLS, "packaging", "tomli; python_version < '3.11'")
    run_pytest(session, TOOLS_TESTS / "pytest.ini", TOOLS_TESTS, TOOLS_TESTS)


@nox.session(python=PYTHON)
def bench(session):
    """Benchmarks beside gevent (not part of CI): nox -s bench -- [--runs N] [--write] [CASE...].

    gstack's packages go into this session's virtualenv from the wheelhouse; the
    latest gevent gets a virtualenv of its own beside it (.nox/bench-gevent-<python>).
    benchmarks/README.md says more.
    """
    install(session, list(PACKAGES))
    session.install(*BENCH_TOOLS)
    gevent_env = Path(session.virtualenv.location).parent / f"bench-gevent-{session.python}"
    gevent_python = gevent_env / "bin" / "python"
    if not gevent_python.exists():
        session.run("python", "-m", "venv", str(gevent_env))
    session.run(str(gevent_python), "-m", "pip", "install", "--quiet", "--upgrade", "gevent",
                *BENCH_TOOLS, external=True)
    session.run("python", str(ROOT / "benchmarks" / "run.py"),
                "--gevent-python", str(gevent_python), *session.posargs)


FUZZ = ROOT / "fuzz"


@nox.session(python=PYTHON, default=False)
def fuzz(session):
    """atheris on the HTTP parser (and its chunked decoder) and the DNS reply path (not in CI).

    nox -s fuzz -- [SECONDS]: each target runs that long (default 60). The
    layers are the pure-Python builds, so that atheris sees the parser's
    branches. A crash stops the session; its input is kept in fuzz/crashes/
    (and becomes a regression test).
    """
    install(session, ["gserve"], pure=True)
    session.install("atheris")
    seconds = session.posargs[0] if session.posargs else "60"
    crashes = FUZZ / "crashes"
    crashes.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gstack-fuzz-") as cwd, session.chdir(cwd):
        for target in ("fuzz_http.py", "fuzz_dns.py"):
            corpus = Path(cwd, target[:-3])
            shutil.copytree(FUZZ / "seeds" / target[5:-3], corpus)
            session.run("python", str(FUZZ / target), f"-max_total_time={seconds}",
                        "-rss_limit_mb=2048", f"-artifact_prefix={crashes}/",
                        "-print_final_stats=1", str(corpus))


@nox.session(python=PYTHON, default=False)
def load(session):
    """Load and soak of each server from separate processes (not in CI; benchmarks/load.py).

    nox -s load                  the small run (1,000 idle connections; about 2 minutes)
    nox -s load -- --full        10,000 idle connections, a soak of 1,000,000 requests
    nox -s load -- --help        the other options
    """
    install(session, ["gserve"])
    with tempfile.TemporaryDirectory(prefix="gstack-load-") as cwd, session.chdir(cwd):
        session.run("python", str(ROOT / "benchmarks" / "load.py"), *session.posargs)
