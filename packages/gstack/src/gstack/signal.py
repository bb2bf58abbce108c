"""gevent's ``gevent.signal`` module, which is also the 0.13 ``gevent.signal()`` function.

``signal(signalnum, handler)`` and ``getsignal(signalnum)`` are
``signal.signal``/``signal.getsignal`` made fit for greenlets (what
``gmonkey.patch_signal`` installs; see ``gmonkey._signal``): a Python
handler that runs while greenlets wait runs in a greenlet of its own, may
block, and an exception it raises comes out of the main greenlet's blocking
call, as it would out of the main thread's.

The 0.13 reference's top-level ``gevent.signal(signalnum, handler, *args,
**kwargs)`` (run ``handler(*args, **kwargs)`` in a new greenlet on each
signal; ``ghub.signal``, also ``gstack.signal_handler``) lives at the same
name: this module is callable, and calling it is calling that function. So
``gstack.signal(signal.SIGUSR1, f)`` works as in 0.13 while ``import
gstack.signal`` and ``from gstack.signal import getsignal`` work as in
today's gevent.
"""

import sys as _sys
import types as _types
from typing import Any

from ghub import signal as _signal_handler
from gmonkey._signal import getsignal, signal

__implements__ = ["signal", "getsignal"]
__all__ = ["signal", "getsignal"]


class _CallableModule(_types.ModuleType):
    """This module's class: calling it is ``ghub.signal`` (the 0.13 ``gevent.signal()``)."""

    def __call__(self, signalnum: int, handler: Any, *args: Any, **kwargs: Any) -> Any:
        return _signal_handler(signalnum, handler, *args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
