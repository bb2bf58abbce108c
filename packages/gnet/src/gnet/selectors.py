"""Cooperative ``selectors``: the stdlib's ``PollSelector`` and ``SelectSelector`` on gnet's waits.

:class:`PollSelector` is the stdlib's ``PollSelector`` on
:func:`gnet.select.poll`, :class:`SelectSelector` the stdlib's
``SelectSelector`` on :func:`gnet.select.select`: both keep the stdlib's
registration bookkeeping (``register``/``modify``/``unregister``/
``get_key``/``get_map``, keys and events as the stdlib defines them) and
wait through the hub, so ``select(timeout)`` blocks only the calling
greenlet (and, like every gnet select and poll, lets the other greenlets run
once even when something is ready). They carry the stdlib's class names, so
that code which looks at ``type(selector).__name__`` sees what it expects.
``DefaultSelector`` is :class:`PollSelector`. The stdlib's ``EpollSelector``
(and its kin) are not replaced; they would block.
"""

from __future__ import annotations

import selectors as _stdselectors

from gnet import select as _gselect

# The names this module provides in place of the stdlib's (gmonkey patches these).
__implements__ = ["DefaultSelector", "PollSelector", "SelectSelector"]
__imports__ = ["BaseSelector", "SelectorKey", "EVENT_READ", "EVENT_WRITE"]
__all__ = __implements__ + __imports__

for _name in __imports__:
    globals()[_name] = getattr(_stdselectors, _name)
del _name


class PollSelector(_stdselectors.PollSelector):
    """A ``poll``-based selector whose ``select(timeout=None)`` waits through the hub."""

    _selector_cls = staticmethod(_gselect.poll)


class SelectSelector(_stdselectors.SelectSelector):
    """A ``select``-based selector whose ``select(timeout=None)`` waits through the hub.

    Not limited to ``FD_SETSIZE``: gnet's ``select`` works on any descriptor.
    """

    _select = staticmethod(_gselect.select)


DefaultSelector = PollSelector
