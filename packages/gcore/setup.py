"""Build gcore's extension against the system's libevent 2.1, found with pkg-config."""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup

INSTALL_HINT = {
    "linux": "apt-get install libevent-dev pkg-config   (Fedora: dnf install libevent-devel)",
    "darwin": "brew install libevent pkg-config",
}


def pkg_config(*args):
    if shutil.which("pkg-config") is None:
        return None
    try:
        out = subprocess.run(
            ["pkg-config", *args, "libevent >= 2.1"],
            check=True, capture_output=True, text=True,
        ).stdout
    except subprocess.CalledProcessError:
        return None
    return out.split()


def libevent_flags():
    cflags = pkg_config("--cflags")
    libs = pkg_config("--libs")
    if cflags is None or libs is None:
        hint = INSTALL_HINT.get(sys.platform, INSTALL_HINT["linux"])
        sys.exit(f"gcore: libevent >= 2.1 not found by pkg-config; install it with: {hint}")
    include_dirs = [f[2:] for f in cflags if f.startswith("-I")]
    library_dirs = [f[2:] for f in libs if f.startswith("-L")]
    libraries = [f[2:] for f in libs if f.startswith("-l")]
    return include_dirs, library_dirs, libraries


def extensions():
    from Cython.Build import cythonize

    include_dirs, library_dirs, libraries = libevent_flags()
    ext = Extension(
        "gcore._gcore",
        ["gcore/_gcore.pyx"],   # relative to src/, where Cython runs (below)
        include_dirs=include_dirs,
        library_dirs=library_dirs,
        libraries=libraries,
        extra_compile_args=["-O2"],
    )
    # Cython records each source (the .pyx, each .pxi) by its path relative to
    # the directory it runs in, and that is the file name a traceback shows for
    # the frames compiled from it. Run from src/, it records "gcore/loop.pxi":
    # the file installed in the wheel (gcore.sources lets linecache find it),
    # not "src/gcore/loop.pxi", which names no installed file.
    top = os.getcwd()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
    try:
        built = cythonize(
            [ext],
            language_level=3,
            compiler_directives={
                "boundscheck": False,
                "wraparound": False,
                "embedsignature": True,
                # "clinic": the signature becomes __text_signature__, so that
                # inspect.signature() and help() show it (the cdef classes carry
                # theirs by hand, "Name(...)\n--\n\n" atop the docstring)
                "embedsignature.format": "clinic",
                "binding": False,
            },
            annotate=bool(os.environ.get("GCORE_ANNOTATE")),
        )
    finally:
        os.chdir(top)
    for extension in built:   # setuptools compiles them from here
        extension.sources = [os.path.join("src", source) for source in extension.sources]
    return built


# An sdist or the metadata needs no compiler (nor libevent): cythonize only for a build.
NO_BUILD = {"sdist", "egg_info", "dist_info"}
setup(ext_modules=[] if NO_BUILD & set(sys.argv[1:]) else extensions())
