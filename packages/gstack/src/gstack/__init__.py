"""gstack: cooperative networking on greenlets and libevent 2.1, shaped like gevent 0.13.

This meta-package holds no logic. It depends on the layers (``gcore``,
``ghub``, ``gsync``, ``gnet``, ``gmonkey``; ``gserve`` once it is written) and lays out the
namespace the gevent 0.13 documentation describes, so that a program reads::

    import gstack
    from gstack import socket
    jobs = [gstack.spawn(socket.gethostbyname, h) for h in hosts]
    gstack.joinall(jobs, timeout=2)

Each submodule re-exports one layer's module (``gstack.core`` is ``gcore``;
``gstack.hub``, ``gstack.greenlet``, ``gstack.timeout``, ``gstack.local`` and
``gstack.util`` are ``ghub``'s; ``gstack.queue`` is ``gsync.queue``,
``gstack.server`` is ``gserve.server``, ...),
and the top level re-exports the 0.13 top-level names (``spawn``, ``sleep``,
``joinall``, ``Timeout``, ...) from the layers that define them.
"""

from _gstack_layers import require as _require_layers

_require_layers(__name__)  # the layers under this one are gstack's, or an ImportError says whose

import sys as _sys

from ghub import (
    Greenlet,
    GreenletExit,
    Timeout,
    fork,
    get_hub,
    getcurrent,
    idle,
    joinall,
    kill,
    killall,
    reinit,
    shutdown,
    sleep,
    spawn,
    spawn_later,
    spawn_link,
    spawn_link_exception,
    spawn_link_value,
    spawn_raw,
    with_timeout,
)
from ghub import signal as signal_handler

# The submodules. ``gstack.signal`` is the module of today's gevent and, being callable,
# the 0.13 function too: ``gstack.signal(signum, handler, *args)`` is ``signal_handler(...)``.
from gstack import core, greenlet, hub, local, signal, timeout, util  # noqa: F401
from gsync.wait import iwait, wait


def getswitchinterval():
    """The interpreter's thread switch interval (``sys.getswitchinterval``), in seconds.

    gevent's own interval only matters to its blocking monitor; gstack has no
    interval of its own (see ``ghub.monitor``), so this is the interpreter's.
    """
    return _sys.getswitchinterval()


def setswitchinterval(interval):
    """Set the interpreter's thread switch interval (``sys.setswitchinterval``)."""
    _sys.setswitchinterval(interval)

__all__ = [
    # The 0.13 reference's top-level names, in its order.
    "Greenlet", "GreenletExit", "spawn", "spawn_later", "spawn_raw", "spawn_link",
    "spawn_link_value", "spawn_link_exception", "joinall", "killall", "Timeout",
    "with_timeout", "getcurrent", "sleep", "kill", "signal", "fork", "shutdown", "core",
    "reinit",
    # The names today's gevent-based libraries import from the top level.
    "get_hub", "idle", "wait", "iwait", "signal_handler", "getswitchinterval",
    "setswitchinterval",
    "__version__", "version_info",
]

__version__ = "0.1.0"
#: ``(major, minor, micro, releaselevel, serial)``, as ``sys.version_info``.
version_info = (0, 1, 0, "final", 0)
