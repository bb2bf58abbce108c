# Typing stub for gnet.socket (the module builds its namespace from the stdlib's
# ``socket`` at import, which a type checker cannot follow). The stdlib's names
# come from its own stub; gnet's cooperative replacements keep the stdlib's
# signatures but return gnet sockets; gnet adds wait_read/wait_write/wait_readwrite.
import socket as _stdsocket
from socket import _Address
from typing import Any

__implements__: list[str]
__extensions__: list[str]
__imports__: list[str]
__dns__: list[str]
_GLOBAL_DEFAULT_TIMEOUT: object

class socket(_stdsocket.socket):
    def __init__(self, family: int = -1, type: int = -1, proto: int = -1,
                 fileno: int | None = None) -> None: ...
    def accept(self) -> tuple[socket, Any]: ...
    def dup(self) -> socket: ...
    @property
    def timeout(self) -> float | None: ...

SocketType: type[socket]

def socketpair(family: int | None = None, type: int = ...,
               proto: int = 0) -> tuple[socket, socket]: ...
def fromfd(fd: Any, family: int, type: int, proto: int = 0) -> socket: ...
def create_server(address: _Address, *, family: int = ..., backlog: int | None = None,
                  reuse_port: bool = False, dualstack_ipv6: bool = False) -> socket: ...
def create_connection(address: tuple[str | None, int], timeout: float | None = ...,
                      source_address: _Address | None = None, *,
                      all_errors: bool = False) -> socket: ...
def wait_read(fileno: Any, timeout: float | None = None,
              timeout_exc: BaseException | None = None) -> None: ...
def wait_write(fileno: Any, timeout: float | None = None,
               timeout_exc: BaseException | None = None) -> None: ...
def wait_readwrite(fileno: Any, timeout: float | None = None,
                   timeout_exc: BaseException | None = None) -> None: ...

# The stdlib's names, last: the definitions above take precedence over them.
from socket import *  # type: ignore[assignment]  # noqa: E402, F403
