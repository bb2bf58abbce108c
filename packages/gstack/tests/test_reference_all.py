"""Each gstack module's ``__all__`` against the 0.13 reference and issue 14's list of today's names.

The 0.13 reference (``shared/reference/gevent-0.13.txt``, beside the
repository) documents its API as entries: ``class gevent.event.Event``,
``exception gevent.queue.Full``, ``gevent.core.dns_shutdown()``... and names
its modules in the text (``gevent.pywsgi``, ``gevent.monkey``...).
:func:`parse_reference` reads both; :data:`REFERENCE` is what it finds, kept
here so that the check runs where the reference file is not (a test compares
the two wherever it is). Every documented name must be in the ``__all__`` of
the gstack module at the same path, and every module must be importable,
except what :data:`ABSENT` lists with the reason.
"""

import importlib
import re
from pathlib import Path

import pytest

# What parse_reference() finds in the 0.13 reference: module -> documented names.
REFERENCE = {
    "gevent": ["Greenlet", "GreenletExit", "Timeout", "fork", "getcurrent", "joinall", "kill",
               "killall", "reinit", "shutdown", "signal", "sleep", "spawn", "spawn_later",
               "spawn_raw", "with_timeout"],
    "gevent.core": ["active_event", "buffer", "dispatch", "dns_init", "dns_resolve_ipv4",
                    "dns_resolve_ipv6", "dns_resolve_reverse", "dns_resolve_reverse_ipv6",
                    "dns_shutdown", "event", "get_header_version", "get_method",
                    "get_version", "http", "http_connection", "http_request", "init", "loop",
                    "read_event", "signal", "timer", "write_event"],
    "gevent.event": ["AsyncResult", "Event"],
    "gevent.queue": ["Empty", "Full", "JoinableQueue", "LifoQueue", "PriorityQueue", "Queue"],
}
# The modules the reference names (in its text, or as the home of its entries).
REFERENCE_MODULES = [
    "baseserver", "core", "coros", "event", "greenlet", "http", "hub", "local", "monkey",
    "oldssl", "proc", "pywsgi", "queue", "rawgreenlet", "select", "server", "socket", "ssl",
    "sslold", "thread", "timeout", "wsgi",
]
# Modules of 0.13 that DESIGN.md's namespace has though the text does not spell them out
# as gevent.X (it writes dns.resolve_reverse(), pool.Pool, util.wrap_errors...).
DESIGN_MODULES = ["dns", "pool", "util", "backdoor"]

# Deliberately absent, with the reason.
ABSENT = {
    "gevent.proc": "deprecated in 0.13 (its wrap_errors moved to gevent.util, which has it)",
    "gevent.rawgreenlet": "deprecated in 0.13 (the polling joinall/killall); gstack.joinall "
                          "and gstack.killall work with links",
    "gevent.oldssl": "the PyOpenSSL ssl for Python < 2.6; Python 3's ssl is gstack.ssl",
    "gevent.sslold": "deprecated in 0.13.1 (the same PyOpenSSL module); use gstack.ssl",
}

# Issue 14: the modules and names today's gevent-based libraries import.
TODAY = {
    "gstack": ["get_hub", "idle", "wait", "iwait", "signal_handler", "getswitchinterval",
               "setswitchinterval", "version_info"],
    "gstack.lock": ["Semaphore", "BoundedSemaphore", "DummySemaphore", "RLock", "Lock"],
    "gstack.exceptions": ["LoopExit", "BlockingSwitchOutError", "InvalidSwitchError",
                          "ConcurrentObjectUseError"],
    "gstack.selectors": ["DefaultSelector"],
    "gstack.subprocess": ["Popen", "call", "check_call", "check_output", "run", "PIPE",
                          "STDOUT", "DEVNULL", "CalledProcessError", "TimeoutExpired"],
    "gstack.os": ["tp_read", "tp_write", "make_nonblocking", "nb_read", "nb_write", "fork",
                  "waitpid", "fork_and_watch"],
    "gstack.signal": ["signal", "getsignal"],
    "gstack.threading": ["Lock", "local", "get_ident", "_start_new_thread", "_allocate_lock",
                         "_get_ident", "_sleep", "_DummyThread"],
    "gstack.fileobject": ["FileObject", "FileObjectThread", "FileObjectPosix"],
    "gstack.thread": ["start_new_thread", "allocate_lock", "get_ident", "LockType"],
    "gstack.threadpool": ["ThreadPool"],
    "gstack.util": ["wrap_errors", "lazy_property"],
    "gstack.ssl": ["_create_unverified_context"],
    "gstack.core": ["dns_shutdown"],
}


def _reference_path():
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "reference" / "gevent-0.13.txt"
        if candidate.is_file():
            return candidate
    return None


_ENTRY = re.compile(r"^(?:class |exception )?gevent((?:\.[a-z_]+)*)\.([A-Za-z_]\w*)(?:\(.*\))?$")
_MODULE = re.compile(r"gevent\.([a-z_]+)\b(?!\()")


def parse_reference(text):
    """({module: sorted documented names}, sorted module names) from the reference's text."""
    found = {}
    for line in text.splitlines():
        match = _ENTRY.match(line.strip())
        if match:
            found.setdefault("gevent" + match.group(1), set()).add(match.group(2))
    modules = set(_MODULE.findall(text)) - {"org"}   # www.gevent.org
    modules |= {name.split(".")[1] for name in found if "." in name}
    return {k: sorted(v) for k, v in found.items()}, sorted(modules)


def test_the_kept_names_are_what_the_reference_documents():
    path = _reference_path()
    if path is None:
        pytest.skip("the 0.13 reference (shared/reference/gevent-0.13.txt beside the "
                    "repository) is not here; REFERENCE keeps what it documents")
    names, modules = parse_reference(path.read_text(encoding="utf-8"))
    assert names == REFERENCE
    assert modules == REFERENCE_MODULES


def _gstack_name(gevent_name):
    return "gstack" + gevent_name[len("gevent"):]


@pytest.mark.parametrize("module_name", sorted(REFERENCE))
def test_reference_names_are_in_all(module_name):
    module = importlib.import_module(_gstack_name(module_name))
    missing = [n for n in REFERENCE[module_name] if n not in module.__all__]
    assert missing == [], f"{module.__name__}.__all__ lacks {missing} (0.13 documents them)"
    absent = [n for n in module.__all__ if not hasattr(module, n)]
    assert absent == [], f"{module.__name__} lacks {absent}, named in its __all__"


@pytest.mark.parametrize("name", sorted(set(REFERENCE_MODULES) | set(DESIGN_MODULES)))
def test_reference_modules_exist(name):
    gevent_name = f"gevent.{name}"
    if gevent_name in ABSENT:
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(_gstack_name(gevent_name))
        return
    module = importlib.import_module(_gstack_name(gevent_name))
    assert isinstance(module.__all__, (list, tuple)) and module.__all__, module.__name__
    absent = [n for n in module.__all__ if not hasattr(module, n)]
    assert absent == [], f"{module.__name__} lacks {absent}, named in its __all__"


@pytest.mark.parametrize("module_name", sorted(TODAY))
def test_todays_names_are_in_all(module_name):
    module = importlib.import_module(module_name)
    missing = [n for n in TODAY[module_name] if n not in module.__all__]
    assert missing == [], f"{module_name}.__all__ lacks {missing} (issue 14 lists them)"
    absent = [n for n in module.__all__ if not hasattr(module, n)]
    assert absent == [], f"{module_name} lacks {absent}, named in its __all__"


def test_other_todays_names():
    import gstack.pool
    import gstack.thread

    assert callable(gstack.pool.Pool.map_cb)
    assert gstack.thread.__name__ == "gstack.thread"
    assert gstack.version_info[:3] == tuple(int(p) for p in gstack.__version__.split("."))
