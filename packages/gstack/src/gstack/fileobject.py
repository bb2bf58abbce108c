"""gevent's ``gevent.fileobject``: every public name of :mod:`gnet.fileobject`, re-exported.

``FileObjectThread`` (a file's blocking calls run in the hub's thread pool),
``FileObjectPosix`` (a non-blocking descriptor, waits in the hub),
``FileObjectBlock`` and ``FileObject`` (the default: ``FileObjectThread``):
``gstack.fileobject.X`` is ``gnet.fileobject.X``; see :mod:`gnet.fileobject`.
"""

from gnet.fileobject import *  # noqa: F403
from gnet.fileobject import __all__ as __all__
