"""Packages written for gevent, installed from the index and unmodified, run on gstack.

Each client program runs in a fresh interpreter under ``python -m gmonkey
--as-gevent`` (gstack.compat: ``import gevent`` gives gstack's modules)
against a server this test starts on 127.0.0.1.
"""

import importlib.util

import pytest
from servers import SlowHTTPServer, serving
from test_real_clients import CLIENTS, DELAY, N, assert_concurrent, result_of, run_patched


def require(name):
    # Never import these packages here: they would import the real gevent and patch this process.
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (integration-tests/requirements.txt lists it)")


def test_grequests_map_is_concurrent_on_gstack():
    """Proves: grequests' `import gevent`, `gevent.monkey.patch_all(thread=False,
    select=False)`, `gevent.pool.Pool` and `gevent.joinall` are gstack's, and
    its `map` of N requests that each wait DELAY seconds overlaps them (about
    one DELAY in all, not N x DELAY), every answer in order."""
    require("grequests")
    with serving(SlowHTTPServer()) as server:
        proc = run_patched("--as-gevent", CLIENTS / "grequests_client.py", server.url, N, DELAY)
    result = result_of(proc)
    assert result["gevent"] == "gstack"
    assert result["bodies"] == [f"slow {i}" for i in range(N)]
    assert_concurrent(result["elapsed"])
