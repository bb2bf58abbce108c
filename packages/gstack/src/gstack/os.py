"""gevent's ``gevent.os`` module: every public name of :mod:`gnet.os`, re-exported.

``tp_read``/``tp_write`` (the thread pool), ``make_nonblocking``,
``nb_read``/``nb_write`` (non-blocking descriptors, waits in the hub),
``fork`` (the loop re-initialised in the child), ``fork_and_watch``,
``waitpid`` (blocks the calling greenlet only, on a pidfd where the system
has one), ``read``/``write`` (what ``patch_os`` installs): ``gstack.os.X``
is ``gnet.os.X`` for each name in ``gnet.os.__all__``; see :mod:`gnet.os`.
"""

from gnet.os import *  # noqa: F403
from gnet.os import __all__ as __all__
