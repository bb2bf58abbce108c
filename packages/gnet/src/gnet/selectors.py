"""A cooperative ``selectors`` selector: the stdlib's ``PollSelector`` on :class:`gnet.select.poll`.

:class:`GreenSelector` keeps the stdlib's registration bookkeeping
(``register``/``modify``/``unregister``/``get_key``/``get_map``, keys and
events as the stdlib defines them) and waits through the hub, so
``select(timeout)`` blocks only the calling greenlet. ``DefaultSelector``,
``PollSelector`` and ``SelectSelector`` are all this class here: code that
asks for any of them gets a selector that cooperates. The stdlib's
``EpollSelector`` (and its kin) are not replaced; they would block.
"""

from __future__ import annotations

import selectors as _stdselectors

from gnet import select as _gselect

# The names this module provides in place of the stdlib's (gmonkey patches these).
__implements__ = ["DefaultSelector", "PollSelector", "SelectSelector"]
__imports__ = ["BaseSelector", "SelectorKey", "EVENT_READ", "EVENT_WRITE"]
__all__ = ["GreenSelector"] + __implements__ + __imports__

for _name in __imports__:
    globals()[_name] = getattr(_stdselectors, _name)
del _name


class GreenSelector(_stdselectors.PollSelector):
    """A selector whose ``select(timeout=None)`` waits through the hub (see the module doc)."""

    _selector_cls = _gselect.poll


DefaultSelector = GreenSelector
PollSelector = GreenSelector
SelectSelector = GreenSelector
