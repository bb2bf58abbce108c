"""Build gstack-gserve: with gstack's one build helper, gcore/_build.py.

What is compiled is ``[tool.gstack] compiled`` in pyproject.toml; the helper
(shipped in gstack-gcore, a build requirement, as are the lower layers whose
``.pxd`` files the compiled modules cimport) says how, and what
``GSTACK_PURE_PYTHON`` chooses (``1``: a pure-Python build; else compiled, or
the build fails saying why).
"""

try:
    from gcore._build import setup_layer
except ImportError as exc:  # a build without isolation, in an environment without gcore
    raise SystemExit(
        "gstack-gserve: the build needs gstack-gcore (its [build-system] requires): pip installs"
        " it under build isolation; without isolation, install it first"
        f" ({type(exc).__name__}: {exc})"
    ) from None

setup_layer(__file__)
