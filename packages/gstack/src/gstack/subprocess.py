"""gevent's ``gevent.subprocess``: every public name of :mod:`gnet.subprocess`, re-exported.

``Popen`` (pipes, ``communicate``, ``wait``, ``poll``, timeouts: the
stdlib's API, blocking the calling greenlet only), ``run``, ``call``,
``check_call``, ``check_output``, ``getoutput``, ``getstatusoutput``, and
the stdlib's ``PIPE``, ``STDOUT``, ``DEVNULL``, ``CalledProcessError``,
``TimeoutExpired``...: ``gstack.subprocess.X`` is ``gnet.subprocess.X`` for
each name in ``gnet.subprocess.__all__``; see :mod:`gnet.subprocess`.
"""

from gnet.subprocess import *  # noqa: F403
from gnet.subprocess import __all__ as __all__
