# Typing stub for gnet.select (its namespace is built from the stdlib's ``select``
# at import): the stdlib's names, with gnet's cooperative select() and poll().
from select import poll as _stdpoll
from typing import Any

__implements__: list[str]
__imports__: list[str]

def select(rlist: Any, wlist: Any, xlist: Any,
           timeout: float | None = None) -> tuple[list[Any], list[Any], list[Any]]: ...
def poll() -> _stdpoll: ...

# The stdlib's names, last: the definitions above take precedence over them.
from select import *  # type: ignore[assignment]  # noqa: E402, F403
