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

from ghub import (
    Greenlet,
    GreenletExit,
    Timeout,
    fork,
    getcurrent,
    joinall,
    kill,
    killall,
    reinit,
    shutdown,
    signal,
    sleep,
    spawn,
    spawn_later,
    spawn_link,
    spawn_link_exception,
    spawn_link_value,
    spawn_raw,
    with_timeout,
)
from gstack import core, greenlet, hub, local, timeout, util  # noqa: F401  (the submodules)

__all__ = [
    # The 0.13 reference's top-level names, in its order.
    "Greenlet", "GreenletExit", "spawn", "spawn_later", "spawn_raw", "spawn_link",
    "spawn_link_value", "spawn_link_exception", "joinall", "killall", "Timeout",
    "with_timeout", "getcurrent", "sleep", "kill", "signal", "fork", "shutdown", "core",
    "reinit",
    "__version__",
]

__version__ = "0.1.0"
