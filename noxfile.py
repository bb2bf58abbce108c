"""gstack's sessions: `nox` runs what CI runs (tests-*, pure, integration, lint, docs).

    nox -l                          list the sessions
    nox -s tests-gcore              one layer's tests (tests-<package>)
    nox -s tests-ghub -- -k sleep   arguments after -- go to pytest
    nox -s integration | lint | docs | build
    nox -s pure                     the compiled layers' tests on pure-Python builds of them
    nox -s bench -- [--runs N] [CASE...]   benchmarks beside gevent (never run by CI)
    nox --force-python 3.12         the sessions on another interpreter

Packages are found, and ordered by their dependencies, by tools/packages.py.
A test session installs its package and the layers under it from wheels, never
from the source tree. Each wheel is built once per state of its sources: it is
kept in .wheelhouse/<interpreter>-<package>-<source hash>/ and reused by every
later session and run (docs/development.md says more). A layer that compiles
some of its .py modules (its setup.py honours GSTACK_PURE_PYTHON) is built
compiled for every session but `pure`, which tests its pure-Python build (kept
apart, in .wheelhouse/<interpreter>-<package>-pure-<source hash>/).
"""

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
    "pure", "integration", "lint", "docs"]
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


def compiles_python(package):
    """True if `package` compiles some of its modules (its setup.py honours GSTACK_PURE_PYTHON)."""
    setup = package.path / "setup.py"
    return setup.is_file() and "GSTACK_PURE_PYTHON" in setup.read_text()


def build_copy(package, folder, pure=False):
    """Copy `package` and the layers under it into `folder`; return its copy and the build's env.

    The layers under it sit beside it, as in the repo, and GSTACK_CYTHON_PATH
    names them: a compiled layer cimports their .pxd files.
    """
    below = [clean_copy(dep, folder) / "src" for dep in repo.closure(package.name, PACKAGES)[:-1]]
    env = {"GSTACK_CYTHON_PATH": os.pathsep.join(map(str, below))}
    if compiles_python(package):
        env["GSTACK_PURE_PYTHON"] = "1" if pure else "0"  # 0: compiled, or the build fails
    return clean_copy(package, folder), env


def wheel(session, package, tag, pure=False):
    """The wheel of `package` for the interpreter `tag`, built if not built yet.

    `pure`: the pure-Python wheel of a package that compiles some of its modules.
    """
    pure = pure and compiles_python(package)
    prefix = f"{tag}-{package.name}-" + ("pure-" if pure else "")
    home = WHEELHOUSE / (prefix + repo.source_hash(package.name, PACKAGES))
    if not list(home.glob("*.whl")):
        WHEELHOUSE.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(dir=WHEELHOUSE, prefix=".build-") as tmp:
            (source, env), out = build_copy(package, Path(tmp), pure), Path(tmp, "wheel")
            session.log(f"building the {package.name} wheel into {home.relative_to(ROOT)}")
            session.run("python", "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, source,
                        env=env)
            for old in WHEELHOUSE.glob(prefix + "*"):  # older states of the sources
                if re.fullmatch("[0-9a-f]{16}", old.name[len(prefix) :]):
                    shutil.rmtree(old, ignore_errors=True)
            os.replace(out, home)
    (built,) = home.glob("*.whl")
    return built


def install(session, names, test_extra=None, pure=False):
    """Install the packages `names` and the layers under them from wheels, plus pytest.

    The package named `test_extra` (a name, or a list of names) comes with its
    `test` extra if it declares one ([project.optional-dependencies] test =
    [...]). `pure`: pure-Python builds of the packages that compile some of
    their modules.
    """
    tag = session.run("python", "-c", _TAG, silent=True).strip()
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
    packages = [p for p in PACKAGES.values() if compiles_python(p) and test_files(p.tests)]
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
    """sdist and wheel of every package, with `python -m build`, into dist/."""
    session.install("build")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    for package in PACKAGES.values():  # built from clean copies, as from a fresh clone
        with tempfile.TemporaryDirectory(prefix="gstack-build-") as tmp:
            source, env = build_copy(package, Path(tmp))
            session.run("python", "-m", "build", "--outdir", str(dist), str(source), env=env)


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
