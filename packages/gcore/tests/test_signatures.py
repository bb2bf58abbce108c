"""help() and inspect.signature see the real signatures of gcore's compiled callables."""

import inspect

from pytest_build import assert_signatures

import gcore


def test_every_public_callable_has_a_signature():
    # Objects that gcore makes and hands out (Loop.run_callback, Resolver, http):
    # users never call these classes, and they have no constructor arguments to show.
    made_by_gcore = ("callback", "dns_request", "http_request", "http_connection")
    signatures = assert_signatures("gcore", skip=made_by_gcore)
    assert "loop" in signatures and "Loop" in signatures and "http" in signatures


def test_class_signatures_match_their_init():
    """The hand-written line atop each class's docstring says what __init__ accepts."""
    assert str(inspect.signature(gcore.Loop)) == "(default=False, avoid=(), precise_timer=False)"
    timer = inspect.signature(gcore.timer)
    assert timer.parameters["loop"].kind is inspect.Parameter.KEYWORD_ONLY
    assert timer.parameters["args"].kind is inspect.Parameter.VAR_POSITIONAL
    http = inspect.signature(gcore.http)
    assert http.parameters["max_body_size"].default == gcore.HTTP_MAX_BODY_SIZE
    # and the signature binds a call that works
    loop = gcore.Loop()
    bound = inspect.signature(gcore.timer).bind(0, print, loop=loop, ref=False)
    event = gcore.timer(*bound.args, **bound.kwargs)
    assert event.pending
    event.cancel()


def test_docstring_keeps_its_text_without_the_signature_lines():
    doc = gcore.Loop.__doc__
    assert "--" not in doc.splitlines()[:2]
    assert "event loop" in doc


def test_function_signatures():
    assert str(inspect.signature(gcore.get_version)) == "()"
    assert list(inspect.signature(gcore.recv_nowait).parameters) == ["fd", "bufsize", "flags"]
