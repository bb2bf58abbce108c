"""help() and inspect.signature see the real signatures of ghub's public classes and functions.

Compiled, a class of a .pxd is an extension type: its signature comes from
the "Name(...)" and "--" lines atop its docstring (tools/pytest_build.py).
"""

import inspect

import pytest
from pytest_build import assert_signatures, public_modules


@pytest.mark.parametrize("module", public_modules("ghub"))
def test_every_public_callable_has_a_signature(module):
    assert_signatures(module)


def test_the_compiled_classes_show_their_constructor():
    from ghub.hub import Waiter
    from ghub.lot import Lot

    assert list(inspect.signature(Waiter).parameters) == ["hub"]
    assert list(inspect.signature(Lot).parameters) == []
