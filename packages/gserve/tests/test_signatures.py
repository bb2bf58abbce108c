"""help() and inspect.signature see the real signatures of gserve's public classes and functions.

Compiled, a class of a .pxd is an extension type: its signature comes from
the "Name(...)" and "--" lines atop its docstring (tools/pytest_build.py).
"""

import inspect

import pytest
from pytest_build import assert_signatures, public_modules


@pytest.mark.parametrize("module", public_modules("gserve"))
def test_every_public_callable_has_a_signature(module):
    assert_signatures(module)


def test_the_parser_classes_show_their_constructor():
    from gserve._http import Request, RequestParser

    assert "max_header_count" in inspect.signature(RequestParser).parameters
    assert list(inspect.signature(Request).parameters)[:4] == [
        "method", "target", "version", "headers"]
