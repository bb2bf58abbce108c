"""Sphinx configuration of gstack's docs: ``nox -s docs`` builds them (warnings are errors).

The pages are Markdown (MyST). The API pages and the changelog pages are
generated at each build by ``_ext/gstack_pages.py`` from the *installed*
packages and from ``packages/*/CHANGELOG.md``; nothing here names a layer.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "gstack"
author = "the gstack developers"
copyright = "the gstack developers"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "gstack_pages",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "README.md"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_title = "gstack"

# MyST: anchors for the headings down to ###, so that [text](page.md#a-heading) resolves.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# autodoc: the installed packages (the docs session installs the wheels).
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"

# The doctest builder runs every {doctest}/{testcode} block of the pages. Each
# page's examples run in the main thread, with one hub, on 127.0.0.1 only.
doctest_global_setup = """
import gstack
"""
doctest_test_doctest_blocks = "default"
