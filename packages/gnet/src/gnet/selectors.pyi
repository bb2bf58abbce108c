# Typing stub for gnet.selectors: the stdlib's selectors, on gnet's select and poll.
import selectors as _stdselectors
from selectors import EVENT_READ as EVENT_READ
from selectors import EVENT_WRITE as EVENT_WRITE
from selectors import BaseSelector as BaseSelector
from selectors import SelectorKey as SelectorKey

__implements__: list[str]
__imports__: list[str]

class PollSelector(_stdselectors.PollSelector): ...
class SelectSelector(_stdselectors.SelectSelector): ...

DefaultSelector = PollSelector
