"""gstack's namespace re-exports the layers' objects themselves, not copies."""

import gcore
import gstack
import gstack.core


def test_version():
    assert gstack.__version__ == "0.1.0"


def test_core_all_is_gcore_all():
    assert gstack.core.__all__ == gcore.__all__
    assert gcore.__all__, "gcore exports nothing"


def test_core_exposes_every_gcore_name():
    for name in gcore.__all__:
        assert getattr(gstack.core, name) is getattr(gcore, name), name


def test_core_0_13_names():
    assert gstack.core.timer is gcore.timer
    assert gstack.core.event is gcore.event
    assert gstack.core.EV_READ == gcore.EV_READ
