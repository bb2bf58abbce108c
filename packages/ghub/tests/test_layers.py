"""Importing ghub over another project's ``gcore`` fails, saying whose module it found.

PyPI's ``gcore`` is another project; gstack's gcore is the distribution
gstack-gcore. ghub's ``__init__`` checks (gstack-gcore's ``_gstack_layers``)
that the ``gcore`` Python would import is the one gstack-gcore installed,
before importing it. Each case runs in a fresh interpreter, with a fake
``gcore`` package first on ``sys.path``.
"""

import re
import subprocess
import sys
import textwrap

FAKE = "raise SystemExit('FOREIGN GCORE RAN')\n"   # the check must not import it


def import_ghub_over(folder):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(folder)!r})
        try:
            import ghub
        except ImportError as exc:
            print("ImportError:", exc)
        else:
            print("imported", ghub.__file__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def plant(tmp_path, with_metadata):
    package = tmp_path / "gcore"
    package.mkdir()
    (package / "__init__.py").write_text(FAKE)
    if with_metadata:   # as `pip install gcore` (PyPI's) leaves it
        info = tmp_path / "gcore-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gcore\nVersion: 0.1.0\n")
        (info / "RECORD").write_text("gcore/__init__.py,,\ngcore-0.1.0.dist-info/METADATA,,\n")
    return package / "__init__.py"


def test_another_projects_gcore_distribution_is_named(tmp_path):
    origin = plant(tmp_path, with_metadata=True)
    out = import_ghub_over(tmp_path)
    assert re.match(r"ImportError: ghub needs the layer gcore from the distribution gstack-gcore"
                    r" \(gstack-gcore[<>=,.0-9]+\)", out), out
    assert f"the module gcore that Python finds, {origin}, belongs to the distribution" \
           " gcore 0.1.0 (not to gstack-gcore 0.1.0): another project of the same import" \
           " name. Uninstall it (pip uninstall gcore)" in out
    assert "FOREIGN" not in out


def test_a_stray_gcore_folder_is_reported(tmp_path):
    plant(tmp_path, with_metadata=False)
    out = import_ghub_over(tmp_path)
    assert "belongs to no installed distribution: a folder of that name earlier on sys.path" \
           " hides gstack-gcore's; rename it or take it off sys.path" in out, out


def test_without_a_foreign_gcore_ghub_imports(tmp_path):
    out = import_ghub_over(tmp_path)   # an empty folder first on sys.path
    assert out.startswith("imported "), out
