"""The 0.13 ``gevent.thread`` module: ``_thread``'s interface on greenlets.

``start_new_thread`` starts a greenlet, ``allocate_lock`` gives a
cooperative lock, ``get_ident`` identifies the current greenlet, ... These
are the objects ``gmonkey.patch_thread`` puts into ``_thread``;
``gstack.thread.X`` is ``gmonkey._threads.X`` for each name in its ``__all__``.
"""

from gmonkey._threads import *  # noqa: F403
from gmonkey._threads import __all__  # noqa: F401
