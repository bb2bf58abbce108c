"""Cooperative ``os.fork``, ``os.waitpid`` and friends: what ``patch_os`` installs.

They are ``gnet.os``'s functions (see there how they work): ``fork`` and
``forkpty`` re-initialise the loop in the child; ``read`` and ``write``
wait for a blocking pipe or tty in the hub first; the ``wait`` family waits
for a child on a pidfd (or polls with ``WNOHANG``) without holding up the
other greenlets.
"""

from __future__ import annotations

import os

from gnet import os as _gos

__all__ = [name for name in ("fork", "forkpty", "waitpid", "wait", "wait3", "wait4", "read",
                             "write") if hasattr(_gos, name)]
__implements__ = [name for name in __all__ if hasattr(os, name)]

for _name in __all__:
    globals()[_name] = getattr(_gos, _name)
del _name
