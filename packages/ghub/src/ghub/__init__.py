"""ghub: the hub, greenlets, timeouts and sleep — gstack's cooperative core.

The 0.13 reference's top-level ``gevent`` functions live here: ``spawn``,
``sleep``, ``joinall``, ``Timeout``... The event loop starts implicitly the
first time something blocks; there is no ``run()`` to call. The modules
carry the reference's names: ``ghub.hub`` (the Hub, ``sleep``, ``Waiter``),
``ghub.greenlet`` (``Greenlet``, ``joinall``, ``killall``), ``ghub.timeout``
(``Timeout``, ``with_timeout``), ``ghub.local`` (``local``) and
``ghub.util`` (``wrap_errors``).
"""

from _gstack_layers import require as _require_layers

_require_layers(__name__)  # the layers under this one are gstack's, or an ImportError says whose

import gcore.sources
from ghub import (  # noqa: F401  (the modules, as in the 0.13 reference)
    local,
    monitor,  # noqa: F401  (the blocking detector: ghub.monitor.start_monitor)
    util,
)
from ghub.greenlet import (
    Greenlet,
    LinkedCompleted,
    LinkedExited,
    LinkedFailed,
    LinkedKilled,
    joinall,
    killall,
    spawn,
    spawn_later,
    spawn_link,
    spawn_link_exception,
    spawn_link_value,
)
from ghub.hub import (
    BlockingSwitchOutError,
    GreenletExit,
    Hub,
    LoopExit,
    Waiter,
    fork,
    get_hub,
    getcurrent,
    idle,
    kill,
    reinit,
    shutdown,
    signal,
    sleep,
    spawn_raw,
)
from ghub.timeout import Timeout, with_timeout

__version__ = "0.1.0"

gcore.sources.register(__name__)  # tracebacks show the compiled modules' .py lines

__all__ = [
    "Greenlet", "GreenletExit", "LinkedExited", "LinkedCompleted", "LinkedKilled", "LinkedFailed",
    "spawn", "spawn_later", "spawn_raw", "spawn_link", "spawn_link_value", "spawn_link_exception",
    "joinall", "killall", "kill", "getcurrent", "sleep", "idle", "signal", "fork", "reinit",
    "shutdown", "Timeout", "with_timeout", "get_hub", "Hub", "LoopExit", "BlockingSwitchOutError",
    "Waiter",
]
