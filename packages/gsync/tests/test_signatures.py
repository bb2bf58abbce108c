"""help() and inspect.signature see the real signatures of gsync's public classes and functions.

Compiled, a class of a .pxd is an extension type: its signature comes from
the "Name(...)" and "--" lines atop its docstring (tools/pytest_build.py).
"""

import inspect

import pytest
from pytest_build import assert_signatures, public_modules


@pytest.mark.parametrize("module", public_modules("gsync"))
def test_every_public_callable_has_a_signature(module):
    assert_signatures(module)


def test_the_compiled_classes_show_their_constructor():
    from gsync.coros import Semaphore
    from gsync.event import AsyncResult, Event
    from gsync.queue import Queue

    assert list(inspect.signature(Queue).parameters) == ["maxsize"]
    assert inspect.signature(Queue).parameters["maxsize"].default is None
    assert list(inspect.signature(Semaphore).parameters) == ["value"]
    assert list(inspect.signature(Event).parameters) == []
    assert list(inspect.signature(AsyncResult).parameters) == []
    assert Queue(maxsize=3).maxsize == 3   # (what the signature says is accepted)
